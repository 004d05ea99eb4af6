"""POST /api/feedback: a person confirms or corrects the answer, and the drawing is kept;
GET /api/today: the day's count and accuracy, for the kiosk's counter.

The image and strokes are validated exactly as /api/predict validates them (payload.drawing,
preprocess.decode_image), so a drawing the store keeps is one the server can read again.
"""

import hashlib
import re
from datetime import datetime

from flask import Blueprint, current_app, jsonify

from webapp.reading import preprocess
from webapp.store import tally
from webapp.store.database import StoreUnavailable
from webapp.web.payload import BadRequest, answer_errors, drawing

bp = Blueprint("feedback", __name__)
answer_errors(bp)

LABEL = re.compile(r"[0-9]{1,12}")     # what the person meant: a digit or a number
ANSWER = re.compile(r"[0-9?]{1,64}")   # what the app showed: "?" for a piece that is not a digit
POINTERS = ("mouse", "touch", "pen")


@bp.errorhandler(StoreUnavailable)
def unavailable(error):
    current_app.logger.warning("feedback store unavailable: %s", error)
    response = jsonify(error="the feedback store cannot be reached just now; try again in a moment")
    response.headers["Retry-After"] = "5"
    return response, 503


@bp.post("/api/feedback")
def post_feedback():
    image, strokes, payload = drawing(json_only=True)
    preprocess.decode_image(image, current_app.config["MAX_IMAGE_PIXELS"])   # an image, within the limits
    answer = _text(payload, "answer", ANSWER, 'digits (and "?" for a piece that is not one), as the app showed them')
    label = _text(payload, "label", LABEL, "1 to 12 digits, 0-9: what the drawing was meant to be")
    pointer = payload.get("pointer")
    if pointer is not None and pointer not in POINTERS:
        raise BadRequest(f'"pointer" must be one of {", ".join(POINTERS)} (or left out)')
    name, sha256 = model_identity()
    row_id = current_app.extensions["store"].add(image=image, strokes=strokes, answer=answer, label=label,
                                                 model_name=name, model_sha256=sha256, pointer=pointer)
    return jsonify(id=row_id), 201


@bp.get("/api/today")
def today():
    """Drawings and digits confirmed or corrected since midnight (server time), and how many
    the app had right: nobody's drawing, only the counts."""
    rows = current_app.extensions["store"].labels(since=start_of_today())
    return jsonify(tally.summary(rows))


def start_of_today():
    return datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


def _text(payload, key, pattern, meaning):
    value = payload.get(key)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BadRequest(f'"{key}" must be a string of {meaning}')
    return value


def model_identity():
    """(file name, sha256) of the model that answered: a kept drawing says which model it corrected."""
    identity = current_app.extensions.get("model_identity")
    if identity is None:
        path = current_app.extensions["classifier"].path
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        identity = current_app.extensions["model_identity"] = (path.name, digest)
    return identity
