"""A request body must arrive within a time limit, or the answer is a 408 and the
connection is closed.

Why: a client that declares a large body and sends a byte now and then would hold its
connection, and the memory of what it has sent, for as long as it liked. gunicorn bounds
the wait for a request's headers (keepalive) but not for its body. The worker reads the
body here, under a gevent timeout, before the app sees it; the app then reads it from
memory. Bodies declared larger than the app takes are left to the app, which refuses
them (413) from the header alone.
"""

import io
import json

import gevent

from webapp.serving.headers import HEADERS


class BodyTooSlow(Exception):
    pass


def buffer_body(req, seconds, max_bytes):
    """Read a gunicorn request's body into memory (req.body then reads from there) within
    `seconds`; False if it did not arrive in time."""
    headers = dict(req.headers)
    length = headers.get("CONTENT-LENGTH", "")
    declared = int(length) if length.isdigit() else 0
    if not (declared or "TRANSFER-ENCODING" in headers) or declared > max_bytes:
        return True
    try:
        with gevent.Timeout(seconds, BodyTooSlow):
            body = req.body.read(max_bytes + 1)   # one byte over the limit: the app answers 413
    except BodyTooSlow:
        return False
    if len(body) > max_bytes:
        req.must_close = True   # the rest of a chunked body is never read: the connection ends here
    req.body = io.BytesIO(body)
    return True


def too_slow(seconds):
    """The whole 408 response, for the worker to send before it closes the connection."""
    body = json.dumps({"error": f"the request body did not arrive within {seconds:g} s"}).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close",
               **HEADERS}
    head = "HTTP/1.1 408 Request Timeout\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body
