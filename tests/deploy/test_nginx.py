"""deploy/: Debian's nginx, configured as shipped, in front of two gunicorn servers on
loopback; one is killed mid-test and every request is still answered."""

import os
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

from bench import payloads, serve
from conftest import gunicorn
from webapp import ROOT
from webapp.serving.headers import HEADERS

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install nginx)")]

DEPLOY = ROOT / "deploy"


def nginx_config(folder, port, upstreams):
    """The shipped configuration with this test's ports and paths, in a main file of its own."""
    site = (DEPLOY / "digits.conf").read_text()
    site = site.replace("server 127.0.0.1:8001", f"server 127.0.0.1:{upstreams[0]}")
    site = site.replace("server 127.0.0.1:8002", f"server 127.0.0.1:{upstreams[1]}")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("root /srv/digits;", f"root {ROOT};")
    site = site.replace("/etc/nginx/digits-headers.conf", str(DEPLOY / "headers.conf"))
    (folder / "digits.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(f"""
        worker_processes 1; daemon off; pid {folder / 'nginx.pid'}; error_log {folder / 'error.log'};
        events {{ worker_connections 256; }}
        http {{ include /etc/nginx/mime.types; access_log {folder / 'access.log'}; {temp}
               include {folder / 'digits.conf'}; }}""")
    return folder / "nginx.conf"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    ports = [serve.free_port() for _ in range(3)]
    with gunicorn(1, folder / "a.log", port=ports[1]) as (first, _), \
            gunicorn(1, folder / "b.log", port=ports[2]) as (second, _):
        config = nginx_config(folder, ports[0], ports[1:])
        nginx = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")])
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if serve.request(ports[0], "GET", "/healthz", timeout=2)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{ports[0]}", (first, second)
        finally:
            nginx.terminate()
            nginx.wait(timeout=15)


def fetch(url, body=None):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()


@pytest.mark.parametrize("path", ["/", "/static/style.css", "/static/js/main.js", "/healthz"])
def test_every_answer_carries_the_headers_once(stack, path):
    url, _ = stack
    status, headers, _ = fetch(url + path)
    assert status == 200
    for name, value in HEADERS.items():
        assert headers.get_all(name) == [value], name


def test_static_files_come_from_nginx_with_their_types(stack):
    url, _ = stack
    _, headers, body = fetch(url + "/static/js/main.js")
    assert headers["Server"] == "nginx" and "max-age=3600" in headers["Cache-Control"]
    assert headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    assert body == (ROOT / "static" / "js" / "main.js").read_bytes()


def test_requests_are_answered_while_one_app_server_is_killed(stack):
    url, (first, _) = stack
    body = payloads.canvas_bodies(1)[0]
    statuses = []
    for k in range(30):
        if k == 10:
            for pid in reversed(serve.process_tree(first.pid)):   # the master and its worker at once
                os.kill(pid, signal.SIGKILL)
        statuses.append(fetch(url + "/api/predict", body)[0])
    assert statuses == [200] * 30
