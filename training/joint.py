"""The joint rule: for a reading whose strokes were read, whether it is a digit at all,
judged on the pixel gate's answer, the strokes gate's and both readers' confidence
together (webapp.reading.verdict.JointRule).

The pixel gate and the strokes gate (training/strokes_gate.py) see different things: the
strokes gate sees a spiral wind on where the pixel gate sees a 9, the pixel gate a
heart's shape however it was drawn; and where the stroke reader and the digit model
disagree, their answer is unsure. The rule is a logistic function of the three answers'
log-odds, each weight held to its sign (webapp.reading.verdict.SIGNS), fit on the validation side of
the data, each drawing posted as the page posts it, with its strokes, and read through
the served path:

- digits: the validation writers' pen digits drawn alone, and written as numbers;
- not digits: every training kind (nondigits.TRAIN_KINDS), drawn with other seeds than
  the gate was trained and validated on.

Its thresholds keep `keep` of the digits drawn alone and of the numbers read whole, as
the gate's do; the held-out writers and makers measure it (bench/rejection.py).

    python -m training.joint --pen pendigits-train.txt --out model

writes model/joint.json beside the gate, with the figures on validation before and after.
"""

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from training import data as mnist_data, evaluation, nondigits, pendigits, people
from training.gate import NUMBER_LENGTHS
from webapp import measured_reject_thresholds
from webapp.reading import segment
from webapp.reading.verdict import SIGNS, WEIGHTS, JointRule, load_gate, log_odds

KEEP = 0.998          # share of validation digits drawn alone (and of numbers, whole) the rule lets through
L2 = 1e-3             # the fit's ridge: three weights, thousands of readings, so barely any
NEWTON_STEPS = 30
CHUNKS = 16           # jobs per part: small enough to spread over the workers
DIGITS, NOT_DIGITS = "digits", "not digits"


# ---------------------------------------------------------------- reading as served
@lru_cache(maxsize=2)
def _app(model_dir, rule):
    """The served parts in `model_dir`: the digit model and its thresholds, the gate (with
    the JointRule `rule`, its thresholds a tuple, or none), the stroke reader."""
    from webapp.reading.classifier import load_classifier
    from webapp.reading.stroke_reader import load_stroke_reader
    model_dir = Path(model_dir)
    gate = load_gate(model_dir / "gate.tflite")
    gate = replace(gate, joint=rule)
    return (load_classifier(model_dir / "digits.tflite"), measured_reject_thresholds(model_dir / "digits.tflite"),
            gate, load_stroke_reader(model_dir / "strokes.tflite"))


def _served(rgba, strokes, app):
    """(what the app shows, [(outside, confidence, strokes read) of each reading]); None
    when the app answers "too many separate marks"."""
    classifier, thresholds, gate, stroke_reader = app
    result = people.read_served(rgba, classifier, thresholds, gate, strokes, stroke_reader)
    if result is None:
        return None
    return result.number, [(d.outside, d.confidence, d.path_outside, d.image_confidence is not None)
                           for d in result.digits]


def _job(job):
    """One chunk of drawings read as served: [(group, digits written, shown, readings)]."""
    what, items, seed, model_dir, rule, writers = job
    app, rng, out = _app(model_dir, rule), np.random.default_rng(seed), []
    if what == NOT_DIGITS:   # `items` rounds of every kind
        for kind, (rgba, strokes) in nondigits.drawings(nondigits.TRAIN_KINDS, rng, items, with_strokes=True):
            out.append((kind, 0, *(_served(rgba, pendigits.posted(strokes), app) or ("", []))))
    elif what == "alone":    # `items`: the digits
        for digit in items:
            strokes, width = pendigits.random_strokes(digit, rng, people.PAGE_BRUSH)
            out.append(("alone", 1, *(_served(pendigits.paint(strokes, width), pendigits.posted(strokes), app)
                                      or ("", []))))
    else:                    # `items` numbers of `writers`' digits
        for _ in range(items):
            size = int(rng.integers(NUMBER_LENGTHS[0], NUMBER_LENGTHS[1] + 1))
            rgba, _, strokes = people.number_drawing([writers[i] for i in rng.choice(len(writers), size)], rng)
            out.append(("numbers", size, *(_served(rgba, strokes, app) or ("", []))))
    return out


def read_all(args, rule=None):
    """Every validation drawing read as served, with the gate's joint rule `rule` (None:
    without one): a list of (group, digits written, shown, readings)."""
    model_dir, seed = str(args.model_dir), args.seed
    rule = rule and replace(rule, below=tuple(rule.below))   # hashable: each worker loads the app once
    writers = pendigits.by_writer(pendigits.load(args.pen))[1]
    writers = writers[:args.limit] if args.limit else writers
    alone = list(writers) * args.copies

    def rounds(count):
        return [(k, len(r)) for k, r in enumerate(np.array_split(np.arange(count), CHUNKS)) if len(r)]

    jobs = [(NOT_DIGITS, n, (seed, 0, k), model_dir, rule, None) for k, n in rounds(args.per_kind)]
    jobs += [("alone", alone[k::CHUNKS], (seed, 1, k), model_dir, rule, None) for k in range(CHUNKS)
             if alone[k::CHUNKS]]
    jobs += [("numbers", n, (seed, 2, k), model_dir, rule, writers) for k, n in rounds(args.numbers)]
    with ProcessPoolExecutor(args.workers) as pool:
        return [row for part in pool.map(_job, jobs) for row in part]


# ---------------------------------------------------------------- the rule
def features(readings):
    """(N, 3 or 4): the gate's log-odds, the answer's, the strokes gate's (when every
    reading has one), and 1 (the bias)."""
    readings = np.array(readings, dtype=np.float64).reshape(len(readings), -1)   # None -> nan
    columns = [log_odds(readings[:, 0]), log_odds(readings[:, 1])]
    if readings.shape[1] > 2 and not np.isnan(readings[:, 2]).any():
        columns.append(log_odds(readings[:, 2]))
    return np.column_stack([*columns, np.ones(len(readings))])


def fit(x, y, l2=L2, steps=NEWTON_STEPS):
    """Logistic regression by Newton's method, digits (y 1) and non-digits (y 0) weighing
    the same in all: the weights of x's columns."""
    weights = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    b = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ b))
        gradient = x.T @ (weights * (p - y)) + l2 * b
        hessian = (x * (weights * p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(b))
        b -= np.linalg.solve(hessian, gradient)
    return b


def monotone_fit(x, y, signs=tuple(SIGNS[name] for name in WEIGHTS)):
    """`fit`, each answer's weight held to its sign (`signs`, for x's columns but the
    bias, as webapp.reading.verdict.SIGNS): a surer gate never makes a drawing more of a digit, a
    surer answer never less.
    A weight the data would give the other sign (the answers overlap, and a fit on them
    can trade one against another) is left out, and the rest fit again."""
    keep = list(range(x.shape[1]))
    while True:
        b = fit(x[:, keep], y)
        wrong = [k for k, w in zip(keep[:-1], b[:-1]) if np.sign(w) == -signs[k]]
        if not wrong:
            weights = np.zeros(x.shape[1])
            weights[keep] = b
            return weights
        keep.remove(wrong[0])


def judged_readings(rows):
    """The readings the rule judges (strokes read, a gate answer) of each row, as
    (group, digits written, pieces read, [(outside, confidence, path outside)])."""
    return [(group, written, len(readings), [(o, c, po) for o, c, po, read in readings if read and o is not None])
            for group, written, _, readings in rows]


def choose(rows, keep=KEEP, longest=segment.RULES.max_digits):
    """The rule: its weights fit on every judged reading, digits against not digits (the
    strokes gate's answer weighed when every reading has one); its thresholds keep `keep`
    of the digits drawn alone (read as one) and of the numbers read whole, cut as written
    (evaluation.number_thresholds)."""
    judged = judged_readings(rows)
    x = features([r for _, _, _, rs in judged for r in rs])
    y = np.array([float(written > 0) for _, written, _, rs in judged for _ in rs])
    b = [round(float(w), 5) for w in monotone_fit(x, y)]   # as saved
    rule = JointRule(**dict(zip(WEIGHTS, b[:-1])), bias=b[-1], below=[])   # the features are in WEIGHTS' order

    def scores(selected):
        readings = np.array([r for rs in selected for r in rs], dtype=np.float64).reshape(-1, 3)
        return rule.score(readings[:, 0], readings[:, 1], readings[:, 2])

    alone = scores([rs for group, _, n, rs in judged if group == "alone" and n == 1])
    pieces = scores([rs for group, written, n, rs in judged if group == "numbers" and n == written])
    below = [evaluation.number_thresholds(alone, keep, 1)[0], *evaluation.number_thresholds(pieces, keep, longest)[1:]]
    return replace(rule, below=[round(float(t), 4) for t in below])


def figures(rows):
    """On validation, as the app answers: the share of digits drawn alone shown as a digit
    (no "?"), of numbers read whole, and of each kind of non-digit showing no digit."""
    def share(selected):
        return round(float(np.mean(selected)), 4) if len(selected) else None

    report = {"digits alone accepted": share([bool(shown) and "?" not in shown for g, _, shown, _ in rows
                                              if g == "alone"]),
              "numbers read whole": share([bool(shown) and "?" not in shown for g, _, shown, _ in rows
                                           if g == "numbers"])}
    kinds = dict.fromkeys(g for g, written, _, _ in rows if written == 0)
    rejected = {kind: share([not shown.strip("?") for g, _, shown, _ in rows if g == kind]) for kind in kinds}
    report["not digits rejected"] = share(list(rejected.values()))
    report["by kind"] = rejected
    return report


# ---------------------------------------------------------------- main
def parse_args(argv=None):
    root = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pen", type=Path, required=True, help="pendigits UNIPEN text file")
    p.add_argument("--model-dir", type=Path, default=root / "model",
                   help="the served digit model, gate and stroke reader the rule is for")
    p.add_argument("--out", type=Path, default=root / "model", help="where joint.json goes")
    p.add_argument("--per-kind", type=int, default=200, help="drawings of each training kind of non-digit")
    p.add_argument("--copies", type=int, default=2, help="drawings of each validation writer's digit, alone")
    p.add_argument("--numbers", type=int, default=2000,
                   help="numbers of validation writers' digits: the thresholds are tail quantiles of their pieces")
    p.add_argument("--keep", type=float, default=KEEP, help="share of digits (and numbers, whole) let through")
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="processes drawing and reading")
    p.add_argument("--limit", type=int, default=None, help="a few of the writers' digits (smoke runs)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    rows = read_all(args)
    print(f"read {len(rows)} drawings ({time.perf_counter() - started:.0f} s)", flush=True)
    rule = choose(rows, args.keep)
    after = read_all(args, rule)
    report = {
        "outside_weight": rule.outside_weight, "confidence_weight": rule.confidence_weight,
        "path_weight": rule.path_weight, "bias": rule.bias, "thresholds": rule.below, "keep": args.keep,
        "command": (f"python -m training.joint --pen {args.pen.name}"
                    + "".join(f" --{k.replace('_', '-')} {v}" for k, v in vars(args).items()
                              if k in ("per_kind", "copies", "numbers", "keep", "seed", "limit")
                              and v != vars(parse_args(["--pen", "-"]))[k])),
        "data": {"pen_sha256": mnist_data.sha256(args.pen), "drawings": len(rows),
                 "readings_judged": sum(len(rs) for _, _, _, rs in judged_readings(rows))},
        "validation": {"without the rule": figures(rows), "with the rule": figures(after)},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "joint.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"rule: {rule.outside_weight:.3f} x gate log-odds + {rule.confidence_weight:.3f} x answer log-odds + "
          f"{rule.path_weight:.3f} x strokes gate log-odds + {rule.bias:.3f}; thresholds {rule.below[:4]} ...")
    before, now = report["validation"]["without the rule"], report["validation"]["with the rule"]
    print(f"{'validation':<24} {'without':>8} {'with':>8}")
    for key in ("digits alone accepted", "numbers read whole", "not digits rejected"):
        print(f"{key:<24} {before[key]:>8.2%} {now[key]:>8.2%}")
    for kind in now["by kind"]:
        print(f"  {kind:<22} {before['by kind'][kind]:>8.2%} {now['by kind'][kind]:>8.2%}")
    print(f"wrote {args.out / 'joint.json'} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
