"""Measuring a digit classifier: accuracy, per-class scores, calibration, and the
accuracy on MNIST test digits re-drawn as canvas drawings and read through the
server's own preprocessing. Pure numpy; train.py and the benchmarks use it."""

import base64
from types import SimpleNamespace

import numpy as np
from PIL import Image

from training import pendigits, synth
from training.calibration import with_temperature_applied
from webapp.reading import pipeline, png, preprocess, segment
from webapp.reading.classifier import NUM_CLASSES
from webapp.reading.segment import RULES

# Non-digit drawings the app still reads as a digit, kept per kind for the model card's
# picture (the most confident ones), each as a small PNG of the drawing this wide.
MISSED_PER_KIND = 4
MISSED_PICTURE = 64

# Drawn-digit conditions: digit heights on a 560 px canvas x brush width as a fraction of
# the height (MNIST's pen is about 0.1 of the digit's height).
DRAWN_HEIGHTS = (60, 200, 450)
DRAWN_BRUSHES = (0.03, 0.08, 0.15, 0.25)

# The served digits.tflite (8-bit weights, train.export) against the Keras model: the same
# digit, and each probability within this (0.026 at most over MNIST's test set).
LITE_TOLERANCE = 0.03


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


def misread(pairs):
    """The errors among (truth, read) pairs, as {"truth->read": count}, commonest first."""
    errors = {}
    for truth, read in pairs:
        if str(truth) != str(read):
            errors[f"{truth}->{read}"] = errors.get(f"{truth}->{read}", 0) + 1
    return dict(sorted(errors.items(), key=lambda kv: -kv[1]))


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


def predict_all(classifier, x, batch=512):
    """A classifier's probabilities for any number of inputs, `batch` at a time (an
    interpreter sized for all of a test set at once would hold all its activations)."""
    parts = [classifier.predict(x[i:i + batch]) for i in range(0, len(x), batch)]
    return np.concatenate(parts) if parts else np.zeros((0, NUM_CLASSES), np.float32)


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


KEEP_REAL = 0.995   # real digits (and numbers, whole) the digit model's threshold keeps; the gate
                    # keeps its own 99.5 % (training/gate.KEEP): together about 99 %


def number_thresholds(confidences, keep=KEEP_REAL, longest=RULES.max_digits):
    """"Not a digit" thresholds for a drawing read as 1, 2, ... `longest` digits: for k
    digits, the confidence below which a share 1 - keep ** (1 / k) of real digits fall, so
    that `keep` of real k-digit numbers are read whole, without a "?" (each digit counted
    as kept or not on its own). The first is the threshold for a digit drawn alone."""
    return [float(np.quantile(confidences, 1 - keep ** (1 / k))) for k in range(1, longest + 1)]


def read_as_served(rgba, classifier, reject_below, gate=None, strokes=None, stroke_reader=None):
    """A canvas drawing read as the server reads it: its PNG export, and the `strokes` that
    drew it (canvas pixels) if given, through pipeline.read_image (segmentation, the "not
    a digit" thresholds, the gate and the stroke reader included)."""
    return pipeline.read_image(png.encode(rgba, level=1), classifier, reject_below=reject_below, strokes=strokes,
                                gate=gate, stroke_reader=stroke_reader)


def shows_no_digit(result):
    """True when the app answers "not a digit": no piece of the drawing is read as one."""
    return not result.number.strip("?")


def picture(rgba, side=MISSED_PICTURE):
    """A drawing as a small grey PNG (base64), ink dark on white."""
    small = Image.fromarray(255 - rgba[..., 3]).resize((side, side), Image.Resampling.BOX)
    return base64.b64encode(png.encode(np.asarray(small), level=9)).decode("ascii")


def nondigit_report(classifier, reject_below, kinds, rng, per_kind, gate=None, stroke_reader=None):
    """How the served path answers drawings that are not digits, per kind. `classifier`
    has predict(batch) -> probabilities; `reject_below` as the app has it (one threshold,
    or a list for 1, 2, ... digits); `kinds` maps names to makers (nondigits.HELD_OUT_KINDS);
    `gate` the app's webapp.reading.verdict.Gate, or None; `stroke_reader` the app's, or None: with
    one, each drawing is posted with its strokes, as the page posts it.

    A drawing counts as rejected when the app shows no digit in it (the whole drawing, or
    every piece of it, "not a digit"); `whole_rejected` counts the whole drawing read as one
    digit only, as the confidence histogram does."""
    by_kind, missed, confidences = {}, [], {}
    for kind, make in kinds.items():
        rejected, whole_rejected, read_as, wrong = 0, 0, {}, []
        whole = []
        for _ in range(per_kind):
            rgba, strokes = make(rng, with_strokes=True) if stroke_reader is not None else (make(rng), None)
            try:
                result = read_as_served(rgba, classifier, reject_below, gate,
                                        strokes and pendigits.posted(strokes), stroke_reader)
            except segment.TooManyMarks:   # the app answers 422 "too many separate marks": no digit shown
                rejected, whole_rejected = rejected + 1, whole_rejected + 1
                continue
            whole.append(result.whole.confidence)
            whole_rejected += not result.whole.is_digit
            if shows_no_digit(result):
                rejected += 1
            else:
                read_as[result.number] = read_as.get(result.number, 0) + 1
                wrong.append((max(d.confidence for d in result.digits if d.is_digit), result.number, rgba))
        wrong.sort(key=lambda w: -w[0])
        missed += [{"kind": kind, "read": number, "confidence": round(c, 4), "picture": picture(rgba)}
                   for c, number, rgba in wrong[:MISSED_PER_KIND]]
        common = sorted(read_as.items(), key=lambda item: -item[1])[:3]
        by_kind[kind] = {"count": per_kind, "rejected": round(rejected / per_kind, 4),
                         "whole_rejected": round(whole_rejected / per_kind, 4),
                         "most_read_as": dict(common)}
        confidences[kind] = np.asarray(whole)
    overall = float(np.mean([k["rejected"] for k in by_kind.values()]))
    return {"rejected": round(overall, 4), "worst_kind": min(by_kind, key=lambda k: by_kind[k]["rejected"]),
            "by_kind": by_kind, "missed": missed}, confidences


def rejection_report(predict, val_drawn_probabilities, test_data, seed=0, digits=1000, per_kind=200,
                     keep=KEEP_REAL):
    """The "not a digit" rule: confidence below a threshold chosen so that `keep` of real
    digits drawn on the canvas (validation digits, re-drawn) are accepted, and, for the
    digits of a number, `keep` of real numbers (see number_thresholds); then measured on
    re-drawn test digits (overall and per digit), MNIST test digits, and on the held-out
    makers of every kind of non-digit drawing (nondigits.HELD_OUT_KINDS), read through
    the server's own path."""
    from training import nondigits
    rng = np.random.default_rng(seed + 1)
    # rounded as the app reads them from the report, and measured as the app uses them
    thresholds = [round(t, 4) for t in number_thresholds(val_drawn_probabilities.max(axis=1), keep)]
    x_test, y_test = test_data
    inputs, chosen = randomly_drawn(x_test, rng, digits)
    test_p = np.asarray(predict(inputs))
    labels = y_test[chosen]
    confidences = {"digits": test_p.max(axis=1)}
    served, nondigit_confidences = nondigit_report(SimpleNamespace(predict=predict), thresholds,
                                                   nondigits.HELD_OUT_KINDS, rng, per_kind)
    confidences.update(nondigit_confidences)
    kinds = [kind for kind in confidences if kind != "digits"]
    nondigit = np.concatenate([confidences[kind] for kind in kinds])

    def measured(threshold):
        return {"threshold": threshold,
                "digits_accepted": round(float((confidences["digits"] >= threshold).mean()), 4),
                "nondigits_rejected": round(float((nondigit < threshold).mean()), 4)}

    alone = measured(thresholds[0])
    accepted = confidences["digits"] >= alone["threshold"]
    mnist_p = np.asarray(predict(x_test))
    return {
        **alone,
        "nondigits_rejected": served["rejected"],
        "accuracy_of_accepted": round(float((test_p.argmax(axis=1) == labels)[accepted].mean()), 4),
        "mnist_test_accepted": round(float((mnist_p.max(axis=1) >= alone["threshold"]).mean()), 4),
        "digits_rejected_by_digit": {str(d): round(float((~accepted)[labels == d].mean()), 4)
                                     for d in range(10) if (labels == d).any()},
        "by_kind": served["by_kind"],
        "worst_kind": served["worst_kind"],
        "missed": served["missed"],
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
