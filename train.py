"""Train the digit CNN, evaluate it once on the MNIST test set, and ship it to model/.

    python train.py --data /path/to/mnist.npz          # the shipped model
    python train.py --limit 300 --epochs 1 --out /tmp/m   # a smoke run in seconds

Stages, top to bottom: data, augmentation, model, train, calibrate, evaluate, export.
The model contract (other code relies on it): input float32 (N, 28, 28, 1) in [0, 1],
a white digit on black as in MNIST; output (N, 10) probabilities summing to 1.
"""

import argparse
import hashlib
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from webapp.preprocess import MNIST_SIZE  # noqa: E402

NUM_CLASSES = 10
VALIDATION_SIZE = 5000


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
    p.add_argument("--no-augment", action="store_true", help="train on plain MNIST (for ablations)")
    p.add_argument("--no-stroke-augment", action="store_true", help="keep the affine augmentation, "
                   "drop the thin/thick stroke augmentation (for ablations)")
    return p.parse_args(argv)


# ---------------------------------------------------------------- data
def load_mnist(path):
    """MNIST as uint8 arrays; from a local .npz (read with numpy, no hash check) or Keras's downloader."""
    if path is not None:
        with np.load(path) as d:
            arrays = d["x_train"], d["y_train"], d["x_test"], d["y_test"]
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return arrays, Path(path).name, digest   # the hash, not the path, identifies the data
    import keras
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    cached = Path.home() / ".keras" / "datasets" / "mnist.npz"
    digest = hashlib.sha256(cached.read_bytes()).hexdigest() if cached.exists() else None
    return (x_train, y_train, x_test, y_test), "keras.datasets.mnist", digest


def split(x_train, y_train, x_test, y_test, seed, limit):
    """Hold out a validation set from the training data; the test set stays untouched."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x_train))
    n_val = min(VALIDATION_SIZE, len(x_train) // 10) if limit is None else max(limit // 5, 10)
    val, train = order[:n_val], order[n_val:]
    if limit is not None:
        train = train[:limit]
        x_test, y_test = x_test[:limit], y_test[:limit]

    def prep(x):
        return (x.astype("float32") / 255.0)[..., None]

    return ((prep(x_train[train]), y_train[train]), (prep(x_train[val]), y_train[val]),
            (prep(x_test), y_test.astype("int64")))


# ---------------------------------------------------------------- augmentation
def make_augment(stroke=True):
    """Batch augmentation: what people do that MNIST's writers did not.

    Small rotations, scaling, shear and shifts; strokes thinner or thicker than MNIST's
    (a 2x upsampled image eroded or dilated by one pixel, then pooled back).
    """
    import tensorflow as tf

    size = MNIST_SIZE
    centre = (size - 1) / 2.0

    def affine(images):
        n = tf.shape(images)[0]
        angle = tf.random.uniform([n], -10.0, 10.0) * np.pi / 180.0
        scale = tf.random.uniform([n], 0.9, 1.1)
        aspect = tf.random.uniform([n], 0.93, 1.07)
        shear = tf.random.uniform([n], -0.12, 0.12)
        shift = tf.random.uniform([n, 2], -2.0, 2.0)
        cos, sin = tf.cos(angle), tf.sin(angle)
        sx, sy = 1.0 / (scale * aspect), aspect / scale  # output -> input coordinates
        a0, a1 = cos * sx, (cos * shear - sin) * sy
        b0, b1 = sin * sx, (sin * shear + cos) * sy
        a2 = centre - a0 * centre - a1 * centre + shift[:, 0]
        b2 = centre - b0 * centre - b1 * centre + shift[:, 1]
        zeros = tf.zeros([n])
        transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=images, transforms=transforms, output_shape=[size, size], fill_value=0.0,
            interpolation="BILINEAR", fill_mode="CONSTANT")

    def strokes(images):
        n = tf.shape(images)[0]
        big = tf.image.resize(images, [2 * size, 2 * size], method="bilinear")
        thin = -tf.nn.max_pool2d(-big, 3, 1, "SAME")
        thick = tf.nn.max_pool2d(big, 3, 1, "SAME")
        thicker = tf.nn.max_pool2d(big, 5, 1, "SAME")
        u = tf.random.uniform([n, 1, 1, 1])
        big = tf.where(u < 0.15, thin, tf.where(u < 0.7, big, tf.where(u < 0.93, thick, thicker)))
        return tf.nn.avg_pool2d(big, 2, 2, "VALID")

    def augment(images, labels):
        images = affine(images)
        if stroke:
            images = strokes(images)
        return tf.clip_by_value(images, 0.0, 1.0), labels

    return augment


def make_dataset(x, y, batch_size, seed, augment=None):
    import tensorflow as tf
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(batch_size)
    if augment is not None:
        ds = ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


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


# ---------------------------------------------------------------- train
def watch_from(epochs):
    """The first epoch (0-based) early stopping watches: the second half of the schedule.
    While the learning rate is high, validation loss swings from epoch to epoch, and a
    lucky early epoch would otherwise end the run before the rate comes down."""
    return epochs // 2


def cosine_rate(epoch, epochs, peak=1e-3, floor=1e-5):
    """Cosine annealing from `peak` to `floor` over the run: the last epochs fine-tune."""
    return floor + (peak - floor) * 0.5 * (1 + np.cos(np.pi * epoch / max(epochs - 1, 1)))


def train(model, train_data, val_data, args, seed):
    import keras
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    augment = None if args.no_augment else make_augment(stroke=not args.no_stroke_augment)
    stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True,
                                             start_from_epoch=watch_from(args.epochs))
    callbacks = [keras.callbacks.LearningRateScheduler(lambda epoch: cosine_rate(epoch, args.epochs)), stopping]
    started = time.time()
    history = model.fit(make_dataset(*train_data, args.batch_size, seed, augment),
                        validation_data=make_dataset(*val_data, 512, seed),
                        epochs=args.epochs, callbacks=callbacks, verbose=2)
    return history.history, stopping.best_epoch + 1, time.time() - started   # the kept epoch, 1-based


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


def member_runs(training):
    """Each trained network's history and best epoch (a report of one network may keep
    them at the top level, as reports did before ensembles)."""
    return training.get("members") or [{"epochs_run": training["epochs_run"], "best_epoch": training["best_epoch"],
                                        "history": training["history"]}]


# ---------------------------------------------------------------- calibrate
def fit_temperature(probabilities, labels):
    """The temperature T minimising validation log-loss of softmax(logits / T).

    log(p) differs from the logits by a per-row constant, which softmax ignores."""
    logits = np.log(np.clip(probabilities, 1e-12, 1.0))
    best_t, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.25), np.log(4.0), 401)):
        z = logits / t
        z -= z.max(axis=1, keepdims=True)
        nll = -np.mean(z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(axis=1)))
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t


def with_temperature(model, temperature):
    """The same weights, with softmax(logits / temperature) as the output."""
    import keras
    from keras import layers
    logits = model.get_layer("logits").output
    scaled = layers.Rescaling(1.0 / temperature, name="temperature")(logits)
    outputs = layers.Softmax(name="probabilities")(scaled)
    return keras.Model(model.inputs, outputs, name="digits")


# ---------------------------------------------------------------- export
def export_tflite(model, path):
    """The same weights as a TFLite flatbuffer (what the server runs by default)."""
    import tensorflow as tf
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    path.write_bytes(converter.convert())

# ---------------------------------------------------------------- report pictures
def plot_report(metrics, probabilities, x_test, y_test, out):
    """Training curves, confusion matrix, misclassified digits, sample predictions."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = member_runs(metrics["training"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key in zip(axes, ("accuracy", "loss")):
        for i, run in enumerate(runs):
            history, name = run["history"], f"network {i + 1}: " if len(runs) > 1 else ""
            epochs = np.arange(1, len(history[key]) + 1)
            line, = ax.plot(epochs, history[key], label=f"{name}train (augmented)", alpha=0.6)
            ax.plot(epochs, history["val_" + key], label=f"{name}validation", color=line.get_color())
            ax.axvline(run["best_epoch"], color=line.get_color(), linestyle=":", label=f"{name}best epoch (kept)")
        if key == "loss":
            ax.set_yscale("log")
        ax.set(xlabel="epoch", ylabel=key, title=key)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "training_curves.png", dpi=100)
    plt.close(fig)

    confusion = np.array(metrics["test"]["confusion_matrix"])
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    shown = np.where(np.eye(NUM_CLASSES, dtype=bool), 0, confusion)  # colour the errors only
    ax.imshow(shown, cmap="Reds")
    for (i, j), v in np.ndenumerate(confusion):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color="black" if i != j else "#1a5fb4")
    ax.set(xticks=range(NUM_CLASSES), yticks=range(NUM_CLASSES), xlabel="predicted", ylabel="true",
           title=f"MNIST test confusion ({metrics['test']['errors']} errors)")
    fig.tight_layout()
    fig.savefig(out / "confusion_matrix.png", dpi=100)
    plt.close(fig)

    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_test)
    cols = 10
    rows = max(1, int(np.ceil(len(wrong) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.45), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(x_test[i, ..., 0], cmap="gray")
        ax.set_title(f"{y_test[i]}→{predicted[i]} {probabilities[i].max():.2f}", fontsize=8)
    fig.suptitle("misclassified test digits: true→predicted confidence", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "misclassified.png", dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, key, title in ((axes[0], "validation", "MNIST validation digits"),
                           (axes[1], "drawn_validation", "validation digits re-drawn on the canvas")):
        for when, style in (("before", "o--"), ("after", "s-")):
            bins = metrics["calibration"][key][when]["bins"]
            ece = metrics["calibration"][key][when]["ece"]
            ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], style,
                    label=f"{when} temperature scaling (ECE {ece:.4f})")
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, label="perfect calibration")
        ax.set(xlabel="confidence shown", ylabel="fraction right", title=title, xlim=(0, 1.02), ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"reliability (temperature {metrics['calibration']['temperature']:.3f})", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "calibration.png", dpi=100)
    plt.close(fig)

    rejection = metrics["rejection"]
    fig, ax = plt.subplots(figsize=(7.5, 4))
    bins = np.linspace(0, 1, 41)
    for kind, values in rejection["confidences"].items():
        ax.hist(values, bins=bins, histtype="step", linewidth=1.6, density=True, label=kind)
    ax.axvline(rejection["threshold"], color="black", linestyle=":",
               label=f"reject below {rejection['threshold']:.2f}")
    four = rejection["in_numbers"][min(3, len(rejection["in_numbers"]) - 1)]
    ax.axvline(four["threshold"], color="grey", linestyle="--",
               label=f"in a {four['digits']}-digit number: below {four['threshold']:.2f}")
    ax.set(xlabel="highest probability", ylabel="density", yscale="log",
           title=f"not a digit? digits accepted {rejection['digits_accepted']:.1%}, "
                 f"non-digits rejected {rejection['nondigits_rejected']:.1%}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "rejection.png", dpi=100)
    plt.close(fig)

    rng = np.random.default_rng(0)
    sample = rng.choice(len(x_test), size=min(8, len(x_test)), replace=False)
    fig, axes = plt.subplots(2, len(sample), figsize=(len(sample) * 1.6, 3.4),
                             gridspec_kw={"height_ratios": [1, 1]}, squeeze=False)
    for k, i in enumerate(sample):
        axes[0, k].imshow(x_test[i, ..., 0], cmap="gray")
        axes[0, k].axis("off")
        axes[0, k].set_title(f"{predicted[i]} ({probabilities[i].max():.0%})", fontsize=9)
        colours = ["#1a5fb4" if d == predicted[i] else "#999999" for d in range(NUM_CLASSES)]
        axes[1, k].bar(range(NUM_CLASSES), probabilities[i], color=colours)
        axes[1, k].set(ylim=(0, 1), xticks=range(NUM_CLASSES), yticks=[])
        axes[1, k].tick_params(labelsize=6)
    fig.suptitle("sample predictions with their confidence bars", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "sample_predictions.png", dpi=100)
    plt.close(fig)


def reproduce_command(args):
    """The command that trains this model again (where the output goes does not matter)."""
    words = ["python train.py", f"--data {args.data.name}" if args.data else "",
             f"--epochs {args.epochs}", f"--seed {args.seed}",
             f"--members {args.members}" if args.members > 1 else "",
             f"--limit {args.limit}" if args.limit else "",
             "--no-augment" if args.no_augment else "", "--no-stroke-augment" if args.no_stroke_augment else ""]
    return " ".join(w for w in words if w)


def library_versions():
    import keras
    import PIL
    import tensorflow as tf
    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "pillow": PIL.__version__}


def main(argv=None):
    args = parse_args(argv)
    import keras
    keras.utils.set_random_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    (x_train, y_train, x_test, y_test), source, digest = load_mnist(args.data)
    train_data, val_data, (x_test, y_test) = split(x_train, y_train, x_test, y_test, args.seed, args.limit)
    print(f"data: {source}  train {len(train_data[0])}  validation {len(val_data[0])}  test {len(x_test)}")

    if args.report_only:  # the model is trained: measure it again (e.g. after the report grew)
        model = keras.models.load_model(args.out / "digits.keras")
        training = json.loads((args.out / "metrics.json").read_text())["training"]
    else:
        members, runs, seconds = [], [], 0.0
        for i in range(args.members):
            print(f"network {i + 1} of {args.members} (seed {args.seed + i})")
            keras.utils.set_random_seed(args.seed + i)   # the first: as a single network's run
            member = build_model()
            history, best, took = train(member, train_data, val_data, args, args.seed + i)
            members.append(member)
            seconds += took
            runs.append({"seed": args.seed + i, "epochs_run": len(history["loss"]),
                         "best_epoch": best, "training_seconds": round(took, 1),
                         "history": {k: [round(float(v), 6) for v in vs] for k, vs in history.items()}})
        model = average_logits(members)
        temperature = fit_temperature(model.predict(val_data[0], batch_size=512, verbose=0), val_data[1])
        model = with_temperature(model, temperature)
        model.save(args.out / "digits.keras")
        export_tflite(model, args.out / "digits.tflite")
        training = {
            "epochs_run": sum(run["epochs_run"] for run in runs),
            "training_seconds": round(seconds, 1),
            "temperature": temperature,
            "augmentation": "none" if args.no_augment else ("affine" if args.no_stroke_augment else "affine+stroke"),
            "command": reproduce_command(args),
            "seed": args.seed,
            "members": runs,
        }
    metrics, probabilities = report(model, training, val_data, (x_test, y_test), args)
    metrics["data"] = {"source": source, "sha256": digest, "train": len(train_data[0]),
                       "validation": len(val_data[0]), "test": len(x_test)}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    plot_report(metrics, probabilities, x_test, y_test, args.out)
    print_summary(metrics, args.out)


def report(model, training, val_data, test_data, args):
    """Everything measured about a trained model; the test set is read here only."""
    from webapp import evaluation

    def predict(x):
        return model.predict(x, batch_size=512, verbose=0)

    x_test, y_test = test_data
    probabilities = predict(x_test)
    temperature = training["temperature"]
    drawings = args.drawings or (1000 if args.limit is None else 50)   # re-drawn digits per measurement
    # the "not a digit" thresholds sit among the rarest confidences (evaluation.number_thresholds):
    # they are set on five times as many drawings (all 5,000 validation digits by default) and
    # tested on as many
    rare = 5 * drawings
    # validation digits as MNIST has them, and re-drawn as people draw them on the canvas
    val_p, val_y = predict(val_data[0]), val_data[1]
    drawn_inputs, chosen = evaluation.randomly_drawn(val_data[0], np.random.default_rng(args.seed), rare)
    drawn_p, drawn_y = predict(drawn_inputs), val_data[1][chosen]
    metrics = {
        "test": evaluation.classification_report(probabilities, y_test),
        "drawn_test_digits": evaluation.drawn_digits_report(predict, x_test, y_test, drawings // 4, args.seed),
        "calibration": {
            "temperature": temperature,
            "validation": evaluation.calibration(evaluation.undo_temperature(val_p, temperature), val_y, temperature),
            "drawn_validation": evaluation.calibration(evaluation.undo_temperature(drawn_p, temperature), drawn_y,
                                                       temperature)},
        "rejection": evaluation.rejection_report(predict, drawn_p, test_data, args.seed, rare, drawings // 5),
        "parameters": int(model.count_params()),
        "training": training,
        "versions": library_versions(),
    }
    return metrics, probabilities


def print_summary(metrics, out):
    test, training, rejection = metrics["test"], metrics["training"], metrics["rejection"]
    size_mb = (out / "digits.keras").stat().st_size / 1e6
    print(f"\n== summary ==\n"
          f"test accuracy   {test['accuracy'] * 100:.2f} %   (loss {test['loss']:.4f}, "
          f"{metrics['data']['test']} digits, {test['errors']} errors)\n"
          f"drawn digits    {metrics['drawn_test_digits']['accuracy'] * 100:.2f} %   "
          f"(MNIST test digits re-drawn at other sizes and brush widths)\n"
          f"calibration     temperature {training['temperature']:.3f}, validation ECE "
          f"{metrics['calibration']['validation']['before']['ece']:.4f} -> "
          f"{metrics['calibration']['validation']['after']['ece']:.4f}\n"
          f"not-a-digit     below {rejection['threshold']:.3f} confidence: digits accepted "
          f"{rejection['digits_accepted'] * 100:.1f} %, non-digits rejected "
          f"{rejection['nondigits_rejected'] * 100:.1f} %\n"
          f"epochs          " + ", ".join(f"{run['epochs_run']} (best {run['best_epoch']})"
                                            for run in member_runs(training)) +
          f", {training['training_seconds'] / 60:.1f} min\n"
          f"model           {out / 'digits.keras'} ({size_mb:.2f} MB, {metrics['parameters']:,} parameters)")


if __name__ == "__main__":
    main()
