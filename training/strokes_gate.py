"""The strokes gate: a small 1-D convolutional network that answers how likely the path
a pen took (webapp/reading/pen_path.features) is not a digit at all.

The pixel gate (training/gate.py) sees a spiral and a 9 as much the same ink; the path
does not: a spiral winds on and on in one stroke, an arrow ends in a head drawn apart, a
word runs along. Trained on the training writers' pen paths, varied as the stroke reader
learns them and as other people write them (`written_otherwise`: the pen lifted at a
corner, a barred 7, a flagged 1, a slashed 0) (digits), against every training kind of non-digit drawn on the pad with its
strokes (nondigits.TRAIN_KINDS, letters that look like a digit never drawn): the whole
drawing's path, and the paths of runs of its strokes, as the pieces segmentation may cut
it into (a lone straight stroke left out: it is a 1). Both sides' strokes are drawn in
other orders and directions now and then (`other_order`), and as straight drags
(`steadied`). Its answer joins the gate's and the
readers' in the joint rule (training/joint.py), which is chosen after it.

    python -m training.strokes_gate --pen pendigits-train.txt --out model

writes model/strokes-gate.tflite (LiteRT: beside strokes.tflite, the stroke reader loads
it) and model/strokes-gate.json (its figures on validation).
"""

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from training import nondigits, pendigits, people
from training.strokes import augmented, path_trunk, tflite_bytes
from webapp.reading.pen_path import CHANNELS, POINTS, arc_length, features

CHUNKS = 16
STAGES = ((32, 5), (64, 3))   # conv stages (filters, kernel width): half the stroke reader's
REVERSE, REORDER, RESTART = 0.15, 0.3, 0.5   # strokes reversed, reordered, closed ones begun elsewhere
LIFT, CORNER = 0.3, 60.0   # digits: the pen lifted at the sharpest corner (degrees) of a stroke this often
STYLES = {7: 0.25, 1: 0.3, 0: 0.15}   # ... and written with a bar, a flag, a slash this often
STEADY, TOLERANCE = 0.3, (0.01, 0.05)   # paths drawn in straight drags this often, within this share of their size
STRAIGHT = 0.06   # a path this close to the line between its ends (share of its length) is a lone line: a 1


def straight(strokes):
    """True for one stroke that barely leaves the line from its first point to its last."""
    if len(strokes) != 1 or len(strokes[0]) < 2:
        return len(strokes) == 1
    s = np.asarray(strokes[0], dtype=np.float64)
    length = arc_length(s)[-1]
    if length <= 0:
        return True
    ends = s[-1] - s[0]
    span = np.hypot(*ends)
    if span <= 0:
        return False
    d = s - s[0]
    off = np.abs(ends[0] * d[:, 1] - ends[1] * d[:, 0]) / span   # each point's distance from the line
    return bool(off.max() < STRAIGHT * length)


def other_order(strokes, rng, reverse=REVERSE, reorder=REORDER, restart=RESTART):
    """Strokes as another hand might order them: a stroke now and then drawn the other
    way, the strokes in another order, a closed stroke (an 8, a 0) begun elsewhere along
    it. People differ in these more than in shapes, and 16 writers show few of the ways;
    the non-digits are varied alike, so that order alone never tells the two apart."""
    out = []
    for s in strokes:
        s = np.asarray(s, dtype=np.float64)
        size = max(float(np.ptp(s, axis=0).max()), 1e-6)
        if len(s) > 4 and np.hypot(*(s[-1] - s[0])) < 0.25 * size and rng.random() < restart:
            s = np.roll(s[:-1], -int(rng.integers(len(s) - 1)), axis=0)   # closed: begun elsewhere
            s = np.vstack([s, s[:1]])
        out.append(s[::-1] if rng.random() < reverse else s)
    if len(out) > 1 and rng.random() < reorder:
        out = [out[k] for k in rng.permutation(len(out))]
    return out


def corner(stroke, sharper_than=CORNER, samples=12):
    """The index of a stroke's sharpest turn (a pen often lifts there), None if it has no
    turn sharper than `sharper_than` degrees, looked at over `samples` points evenly along
    it (the shape, not the tremor)."""
    s = np.asarray(stroke, dtype=np.float64)
    along = arc_length(s)
    if len(s) < 5 or along[-1] <= 0:
        return None
    at = np.searchsorted(along, np.linspace(0, along[-1], samples))
    at = np.unique(np.clip(at, 0, len(s) - 1))
    steps = np.diff(s[at], axis=0)
    headings = np.arctan2(steps[:, 1], steps[:, 0])
    turns = np.degrees(np.abs(np.angle(np.exp(1j * np.diff(headings)))))
    if not len(turns) or turns.max() < sharper_than:
        return None
    return int(at[int(np.argmax(turns)) + 1])


def written_otherwise(strokes, label, rng, lift=LIFT, styles=STYLES):
    """A digit's strokes as other people write it: the pen lifted at a stroke's sharpest
    corner now and then (a 7 as a bar and a stem, a 4 in two), and the styles the 16
    writers seldom show: a 7 with a bar across, a 1 with a flag, a 0 with a slash."""
    out = []
    for s in strokes:
        k = corner(s) if rng.random() < lift else None
        out += [s] if k is None or not 0 < k < len(s) - 1 else [s[:k + 1], s[k:]]
    points = np.concatenate(out)
    (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
    height, width = bottom - top, max(right - left, 0.3 * (bottom - top))
    middle = (left + right) / 2
    if label == 7 and rng.random() < styles[7]:     # a bar across the stem, halfway down
        y = top + height * rng.uniform(0.45, 0.6)
        out.append(np.array([[middle - 0.3 * width, y], [middle + 0.3 * width, y]]))
    elif label == 1 and rng.random() < styles[1]:   # a flag down to the left from the top
        start = out[0][np.argmin(out[0][:, 1])]
        out.insert(0, np.array([start + (-0.25 * height, 0.2 * height), start]))
    elif label == 0 and rng.random() < styles[0]:   # a slash through it
        out.append(np.array([[left, bottom], [right, top]]))
    return [np.asarray(s, dtype=np.float64) for s in out]


def simplified(stroke, tolerance):
    """A stroke through fewer of its points, none of the rest further than `tolerance`
    from it (Ramer-Douglas-Peucker): the straight segments a mouse drags, or a hand that
    does not tremble."""
    s = np.asarray(stroke, dtype=np.float64)
    keep = np.zeros(len(s), dtype=bool)
    keep[[0, -1]] = True
    spans = [(0, len(s) - 1)]
    while spans:
        a, b = spans.pop()
        if b - a < 2:
            continue
        d = s[b] - s[a]
        off = s[a + 1:b] - s[a]
        length = np.hypot(*d)
        far = np.abs(d[0] * off[:, 1] - d[1] * off[:, 0]) / length if length > 0 else np.hypot(*off.T)
        k = int(np.argmax(far))
        if far[k] > tolerance:
            keep[a + 1 + k] = True
            spans += [(a, a + 1 + k), (a + 1 + k, b)]
    return s[keep]


def steadied(strokes, rng, share=STEADY, tolerance=TOLERANCE):
    """The strokes, `share` of the time, as drawn by a steady hand or a mouse in straight
    drags: each simplified to within a `tolerance` share of the drawing's size. Digits and
    non-digits alike: how smooth a path is tells neither side."""
    if rng.random() >= share:
        return strokes
    points = np.concatenate(strokes)
    size = max(float(np.ptp(points, axis=0).max()), 1e-6)
    return [simplified(s, rng.uniform(*tolerance) * size) for s in strokes]


def pieces(strokes, rng):
    """Runs of consecutive strokes of a drawing, as segmentation may cut it: the pieces
    of a cat, the letters of a word. One run of a random length, if the drawing has more
    than one stroke."""
    if len(strokes) < 2:
        return []
    size = int(rng.integers(1, len(strokes)))
    start = int(rng.integers(0, len(strokes) - size + 1))
    run = strokes[start:start + size]
    return [] if straight(run) else [run]


def _nondigit_job(job):
    count, seed = job
    rng = np.random.default_rng(seed)
    whole, cut, kinds = [], [], []
    for kind, (_, strokes) in nondigits.drawings(nondigits.TRAIN_KINDS, rng, count, with_strokes=True):
        posted = steadied(other_order(pendigits.posted(strokes), rng), rng)   # as the digits: neither order
        # nor smoothness tells the two sides apart
        whole.append(features(posted))
        kinds.append(kind)
        cut += [features(p) for p in pieces(posted, rng)]
    return whole, cut, kinds


def nondigit_paths(per_kind, seed, workers):
    """(whole drawings' features, pieces' features, each whole drawing's kind)."""
    jobs = [(len(r), (seed, k)) for k, r in enumerate(np.array_split(np.arange(per_kind), CHUNKS)) if len(r)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_nondigit_job, jobs))
    whole = np.stack([x for w, _, _ in parts for x in w])
    cut = np.stack([x for _, c, _ in parts for x in c]) if any(c for _, c, _ in parts) else np.zeros((0, POINTS, CHANNELS))
    return whole, cut, np.array([k for _, _, ks in parts for k in ks])


def page_paths(digits, rng):
    """Each digit drawn once as the page draws it: the path it posts."""
    return np.stack([features(pendigits.posted(pendigits.random_strokes(d, rng, people.PAGE_BRUSH)[0]))
                     for d in digits])


def build_model():
    """The stroke reader's trunk, narrower (STAGES), and a sigmoid."""
    import keras
    from keras import layers
    inputs, h = path_trunk(STAGES)
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid", name="outside")(h), name="strokes_gate")
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    return model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pen", type=Path, required=True, help="pendigits UNIPEN text file")
    p.add_argument("--out", type=Path, required=True, help="where strokes-gate.tflite and its json go")
    p.add_argument("--per-kind", type=int, default=800, help="training drawings of each non-digit kind")
    p.add_argument("--copies", type=int, default=8, help="varied paths of each training writer's digit")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int, default=None, help="a few of everything (smoke runs)")
    args = p.parse_args(argv)
    started = time.perf_counter()

    train, validation, _ = pendigits.by_writer(pendigits.load(args.pen))
    if args.limit:
        train, validation = train[:args.limit], validation[:args.limit]
    rng = np.random.default_rng(args.seed)
    digits = np.stack([features(steadied(other_order(written_otherwise(augmented(d, rng), d.label, rng), rng), rng))
                       for d in train for _ in range(args.copies)])
    whole, cut, _ = nondigit_paths(args.per_kind, (args.seed, 1), args.workers)
    val_digits = page_paths(validation, rng)
    val_whole, val_cut, val_kinds = nondigit_paths(max(args.per_kind // 8, 1), (args.seed, 2), args.workers)
    x = np.concatenate([digits, whole, cut])
    y = np.concatenate([np.zeros(len(digits)), np.ones(len(whole) + len(cut))]).astype(np.float32)
    weights = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    print(f"data: {len(digits)} digit paths, {len(whole)} non-digit drawings and {len(cut)} pieces "
          f"({time.perf_counter() - started:.0f} s)", flush=True)

    import keras
    keras.utils.set_random_seed(args.seed)
    model = build_model()
    x_val = np.concatenate([val_digits, val_whole, val_cut])
    y_val = np.concatenate([np.zeros(len(val_digits)), np.ones(len(val_whole) + len(val_cut))])
    history = model.fit(x, y, sample_weight=weights, batch_size=128, epochs=args.epochs, verbose=2,
                        validation_data=(x_val, y_val), shuffle=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "strokes-gate.tflite").write_bytes(tflite_bytes(model))

    from webapp.reading.classifier import load_classifier
    served = load_classifier(args.out / "strokes-gate.tflite", (POINTS, CHANNELS))   # measured as served
    out_digits = served.predict(val_digits)[:, 0]
    out_whole = served.predict(val_whole)[:, 0]
    at = float(np.quantile(out_digits, 0.995))   # for the figures only: the joint rule decides
    report = {
        "command": f"python -m training.strokes_gate --pen {args.pen.name} --per-kind {args.per_kind} "
                   f"--copies {args.copies} --epochs {args.epochs} --seed {args.seed}"
                   + (f" --limit {args.limit}" if args.limit else ""),
        "weights": int(model.count_params()), "bytes": (args.out / "strokes-gate.tflite").stat().st_size,
        "train": {"digit_paths": int(len(digits)), "not_digit_drawings": int(len(whole)), "pieces": int(len(cut))},
        "val_loss": [round(float(v), 5) for v in history.history["val_loss"]],
        "validation": {"digits": int(len(out_digits)), "keeping 99.5 % of digits, above": round(at, 4),
                       "rejected by kind": {k: round(float((out_whole[val_kinds == k] > at).mean()), 4)
                                            for k in dict.fromkeys(val_kinds)}},
    }
    (args.out / "strokes-gate.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["validation"], indent=1))
    print(f"wrote {args.out / 'strokes-gate.tflite'} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
