"""gunicorn as gunicorn.conf.py configures it: connections that arrive together are shared
by the workers, and within a worker the connections take turns."""

import socket

import pytest

from bench import serve
from bench.serve import connections_held, workers_of
from bench.payloads import json_body
from conftest import gunicorn
from training import synth

pytestmark = pytest.mark.slow

WORKERS = 2


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    with gunicorn(WORKERS, tmp_path_factory.mktemp("serving") / "gunicorn.log") as (process, port):
        serve.wait_until_idle(process.pid)   # both workers have loaded the model, not just the first
        yield process, port


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    log = tmp_path_factory.mktemp("turns") / "gunicorn.log"
    with gunicorn(1, log) as (_, port):
        yield port, log


def predict_request(digit):
    """The raw bytes of one POST /api/predict of an MNIST digit drawn on the canvas."""
    body = json_body(synth.png_bytes(synth.render(digit / 255.0, 300, 20)))
    return (f"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


@pytest.mark.parametrize("connect_first,trial", [(False, t) for t in range(3)] + [(True, t) for t in range(6)],
                         ids=[f"ask-at-once-{t}" for t in range(3)] + [f"connect-first-{t}" for t in range(6)])
def test_connections_arriving_together_are_shared_by_the_workers(two_workers, mnist_sample, trial, connect_first):
    """Browsers connect and ask at once; load generators such as wrk open all their
    connections first and ask after. Each trial is a chance to catch one worker taking
    everything: gevent's stock server did so in 3 of 12 connect-first trials, so six
    trials catch it about four times in five."""
    process, port = two_workers
    workers = workers_of(process.pid)
    assert len(workers) == WORKERS
    request = predict_request(mnist_sample["x_test"][0])
    count, fewest = (4, 1) if connect_first else (16, 3)
    sockets = []
    try:
        for _ in range(count):
            sockets.append(socket.create_connection(("127.0.0.1", port)))
            if not connect_first:
                sockets[-1].sendall(request)
        for s in sockets if connect_first else ():
            s.sendall(request)
        for s in sockets:   # every connection is answered ...
            assert s.makefile("rb").readline().startswith(b"HTTP/1.1 200")
        held = sorted(connections_held(pid, port) for pid in workers)
        assert sum(held) == count   # ... and kept alive, by one worker or the other
        assert held[0] >= fewest, held
    finally:
        for s in sockets:
            s.close()


QUEUED = 12


def test_a_connection_with_requests_queued_does_not_hold_up_the_others(one_worker, mnist_sample):
    """One client sends QUEUED predictions at once on one connection; another then asks
    for /healthz on its own. The second is answered after a few of the first's requests,
    not after all of them (a greenlet whose next request is already read never has to
    wait, so without taking turns it kept the worker to itself)."""
    port, log = one_worker
    predict = predict_request(mnist_sample["x_test"][1])
    busy, other = socket.create_connection(("127.0.0.1", port)), socket.create_connection(("127.0.0.1", port))
    try:
        busy.sendall(predict * QUEUED)
        other.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert other.makefile("rb").readline().startswith(b"HTTP/1.1 200")
        answers = busy.makefile("rb")
        for _ in range(QUEUED):   # every queued request is answered too
            status = answers.readline()
            assert status.startswith(b"HTTP/1.1 200"), status
            headers = list(iter(answers.readline, b"\r\n"))
            answers.read(next(int(h.split(b":")[1]) for h in headers if h.lower().startswith(b"content-length:")))
    finally:
        busy.close()
        other.close()
    order = [line.split()[-3] for line in log.read_text().splitlines() if "webapp.requests" in line]
    before = order.index("/healthz", order.index("/api/predict"))
    assert order.count("/api/predict") == QUEUED
    assert before - order.index("/api/predict") <= 3, order
