"""The drawing a request carries: its image bytes and, if the client sent them, the
strokes that drew it, validated. /api/predict, /api/explain and /api/feedback all take
theirs through `drawing()`, so a drawing the store keeps is one the API would read.

Every failure a client can cause is a BadRequest (a 4xx with {"error": message});
`answer_errors` makes a blueprint answer them, and the reading's own errors, as JSON.
"""

import base64
import binascii
from typing import NamedTuple

import numpy as np
from flask import jsonify, request

from webapp.reading import preprocess, segment


class BadRequest(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def bad_request(error):
    return jsonify(error=str(error)), error.status


def unreadable(error):
    status = {preprocess.ImageTooLarge: 413, preprocess.EmptyDrawing: 422, segment.TooManyMarks: 422}.get(type(error), 400)
    return jsonify(error=str(error)), status


def answer_errors(blueprint):
    """The blueprint answers BadRequest and the reading's PreprocessError as JSON, with
    their status."""
    blueprint.register_error_handler(BadRequest, bad_request)
    blueprint.register_error_handler(preprocess.PreprocessError, unreadable)


class Drawing(NamedTuple):
    image: bytes       # as posted: a PNG or JPEG, not yet decoded
    strokes: list      # polylines, each an (n, 2) float array in the image's pixels; None if not sent
    fields: dict       # the JSON body's other fields ({} for an upload or a raw image)


def drawing(json_only=False):
    """The request's drawing: a multipart file field `image`, a raw image/* body, or JSON
    {"image": "<data URL or bare base64>", "strokes": [[[x, y], ...], ...]} (strokes
    optional). `json_only`: JSON alone (415 otherwise), for requests that carry more
    fields than the image."""
    if not json_only:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("image")
            if upload is not None:
                return Drawing(upload.read(), None, {})
            if "image" in request.form:
                return Drawing(_decode_base64(request.form["image"]), None, {})
            fields = sorted(set(request.files) | set(request.form))
            raise BadRequest("expected a file field named 'image'"
                             + (f"; got {', '.join(repr(f) for f in fields)}" if fields else ""))
        if request.mimetype.startswith("image/"):
            return Drawing(request.get_data(), None, {})
    payload = _json_body()
    if "image" not in payload:
        raise BadRequest('the JSON body needs a field "image" holding a data URL or base64 image')
    if not isinstance(payload["image"], str):
        raise BadRequest('"image" must be a string: a data URL or base64 of a PNG or JPEG')
    return Drawing(_decode_base64(payload["image"]), _strokes(payload.get("strokes")), payload)


def _json_body():
    """The request's JSON object, or BadRequest. JSON only as application/json: as
    text/plain any web page could post here without the browser asking first."""
    if not request.is_json:
        raise BadRequest("send JSON as application/json, an image as image/*, or multipart form data "
                         "with a file field 'image'", 415)
    body = request.get_data()
    if body.count(b"[") + body.count(b"{") > MAX_POSTED_STROKES + MAX_STROKE_POINTS + 2:
        raise BadRequest(_stroke_limits())   # refused before parsing: each stroke and point is a list
    try:
        payload = request.get_json(silent=True)
    except RecursionError:   # JSON nested deeper than Python's parser goes
        payload = None
    if payload is None:
        raise BadRequest('the body must be JSON like {"image": "data:image/png;base64,..."} '
                         "or multipart form data with a file field 'image'")
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    return payload


# Points, empty strokes counted too: past segmentation's limit the strokes would not be
# read at all (the page sends none then), so they are not parsed either.
MAX_STROKE_POINTS = segment.RULES.max_stroke_points
# Strokes: as many as there may be points, not segmentation's max_strokes (48). Past 48
# the drawing is still read, from its pixels (the strokes are not looked at), and the
# feedback store keeps them: a stricter limit here would refuse drawings answered today.
MAX_POSTED_STROKES = MAX_STROKE_POINTS
MAX_COORDINATE = 1_000_000    # pixels from the image's corner, either way


def _strokes(value):
    """The optional "strokes": polylines of [x, y] points in the image's pixels, in the
    order drawn, each an (n, 2) float array; None when absent. Checked a stroke at a time,
    not a number at a time: a hundred thousand points cost milliseconds."""
    if value is None:
        return None
    shape = '"strokes" must be a list of strokes, each a list of [x, y] points'
    if not isinstance(value, list) or not all(isinstance(stroke, list) for stroke in value):
        raise BadRequest(shape)
    if len(value) > MAX_POSTED_STROKES or sum(len(stroke) for stroke in value) > MAX_STROKE_POINTS:
        raise BadRequest(_stroke_limits())
    points = shape + f", x and y numbers within {MAX_COORDINATE:,} px of the image"
    strokes = []
    for stroke in value:
        if not stroke:
            continue
        if not all(type(point) is list and len(point) == 2 for point in stroke):
            raise BadRequest(points)
        if not {type(number) for point in stroke for number in point} <= {int, float}:   # bool is not int here
            raise BadRequest(points)
        try:
            array = np.array(stroke, dtype=float)
        except OverflowError:   # an integer too large for a float
            raise BadRequest(points) from None
        if not (np.isfinite(array).all() and np.abs(array).max() <= MAX_COORDINATE):
            raise BadRequest(points)
        strokes.append(array)
    return strokes


def _stroke_limits():
    return f'"strokes" may hold at most {MAX_POSTED_STROKES:,} strokes and {MAX_STROKE_POINTS:,} points'


def _decode_base64(text):
    if text.startswith("data:"):
        header, _, text = text.partition(",")
        if not header.endswith(";base64"):
            raise BadRequest("the data URL must be base64-encoded (data:image/png;base64,...)")
    text = "".join(text.split())
    if not text:
        raise BadRequest('"image" is empty')
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if "-" in text or "_" in text
                                else None, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest('"image" is not valid base64') from None
