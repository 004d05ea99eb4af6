"""The JSON API: POST /api/predict, POST /api/explain and GET /healthz.

Only HTTP lives here: taking the drawing (payload.drawing), calling the reader,
writing the answer. Every failure a client can cause is a 4xx with {"error": message}.
"""

import time

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from webapp.reading import insight
from webapp.web.payload import BadRequest, answer_errors, drawing

bp = Blueprint("api", __name__)
answer_errors(bp)


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
    data, strokes, _ = drawing()
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
    data, strokes, _ = drawing()
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

