"""How often the served model says "not a digit" to drawings that are not digits, per
kind, on the held-out makers (training/nondigits), read in-process through the server's
own path (recognise.read_image) with the thresholds in the model's metrics.json; with
--data, also how often it turns away re-drawn MNIST test digits, per digit.

    .venv/bin/python bench/rejection.py --per-kind 200 --data /path/to/mnist.npz

Prints a table, writes bench/results/rejection.json and, with --picture, the drawings
still read as a digit.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import evaluation, nondigits  # noqa: E402
from webapp import measured_reject_thresholds  # noqa: E402
from webapp.classifier import load_classifier  # noqa: E402


def digits_report(classifier, threshold, data, count, rng):
    """Re-drawn MNIST test digits turned away, overall and per digit."""
    with np.load(data) as f:
        x, y = f["x_test"].astype(np.float32) / 255.0, f["y_test"]
    inputs, chosen = evaluation.randomly_drawn(x, rng, count)
    rejected = classifier.predict(inputs).max(axis=1) < threshold
    labels = y[chosen]
    mnist = classifier.predict(x[..., None]).max(axis=1) >= threshold
    return {"count": int(len(labels)), "rejected": round(float(rejected.mean()), 4),
            "mnist_test_accepted": round(float(mnist.mean()), 4),
            "rejected_by_digit": {str(d): round(float(rejected[labels == d].mean()), 4) for d in range(10)}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=ROOT / "model" / "digits.tflite")
    parser.add_argument("--per-kind", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, help="mnist.npz, for the digits turned away")
    parser.add_argument("--digits", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "rejection.json")
    parser.add_argument("--picture", type=Path, help="where to draw the non-digits still read as digits (PNG)")
    args = parser.parse_args(argv)

    classifier = load_classifier(args.model)
    thresholds = measured_reject_thresholds(args.model)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    served, _ = evaluation.nondigit_report(classifier, thresholds, nondigits.HELD_OUT_KINDS, rng, args.per_kind)
    report = {"model": str(args.model.name), "thresholds": thresholds, "per_kind": args.per_kind,
              "seed": args.seed, **served}
    if args.data:
        alone = thresholds[0] if isinstance(thresholds, list) else thresholds
        report["digits"] = digits_report(classifier, alone, args.data, args.digits, rng)
    print(f"{'kind':<10} rejected  (whole drawing as one digit)  most read as")
    for kind, row in served["by_kind"].items():
        print(f"{kind:<10} {row['rejected']:>7.1%}   ({row['whole_rejected']:.1%})"
              f"{'':>22}{', '.join(f'{k} x{n}' for k, n in row['most_read_as'].items())}")
    print(f"{'all kinds':<10} {served['rejected']:>7.1%}   worst: {served['worst_kind']}"
          f"   ({time.perf_counter() - start:.0f} s)")
    if "digits" in report:
        d = report["digits"]
        print(f"re-drawn test digits turned away: {d['rejected']:.2%} of {d['count']} "
              f"(MNIST test accepted {d['mnist_test_accepted']:.2%}); per digit: "
              + ", ".join(f"{k}: {v:.1%}" for k, v in d["rejected_by_digit"].items()))
    args.out.write_text(json.dumps({k: v for k, v in report.items() if k != "missed"}, indent=2) + "\n")
    if args.picture:
        from training.figures import plot_missed
        plot_missed(served["missed"], args.picture)


if __name__ == "__main__":
    main()
