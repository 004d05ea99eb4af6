"""The JSON API: POST /api/predict, POST /api/explain and GET /healthz.

Only HTTP lives here: reading the request, calling preprocessing and the classifier,
writing the answer. Every failure a client can cause is a 4xx with {"error": message}.
"""

import base64
import binascii
import time

import numpy as np
from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from webapp.reading import insight, preprocess, segment

bp = Blueprint("api", __name__)


class BadRequest(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


@bp.errorhandler(BadRequest)
def bad_request(error):
    return jsonify(error=str(error)), error.status


@bp.errorhandler(preprocess.PreprocessError)
def unreadable(error):
    status = {preprocess.ImageTooLarge: 413, preprocess.EmptyDrawing: 422, segment.TooManyMarks: 422}.get(type(error), 400)
    return jsonify(error=str(error)), status


@bp.app_errorhandler(HTTPException)
def _http_error(error):
    """JSON for every HTTP error under /api (413 from the body limit, 404, 405, ...)."""
    if not request.path.startswith("/api") and request.path != "/healthz":
        return error
    messages = {413: f"the request is larger than the limit of "
                     f"{current_app.config['MAX_CONTENT_LENGTH'] // (1024 * 1024)} MB"}
    response = jsonify(error=messages.get(error.code, error.description))
    return response, error.code


@bp.post("/api/predict")
def predict():
    started = time.perf_counter()
    data, strokes = _image_bytes()
    result = current_app.extensions["reader"].read(data, strokes)
    body = result.whole.as_json()
    body["input"] = insight.data_url(result.whole.png)
    body["number"] = result.number
    # a digit drawn alone is the whole drawing: its input is already encoded
    body["digits"] = [{**d.as_json(), "input": body["input"] if d.pixels is result.whole.pixels else insight.data_url(d.png)}
                      for d in result.digits]
    body["image_size"] = list(result.size)
    body["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return jsonify(body)


@bp.post("/api/explain")
def explain():
    """What each layer makes of the drawing read as one digit, or of the digit `index` of
    a number: the same input, the same reading and the same errors as /api/predict."""
    started = time.perf_counter()
    explainer = current_app.extensions.get("explainer")
    if explainer is None:
        raise BadRequest("explaining is not available: the explain model is not installed "
                         "(python -m training.explainer model/digits.keras)", 503)
    data, strokes = _image_bytes()
    index = _digit_index()
    result = current_app.extensions["reader"].read(data, strokes)
    if index is not None and index >= len(result.digits):
        raise BadRequest(f'"index" {index} is past the last digit: the drawing reads as '
                         f"{len(result.digits)} digit{'s' if len(result.digits) != 1 else ''}", 422)
    reading = result.whole if index is None else result.digits[index]
    body = {"index": index, "number": result.number, **reading.as_json(), "input": insight.data_url(reading.png)}
    body.update(insight.explanation_json(explainer.explain(reading.pixels, reading.digit, reading.runner_up)))
    body["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return jsonify(body)


def _digit_index():
    """The optional "index" (a JSON field, a form field or a query parameter): which digit
    of a number to explain, from 0 at the left; None for the whole drawing."""
    value = request.get_json(silent=True).get("index") if request.is_json else None
    if value is None:
        value = request.form.get("index", request.args.get("index"))
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if value is not None and (type(value) is not int or value < 0):   # bool is not int here
        raise BadRequest('"index" must be a whole number from 0: which digit of the number to explain')
    return value


@bp.get("/healthz")
def healthz():
    classifier = current_app.extensions["classifier"]
    return jsonify(status="ok", model=classifier.path.name)


def _image_bytes():
    """The image in the request, and the strokes that drew it if the client sent them: a
    multipart file field `image`, a raw image/* body, or JSON {"image": "<data URL or
    bare base64>", "strokes": [[[x, y], ...], ...]} (strokes optional)."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is not None:
            return upload.read(), None
        if "image" in request.form:
            return _decode_base64(request.form["image"]), None
        fields = sorted(set(request.files) | set(request.form))
        raise BadRequest("expected a file field named 'image'"
                         + (f"; got {', '.join(repr(f) for f in fields)}" if fields else ""))
    if request.mimetype.startswith("image/"):
        return request.get_data(), None
    return json_image(json_body())


def json_image(payload):
    """The image bytes and strokes of a JSON body {"image": ..., "strokes": ...}, validated
    (BadRequest otherwise); /api/predict and /api/feedback take them alike."""
    if not isinstance(payload, dict) or "image" not in payload:
        raise BadRequest('the JSON body needs a field "image" holding a data URL or base64 image')
    if not isinstance(payload["image"], str):
        raise BadRequest('"image" must be a string: a data URL or base64 of a PNG or JPEG')
    return _decode_base64(payload["image"]), _strokes(payload.get("strokes"))


def json_body():
    """The request's JSON object, or BadRequest. JSON only as application/json: as
    text/plain any web page could post here without the browser asking first."""
    if not request.is_json:
        raise BadRequest("send JSON as application/json, an image as image/*, or multipart form data "
                         "with a file field 'image'", 415)
    body = request.get_data()
    if body.count(b"[") + body.count(b"{") > MAX_STROKES + MAX_STROKE_POINTS + 2:
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


# Strokes and points, empty strokes counted too: past segmentation's limit the strokes
# would not be read at all (the page sends none then), so they are not parsed either.
MAX_STROKE_POINTS = MAX_STROKES = segment.RULES.max_stroke_points
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
    if len(value) > MAX_STROKES or sum(len(stroke) for stroke in value) > MAX_STROKE_POINTS:
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
    return f'"strokes" may hold at most {MAX_STROKES:,} strokes and {MAX_STROKE_POINTS:,} points'


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
