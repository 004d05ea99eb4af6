"""gunicorn's gevent worker, made fair: connections take turns within a worker
(FairGeventWorker) and are shared between workers when they arrive together
(PacedServer). gunicorn.conf.py names the worker class.

Within a worker, gevent: each connection is a greenlet on the worker's one thread.
- A request is handled where it is read: no hand-off to a thread pool and back, which in
  gunicorn's threaded worker cost 0.2-1.7 ms of every request (paired runs, one at a time).
- A slow client (a tablet on weak Wi-Fi) holds a greenlet, not a worker.
"""

import time
from functools import partial

import gevent
from gevent.server import StreamServer
from gunicorn.workers.ggevent import GeventWorker

from webapp import DEFAULTS
from webapp.serving import body_deadline


class PacedServer(StreamServer):
    """gevent's server, which after accepting a connection waits until a request begins on
    this worker (at most ACCEPT_PAUSE) before it accepts another.

    Why: a kept-alive connection stays with the worker that accepted it. When several
    connect at once, a worker whose first connection had not yet sent its request looked
    idle and went on accepting: 4 connections all on one worker (half the throughput) in
    1 run of 6. While this worker waits or works on that request, another worker accepts.
    The stock threaded worker was worse: all 16 of 16 on one worker in 3 runs of 5.
    wrk's 4 connections still sometimes end up split 3 to 1 (2 runs of 5: wrk opens a
    fifth, silent one); 16 have been shared in every run (bench/README.md).
    """

    ACCEPT_PAUSE = 0.01   # seconds; for a connection that sends nothing (a browser's preconnect)
    max_accept = 1        # connections accepted per wake-up
    _pause = None

    def do_read(self):
        accepted = super().do_read()
        if accepted:
            self.stop_accepting()
            if self._pause is not None:   # accepting restarted early (gevent does, when a full pool frees up)
                self._pause.kill(block=False)
            self._pause = gevent.spawn_later(self.ACCEPT_PAUSE, self._pause_over)
        return accepted

    def _pause_over(self):
        if self._pause is gevent.getcurrent():
            self._pause = None   # this greenlet: resume() must not kill it
        self.resume()

    def resume(self):
        """Accept again (a request has begun, or the pause is over)."""
        if self._pause is not None:
            self._pause.kill(block=False)
            self._pause = None
        if self.started:   # not closed by a shutdown meanwhile
            self.start_accepting()


class FairGeventWorker(GeventWorker):
    """gunicorn's gevent worker, with the connections taking turns.

    Why: a kept-alive connection whose next request has already arrived never has to wait
    for it, so its greenlet never yields: under load one client was served again and again
    while the others waited (at 16 connections p50 4.5 ms but p99 2.3 s, measured). After
    each request the greenlet now waits until the event loop has nothing else ready, so
    every connection with a request waiting is served before this one's next. A plain
    `gevent.sleep(0)` is not enough: it resumes before the loop looks at the sockets (p99
    still 0.3-0.9 s).
    """

    # A kept-alive connection is closed after its first request past this age (seconds);
    # its client connects again and lands on whichever worker is free. Why: connections stay
    # with the worker that accepted them, so after a worker was killed or recycled all of
    # them sat on the other one and the new worker served nothing (540 -> 230 req/s for the
    # rest of a run). An age, not a request count: under a slow machine's load a count took
    # half a minute to come round.
    CONNECTION_AGE = 2.0
    # The request body's limits, from the served app's configuration once it is loaded
    # (load_wsgi): bytes, and seconds to arrive (else 408).
    body_limit = DEFAULTS["MAX_CONTENT_LENGTH"]
    body_timeout = float(DEFAULTS["BODY_TIMEOUT"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.servers = []
        self.opened = {}   # connection (socket) -> when it was accepted (time.monotonic())
        self.max_requests += self.recycling_offset(self.age, self.cfg.workers, self.cfg.max_requests)

    @staticmethod
    def recycling_offset(age, workers, max_requests):
        """Requests added to this worker's max_requests so that the workers restart in turn,
        spread over a whole cycle, never together: worker ages run 1, 2, 3, ... as they are
        spawned. (max_requests_jitter alone left both restarting within seconds of each other.)"""
        if max_requests <= 0 or workers <= 1:
            return 0
        return (age % workers) * max_requests // workers

    def load_wsgi(self):
        super().load_wsgi()
        config = getattr(self.wsgi, "config", {})   # the Flask app's; another WSGI app has none
        self.body_limit = config.get("MAX_CONTENT_LENGTH") or DEFAULTS["MAX_CONTENT_LENGTH"]
        self.body_timeout = float(config.get("BODY_TIMEOUT", DEFAULTS["BODY_TIMEOUT"]))

    def handle(self, listener, client, addr):
        self.opened[client] = time.monotonic()
        try:
            super().handle(listener, client, addr)
        finally:
            del self.opened[client]

    def handle_request(self, listener_name, req, sock, addr):
        if time.monotonic() - self.opened.get(sock, time.monotonic()) > self.CONNECTION_AGE:
            req.must_close = True   # answered with "Connection: close", then closed
        for server in self.servers:
            server.resume()   # takes effect once this request is done: it does not yield
        if not body_deadline.buffer_body(req, self.body_timeout, self.body_limit):
            sock.sendall(body_deadline.too_slow(self.body_timeout))
            raise StopIteration("the request body did not arrive in time")   # gunicorn closes the connection
        super().handle_request(listener_name, req, sock, addr)
        try:
            gevent.idle()
        except gevent.GreenletExit:   # killed by a shutdown while waiting: the answer is already sent
            return

    def server_class(self, listener, spawn, ssl_context=None, **_pywsgi_options):
        """GeventWorker.run() builds each listener's server through `server_class` when one
        is set (its hook for gevent's own WSGI server). Here it builds a PacedServer that
        hands each connection to gunicorn's HTTP handling, as the stock worker's does."""
        ssl = {"ssl_context": ssl_context} if ssl_context is not None else {}
        server = PacedServer(listener, handle=partial(self.handle, listener), spawn=spawn, **ssl)
        self.servers.append(server)
        return server
