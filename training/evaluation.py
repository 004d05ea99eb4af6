"""Measuring a digit classifier: accuracy, per-class scores, calibration, and the
accuracy on MNIST test digits re-drawn as canvas drawings and read through the
server's own preprocessing. Pure numpy; train.py and the benchmarks use it."""

import numpy as np

from training import synth
from training.calibration import with_temperature_applied
from webapp import png, preprocess
from webapp.segment import RULES

# Drawn-digit conditions: digit heights on a 560 px canvas x brush width as a fraction of
# the height (MNIST's pen is about 0.1 of the digit's height).
DRAWN_HEIGHTS = (60, 200, 450)
DRAWN_BRUSHES = (0.03, 0.08, 0.15, 0.25)


def classification_report(probabilities, labels):
    labels = np.asarray(labels)
    predicted = probabilities.argmax(axis=1)
    n = probabilities.shape[1]
    confusion = np.zeros((n, n), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = {}
    for c in range(n):
        tp = confusion[c, c]
        precision = tp / max(confusion[:, c].sum(), 1)
        recall = tp / max(confusion[c].sum(), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        per_class[str(c)] = {"precision": round(float(precision), 5), "recall": round(float(recall), 5),
                             "f1": round(float(f1), 5), "support": int(confusion[c].sum())}
    loss = -np.mean(np.log(np.clip(probabilities[np.arange(len(labels)), labels], 1e-12, 1.0)))
    return {"accuracy": round(float((predicted == labels).mean()), 6), "loss": round(float(loss), 6),
            "errors": int((predicted != labels).sum()), "per_class": per_class,
            "confusion_matrix": confusion.tolist()}


def calibration(probabilities, labels, temperature=1.0, bins=10):
    """Expected calibration error and reliability bins, before and after a temperature."""
    def report(p):
        confidence, correct = p.max(axis=1), p.argmax(axis=1) == labels
        edges = np.linspace(0.0, 1.0, bins + 1)
        rows, ece = [], 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            inside = (confidence > lo) & (confidence <= hi)
            if inside.any():
                gap = abs(correct[inside].mean() - confidence[inside].mean())
                ece += inside.mean() * gap
                rows.append({"bin": [round(lo, 2), round(hi, 2)], "count": int(inside.sum()),
                             "confidence": round(float(confidence[inside].mean()), 4),
                             "accuracy": round(float(correct[inside].mean()), 4)})
        return {"ece": round(float(ece), 5), "bins": rows}

    labels = np.asarray(labels)
    return {"before": report(probabilities), "after": report(with_temperature_applied(probabilities, temperature))}


def read_back(rgba):
    """A canvas drawing (RGBA array) -> the 28x28 input the server would make of it: its
    PNG export read the server's way."""
    return preprocess.prepare(png.encode(rgba, level=1))


def drawn_digits(x_test, y_test, per_condition=250, seed=0):
    """MNIST test digits re-drawn at every height x brush condition, read back through the
    server's preprocessing: yields (condition, 28x28 inputs, labels)."""
    rng = np.random.default_rng(seed)
    for height in DRAWN_HEIGHTS:
        for fraction in DRAWN_BRUSHES:
            brush = max(2.0, fraction * height)
            chosen = rng.choice(len(x_test), size=min(per_condition, len(x_test)), replace=False)
            inputs = [read_back(synth.render(x_test[i].reshape(preprocess.MNIST_SIZE, preprocess.MNIST_SIZE),
                                             height, brush, synth.random_centre(rng, height)))
                      for i in chosen]
            yield {"height": height, "brush": round(brush, 1)}, np.stack(inputs)[..., None], y_test[chosen]


def randomly_drawn(x, rng, count):
    """`count` digits of x re-drawn at random heights, places and brushes: (inputs, indices)."""
    chosen = rng.choice(len(x), size=min(count, len(x)), replace=False)
    inputs = []
    for i in chosen:
        height = rng.uniform(DRAWN_HEIGHTS[0], DRAWN_HEIGHTS[-1])
        brush = max(2.0, rng.uniform(DRAWN_BRUSHES[0], DRAWN_BRUSHES[-1]) * height)
        digit = x[i].reshape(preprocess.MNIST_SIZE, preprocess.MNIST_SIZE)
        inputs.append(read_back(synth.render(digit, height, brush, synth.random_centre(rng, height))))
    return np.stack(inputs)[..., None], chosen


def number_thresholds(confidences, keep=0.99, longest=RULES.max_digits):
    """"Not a digit" thresholds for a drawing read as 1, 2, ... `longest` digits: for k
    digits, the confidence below which a share 1 - keep ** (1 / k) of real digits fall, so
    that `keep` of real k-digit numbers are read whole, without a "?" (each digit counted
    as kept or not on its own). The first is the threshold for a digit drawn alone."""
    return [float(np.quantile(confidences, 1 - keep ** (1 / k))) for k in range(1, longest + 1)]


def rejection_report(predict, val_drawn_probabilities, test_data, seed=0, digits=1000, per_kind=200, keep=0.99):
    """The "not a digit" rule: confidence below a threshold chosen so that `keep` of real
    digits drawn on the canvas (validation digits, re-drawn) are accepted, and, for the
    digits of a number, `keep` of real numbers (see number_thresholds); then measured on
    re-drawn test digits and on drawings that are not digits (letters, scribbles, faces)."""
    from training import nondigits
    rng = np.random.default_rng(seed + 1)
    # rounded as the app reads them from the report, and measured as the app uses them
    thresholds = [round(t, 4) for t in number_thresholds(val_drawn_probabilities.max(axis=1), keep)]
    x_test, y_test = test_data
    inputs, chosen = randomly_drawn(x_test, rng, digits)
    test_p = np.asarray(predict(inputs))
    confidences = {"digits": test_p.max(axis=1)}
    for kind, make in nondigits.HELD_OUT_KINDS.items():
        batch = []
        for _ in range(per_kind):
            try:
                batch.append(read_back(make(rng)))
            except preprocess.EmptyDrawing:
                continue
        confidences[kind] = np.asarray(predict(np.stack(batch)[..., None])).max(axis=1)
    kinds = [kind for kind in confidences if kind != "digits"]
    nondigit = np.concatenate([confidences[kind] for kind in kinds])

    def measured(threshold):
        return {"threshold": threshold,
                "digits_accepted": round(float((confidences["digits"] >= threshold).mean()), 4),
                "nondigits_rejected": round(float((nondigit < threshold).mean()), 4)}

    alone = measured(thresholds[0])
    accepted = confidences["digits"] >= alone["threshold"]
    return {
        **alone,
        "accuracy_of_accepted": round(float((test_p.argmax(axis=1) == y_test[chosen])[accepted].mean()), 4),
        "by_kind": {kind: {"count": len(confidences[kind]),
                           "rejected": round(float((confidences[kind] < alone["threshold"]).mean()), 4)}
                    for kind in kinds},
        "in_numbers": [{"digits": k, **measured(t)} for k, t in enumerate(thresholds, start=1)],
        "confidences": {kind: values.round(4).tolist() for kind, values in confidences.items()},
    }


def drawn_digits_report(predict, x_test, y_test, per_condition=250, seed=0):
    """Accuracy on re-drawn test digits, per condition and overall. `predict` maps a batch
    (N, 28, 28, 1) to probabilities (a Keras model works)."""
    predict = getattr(predict, "predict", predict)
    conditions, correct, total = [], 0, 0
    for condition, inputs, labels in drawn_digits(x_test, y_test, per_condition, seed):
        p = np.asarray(predict(inputs))
        hits = int((p.argmax(axis=1) == labels).sum())
        conditions.append({**condition, "accuracy": round(hits / len(labels), 4), "count": len(labels)})
        correct, total = correct + hits, total + len(labels)
    return {"accuracy": round(correct / total, 5), "count": total, "conditions": conditions}
