"""The team's pages, behind DIGITS_ADMIN_TOKEN: a bearer token, or the same token as an
HTTP Basic password (any user name), so a browser can ask for it. With no token set the
pages do not exist (404): a visitor never sees another visitor's drawing.
"""

import base64
import binascii
import functools
import hmac

from flask import abort, current_app, jsonify, request

REALM = "Digit reader team"


def team_only(view):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        token = current_app.config.get("ADMIN_TOKEN")
        if not token:
            abort(404)
        if not _presented(request.headers.get("Authorization", ""), str(token)):
            response = jsonify(error="this page is for the team: give the admin token") if request.path.startswith(
                "/api/") else current_app.response_class("The admin token is needed.\n", mimetype="text/plain")
            response.status_code = 401
            response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
            return response
        return view(*args, **kwargs)
    return guarded


def _presented(header, token):
    """Whether an Authorization header carries the token (compared in constant time)."""
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        given = value.strip()
    elif scheme == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, ValueError):
            return False
    else:
        return False
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))
