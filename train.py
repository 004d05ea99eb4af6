"""Train the digit CNN for people's handwriting, evaluate it, and ship it to model/.

    python train.py --data mnist.npz --pen pendigits-train.txt    # MNIST, then people's writing
    python train.py --limit 300 --epochs 1 --out /tmp/m            # a smoke run in seconds

Top to bottom: data (MNIST; real people's pen digits split by writer and drawn as the page
draws them; MNIST digits changed into the styles the world writes), model, train,
calibrate, export, evaluate (MNIST test, and the writers held out). The long parts live in
training/. The model contract (other code relies on it): input
float32 (N, 28, 28, 1) in [0, 1], a white digit on black as in MNIST; output (N, 10)
probabilities summing to 1.
"""

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from training import augment, calibration, data, explainer, figures, people, report, styles  # noqa: E402
from webapp.reading.classifier import NUM_CLASSES  # noqa: E402
from webapp.reading.preprocess import MNIST_SIZE  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_data = Path.home() / ".keras" / "datasets" / "mnist.npz"
    p.add_argument("--data", type=Path, default=default_data if default_data.exists() else None,
                   help="MNIST .npz with x_train, y_train, x_test, y_test (default: ~/.keras/datasets/mnist.npz "
                        "when present, else Keras's downloader)")
    p.add_argument("--out", type=Path, default=Path("model"), help="where the model and its report go")
    p.add_argument("--epochs", type=int, default=35, help="length of each network's learning-rate schedule; "
                   "early stopping may end sooner")
    p.add_argument("--patience", type=int, default=10, help="epochs without validation improvement before stopping")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--members", type=int, default=1,
                   help="networks to train (seeds seed, seed+1, ...) and average the logits of: an ensemble in one model")
    p.add_argument("--limit", type=int, default=None,
                   help="train on this many samples (and test on at most this many): a smoke run")
    p.add_argument("--drawings", type=int, default=None,
                   help="re-drawn digits per drawn-digit measurement (default 1000, 50 with --limit)")
    p.add_argument("--report-only", action="store_true",
                   help="do not train: measure the model already in --out and rewrite its report")
    p.add_argument("--pen", type=Path, default=None,
                   help="real people's pen digits (UNIPEN, pendigits-train.txt) to learn from beside MNIST "
                        "(writers in training/pendigits.HELD_OUT_WRITERS are never trained on)")
    p.add_argument("--pen-copies", type=int, default=4, help="drawings of each training writer's digit")
    p.add_argument("--pen-vary", action="store_true",
                   help="draw the training writers' digits varied: stroke ends left off, curves bent "
                        "(training/pendigits.varied), so that 16 writers stand for more")
    p.add_argument("--pen-restyle", type=float, default=0.0,
                   help="share of the training writers' 9s drawn with a small head and a tail hooked left "
                        "(training/pendigits.small_head), a way of writing MNIST seldom shows")
    p.add_argument("--styled", type=float, default=0.3,
                   help="share of MNIST's 7s, 1s and 0s changed into a barred 7, flagged 1, slashed 0")
    p.add_argument("--nondigits", type=int, default=0,
                   help="drawings that are not digits to learn from, towards equal probabilities for all ten "
                        "(outlier exposure: the \"not a digit\" rule then turns more of them away)")
    p.add_argument("--start-from", type=Path, default=None,
                   help="a model trained by this script (.keras): start from its weights (fine-tuning)")
    p.add_argument("--combine", type=Path, nargs="+", default=None, metavar="MODEL",
                   help="do not train: ship the weighted mean of these models' logits (.keras files made by "
                        "this script), calibrated and measured as a trained model is")
    p.add_argument("--combine-weights", type=float, nargs="+", default=None, metavar="W",
                   help="each --combine model's weight (default: equal)")
    p.add_argument("--teacher", type=Path, default=None, metavar="MODEL",
                   help="a trained model (.keras) whose answers on MNIST's digits (and --extra's) the network "
                        "learns beside the labels: fine-tuning on people's writing then keeps what it knew of MNIST")
    p.add_argument("--people-teacher", type=Path, default=None, metavar="MODEL",
                   help="the same for people's drawings and the styled digits (e.g. a model fine-tuned on them)")
    p.add_argument("--teacher-share", type=float, default=0.5,
                   help="share of each target that is the teacher's answer (the rest is the label)")
    p.add_argument("--teacher-temperature", type=float, default=2.0,
                   help="the teacher's logits are divided by this, so its second choices are heard")
    p.add_argument("--freeze-norm", action="store_true",
                   help="keep batch normalisation as --start-from learned it, statistics, scale and shift "
                        "(fine-tuning on a mix of new drawings would otherwise move them away from MNIST's)")
    p.add_argument("--peak-rate", type=float, default=1e-3, help="the learning rate at the schedule's start")
    p.add_argument("--no-augment", action="store_true", help="train on plain MNIST (for ablations)")
    p.add_argument("--extra", type=Path, default=None,
                   help="more training digits, as `flask --app webapp feedback export` writes them (x, y)")
    p.add_argument("--no-stroke-augment", action="store_true", help="keep the affine augmentation, "
                   "drop the thin/thick stroke augmentation (for ablations)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- model
def build_model():
    """A compact VGG-style CNN with batch norm; the logits end in a named layer so a
    calibration temperature can be put in front of the softmax after training."""
    import keras
    from keras import layers

    def conv(x, filters):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    inputs = keras.Input((MNIST_SIZE, MNIST_SIZE, 1), name="digit")
    x = conv(inputs, 32)
    x = conv(x, 32)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.1)(x)
    x = conv(x, 64)
    x = conv(x, 64)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.2)(x)
    x = conv(x, 128)
    x = layers.Flatten()(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(0.4)(x)
    logits = layers.Dense(NUM_CLASSES, name="logits")(x)
    outputs = layers.Softmax(name="probabilities")(logits)
    return keras.Model(inputs, outputs, name="digits")


def average_logits(members):
    """One model whose logits are the mean of the members' logits: a small ensemble that
    keeps the contract (one input, one (N, 10) output) and one file."""
    if len(members) == 1:
        return members[0]
    import keras
    from keras import layers
    inputs = keras.Input((MNIST_SIZE, MNIST_SIZE, 1), name="digit")
    logits = [keras.Model(m.inputs, m.get_layer("logits").output, name=f"member_{i}")(inputs)
              for i, m in enumerate(members)]
    mean = layers.Average(name="logits")(logits)
    return keras.Model(inputs, layers.Softmax(name="probabilities")(mean), name="digits")


def load_untempered(path):
    """A model this script trained (.keras), with softmax(logits) as its output: its
    calibration temperature undone, to train on, teach from or combine."""
    import keras
    return calibration.without_temperature(keras.models.load_model(path, compile=False))


def combine(paths, weights=None):
    """Trained models as one: the weighted mean of their logits, e.g. an MNIST model and
    its copy fine-tuned on people's writing, each better where the other is weaker. Each
    member's logits layer is scaled by n * weight, so that average_logits' plain mean is
    the weighted one and the ensemble keeps average_logits' shape."""
    weights = np.ones(len(paths)) if weights is None else np.asarray(weights, dtype=float)
    if len(weights) != len(paths):
        raise SystemExit("--combine-weights: one weight for each --combine model")
    weights = weights / weights.sum()
    members, made, runs, seconds = [], [], [], 0.0
    for path, weight in zip(paths, weights):
        member = load_untempered(path)
        logits = member.get_layer("logits")
        logits.set_weights([w * weight * len(paths) for w in logits.get_weights()])
        members.append(member)
        report_path = Path(path).with_name("metrics.json")   # the model's own report, when beside it
        trained = json.loads(report_path.read_text())["training"] if report_path.exists() else {}
        made.append({"file": f"{Path(path).parent.name}/{Path(path).name}", "sha256": data.sha256(path), "weight": round(float(weight), 4),
                     "command": trained.get("command")})
        runs += report.member_runs(trained) if trained else []
        seconds += trained.get("training_seconds", 0.0)
    training = {"combined": made, "members": runs, "seed": None, "training_seconds": seconds,
                "epochs_run": sum(run["epochs_run"] for run in runs)}
    return average_logits(members), training


# ---------------------------------------------------------------- train
def watch_from(epochs):
    """The first epoch (0-based) early stopping watches: the second half of the schedule.
    While the learning rate is high, validation loss swings from epoch to epoch, and a
    lucky early epoch would otherwise end the run before the rate comes down."""
    return epochs // 2


def cosine_rate(epoch, epochs, peak=1e-3, floor=1e-5):
    """Cosine annealing from `peak` to `floor` over the run: the last epochs fine-tune."""
    return floor + (peak - floor) * 0.5 * (1 + np.cos(np.pi * epoch / max(epochs - 1, 1)))


NOT_A_DIGIT = -1   # the label of a drawing that is not a digit


def targets(labels):
    """What the network learns to answer: a digit's label as one-hot, and for a drawing
    that is not a digit (NOT_A_DIGIT) the same probability for all ten."""
    out = np.eye(NUM_CLASSES, dtype=np.float32)[np.clip(labels, 0, None)]
    out[labels == NOT_A_DIGIT] = 1.0 / NUM_CLASSES
    return out


def taught_targets(labels, teacher, images, share, temperature):
    """Targets that are partly a teacher's answer (distillation): `share` of the teacher's
    probabilities at `temperature`, the rest the label. Its second choices say which
    digits look alike; a network fine-tuned on new writing keeps what the teacher knew
    of the old (learning without forgetting)."""
    known = calibration.with_temperature_applied(teacher.predict(images, batch_size=1024, verbose=0), temperature)
    return ((1.0 - share) * targets(labels) + share * known).astype(np.float32)


def distillation_targets(args, learn_from, mnist_count):
    """The training targets with --teacher (the first `mnist_count` samples: MNIST and
    --extra's drawings) and --people-teacher (the rest that are digits) answering beside
    the labels; None without."""
    if not (args.teacher or args.people_teacher):
        return None
    labels = learn_from[1]
    out = targets(labels)
    for path, part in ((args.teacher, slice(0, mnist_count)), (args.people_teacher, slice(mnist_count, None))):
        rows = np.arange(len(labels))[part]
        rows = rows[labels[rows] != NOT_A_DIGIT]
        if path and len(rows):
            out[rows] = taught_targets(labels[rows], load_untempered(path), learn_from[0][rows],
                                       args.teacher_share, args.teacher_temperature)
    return out


def train(model, train_data, val_data, args, seed, soft=None):
    """Fit on train_data (images, labels), or on `soft` targets in the labels' place."""
    import keras
    model.compile(optimizer=keras.optimizers.Adam(args.peak_rate), loss="categorical_crossentropy",
                  metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")])
    augmentation = None if args.no_augment else augment.make_augment(stroke=not args.no_stroke_augment)
    stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True,
                                             start_from_epoch=watch_from(args.epochs))
    callbacks = [keras.callbacks.LearningRateScheduler(lambda epoch: cosine_rate(epoch, args.epochs, args.peak_rate)),
                 stopping]
    started = time.time()
    wanted = targets(train_data[1]) if soft is None else soft
    history = model.fit(augment.make_dataset(train_data[0], wanted, args.batch_size, seed, augmentation),
                        validation_data=augment.make_dataset(val_data[0], targets(val_data[1]), 512, seed),
                        epochs=args.epochs, callbacks=callbacks, verbose=2)
    return history.history, stopping.best_epoch + 1, time.time() - started   # the kept epoch, 1-based


def train_ensemble(args, train_data, val_data, soft=None):
    """Each network trained from its own seed, their logits averaged: (the model, what its
    report says of the training)."""
    import keras
    members, runs, seconds = [], [], 0.0
    for i in range(args.members):
        print(f"network {i + 1} of {args.members} (seed {args.seed + i})")
        keras.utils.set_random_seed(args.seed + i)   # the first: as a single network's run
        member = build_model()
        if args.start_from:
            member.set_weights(load_untempered(args.start_from).get_weights())
        if args.freeze_norm:
            for layer in member.layers:
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.trainable = False   # Keras runs a frozen batch norm in inference mode
        history, best, took = train(member, train_data, val_data, args, args.seed + i, soft)
        members.append(member)
        seconds += took
        runs.append({"seed": args.seed + i, "epochs_run": len(history["loss"]),
                     "best_epoch": best, "training_seconds": round(took, 1),
                     "history": {k: [round(float(v), 6) for v in vs] for k, vs in history.items()}})
    training = {
        "epochs_run": sum(run["epochs_run"] for run in runs),
        "training_seconds": round(seconds, 1),
        "augmentation": "none" if args.no_augment else ("affine" if args.no_stroke_augment else "affine+stroke"),
        "seed": args.seed,
        "members": runs,
    }
    return average_logits(members), training


# ---------------------------------------------------------------- export
def export(model, out):
    """digits.keras; the same weights as a LiteRT flatbuffer, what the server runs, with
    dynamic-range quantisation: the weights of every layer but the first convolutions
    stored as 8-bit integers with a scale per channel and computed in integers, four
    times faster on a CPU, the same answers to within evaluation.LITE_TOLERANCE (the
    temperature is fitted on the Keras model; everything else in metrics.json is measured
    through this file); and, in floats, as the explain model with the network's insides
    (/api/explain)."""
    import tensorflow as tf
    model.save(out / "digits.keras")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    (out / "digits.tflite").write_bytes(converter.convert())
    explainer.export(model, out / "digits-explain.tflite")


def main(argv=None):
    args = parse_args(argv)
    for flag, share in (("--teacher-share", args.teacher_share), ("--pen-restyle", args.pen_restyle)):
        if not 0.0 <= share <= 1.0:
            raise SystemExit(f"{flag}: a share, from 0 to 1")
    if args.freeze_norm and not args.start_from:
        raise SystemExit("--freeze-norm keeps what --start-from learned: give --start-from")
    import keras
    keras.utils.set_random_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    # data: MNIST; people's pen digits split by writer, drawn as the page draws them; styled MNIST
    (x_train, y_train, x_test, y_test), source, digest = data.load_mnist(args.data)
    train_data, val_data, test_data = data.split(x_train, y_train, x_test, y_test, args.seed, args.limit)
    extra = 0
    if args.extra:   # drawings visitors corrected, already 28x28 through the server's preprocessing
        with np.load(args.extra) as more:
            extra = len(more["y"])
            train_data = (np.concatenate([train_data[0], (more["x"].astype("float32") / 255.0)[..., None]]),
                          np.concatenate([train_data[1], more["y"].astype(train_data[1].dtype)]))
    writing = (people.data(args.pen, args.seed, args.pen_copies, args.limit, args.pen_vary, args.pen_restyle)
               if args.pen else None)
    learn_from, check_on = train_data, val_data
    if writing:
        styled = styles.styled(train_data[0][..., 0], train_data[1], np.random.default_rng(args.seed), args.styled)
        learn_from = (np.concatenate([train_data[0], writing["train"][0], styled[0][..., None]]),
                      np.concatenate([train_data[1], writing["train"][1], styled[1]]))
        check_on = (np.concatenate([val_data[0], writing["validation"][0]]),
                    np.concatenate([val_data[1], writing["validation"][1]]))
    outside = people.nondigit_inputs(args.nondigits, args.seed) if args.nondigits else None
    if outside is not None:
        learn_from = (np.concatenate([learn_from[0], outside]),
                      np.concatenate([learn_from[1], np.full(len(outside), NOT_A_DIGIT)]))
    print(f"data: {source}  train {len(train_data[0])} ({extra} from --extra)  validation {len(val_data[0])}  test {len(test_data[0])}"
          + (f"\npeople: {len(writing['train'][0])} training drawings, {len(styled[0])} styled MNIST digits, "
             f"validation {len(writing['validation'][0])}, held out {len(writing['held_out'][0])}" if writing else ""))

    # model, trained and calibrated (or, with --report-only, the model already trained)
    if args.report_only:   # exported again, so that what is measured is what digits.keras makes
        model = keras.models.load_model(args.out / "digits.keras")
        training = json.loads((args.out / "metrics.json").read_text())["training"]
        export(model, args.out)
    else:
        model, training = (combine(args.combine, args.combine_weights) if args.combine
                           else train_ensemble(args, learn_from, check_on,
                                               distillation_targets(args, learn_from, len(train_data[0]))))
        training["temperature"] = calibration.fit_temperature(
            model.predict(check_on[0], batch_size=512, verbose=0), check_on[1])
        training["command"] = report.reproduce_command(args)
        if writing and not args.combine:
            training["people"] = {"drawings": int(len(writing["train"][0])), "styled": int(len(styled[0]))}
        if outside is not None:
            training["nondigits"] = int(len(outside))
        model = calibration.with_temperature(model, training["temperature"])
        export(model, args.out)

    # evaluation: the test set and the held-out writers are read here only
    metrics, probabilities = report.measure(model, training, val_data, test_data, args, writing)
    metrics["data"] = {"source": source, "sha256": digest, "train": len(train_data[0]),
                       "validation": len(val_data[0]), "test": len(test_data[0]), "extra": extra}
    if writing:
        metrics["data"]["people"] = {"source": args.pen.name, "sha256": data.sha256(args.pen),
                                     **{part: len(arrays[0]) for part, arrays in writing.items()}}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    figures.plot_report(metrics, probabilities, *test_data, args.out)
    report.print_summary(metrics, args.out)


if __name__ == "__main__":
    main()
