"""How often the served model says "not a digit" to drawings that are not digits, per
kind, on the held-out makers (training/nondigits), read in-process through the server's
own path (pipeline.read_image) with the thresholds in the model's metrics.json, the
gate beside it (model/gate.tflite, with its joint rule, if there) and the stroke reader
(each drawing posted with its strokes, as the page posts it); with --data, also how
often it turns away MNIST test digits, raw and re-drawn, per digit; with --pen, the
held-out writers' digits drawn as the page draws them (per digit), their numbers read
whole, and "No 42" (letters written before two of their digits).

    .venv/bin/python bench/rejection.py --per-kind 200 --data /path/to/mnist.npz \
        --pen /path/to/pendigits-train.txt --picture bench/results/rejection_missed.png

Prints a table, writes bench/results/rejection.json and, with --picture, the drawings
still read as a digit.
"""

import argparse
import json
from dataclasses import asdict
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import evaluation, nondigits, pendigits, people  # noqa: E402
from training.nondigits import letters  # noqa: E402
from webapp import measured_reject_thresholds  # noqa: E402
from webapp.reading import pipeline  # noqa: E402
from webapp.reading.classifier import load_classifier  # noqa: E402
from webapp.reading.stroke_reader import load_stroke_reader  # noqa: E402
from webapp.reading.verdict import load_gate  # noqa: E402


def turned_away(classifier, gate, thresholds, inputs, labels):
    """Digits drawn alone (28x28 inputs as served) that the app calls "not a digit":
    overall and per digit, by confidence, by the gate, and by either (the app's rule)."""
    low = classifier.predict(inputs).max(axis=1) < pipeline.reject_threshold(thresholds, 1)
    outside = gate.outside(inputs) > pipeline.reject_threshold(gate.above, 1) if gate else np.zeros(len(low), bool)
    rejected = low | outside
    return {"count": int(len(labels)), "accepted": round(float(1 - rejected.mean()), 4),
            "rejected_by_confidence": round(float(low.mean()), 4), "rejected_by_gate": round(float(outside.mean()), 4),
            "rejected_by_digit": {str(d): round(float(rejected[labels == d].mean()), 4) for d in range(10)},
            "rejected_by_gate_by_digit": {str(d): round(float(outside[labels == d].mean()), 4) for d in range(10)}}


def mnist_report(classifier, gate, thresholds, data, count, rng):
    """MNIST test digits turned away: all of them raw, and `count` re-drawn on the canvas."""
    with np.load(data) as f:
        x, y = f["x_test"].astype(np.float32) / 255.0, f["y_test"]
    inputs, chosen = evaluation.randomly_drawn(x, rng, count)
    return {"raw": turned_away(classifier, gate, thresholds, x[..., None], y),
            "redrawn": turned_away(classifier, gate, thresholds, inputs, y[chosen])}


def pen_report(classifier, gate, thresholds, path, args, stroke_reader=None):
    """The held-out writers' pen digits: drawn alone (twice each, the page's brush) and
    read as the app reads them, with their strokes when there is a stroke reader; their
    28x28 inputs judged alone without strokes (as the bitmap-only API); written as numbers
    of 2-6 digits; and with a word before two of them."""
    held_out = pendigits.by_writer(pendigits.load(path))[2]
    inputs, labels, _ = people.drawn_inputs(held_out, (args.seed, 20), 2)
    maker = letters.alphabet_maker(letters.LATIN, nondigits.HELD_OUT_FONTS, nondigits.FROM_FONTS,
                                   stick_width=(0.9, 1.4), round_corners=True)
    return {"served": people.alone_report(held_out, classifier, thresholds, np.random.default_rng((args.seed, 23)),
                                          2, gate, stroke_reader),
            "alone": turned_away(classifier, gate, thresholds, inputs, labels),
            "numbers": people.numbers_report(held_out, classifier, thresholds, np.random.default_rng((args.seed, 21)),
                                             args.numbers, gate, stroke_reader=stroke_reader),
            "word_beside_number": people.word_beside_number(held_out, maker, np.random.default_rng((args.seed, 22)),
                                                            args.probes, classifier, thresholds, gate,
                                                            stroke_reader=stroke_reader)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "model" / "digits.tflite")
    parser.add_argument("--gate", type=Path, default=ROOT / "model" / "gate.tflite",
                        help="the gate; a path with no file: measure without one")
    parser.add_argument("--strokes", type=Path, default=ROOT / "model" / "strokes.tflite",
                        help="the stroke reader: drawings are posted with their strokes; a path with no file: "
                             "bitmaps alone")
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, help="mnist.npz, for the digits turned away")
    parser.add_argument("--digits", type=int, default=2000, help="MNIST test digits re-drawn")
    parser.add_argument("--pen", type=Path, help="pendigits UNIPEN file: the held-out writers' digits and numbers")
    parser.add_argument("--numbers", type=int, default=400, help="numbers of held-out writers' digits")
    parser.add_argument("--probes", type=int, default=300, help='words written before a number ("No 42")')
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "rejection.json")
    parser.add_argument("--picture", type=Path, help="where to draw the non-digits still read as digits (PNG)")
    args = parser.parse_args(argv)

    classifier = load_classifier(args.model)
    thresholds = measured_reject_thresholds(args.model)
    gate = load_gate(args.gate)
    stroke_reader = load_stroke_reader(args.strokes)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    served, _ = evaluation.nondigit_report(classifier, thresholds, nondigits.HELD_OUT_KINDS, rng, args.per_kind, gate,
                                           stroke_reader)
    counted = {k: v for k, v in served["by_kind"].items() if k not in nondigits.LOOKS_LIKE_A_DIGIT}
    report = {"model": str(args.model.name), "thresholds": thresholds, "gate": args.gate.name if gate else None,
              "gate_thresholds": gate.above if gate else None,
              "joint_rule": asdict(gate.joint) if gate and gate.joint else None,
              "strokes": args.strokes.name if stroke_reader else None,
              "strokes_gate": bool(stroke_reader and stroke_reader.gate), "per_kind": args.per_kind, "seed": args.seed,
              **served, "kinds_at_90": sum(v["rejected"] >= 0.9 for v in counted.values()), "kinds": len(counted)}
    if args.data:
        report["mnist_test"] = mnist_report(classifier, gate, thresholds, args.data, args.digits, rng)
    if args.pen:
        report["pen_held_out"] = pen_report(classifier, gate, thresholds, args.pen, args, stroke_reader)
    print(f"{'kind':<10} rejected  (whole drawing as one digit)  most read as")
    for kind, row in served["by_kind"].items():
        print(f"{kind:<10} {row['rejected']:>7.1%}   ({row['whole_rejected']:.1%})"
              f"{'':>22}{', '.join(f'{k} x{n}' for k, n in row['most_read_as'].items())}")
    print(f"{'all kinds':<10} {served['rejected']:>7.1%}   worst: {served['worst_kind']}; "
          f"{report['kinds_at_90']} of {report['kinds']} kinds at 90 % or more   ({time.perf_counter() - start:.0f} s)")
    alone = [("MNIST test, raw", report.get("mnist_test", {}).get("raw")),
             ("MNIST test, re-drawn", report.get("mnist_test", {}).get("redrawn")),
             ("pen held-out writers, drawn", report.get("pen_held_out", {}).get("alone"))]
    for name, d in alone:
        if d:
            print(f"{name}: accepted {d['accepted']:.2%} of {d['count']} (turned away by confidence "
                  f"{d['rejected_by_confidence']:.2%}, by the gate {d['rejected_by_gate']:.2%}); turned away per digit: "
                  + ", ".join(f"{k}: {v:.1%}" for k, v in d["rejected_by_digit"].items()))
    if "pen_held_out" in report:
        a = report["pen_held_out"]["served"]
        print(f"pen held-out writers, drawn on the page{' with strokes' if stroke_reader else ''}: shown as a digit "
              f"{a['accepted']:.2%} of {a['count']}, read right {a['read_right']:.2%}; turned away per digit: "
              + ", ".join(f"{k}: {v:.1%}" for k, v in a["rejected_by_digit"].items()))
        n, w = report["pen_held_out"]["numbers"], report["pen_held_out"]["word_beside_number"]
        print(f"numbers of 2-6 held-out digits: {n['whole']:.1%} read whole, {n['exact']:.1%} exactly, of {n['count']}")
        print(f"\"No 42\": word all \"?\" {w['word_all_not_digits']:.1%}, both digits kept {w['digits_kept']:.1%}, "
              f"both {w['both']:.1%}, of {w['count']}")
    args.out.write_text(json.dumps({k: v for k, v in report.items() if k != "missed"}, indent=2) + "\n")
    if args.picture:
        from training.figures import plot_missed
        plot_missed(served["missed"], args.picture)


if __name__ == "__main__":
    main()
