"""Security headers on every response, and a page that needs nothing its policy forbids."""

import re

import pytest
from playwright.sync_api import expect

from webapp import ROOT
from webapp.serving.headers import HEADERS

PATHS = [("GET", "/"), ("GET", "/static/style.css"), ("GET", "/static/js/main.js"), ("GET", "/healthz"),
         ("GET", "/nowhere"), ("POST", "/api/predict"), ("GET", "/api/predict")]


@pytest.mark.parametrize("method,path", PATHS)
def test_every_response_carries_the_security_headers(client, method, path):
    response = client.open(path, method=method)
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_page_has_no_inline_script_or_style():
    for path in [ROOT / "templates" / "index.html", *ROOT.glob("static/**/*.html")]:
        html = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path   # every script from a file
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), path   # no style or handler attributes


@pytest.mark.browser
def test_the_page_works_under_its_policy(page, live_server, mnist_sample):
    """The page loads, draws and reads with the policy on, and the browser reports no
    violation."""
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true", timeout=15_000)
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8, steps=8)
    page.mouse.up()
    expect(page.locator("#prediction")).to_have_attribute("data-state", re.compile("^(confident|uncertain|rejected)$"),
                                                          timeout=15_000)
    assert page.locator("#seen").get_attribute("src").startswith("data:image/png")
    assert violations == []
