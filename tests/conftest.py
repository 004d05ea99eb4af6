"""Shared fixtures: the Flask app and test client (as in Flask's tutorial), the shipped
model's fixtures, and for browser tests a real gunicorn server and Debian's Chromium."""

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from bench import serve
from webapp import ROOT, create_app

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def mnist_sample():
    """400 MNIST training and 200 MNIST test digits (uint8), shipped with the tests."""
    with np.load(FIXTURES / "mnist_sample.npz") as data:
        return {key: data[key] for key in data.files}


@pytest.fixture(scope="session")
def pen_digits():
    """80 real people's pen digits (UNIPEN text): 40 of held-out writers, 20 each of
    training and validation writers, shipped with the tests."""
    from training import pendigits
    return pendigits.load(FIXTURES / "pendigits_sample.txt")


@pytest.fixture(scope="session")
def _app(tmp_path_factory):
    database = tmp_path_factory.mktemp("store") / "feedback.sqlite3"
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}"})


@pytest.fixture
def app(_app):
    """The app on the shipped model (loaded once per test session: loading costs time)."""
    return _app


@pytest.fixture
def client(app):
    return app.test_client()


def wait_until_healthy(url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} not healthy after {timeout}s")


@contextlib.contextmanager
def gunicorn(workers, log_path, env=None, port=None, **more_env):
    """A real gunicorn serving the app as the README starts it, with `workers` workers;
    yields (process, port) once it answers. `env` and `more_env`: more environment
    variables (the feedback store defaults to a SQLite file beside the log)."""
    port = port or serve.free_port()
    env = {"DIGITS_DATABASE_URL": f"sqlite:///{Path(log_path).with_name('feedback.sqlite3')}", **(env or {}),
           **more_env}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "webapp:create_app()", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT, env={**os.environ, "WEB_CONCURRENCY": str(workers), **env}, stdout=log,
            stderr=subprocess.STDOUT)
        try:
            wait_until_healthy(f"http://127.0.0.1:{port}", process)
            yield process, port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """gunicorn with one worker; yields its base URL."""
    with gunicorn(1, tmp_path_factory.mktemp("server") / "gunicorn.log") as (_, port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright (Playwright's own browser download is not used)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = serve.launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()
