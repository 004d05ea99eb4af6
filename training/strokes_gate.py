"""The strokes gate: a small 1-D convolutional network that answers how likely the path
a pen took (webapp/reading/pen_path.features) is not a digit at all.

The pixel gate (training/gate.py) sees a spiral and a 9 as much the same ink; the path
does not: a spiral winds on and on in one stroke, an arrow ends in a head drawn apart, a
word runs along. Trained on the training writers' pen paths, varied as the stroke reader
learns them and as other people write them (training.writing.as_others_write: other
styles, orders and directions, hooks, tremor), and MNIST's training digits traced along
their centre lines (with --data: thousands more writers' shapes) (digits), against every training kind of non-digit drawn on the pad with its
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
from training.writing import as_others_write, mnist_paths, other_order, steadied
from webapp.reading.pen_path import CHANNELS, POINTS, arc_length, features

CHUNKS = 16
STAGES = ((32, 5), (64, 3))   # conv stages (filters, kernel width): half the stroke reader's
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
    p.add_argument("--data", type=Path, default=None, help="mnist.npz: its training digits as paths too")
    p.add_argument("--mnist", type=int, default=16000, help="MNIST training digits traced as paths (with --data)")
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
    digits = np.stack([features(as_others_write(augmented(d, rng), d.label, rng))
                       for d in train for _ in range(args.copies)]
                      + [features(s) for s in mnist_paths(args.data, args.mnist, rng)[0]])
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
                   + (f"--data {args.data.name} --mnist {args.mnist} " if args.data else "") +
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
