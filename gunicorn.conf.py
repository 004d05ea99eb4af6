"""gunicorn settings for serving the app: `gunicorn 'webapp:create_app()'` from this folder.

Environment: DIGITS_BIND (default 0.0.0.0:8000, so tablets on the same network can reach
it; `-b HOST:PORT` on the command line wins), WEB_CONCURRENCY (workers, default one per
core).
"""

import multiprocessing
import os

bind = os.environ.get("DIGITS_BIND", "0.0.0.0:8000")

# One process per core: preprocessing and inference hold the GIL, so processes, not
# threads, give parallelism.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))

# gevent within each worker, connections taking turns and shared between the workers
# (see webapp/serving/workers.py).
worker_class = "webapp.serving.workers.FairGeventWorker"
# Open connections per worker, idle keep-alives included: a bound on a worker's memory
# when many slow clients connect (each may hold a request body of up to the body limit
# for DIGITS_BODY_TIMEOUT seconds); more wait in the listen queue.
worker_connections = 100

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
