"""Real people's pen digits as the model meets them: drawn on the pad's canvas and read
through the server's own preprocessing, and the writer-independent report."""

from concurrent.futures import ProcessPoolExecutor

import numpy as np

from training import pendigits, writing
from training.evaluation import classification_report, read_back
from webapp.reading.preprocess import MNIST_SIZE, EmptyDrawing
from webapp.web.pages import BRUSH_FRACTION

PAGE_BRUSH = float(pendigits.CANVAS * BRUSH_FRACTION)   # the pad's brush on its 560 px export
TRAINING_BRUSH = (10.0, 28.0)                # other pads and devices: thinner and thicker pens


def _inputs(job):
    digits, seed, brush, vary, restyle, otherwise = job
    rng = np.random.default_rng(seed)
    x, y, writers = [], [], []
    for digit in digits:
        if otherwise:
            digit = pendigits.PenDigit(digit.label, digit.writer,
                                       tuple(writing.as_others_write(digit.strokes, digit.label, rng)))
        try:
            x.append(read_back(pendigits.random_drawing(digit, rng, brush, vary=vary, restyle=restyle)))
        except EmptyDrawing:   # a dot drawn tiny can fade away; a person would not post it
            continue
        y.append(digit.label)
        writers.append(digit.writer)
    return x, y, writers


def drawn_inputs(digits, seed, copies=1, brush=PAGE_BRUSH, workers=2, vary=False, restyle=0.0, otherwise=False):
    """Each digit drawn `copies` times as someone might draw it on the pad (random size,
    place, pointer, slant; `brush` a width or a (low, high) range; `vary`: its strokes
    pendigits.varied first; `restyle`: that share in pendigits.RESTYLES' style;
    `otherwise`: as someone else might write it, writing.as_others_write), read
    back as the server reads it: (x float32 (N, 28, 28, 1), labels, writer ids)."""
    todo = list(digits) * copies
    if not todo:
        return np.zeros((0, MNIST_SIZE, MNIST_SIZE, 1), np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64)
    jobs = [(todo[k::16], (*np.atleast_1d(seed), k), brush, vary, restyle, otherwise) for k in range(16)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_inputs, jobs))
    x = np.stack([a for part in parts for a in part[0]])[..., None].astype(np.float32)
    y = np.array([b for part in parts for b in part[1]], dtype=np.int64)
    writers = np.array([c for part in parts for c in part[2]], dtype=np.int64)
    return x, y, writers


def data(path, seed, copies, limit=None, vary=False, restyle=0.0):
    """People's pen digits for training and measuring, by writer: "train" drawn `copies`
    times with pens of many widths (and `vary`: their strokes varied, pendigits.varied;
    `restyle`: that share of the digits with a style in pendigits.RESTYLES drawn in it);
    "validation" and "held_out" twice each with the page's own brush, as written. Each
    part is (x, labels, writer ids); `limit` keeps a few per part (smoke runs)."""
    parts = dict(zip(("train", "validation", "held_out"), pendigits.by_writer(pendigits.load(path))))
    if limit is not None:
        parts = {name: digits[:max(limit // 10, 10)] for name, digits in parts.items()}
    return {"train": drawn_inputs(parts["train"], (seed, 0), copies, TRAINING_BRUSH, vary=vary, restyle=restyle),
            "validation": drawn_inputs(parts["validation"], (seed, 1), 2),
            "held_out": drawn_inputs(parts["held_out"], (seed, 2), 2)}


def writer_report(probabilities, labels, writers):
    """Accuracy overall, per digit and per writer, and the confusion of the errors."""
    report = classification_report(probabilities, labels)
    predicted = probabilities.argmax(axis=1)
    wrong = predicted != labels
    errors = {}
    for truth, guess in zip(labels[wrong], predicted[wrong]):
        errors[f"{truth}->{guess}"] = errors.get(f"{truth}->{guess}", 0) + 1
    return {
        "accuracy": report["accuracy"], "count": int(len(labels)), "errors": int(wrong.sum()),
        "per_digit": {d: v["recall"] for d, v in report["per_class"].items()},
        "per_writer": {str(w): round(float((~wrong[writers == w]).mean()), 4) for w in np.unique(writers)},
        "error_pairs": dict(sorted(errors.items(), key=lambda kv: -kv[1])),
    }


def _nondigit_inputs(job):
    from training import nondigits
    count, seed = job
    rng = np.random.default_rng(seed)
    x = []
    for _, rgba in nondigits.drawings(nondigits.TRAIN_KINDS, rng, count):
        try:
            x.append(read_back(rgba))
        except EmptyDrawing:
            continue
    return x


def nondigit_inputs(count, seed, workers=2):
    """About `count` drawings that are not digits (every training kind in turn, as people
    draw them on the pad), read back as the server reads them: float32 (N, 28, 28, 1)."""
    from training import nondigits
    rounds = max(1, count // len(nondigits.TRAIN_KINDS))
    jobs = [(len(part), (*np.atleast_1d(seed), k)) for k, part in enumerate(np.array_split(np.arange(rounds), 16))
            if len(part)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_nondigit_inputs, jobs))
    return np.stack([a for part in parts for a in part])[..., None].astype(np.float32)


NUMBER_HEIGHTS = (80, 260)   # the height a number's digits are written at, before it is fit to the pad


def side_by_side(parts, rng, margin=12):
    """Groups of strokes (canvas pixels, each group about the same height) written left to
    right as a person writes a number or a word: a gap between groups of 8-40 % of their
    height, a wavering baseline, the whole shrunk if need be to fit across the pad and
    centred on it. Returns the strokes and each group's (left, right) in canvas pixels."""
    height = max(float(np.ptp(np.concatenate(group)[:, 1])) for group in parts)
    spans = [(np.concatenate(group)[:, 0].min(), np.concatenate(group)[:, 0].max()) for group in parts]
    gaps = [rng.uniform(0.08, 0.4) * height for _ in parts[1:]] + [0.0]
    linear = sum(hi - lo for lo, hi in spans) + sum(gaps)
    scale = min(1.0, (pendigits.CANVAS - 2 * margin - PAGE_BRUSH * len(parts)) / linear,
                (pendigits.CANVAS - 2 * margin - PAGE_BRUSH) / height)
    left = (pendigits.CANVAS - scale * linear - PAGE_BRUSH * (len(parts) - 1)) / 2
    strokes, placed = [], []
    for group, (lo, hi), gap in zip(parts, spans, gaps):
        mid = np.mean([np.concatenate(group)[:, 1].min(), np.concatenate(group)[:, 1].max()])
        dy = pendigits.CANVAS / 2 + rng.uniform(-0.05, 0.05) * height * scale - mid * scale
        strokes += [np.column_stack([left + (s[:, 0] - lo) * scale, dy + s[:, 1] * scale]) for s in group]
        placed.append((left, left + (hi - lo) * scale))
        left += (hi - lo) * scale + PAGE_BRUSH + gap * scale
    return strokes, placed


def pen_strokes(digit, height, rng, touch=None):
    """A pen digit's strokes `height` px tall about (0, 0), sampled as a mouse or a finger."""
    touch = rng.random() >= 0.5 if touch is None else touch
    spacing = rng.uniform(*(pendigits.TOUCH_SPACING if touch else pendigits.MOUSE_SPACING))
    return pendigits.place(digit, height * rng.uniform(0.9, 1.1), (0.0, 0.0), spacing,
                           rng.uniform(-pendigits.SLANT, pendigits.SLANT))


def number_drawing(digits, rng, brush=PAGE_BRUSH):
    """Pen digits written side by side as one number, painted as the pad paints them:
    (RGBA, each digit's (left, right) on the canvas, the strokes as the page posts them)."""
    height = rng.uniform(*NUMBER_HEIGHTS)
    strokes, spans = side_by_side([pen_strokes(d, height, rng) for d in digits], rng)
    return pendigits.paint(strokes, brush), spans, pendigits.posted(strokes)


def read_served(rgba, classifier, reject_below, gate, strokes=None, stroke_reader=None):
    """The served reading, with the strokes when there is a stroke reader to read them;
    None when the app answers "too many separate marks"."""
    from training.evaluation import read_as_served
    from webapp.reading import segment
    try:
        return read_as_served(rgba, classifier, reject_below, gate, strokes if stroke_reader else None, stroke_reader)
    except segment.TooManyMarks:
        return None


def alone_report(digits, classifier, reject_below, rng, copies=2, gate=None, stroke_reader=None):
    """Each pen digit drawn alone `copies` times as the page draws it, and read through the
    served path (posted with its strokes when there is a `stroke_reader`): the share the
    app shows as a digit (segmentation, every rule and the gate included), overall and per
    digit, and the share read right."""
    accepted, right, labels = [], [], []
    for digit in list(digits) * copies:
        strokes, width = pendigits.random_strokes(digit, rng, PAGE_BRUSH)
        result = read_served(pendigits.paint(strokes, width), classifier, reject_below, gate, pendigits.posted(strokes), stroke_reader)
        shown = "" if result is None else result.number
        accepted.append(bool(shown) and "?" not in shown)
        right.append(shown == str(digit.label))
        labels.append(digit.label)
    accepted, labels = np.array(accepted), np.array(labels)
    return {"count": len(labels), "accepted": round(float(accepted.mean()), 4),
            "read_right": round(float(np.mean(right)), 4),
            "rejected_by_digit": {str(d): round(float(1 - accepted[labels == d].mean()), 4)
                                  for d in range(10) if (labels == d).any()}}


def numbers_report(digits, classifier, reject_below, rng, count, gate=None, lengths=(2, 6), stroke_reader=None):
    """`count` numbers of `lengths` (low, high) pen digits written side by side, read
    through the served path (posted with their strokes when there is a `stroke_reader`):
    the share read whole (no piece "not a digit") and the share read exactly."""
    whole = exact = 0
    for _ in range(count):
        chosen = [digits[i] for i in rng.choice(len(digits), size=int(rng.integers(lengths[0], lengths[1] + 1)))]
        rgba, _, strokes = number_drawing(chosen, rng)
        result = read_served(rgba, classifier, reject_below, gate, strokes, stroke_reader)
        if result is None:
            continue
        whole += "?" not in result.number
        exact += result.number == "".join(str(d.label) for d in chosen)
    return {"count": count, "whole": round(whole / count, 4), "exact": round(exact / count, 4)}


def word_beside_number(digits, letter_maker, rng, count, classifier, reject_below, gate=None, letters=(1, 3),
                       stroke_reader=None):
    """"No 42": a few letters (from `letter_maker`, unit-box strokes as training.nondigits
    makes them) written before two pen digits, painted as the pad paints them and read
    through the served path (with their strokes when there is a `stroke_reader`). Counts
    drawings whose word pieces all read "?", whose two digits are both read right, and
    both at once."""
    word_rejected = digits_kept = both = 0
    for _ in range(count):
        height = rng.uniform(*NUMBER_HEIGHTS)
        word = [_sized(letter_maker(rng), height) for _ in range(int(rng.integers(letters[0], letters[1] + 1)))]
        number = [digits[i] for i in rng.choice(len(digits), size=2)]
        strokes, spans = side_by_side(word + [pen_strokes(d, height, rng) for d in number], rng)
        result = read_served(pendigits.paint(strokes, PAGE_BRUSH), classifier, reject_below, gate, pendigits.posted(strokes),
                       stroke_reader)
        if result is None:   # too many marks: the app shows no digit, the number is lost
            word_rejected += 1
            continue
        boundary = (spans[len(word) - 1][1] + spans[len(word)][0]) / 2
        in_word = [d for d in result.digits if d.box[0] + d.box[2] / 2 < boundary]
        in_number = [d for d in result.digits if d.box[0] + d.box[2] / 2 >= boundary]
        w = not any(d.is_digit for d in in_word)
        n = [str(d.digit) if d.is_digit else "?" for d in in_number] == [str(d.label) for d in number]
        word_rejected, digits_kept, both = word_rejected + w, digits_kept + n, both + (w and n)
    return {"count": count, "word_all_not_digits": round(word_rejected / count, 4),
            "digits_kept": round(digits_kept / count, 4), "both": round(both / count, 4)}


def _sized(strokes, height, spacing=4.0):
    """Unit-box strokes `height` px tall (or twice as wide, if flat) about (0, 0), with a
    pointer sample every `spacing` px."""
    from training.nondigits.pen import resample
    points = np.concatenate(strokes)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    extent = np.ptp(points, axis=0)
    scale = height / max(extent[1], extent[0] / 2, 1e-6)
    return [resample((np.asarray(s) - centre) * scale, spacing) for s in strokes]
