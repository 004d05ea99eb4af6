"""Train the digit CNN, evaluate it once on the MNIST test set, and ship it to model/.

    python train.py --data /path/to/mnist.npz          # the shipped model
    python train.py --limit 300 --epochs 1 --out /tmp/m   # a smoke run in seconds

Top to bottom: data, model, train (augmented, then calibrated), evaluate, export. The
long parts live in training/. The model contract (other code relies on it): input
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

from training import augment, calibration, data, figures, report  # noqa: E402
from training.report import NUM_CLASSES  # noqa: E402
from webapp.preprocess import MNIST_SIZE  # noqa: E402


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
    augmentation = None if args.no_augment else augment.make_augment(stroke=not args.no_stroke_augment)
    stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience, restore_best_weights=True,
                                             start_from_epoch=watch_from(args.epochs))
    callbacks = [keras.callbacks.LearningRateScheduler(lambda epoch: cosine_rate(epoch, args.epochs)), stopping]
    started = time.time()
    history = model.fit(augment.make_dataset(*train_data, args.batch_size, seed, augmentation),
                        validation_data=augment.make_dataset(*val_data, 512, seed),
                        epochs=args.epochs, callbacks=callbacks, verbose=2)
    return history.history, stopping.best_epoch + 1, time.time() - started   # the kept epoch, 1-based


def train_ensemble(args, train_data, val_data):
    """Each network trained from its own seed, their logits averaged, the temperature
    fitted on validation digits: (the model, what its report says of the training)."""
    import keras
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
    temperature = calibration.fit_temperature(model.predict(val_data[0], batch_size=512, verbose=0), val_data[1])
    training = {
        "epochs_run": sum(run["epochs_run"] for run in runs),
        "training_seconds": round(seconds, 1),
        "temperature": temperature,
        "augmentation": "none" if args.no_augment else ("affine" if args.no_stroke_augment else "affine+stroke"),
        "command": report.reproduce_command(args),
        "seed": args.seed,
        "members": runs,
    }
    return calibration.with_temperature(model, temperature), training


# ---------------------------------------------------------------- export
def export(model, out):
    """digits.keras, and the same weights as a TFLite flatbuffer (what the server runs)."""
    import tensorflow as tf
    model.save(out / "digits.keras")
    (out / "digits.tflite").write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())


def main(argv=None):
    args = parse_args(argv)
    import keras
    keras.utils.set_random_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    # data
    (x_train, y_train, x_test, y_test), source, digest = data.load_mnist(args.data)
    train_data, val_data, test_data = data.split(x_train, y_train, x_test, y_test, args.seed, args.limit)
    extra = 0
    if args.extra:   # drawings visitors corrected, already 28x28 through the server's preprocessing
        with np.load(args.extra) as more:
            extra = len(more["y"])
            train_data = (np.concatenate([train_data[0], (more["x"].astype("float32") / 255.0)[..., None]]),
                          np.concatenate([train_data[1], more["y"].astype(train_data[1].dtype)]))
    print(f"data: {source}  train {len(train_data[0])} ({extra} from --extra)  validation {len(val_data[0])}  "
          f"test {len(test_data[0])}")

    # model and training (or, with --report-only, the model already trained)
    if args.report_only:
        model = keras.models.load_model(args.out / "digits.keras")
        training = json.loads((args.out / "metrics.json").read_text())["training"]
    else:
        model, training = train_ensemble(args, train_data, val_data)
        export(model, args.out)

    # evaluation: the test set is read here only
    metrics, probabilities = report.measure(model, training, val_data, test_data, args)
    metrics["data"] = {"source": source, "sha256": digest, "train": len(train_data[0]),
                       "validation": len(val_data[0]), "test": len(test_data[0]), "extra": extra}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    figures.plot_report(metrics, probabilities, *test_data, args.out)
    report.print_summary(metrics, args.out)


if __name__ == "__main__":
    main()
