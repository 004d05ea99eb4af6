"""webapp/serving/workers.py without gunicorn: a PacedServer pauses accepting after each
connection until a request begins or the pause is over, and FairGeventWorker lets every
other ready connection go before a connection's next request."""

from types import SimpleNamespace

import gevent
import pytest
from gevent import socket
from gunicorn.workers.ggevent import GeventWorker

from webapp.serving.workers import FairGeventWorker, PacedServer


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock
    sock.close()


def paced(listener, pause):
    accepted = []
    server = PacedServer(listener, handle=lambda sock, address: accepted.append(sock))
    server.ACCEPT_PAUSE = pause
    server.start()
    return server, accepted


def connect(listener, count):
    return [socket.create_connection(listener.getsockname()) for _ in range(count)]


def test_a_paced_server_waits_before_accepting_the_next_connection(listener):
    server, accepted = paced(listener, pause=0.3)
    clients = connect(listener, 2)
    gevent.sleep(0.1)
    assert len(accepted) == 1   # the second waits: another worker may take it
    gevent.sleep(0.4)
    assert len(accepted) == 2   # the pause is over
    server.stop()
    for client in clients:
        client.close()


def test_a_request_beginning_resumes_accepting_at_once(listener):
    server, accepted = paced(listener, pause=5.0)
    clients = connect(listener, 2)
    gevent.sleep(0.1)
    assert len(accepted) == 1
    server.resume()
    gevent.sleep(0.1)
    assert len(accepted) == 2
    server.stop()
    for client in clients:
        client.close()


def bare_worker():
    """A FairGeventWorker without gunicorn's arbiter: only what the methods under test use."""
    worker = FairGeventWorker.__new__(FairGeventWorker)
    worker.servers, worker.opened, worker.body_limit = [], {}, 1024
    return worker


def test_the_worker_builds_paced_servers_and_keeps_them(listener):
    worker = bare_worker()
    worker.handle = lambda listener, sock, address: None
    server = worker.server_class(listener, spawn="default")
    assert isinstance(server, PacedServer) and worker.servers == [server]


def test_after_a_request_every_other_ready_greenlet_goes_first(monkeypatch):
    order = []
    monkeypatch.setattr(GeventWorker, "handle_request", lambda self, *args: order.append("request"))
    worker = bare_worker()

    class Server:
        def resume(self):
            order.append("resume")

    class Request:
        must_close = False
        headers = []

    worker.servers = [Server()]
    gevent.spawn(order.append, "another connection")
    worker.handle_request("listener", Request(), "socket", "address")
    order.append("returned")
    assert order == ["resume", "request", "another connection", "returned"]


def test_workers_are_recycled_in_turn_not_together():
    offsets = [FairGeventWorker.recycling_offset(age, 2, 20000) for age in (1, 2, 3, 4)]
    assert offsets == [10000, 0, 10000, 0]   # siblings half a cycle apart, replacements too
    assert FairGeventWorker.recycling_offset(1, 1, 20000) == 0
    assert FairGeventWorker.recycling_offset(3, 4, 0) == 0   # no max_requests: nothing to stagger


def test_the_body_limits_come_from_the_served_apps_configuration(monkeypatch):
    served = SimpleNamespace(config={"MAX_CONTENT_LENGTH": 1000, "BODY_TIMEOUT": 2.5})
    monkeypatch.setattr(GeventWorker, "load_wsgi", lambda self: setattr(self, "wsgi", served))
    worker = bare_worker()
    worker.load_wsgi()
    assert (worker.body_limit, worker.body_timeout) == (1000, 2.5)
    served.config = {}   # not a Flask app: the app's defaults
    worker.load_wsgi()
    assert (worker.body_limit, worker.body_timeout) == (16 * 1024 * 1024, 20.0)
