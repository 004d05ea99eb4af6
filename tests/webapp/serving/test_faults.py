"""gunicorn under faults: a worker killed under load, a client that sends its body too
slowly, a connection kept alive for ever. Behaviour only; the figures are in bench/."""

import os
import signal
import socket
import subprocess
import time

import pytest

from bench import load, payloads, serve
from conftest import gunicorn
from bench.serve import connections_held, workers_of
from webapp.serving.workers import FairGeventWorker

pytestmark = pytest.mark.slow

BODY_TIMEOUT = 2


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    log = tmp_path_factory.mktemp("faults") / "gunicorn.log"
    with gunicorn(2, log, DIGITS_BODY_TIMEOUT=str(BODY_TIMEOUT)) as (process, port):
        serve.wait_until_idle(process.pid)
        yield process, port


def test_after_a_worker_is_killed_under_load_both_workers_serve_again(two_workers, tmp_path):
    process, port = two_workers
    bodies = payloads.write_jsonl(payloads.canvas_bodies(8), tmp_path / "bodies.jsonl")
    wrk = subprocess.Popen([load.require_wrk(), "-t1", "-c16", "-d16s", "-s", str(load.LUA_SCRIPT),
                            f"http://127.0.0.1:{port}", "--", str(bodies)], stdout=subprocess.DEVNULL)
    try:
        time.sleep(3)
        killed = workers_of(process.pid)[0]
        os.kill(killed, signal.SIGKILL)
        time.sleep(9)   # the replacement loads the model, and connections come round to it
        workers = workers_of(process.pid)
        assert len(workers) == 2 and killed not in workers
        held = sorted(connections_held(pid, port) for pid in workers)
        assert held[0] >= 3, held   # the new worker holds its share of wrk's 16 connections
    finally:
        wrk.wait(timeout=60)


def _read_response(stream):
    status = stream.readline()
    headers = dict(line.decode().rstrip("\r\n").split(": ", 1) for line in iter(stream.readline, b"\r\n"))
    stream.read(int(headers.get("Content-Length", 0)))
    return status, headers


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "a-byte-at-a-time"])
def test_a_body_that_does_not_arrive_in_time_gets_a_408_and_the_connection_is_closed(two_workers, trickle):
    _, port = two_workers
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 10000000\r\n\r\n{\"image\": \"")
        started = time.monotonic()
        client.settimeout(0.4)
        answer = b""
        while time.monotonic() - started < BODY_TIMEOUT + 8 and not answer.endswith(b"}"):
            try:
                if trickle:
                    client.sendall(b"A")
                answer += client.recv(4096)
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"Connection: close" in answer
        client.settimeout(5)
        try:
            rest = client.recv(4096)
        except ConnectionResetError:
            rest = b""
        assert rest == b""   # closed by the server


def test_a_kept_alive_connection_is_closed_once_it_is_old(two_workers):
    """Its client connects again, to whichever worker is free: how connections come round
    to a new worker."""
    _, port = two_workers
    with socket.create_connection(("127.0.0.1", port)) as client:
        stream = client.makefile("rb")
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = _read_response(stream)
        assert status.startswith(b"HTTP/1.1 200") and headers.get("Connection") != "close"
        time.sleep(FairGeventWorker.CONNECTION_AGE + 0.3)
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers = _read_response(stream)
        assert status.startswith(b"HTTP/1.1 200") and headers.get("Connection") == "close"
        assert stream.read() == b""
