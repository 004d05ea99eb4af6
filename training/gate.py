"""The gate: a small network that answers how likely a 28x28 input, as the server
prepares it, is NOT a digit at all.

The digit network has only seen digits, so its confidence says little about a heart or
a scribble; teaching it the outside hurt its digits (train.py --nondigits). The gate is
a second, separate network: the inside is MNIST (raw, re-drawn and styled), real
people's pen digits of the training writers drawn as the page draws them, alone, as
other people write them (training.writing: other styles, hooks, tremor) and as
the pieces of numbers; the outside is every training kind of non-digit drawing
(nondigits.TRAIN_KINDS: letters that look like a digit are never drawn), whole and cut
into pieces by the served segmentation. Thresholds are chosen on validation data (the
pen validation writers, MNIST validation digits, the training kinds drawn with other
seeds); the held-out makers are measured by bench/rejection.py.

    python -m training.gate --data mnist.npz --pen pendigits-train.txt --out model

writes model/gate.tflite (LiteRT, builtin ops) and model/gate.json (thresholds, figures).
"""

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

from training import augment, data as mnist_data, evaluation, nondigits, pendigits, people, styles
from webapp.reading import pipeline, png, preprocess, segment
from webapp.reading.preprocess import MNIST_SIZE

LINE = 0.2            # a piece whose ink is this much thinner than long is a lone stroke: a 1
KEEP = 0.995          # share of validation digits (and of numbers, whole) the gate alone lets through
KEEP_BESIDE = 0.98    # share of validation digits in numbers that pass the stricter threshold beside a non-digit
LONGEST = segment.RULES.max_digits
NUMBER_LENGTHS = (2, 6)   # digits in the numbers cut into pieces: as long as people write on the pad
CHUNKS = 16           # jobs per data part: small enough to spread over the workers
FILTERS = (16, 32, 64)   # the conv blocks' widths at --width 1
DENSE = 64               # the hidden layer's width at --width 1


# ---------------------------------------------------------------- data
@lru_cache(maxsize=1)
def _segmenter(model_path):
    from webapp.reading.classifier import load_classifier
    return load_classifier(model_path)


def served_inputs(rgba, model_path):
    """The 28x28 inputs the server reads of a drawing: the whole drawing, and each piece
    when segmentation cuts it into several (the digit model only decides where touching
    marks are cut). None when the server refuses the drawing."""
    try:
        result = pipeline.read_image(png.encode(rgba, level=1), _segmenter(str(model_path)))
    except preprocess.PreprocessError:   # empty, or too many marks: no reading to judge
        return None
    pieces = [d.pixels for d in result.digits] if len(result.digits) > 1 else []
    return result.whole.pixels, pieces


def _nondigit_job(job):
    count, seed, model_path = job
    rng = np.random.default_rng(seed)
    out = []
    for kind, rgba in nondigits.drawings(nondigits.TRAIN_KINDS, rng, count):
        read = served_inputs(rgba, model_path)
        if read is not None:
            out.append((kind, read[0], read[1]))
    return out


def _number_job(job):
    digits, count, seed, model_path, brush = job
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        size = int(rng.integers(NUMBER_LENGTHS[0], NUMBER_LENGTHS[1] + 1))
        chosen = [digits[i] for i in rng.choice(len(digits), size=size)]
        rgba, _, _ = people.number_drawing(chosen, rng, pendigits.brush_width(brush, rng))
        read = served_inputs(rgba, model_path)
        if read is not None and len(read[1]) == len(chosen):   # cut as written: each piece is a digit
            out += read[1]
    return out


def _redrawn_job(job):
    x, seed = job
    return evaluation.randomly_drawn(x, np.random.default_rng(seed), len(x))[0]


def _pool_map(function, jobs, workers):
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(function, jobs))


def nondigit_inputs(per_kind, seed, model_path, workers):
    """Training-kind drawings read as the server reads them: (kinds, whole inputs, piece
    inputs, the kind of each piece)."""
    rounds = np.array_split(np.arange(per_kind), CHUNKS)
    jobs = [(len(r), (seed, k), model_path) for k, r in enumerate(rounds) if len(r)]
    kinds, wholes, pieces, piece_kinds = [], [], [], []
    for part in _pool_map(_nondigit_job, jobs, workers):
        for kind, whole, cut in part:
            kinds.append(kind)
            wholes.append(whole)
            pieces += cut
            piece_kinds += [kind] * len(cut)
    return np.array(kinds), _stack(wholes), _stack(pieces), np.array(piece_kinds)


def number_pieces(digits, count, seed, model_path, workers, brush=people.PAGE_BRUSH):
    """The pieces of `count` numbers of NUMBER_LENGTHS of `digits`, drawn on the pad and
    cut by the served segmentation (kept when cut into as many pieces as digits)."""
    jobs = [(digits, len(r), (seed, k), model_path, brush)
            for k, r in enumerate(np.array_split(np.arange(count), CHUNKS)) if len(r)]
    return _stack([x for part in _pool_map(_number_job, jobs, workers) for x in part])


def redrawn(x, count, seed, workers):
    """`count` MNIST digits re-drawn on the canvas and read back (evaluation.randomly_drawn)."""
    chosen = np.random.default_rng(seed).choice(len(x), size=min(count, len(x)), replace=False)
    jobs = [(x[part], (seed, k)) for k, part in enumerate(np.array_split(chosen, CHUNKS)) if len(part)]
    return np.concatenate(_pool_map(_redrawn_job, jobs, workers))


def _stack(inputs):
    if not len(inputs):
        return np.zeros((0, MNIST_SIZE, MNIST_SIZE, 1), np.float32)
    return np.stack(inputs).reshape(-1, MNIST_SIZE, MNIST_SIZE, 1).astype(np.float32)


def build_data(args):
    """Training and validation sets: x float32 (N, 28, 28, 1), y 1 for "not a digit",
    and each input's group (a kind, or where the digit came from) for the report."""
    model_path, workers, seed, limit = args.segmenter, args.workers, args.seed, args.limit
    (x_train, y_train, x_test, y_test), _, _ = mnist_data.load_mnist(args.data)
    (xt, yt), (xv, _), _ = mnist_data.split(x_train, y_train, x_test, y_test, seed, limit)
    rng = np.random.default_rng(seed)
    keep = rng.choice(len(xt), size=min(args.mnist, len(xt)), replace=False)
    xt, yt = xt[keep], yt[keep]
    styled, _ = styles.styled(xt[..., 0], yt, rng, 0.3)
    train_writers, val_writers, _ = pendigits.by_writer(pendigits.load(args.pen))
    if limit is not None:
        train_writers, val_writers = train_writers[:limit], val_writers[:limit]
    small = (lambda n: max(n // 50, 2)) if limit is not None else (lambda n: n)

    groups = {}   # name -> (inputs, not a digit?, part)
    groups["mnist"] = (xt, 0, "train")
    groups["mnist styled"] = (styled[..., None], 0, "train")
    groups["mnist re-drawn"] = (redrawn(xt[..., 0], small(args.redrawn), (seed, 1), workers), 0, "train")
    groups["pen"] = (people.drawn_inputs(train_writers, (seed, 2), args.pen_copies, people.TRAINING_BRUSH,
                                         workers)[0], 0, "train")
    groups["pen written otherwise"] = (people.drawn_inputs(train_writers, (seed, 8), args.otherwise_copies,
                                                           people.TRAINING_BRUSH, workers, otherwise=True)[0], 0, "train")
    groups["pen in numbers"] = (number_pieces(train_writers, small(args.numbers), (seed, 3), model_path, workers,
                                              people.TRAINING_BRUSH), 0, "train")
    groups["mnist validation"] = (xv, 0, "validation")
    groups["pen validation"] = (people.drawn_inputs(val_writers, (seed, 4), 2, workers=workers)[0], 0, "validation")
    groups["pen validation in numbers"] = (number_pieces(val_writers, small(args.validation_numbers), (seed, 5),
                                                         model_path, workers), 0, "validation")
    print(f"data: digits {', '.join(f'{k} {len(v[0])}' for k, v in groups.items())}", flush=True)

    for part, per_kind, part_seed in (("train", small(args.per_kind), (seed, 6)),
                                      ("validation", max(small(args.per_kind) // 4, 1), (seed, 7))):
        kinds, whole, pieces, piece_kinds = nondigit_inputs(per_kind, part_seed, model_path, workers)
        for kind in nondigits.TRAIN_KINDS:
            groups[f"{kind} {part}"] = (whole[kinds == kind], 1, part)
            groups[f"{kind} pieces {part}"] = (pieces[piece_kinds == kind], 1, part)
        print(f"data: {part} non-digits {len(whole)} drawings, {len(pieces)} pieces", flush=True)

    out = {}
    for part in ("train", "validation"):
        chosen = [(name, g) for name, g in groups.items() if g[2] == part and len(g[0])]
        out[part] = {"x": np.concatenate([g[0] for _, g in chosen]).astype(np.float32),
                     "y": np.concatenate([np.full(len(g[0]), g[1], np.float32) for _, g in chosen]),
                     "group": np.concatenate([np.full(len(g[0]), name) for name, g in chosen])}
    return out


def elongation(x):
    """Each input's ink spread across its main axis over along it (0: a straight line,
    1: round), from the ink's second moments."""
    x = x.reshape(len(x), MNIST_SIZE, MNIST_SIZE).astype(np.float64)
    rows, cols = np.mgrid[:MNIST_SIZE, :MNIST_SIZE]
    mass = x.sum(axis=(1, 2)) + 1e-9

    def moment(a, b):
        return (x * a * b).sum(axis=(1, 2)) / mass

    my, mx = moment(rows, 1), moment(cols, 1)
    cyy, cxx, cxy = moment(rows, rows) - my ** 2, moment(cols, cols) - mx ** 2, moment(rows, cols) - my * mx
    half, spread = (cxx + cyy) / 2, np.sqrt(np.maximum(((cxx - cyy) / 2) ** 2 + cxy ** 2, 0))
    return np.sqrt(np.maximum(half - spread, 0) / np.maximum(half + spread, 1e-9))


def without_lines(sets):
    """Drops the pieces of non-digit drawings that are a lone straight stroke (a stroke of
    hatching, an arrow's shaft): a line reads as a 1 (nondigits.LOOKS_LIKE_A_DIGIT), and
    taught as "not a digit" it turned away thin 1s."""
    out = {}
    for part, s in sets.items():
        line = np.char.find(s["group"].astype(str), "pieces") >= 0
        line[line] = elongation(s["x"][line]) < LINE
        out[part] = {k: v[~line] for k, v in s.items()}
    return out


# ---------------------------------------------------------------- model
def build_model(width=1.0):
    """Three small conv blocks and a sigmoid: about 60 k weights (a quarter of a megabyte)
    at width 1; `width` scales every layer, so the gate can grow while staying a small
    fraction of the digit model's cost."""
    import keras
    from keras import layers
    inputs = keras.Input((MNIST_SIZE, MNIST_SIZE, 1), name="drawing")
    x = inputs
    for filters in FILTERS:
        x = layers.Conv2D(round(filters * width), 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(round(DENSE * width), activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(1, activation="sigmoid", name="outside")(x)
    return keras.Model(inputs, outputs, name="gate")


def train(model, sets, epochs, batch_size, seed, augmented=False):
    """Binary cross-entropy with both sides weighted equally (there are more digits)."""
    import keras
    x, y = sets["train"]["x"], sets["train"]["y"]
    weights = np.where(y == 1, len(y) / (2 * max(y.sum(), 1)), len(y) / (2 * max(len(y) - y.sum(), 1)))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    schedule = keras.callbacks.LearningRateScheduler(lambda e: 1e-3 * 0.5 * (1 + np.cos(np.pi * e / epochs)))
    # augmented: each batch moved, turned, sheared and re-stroked anew, digits and non-digits
    # alike: the held-out makers draw with another, shakier hand, and the gate should not
    # learn the training hand's habits as the mark of a non-digit
    batches = augment.make_dataset(x, y, batch_size, seed, augment.make_augment() if augmented else None, weights)
    history = model.fit(batches, epochs=epochs,
                        validation_data=(sets["validation"]["x"], sets["validation"]["y"]), callbacks=[schedule],
                        verbose=2)
    return {k: [round(float(v), 5) for v in vs] for k, vs in history.history.items() if k != "learning_rate"}


# ---------------------------------------------------------------- thresholds
def thresholds(alone, in_numbers, keep=KEEP, longest=LONGEST):
    """Gate thresholds for a drawing read as 1, 2, ... `longest` digits (as
    pipeline.reject_threshold reads them): above it, not a digit. For one digit, `keep` of
    digits drawn alone pass; for k digits, each piece's threshold lets `keep` of real
    k-digit numbers pass whole (evaluation.number_thresholds, on 1 - outside)."""
    first = 1.0 - evaluation.number_thresholds(1.0 - alone, keep, 1)[0]
    rest = evaluation.number_thresholds(1.0 - in_numbers, keep, longest)[1:]
    return [round(first, 4)] + [round(1.0 - t, 4) for t in rest]


def beside_threshold(in_numbers, keep=KEEP_BESIDE):
    """The stricter threshold for a piece beside one that is not a digit
    (pipeline.beside_not_a_digit): `keep` of the validation writers' digits cut from
    numbers pass it. Only digits written beside something else ever meet it, so it can
    be far lower than a number's own threshold."""
    return round(float(np.quantile(in_numbers, keep)), 4)


def validation_report(outside, sets, above):
    """Per group of the validation set: the share the gate alone turns away (digit
    groups: wrongly; non-digit groups: rightly), at the threshold for a digit alone, and
    for pieces at the two-digit number's threshold."""
    groups = sets["validation"]["group"]
    report = {}
    for name in dict.fromkeys(groups):
        threshold = above[1] if ("pieces" in name or "in numbers" in name) else above[0]
        report[name] = {"count": int((groups == name).sum()),
                        "rejected": round(float((outside[groups == name] > threshold).mean()), 4)}
    return report


# ---------------------------------------------------------------- export
def export(model, out):
    """gate.tflite: the server's LiteRT runs it with builtin ops alone."""
    import tensorflow as tf
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    (out / "gate.tflite").write_bytes(converter.convert())


def parse_args(argv=None):
    root = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True, help="mnist.npz")
    p.add_argument("--pen", type=Path, required=True, help="pendigits UNIPEN text file")
    p.add_argument("--out", type=Path, default=root / "model", help="where gate.tflite and gate.json go")
    p.add_argument("--segmenter", type=Path, default=root / "model" / "digits.tflite",
                   help="the digit model segmentation asks where to cut touching marks")
    p.add_argument("--per-kind", type=int, default=600, help="training drawings of each non-digit kind")
    p.add_argument("--mnist", type=int, default=20000, help="MNIST training digits, raw")
    p.add_argument("--redrawn", type=int, default=5000, help="MNIST training digits re-drawn on the canvas")
    p.add_argument("--pen-copies", type=int, default=2, help="drawings of each training writer's digit")
    p.add_argument("--otherwise-copies", type=int, default=3,
                   help="drawings of each training writer's digit as others write it (training.writing)")
    p.add_argument("--numbers", type=int, default=2000, help="numbers of training writers' digits, cut into pieces")
    p.add_argument("--validation-numbers", type=int, default=1000,
                   help="numbers of validation writers' digits, cut into pieces: the numbers' thresholds are "
                        "tail quantiles of their pieces, so they need many")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--width", type=float, default=1.0, help="scales every layer of the gate network")
    p.add_argument("--augment", action="store_true", help="move, turn and re-stroke each training batch anew")
    p.add_argument("--keep", type=float, default=KEEP, help="share of validation digits the gate lets through")
    p.add_argument("--keep-beside", type=float, default=KEEP_BESIDE,
                   help="share of validation digits in numbers that pass the threshold beside a non-digit")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workers", type=int, default=2, help="processes drawing the data")
    p.add_argument("--threads", type=int, default=2, help="TensorFlow's threads")
    p.add_argument("--limit", type=int, default=None, help="a few of everything (smoke runs)")
    p.add_argument("--cache", type=Path, default=None, help="an .npz to keep the drawn data in, and read it from")
    return p.parse_args(argv)


def reproduce_command(args):
    """The command that makes this gate again: the data by file name, and the settings
    that differ from the defaults (not where the output, the cache or the workers go)."""
    defaults = vars(parse_args(["--data", "-", "--pen", "-"]))
    words = ["python -m training.gate", f"--data {args.data.name}", f"--pen {args.pen.name}"]
    for key, value in vars(args).items():
        if key not in ("data", "pen", "out", "cache", "workers", "threads") and value != defaults[key]:
            flag = f"--{key.replace('_', '-')}"
            words.append(flag if value is True else f"{flag} {value.name if isinstance(value, Path) else value}")
    return " ".join(words)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    if args.cache and args.cache.exists():
        with np.load(args.cache) as f:
            sets = {part: {k: f[f"{part}_{k}"] for k in ("x", "y", "group")} for part in ("train", "validation")}
        print(f"data: from {args.cache}")
    else:
        sets = build_data(args)
        if args.cache:
            np.savez_compressed(args.cache, **{f"{part}_{k}": v for part, s in sets.items() for k, v in s.items()})
    sets = without_lines(sets)
    print(f"data: train {len(sets['train']['y'])} ({int(sets['train']['y'].sum())} not digits), validation "
          f"{len(sets['validation']['y'])}  ({time.perf_counter() - started:.0f} s)", flush=True)

    import keras
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(args.seed)
    model = build_model(args.width)
    print(f"model: {model.count_params()} weights", flush=True)
    history = train(model, sets, args.epochs, args.batch_size, args.seed, args.augment)

    groups = sets["validation"]["group"]
    outside = model.predict(sets["validation"]["x"], batch_size=512, verbose=0)[:, 0]
    alone = outside[np.isin(groups, ["pen validation", "mnist validation"])]
    in_numbers = outside[groups == "pen validation in numbers"]
    above, beside = thresholds(alone, in_numbers, args.keep), beside_threshold(in_numbers, args.keep_beside)
    figures = validation_report(outside, sets, above)
    pieces = np.char.find(groups.astype(str), "pieces") >= 0
    figures["pieces beside a non-digit"] = {"count": int(pieces.sum()),
                                            "rejected": round(float((outside[pieces] > beside).mean()), 4)}
    args.out.mkdir(parents=True, exist_ok=True)
    export(model, args.out)
    report = {
        "thresholds": above, "keep": args.keep, "beside": beside, "keep_beside": args.keep_beside,
        "command": reproduce_command(args),
        "weights": int(model.count_params()), "bytes": (args.out / "gate.tflite").stat().st_size,
        "data": {"mnist_sha256": mnist_data.sha256(args.data), "pen_sha256": mnist_data.sha256(args.pen),
                 "train": int(len(sets["train"]["y"])), "train_not_digits": int(sets["train"]["y"].sum())},
        "history": history, "validation": figures,
    }
    (args.out / "gate.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"thresholds: alone {above[0]}, in numbers {above[1:4]} ..., beside a non-digit {beside}")
    print(f"{'validation group':<32} count  rejected")
    for name, row in figures.items():
        print(f"{name:<32} {row['count']:>5}  {row['rejected']:>7.1%}")
    print(f"wrote {args.out / 'gate.tflite'} ({report['bytes']} bytes) and gate.json "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
