"""One log line per request on stderr: method, path, status, latency."""

import logging
import time

from flask import g, request

log = logging.getLogger("webapp.requests")


def install(app):
    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.get("request_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else float("nan")
        log.info("%s %s %d %.1fms", request.method, request.path, response.status_code, elapsed)
        return response
