"""gunicorn settings for serving the app: `gunicorn 'webapp:create_app()'` from this folder.

Environment: DIGITS_BIND (default 0.0.0.0:8000, so tablets on the same network can reach
it; `-b HOST:PORT` on the command line wins), WEB_CONCURRENCY (workers, default one per
core), DIGITS_THREADS (threads per worker, default 4).
"""

import multiprocessing
import os
import time

from gunicorn.workers.gthread import ThreadWorker

bind = os.environ.get("DIGITS_BIND", "0.0.0.0:8000")

# One process per core: preprocessing and inference hold the GIL, so processes, not
# threads, give parallelism. A few threads per worker overlap network reads and writes.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("DIGITS_THREADS", 4))


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, slower to take new connections while all its threads
    are busy.

    Why: the stock worker accepts every connection it can as soon as it is woken, and a
    kept-alive connection stays with the worker that accepted it. When many clients
    connect at once, one worker often takes them all while the other idles: measured with
    16 connections, 3 runs in 5 put all 16 on one worker and served half as many requests.
    Here a worker whose threads are all busy waits ACCEPT_DELAY before accepting, so an
    idle worker takes the connection first; no connection waits longer than that for a
    busy one. All of this runs on the worker's main thread: the count needs no lock.
    """

    ACCEPT_DELAY = 0.02   # seconds
    in_flight = 0         # requests handed to the threads and not finished
    busy_since = None
    wanted = True         # what the stock worker would do (it stops at worker_connections)

    def enqueue_req(self, conn):
        self.in_flight += 1
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled):
        self.wanted = enabled
        super().set_accept_enabled(enabled and self._may_accept())

    def wait_for_and_dispatch_events(self, timeout):
        may = self._may_accept()
        super().set_accept_enabled(self.wanted and may)
        super().wait_for_and_dispatch_events(timeout if may else self.ACCEPT_DELAY)

    def _may_accept(self):
        if self.in_flight < self.cfg.threads:
            self.busy_since = None
            return True
        now = time.monotonic()
        self.busy_since = self.busy_since or now
        return now - self.busy_since >= self.ACCEPT_DELAY


worker_class = BalancedThreadWorker

# The app, and with it the model, is created in each worker after the fork (TensorFlow,
# and LiteRT's thread pools, must not cross a fork). Never preload.
preload_app = False

timeout = 30              # a worker silent this long is killed and replaced
graceful_timeout = 10
keepalive = 5
# Replace workers now and then, staggered, so that no slow leak can build up over a long day.
max_requests = 20000
max_requests_jitter = 2000
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

errorlog = "-"
loglevel = "info"

# glibc hands the large buffers of each request (the decoded PNG, the ink map) back to the
# kernel when they are freed and faults them in again on the next request: ~900 page
# faults and ~1.5 ms of kernel time per request, measured. Raising the trim and mmap
# thresholds keeps that memory in the worker for reuse.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def post_fork(server, worker):
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:   # not glibc: nothing to tune
        return
    libc.mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024)
    libc.mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024)
