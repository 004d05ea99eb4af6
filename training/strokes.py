"""The stroke reader (webapp/reading/stroke_reader.py): a small 1-D convolutional network that
reads a digit from the pen's path (webapp/reading/pen_path.features) beside the digit model.

A bitmap loses the order of the ink: a 9 drawn loop first and a 3 drawn as two arcs can
leave the same pixels, and the path still tells them apart. Trained on the training
writers' pen paths, varied; every validation and held-out writer's digit is then drawn
once as the page draws it, and the same drawing read both ways: its pointer strokes by the
stroke reader (through the exported strokes.tflite, the served file), its canvas export by
the served digit model. The stroke reader's share of the answer (`weight`) and the
combined answer's temperature are chosen on the validation writers; the held-out writers
measure the stroke reader alone, the digit model alone and the two combined.

    python -m training.strokes --pen pendigits-train.txt --out model
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from training import pendigits
from training.calibration import fit_temperature
from training.evaluation import calibration, misread, predict_all, read_back
from training.people import PAGE_BRUSH
from training.writing import as_others_write, mnist_paths
from webapp import ROOT
from webapp.reading.classifier import NUM_CLASSES, load_classifier
from webapp.reading.pen_path import CHANNELS, POINTS, features
from webapp.reading.stroke_reader import combine

TURN, SHEAR, ASPECT = 12.0, 0.2, (0.8, 1.2)   # training augmentation: degrees, x per y, x scale
STAGES = ((64, 5), (128, 3))   # the stroke reader's conv stages: (filters, kernel width)
WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5)   # the stroke reader's shares tried on validation


def augmented(digit, rng):
    """The digit's strokes as another hand might write them: varied (pendigits.varied),
    turned, sheared and stretched a little."""
    a = np.radians(rng.uniform(-TURN, TURN))
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array(
        [[rng.uniform(*ASPECT), rng.uniform(-SHEAR, SHEAR)], [0.0, 1.0]])
    return [s @ m.T for s in pendigits.varied(digit, rng).strokes]


def path_trunk(stages=STAGES):
    """The path networks' trunk (the stroke reader's, the strokes gate's): stages of two
    1-D convolutions (batch norm, ReLU), pooled between, then the mean and the maximum
    along the path, dropped out. Returns (inputs, features)."""
    import keras
    from keras import layers
    inputs = keras.Input((POINTS, CHANNELS), name="path")
    h = inputs
    for stage, (filters, width) in enumerate(stages):
        if stage:
            h = layers.MaxPooling1D(2)(h)
        for _ in range(2):
            h = layers.Conv1D(filters, width, padding="same", use_bias=False)(h)
            h = layers.ReLU()(layers.BatchNormalization()(h))
    h = layers.Concatenate()([layers.GlobalAveragePooling1D()(h), layers.GlobalMaxPooling1D()(h)])
    return inputs, layers.Dropout(0.3)(h)


def tflite_bytes(model):
    """The model as LiteRT runs it, in floats (the path networks are small)."""
    import tensorflow as tf
    return tf.lite.TFLiteConverter.from_keras_model(model).convert()


def build_model():
    import keras
    from keras import layers
    inputs, h = path_trunk()
    logits = layers.Dense(NUM_CLASSES, name="logits")(h)
    model = keras.Model(inputs, layers.Softmax(name="probabilities")(logits), name="strokes")
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def page_drawings(digits, rng, classifier):
    """Each digit drawn once as the page draws it: its pointer strokes' features and the
    served digit model's probabilities for the same drawing."""
    paths, images = [], []
    for digit in digits:
        strokes, width = pendigits.random_strokes(digit, rng, PAGE_BRUSH)
        paths.append(features(pendigits.posted(strokes)))   # the path the page posts
        images.append(read_back(pendigits.paint(strokes, width)))
    return np.stack(paths), predict_all(classifier, np.stack(images)[..., None])


def export(model, out):
    """strokes.keras, and the same weights as strokes.tflite (floats: the network is small),
    what the server runs."""
    model.save(out / "strokes.keras")
    (out / "strokes.tflite").write_bytes(tflite_bytes(model))


def measure(args):
    train, validation, held_out = pendigits.by_writer(pendigits.load(args.pen))
    if args.limit:
        train, validation, held_out = train[:args.limit], validation[:args.limit], held_out[:args.limit]
    rng = np.random.default_rng(args.seed)
    # half the copies as the training writers write, half as others might (training.writing)
    x = [features(augmented(d, rng) if k % 2 else as_others_write(augmented(d, rng), d.label, rng))
         for d in train for k in range(args.copies)]
    y = [d.label for d in train for _ in range(args.copies)]
    traced, traced_labels = mnist_paths(args.data, args.mnist, rng)
    x, y = np.stack(x + [features(s) for s in traced]), np.concatenate([y, traced_labels]).astype(np.int64)
    classifier = load_classifier(args.model)
    parts = {}
    for name, digits in (("validation", validation), ("held_out", held_out)):
        paths, image_p = page_drawings(digits, rng, classifier)
        parts[name] = (paths, image_p, np.array([d.label for d in digits]))

    import keras
    keras.utils.set_random_seed(args.seed)
    started = time.time()
    model = build_model()
    val_paths, _, val_labels = parts["validation"]
    model.fit(x, y, batch_size=128, epochs=args.epochs, verbose=2, validation_data=(val_paths, val_labels))
    seconds = round(time.time() - started, 1)

    with tempfile.TemporaryDirectory() as scratch:   # measured through the exported file
        out = args.out or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        export(model, out)
        served = load_classifier(out / "strokes.tflite", (POINTS, CHANNELS))
        strokes_p = {name: predict_all(served, paths) for name, (paths, _, _) in parts.items()}

    def accuracy(p, labels):
        return round(float((p.argmax(axis=1) == labels).mean()), 4)

    _, val_image_p, val_labels = parts["validation"]
    on_validation = [accuracy(combine(val_image_p, strokes_p["validation"], w), val_labels) for w in WEIGHTS]
    weight = WEIGHTS[int(np.argmax(on_validation))]
    temperature = round(fit_temperature(combine(val_image_p, strokes_p["validation"], weight), val_labels), 3)
    _, image_p, labels = parts["held_out"]
    answer = combine(image_p, strokes_p["held_out"], weight, temperature)
    report = {
        "weight": weight, "temperature": temperature,
        "held_out_digits": int(len(labels)), "training_paths": int(len(x)), "epochs": args.epochs,
        "seconds": seconds,
        "strokes_alone": accuracy(strokes_p["held_out"], labels),
        "digit_model_alone": accuracy(image_p, labels),
        "combined": accuracy(answer, labels),
        "validation_by_weight": dict(zip(map(str, WEIGHTS), on_validation)),
        "combined_errors": misread(zip(labels, answer.argmax(axis=1))),
        "calibration_held_out": {"ece": calibration(answer, labels)["before"]["ece"]},
        "command": (f"python -m training.strokes --pen {args.pen.name} --epochs {args.epochs} "
                    + (f"--data {args.data.name} --mnist {args.mnist} " if args.data else "") +
                    f"--copies {args.copies} --seed {args.seed}" + (f" --limit {args.limit}" if args.limit else "")
                    + (f" --out {args.out}" if args.out else "")),
    }
    if args.out:
        (args.out / "strokes.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pen", type=Path, required=True, help="pendigits UNIPEN text file")
    p.add_argument("--model", type=Path, default=ROOT / "model" / "digits.tflite", help="the digit model")
    p.add_argument("--data", type=Path, default=None, help="mnist.npz: its training digits as paths too")
    p.add_argument("--mnist", type=int, default=16000, help="MNIST training digits traced as paths (with --data)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--copies", type=int, default=12, help="augmented paths of each training writer's digit")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="a few digits of each part (smoke runs)")
    p.add_argument("--out", type=Path, default=None,
                   help="where strokes.keras, strokes.tflite and strokes.json go (the server's: model)")
    return p.parse_args(argv)


def main(argv=None):
    print(json.dumps(measure(parse_args(argv)), indent=2))


if __name__ == "__main__":
    main()
