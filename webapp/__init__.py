"""The digit-recognition web app.

    gunicorn 'webapp:create_app()'      # production (see gunicorn.conf.py)
    flask --app webapp run              # development
    flask --app webapp predict FILE...  # read digits from image files
    flask --app webapp feedback export OUT.npz | purge   # the drawings visitors corrected
"""

import json
import logging
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "MODEL_PATH": str(ROOT / "model" / "digits.tflite"),
    "EXPLAIN_PATH": None,                     # the explain model (/api/explain); None: beside the model,
                                              # digits-explain.tflite
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,   # request body, bytes
    "BODY_TIMEOUT": 20,                       # seconds a request body may take to arrive (408 after); the
                                              # gunicorn worker (webapp.serving.workers) reads it from the app
    # MAX_IMAGE_PIXELS, the largest decoded image (width x height): preprocess.DEFAULT_MAX_PIXELS
    "REJECT_BELOW": None,                     # "not a digit" below this (or a list: for 1, 2, ... digits
                                              # in the drawing); None: the thresholds in the model's report
    "GATE_PATH": str(ROOT / "model" / "gate.tflite"),   # the "not a digit" gate (webapp/reading/verdict.py); no file: none
    "GATE_ABOVE": None,                       # not a digit when the gate says above this (or a list, as
                                              # REJECT_BELOW); None: the thresholds in gate.json beside it
    "STROKES_PATH": str(ROOT / "model" / "strokes.tflite"),   # the stroke reader (webapp/reading/stroke_reader.py);
                                              # no file: drawings are read from their pixels alone
    "DATABASE_URL": None,                     # the feedback store; None: SQLite in the instance folder
    "ADMIN_TOKEN": None,                      # /stats and /api/stats; None: they answer 404
    "KIOSK_IDLE_SECONDS": 30,                 # the kiosk clears an untouched pad after this
    "KIOSK_ATTRACT_SECONDS": 60,              # ... and plays its attract loop after this
    "KIOSK_LOOK": False,                      # the attract loop shows "How it reads" (or /kiosk?look=1)
}


def create_app(config=None):
    """Build the app. Settings: DEFAULTS, then DIGITS_* environment variables
    (DIGITS_MODEL_PATH=..., DIGITS_MAX_CONTENT_LENGTH=...), then `config`."""
    # Imported here, not at the top: gunicorn's master imports this package for its worker
    # class (webapp.serving.workers), and the app's libraries belong in the workers alone.
    from flask import Flask

    from webapp.reading.preprocess import DEFAULT_MAX_PIXELS

    app = Flask(__name__, static_folder=str(ROOT / "static"), template_folder=str(ROOT / "templates"))
    app.config.from_mapping(DEFAULTS, MAX_IMAGE_PIXELS=DEFAULT_MAX_PIXELS)
    app.config.from_prefixed_env("DIGITS")
    if config:
        app.config.from_mapping(config)
    app.json.sort_keys = False
    if app.config["REJECT_BELOW"] is None:
        app.config["REJECT_BELOW"] = measured_reject_thresholds(app.config["MODEL_PATH"])

    from webapp.reading import pipeline
    from webapp.reading.classifier import load_classifier
    from webapp.reading.explain_model import default_path, load_explainer
    from webapp.reading.stroke_reader import load_stroke_reader
    from webapp.reading.verdict import load_gate
    from webapp.serving import headers, requestlog
    from webapp.store import commands
    from webapp.store.database import Store, default_url
    from webapp.web import api, cli, feedback, kiosk, pages, stats

    # Under gunicorn this runs in each worker, after the fork: TensorFlow is not fork-safe.
    classifier = app.extensions["classifier"] = load_classifier(app.config["MODEL_PATH"])
    gate = app.extensions["gate"] = load_gate(app.config["GATE_PATH"], app.config["GATE_ABOVE"])
    stroke_reader = app.extensions["stroke_reader"] = load_stroke_reader(app.config["STROKES_PATH"])
    if gate is not None and gate.joint is not None and gate.joint.path_weight and (
            stroke_reader is None or stroke_reader.gate is None):
        logging.getLogger(__name__).warning(
            "the joint rule weighs the strokes gate, which is not there: drawings with strokes are judged "
            "by the confidence and gate thresholds alone")
    app.extensions["reader"] = pipeline.Reader(classifier, app.config["MAX_IMAGE_PIXELS"],
                                                app.config["REJECT_BELOW"], gate, stroke_reader)
    # Missing or unreadable, it only logs: /api/explain answers 503, reading digits goes on.
    app.extensions["explainer"] = load_explainer(app.config["EXPLAIN_PATH"] or default_path(app.config["MODEL_PATH"]))

    # The feedback store: reading digits never waits on it, so an unreachable one only logs here.
    store = app.extensions["store"] = Store(app.config["DATABASE_URL"] or default_url(app.instance_path))
    store.try_ensure_schema()

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(stats.bp)
    cli.register(app)
    commands.register(app)
    requestlog.install(app)
    headers.install(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def measured_reject_thresholds(model_path):
    """The "not a digit" thresholds measured for this model, for a drawing read as 1, 2, ...
    digits (see pipeline.reject_threshold), from the report beside it."""
    try:
        rejection = json.loads(Path(model_path).with_name("metrics.json").read_text())["rejection"]
        if "in_numbers" not in rejection:   # a report from before numbers had thresholds of their own
            return float(rejection["threshold"])
        return [float(length["threshold"]) for length in rejection["in_numbers"]]
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0   # no report: never reject
