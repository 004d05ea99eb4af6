"""How fast "How it reads" is, and whether its evidence map is honest.

    .venv/bin/python bench/explain.py              # ~1 minute
    .venv/bin/python bench/explain.py --quick      # seconds

Speed: p50/p90 of POST /api/explain for one drawing (the page's canvas exports,
bench/payloads.py), in-process (Flask's test client: preprocessing, the reading, the
explain model, the PNGs and JSON) and over HTTP against a real gunicorn with one worker;
the explain model's own call alone; /api/predict on the same drawings beside it.

Honesty: deleting (zeroing) the ink pixels the evidence map ranks most "for the answer"
should take the answer's probability away faster than deleting ink pixels at random.
For MNIST test digits, the answer's mean probability after deleting 5 %, 10 %, 20 %, 30 %
and 50 % of the ink, in the order of the served (blurred) map, of the raw gradient x
input, and at random (three orders). Lower is more honest.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `bench` and `webapp` importable

from bench import payloads, serve  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.reading import insight  # noqa: E402

FRACTIONS = (0.05, 0.1, 0.2, 0.3, 0.5)


def percentiles(seconds):
    ms = np.asarray(seconds) * 1000
    return {"p50": round(float(np.percentile(ms, 50)), 2), "p90": round(float(np.percentile(ms, 90)), 2)}


def timed(call, items, rounds):
    spent = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter()
            call(item)
            spent.append(time.perf_counter() - started)
    return percentiles(spent)


def in_process(bodies, rounds):
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    client = app.test_client()

    def post(path):
        def call(body):
            assert client.post(path, data=body, content_type="application/json").status_code == 200
        return call

    for body in bodies:   # warm: every interpreter made, every code path run once
        post("/api/explain")(body)
    explainer, inputs = app.extensions["explainer"], np.random.default_rng(0).random((8, 28, 28)).astype(np.float32)
    return {"explain_request": timed(post("/api/explain"), bodies, rounds),
            "predict_request": timed(post("/api/predict"), bodies, rounds),
            "explain_model_call": timed(lambda x: explainer.explain(x, 0, 1), inputs, rounds * 4)}


def over_http(bodies, rounds):
    port = serve.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        process = serve.start_gunicorn(port, Path(tmp) / "gunicorn.log", workers=1,
                                       DIGITS_DATABASE_URL=f"sqlite:///{tmp}/feedback.sqlite3")
        try:
            def post(path):
                def call(body):
                    status, _ = serve.request(port, "POST", path, body)
                    assert status == 200, status
                return call
            for body in bodies:
                post("/api/explain")(body)
            return {"explain_http": timed(post("/api/explain"), bodies, rounds),
                    "predict_http": timed(post("/api/predict"), bodies, rounds)}
        finally:
            serve.stop(process)


def deletion_curves(count, seeds=3):
    """The answer's mean probability after deleting each fraction of the ink: in the
    order of the served map, of the raw gradient x input, and at random."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    explainer, classifier = app.extensions["explainer"], app.extensions["classifier"]
    with np.load(payloads.MNIST_SAMPLE) as data:
        digits = data["x_test"][:count].astype(np.float32) / 255.0
    probabilities = classifier.predict(digits[..., None])
    rng = np.random.default_rng(0)
    curves = {"served map": [], "raw gradient x input": [], "random ink": []}
    for x, p in zip(digits, probabilities):
        towards, against = (int(d) for d in np.argsort(p)[[-1, -2]])
        explanation = explainer.explain(x, towards, against)
        ink = np.flatnonzero(x.ravel() > 0)
        orders = {"served map": insight.blurred_evidence(explanation.evidence, x),
                  "raw gradient x input": explanation.evidence}
        for name, evidence in orders.items():
            curves[name].append(_after_deleting(classifier, x, ink[np.argsort(-evidence.ravel()[ink], kind="stable")],
                                                towards))
        curves["random ink"].append(np.mean([_after_deleting(classifier, x, rng.permutation(ink), towards)
                                             for _ in range(seeds)], axis=0))
    return {name: [round(float(v), 3) for v in np.mean(rows, axis=0)] for name, rows in curves.items()}


def _after_deleting(classifier, x, order, digit):
    batch = []
    for fraction in FRACTIONS:
        deleted = x.ravel().copy()
        deleted[order[:int(round(fraction * len(order)))]] = 0.0
        batch.append(deleted.reshape(x.shape))
    return classifier.predict(np.stack(batch)[..., None])[:, digit]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--drawings", type=int, default=20, help="different canvas exports timed")
    p.add_argument("--rounds", type=int, default=10, help="times each drawing is posted")
    p.add_argument("--digits", type=int, default=200, help="MNIST test digits in the deletion test (at most 200)")
    p.add_argument("--no-http", action="store_true", help="skip the gunicorn measurement")
    p.add_argument("--quick", action="store_true", help="a smoke run: few drawings and digits")
    args = p.parse_args(argv)
    if args.quick:
        args.drawings, args.rounds, args.digits = 5, 2, 20
    bodies = payloads.canvas_bodies(args.drawings)

    speed = in_process(bodies, args.rounds)
    if not args.no_http:
        speed.update(over_http(bodies, args.rounds))
    print(f"speed, one drawing at a time ({args.drawings} drawings x {args.rounds}), ms:")
    for name, figures in speed.items():
        print(f"  {name:20} p50 {figures['p50']:6.2f}   p90 {figures['p90']:6.2f}")

    curves = deletion_curves(args.digits)
    print(f"\nhonesty: the answer's mean probability after deleting ink ({args.digits} MNIST test digits)")
    print("  deleted              " + "  ".join(f"{f:>5.0%}" for f in FRACTIONS) + "   mean")
    for name, values in curves.items():
        print(f"  {name:20} " + "  ".join(f"{v:5.3f}" for v in values) + f"   {np.mean(values):5.3f}")
    return {"speed": speed, "deletion": curves}


if __name__ == "__main__":
    main()
