"""Reading a digit from its strokes, the pen's path, beside the bitmap: a measurement.

A bitmap loses the order of the ink: a 9 drawn loop first and a 3 drawn as two arcs can
leave the same pixels, and the pen's path still tells them apart. This module trains a
small 1-D convolutional network on the training writers' pen paths and measures, on the
writers held out, the stroke reader alone, the served digit model on the same drawings,
and the two combined (a weighted mean of log-probabilities, the weight chosen on the
validation writers). The server does not use it yet.

    python -m training.strokes --pen pendigits-train.txt
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from training import pendigits
from training.evaluation import predict_all, read_back
from training.people import PAGE_BRUSH
from webapp import ROOT
from webapp.classifier import NUM_CLASSES, load_classifier

POINTS = 48                         # points along the whole path, evenly spaced by length
CHANNELS = 5                        # x, y, their steps (x10), 1 where a new stroke begins
TURN, SHEAR, ASPECT = 12.0, 0.2, (0.8, 1.2)   # training augmentation: degrees, x per y, x scale
WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5)   # the stroke reader's shares tried on validation


def features(strokes, points=POINTS):
    """Strokes (arrays (n, 2) of x, y, y down) -> float32 (points, CHANNELS): the path
    resampled evenly along its inked length, fitted into [-1, 1] by its longer side, with
    the step to the next point and a flag where the pen came down again. Independent of
    how often the pointer was sampled, and of the drawing's size and place."""
    xy = np.concatenate(strokes).astype(np.float64)
    starts = np.zeros(len(xy))
    starts[np.cumsum([0] + [len(s) for s in strokes[:-1]])] = 1
    low, high = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - (low + high) / 2) / max(float((high - low).max()), 1e-6) * 2
    step = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    step[starts[1:] == 1] = 0.0                      # the pen in the air draws nothing
    along = np.concatenate([[0.0], np.cumsum(step)])
    if along[-1] <= 0:                               # a dot, or dots
        along = np.arange(len(xy), dtype=np.float64)
    at = np.linspace(0.0, along[-1], points)
    x, y = pendigits.points_at(xy, along, at).T
    stroke = np.cumsum(starts)[np.clip(np.searchsorted(along, at, side="right") - 1, 0, len(xy) - 1)]
    pen_down = np.concatenate([[0.0], np.diff(stroke) > 0])
    return np.stack([x, y, np.gradient(x) * 10, np.gradient(y) * 10, pen_down], axis=1).astype(np.float32)


def augmented(digit, rng):
    """The digit's strokes as another hand might write them: varied (pendigits.varied),
    turned, sheared and stretched a little."""
    a = np.radians(rng.uniform(-TURN, TURN))
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ np.array(
        [[rng.uniform(*ASPECT), rng.uniform(-SHEAR, SHEAR)], [0.0, 1.0]])
    return [s @ m.T for s in pendigits.varied(digit, rng).strokes]


def build_model():
    import keras
    from keras import layers
    inputs = keras.Input((POINTS, CHANNELS), name="path")
    h = inputs
    for stage, (filters, width) in enumerate(((64, 5), (128, 3))):
        if stage:
            h = layers.MaxPooling1D(2)(h)
        for _ in range(2):
            h = layers.Conv1D(filters, width, padding="same", use_bias=False)(h)
            h = layers.ReLU()(layers.BatchNormalization()(h))
    h = layers.Concatenate()([layers.GlobalAveragePooling1D()(h), layers.GlobalMaxPooling1D()(h)])
    logits = layers.Dense(NUM_CLASSES, name="logits")(layers.Dropout(0.3)(h))
    model = keras.Model(inputs, layers.Softmax(name="probabilities")(logits), name="strokes")
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def page_drawings(digits, rng, classifier):
    """Each digit drawn once as the page draws it: its pointer strokes' features and the
    served digit model's probabilities for the same drawing."""
    paths, images = [], []
    for digit in digits:
        strokes, width = pendigits.random_strokes(digit, rng, PAGE_BRUSH)
        paths.append(features(strokes))
        images.append(read_back(pendigits.paint(strokes, width)))
    return np.stack(paths), predict_all(classifier, np.stack(images)[..., None])


def combined(image_p, stroke_p, weight):
    return (1 - weight) * np.log(image_p + 1e-9) + weight * np.log(stroke_p + 1e-9)


def measure(args):
    train, validation, held_out = pendigits.by_writer(pendigits.load(args.pen))
    if args.limit:
        train, validation, held_out = train[:args.limit], validation[:args.limit], held_out[:args.limit]
    rng = np.random.default_rng(args.seed)
    x = np.stack([features(augmented(d, rng)) for d in train for _ in range(args.copies)])
    y = np.array([d.label for d in train for _ in range(args.copies)])
    classifier = load_classifier(args.model)
    parts = {}
    for name, digits in (("validation", validation), ("held_out", held_out)):
        paths, image_p = page_drawings(digits, rng, classifier)
        parts[name] = (paths, image_p, np.array([d.label for d in digits]))

    started = time.time()
    model = build_model()
    val_paths, _, val_labels = parts["validation"]
    model.fit(x, y, batch_size=128, epochs=args.epochs, verbose=2, validation_data=(val_paths, val_labels))

    def accuracy(p, labels):
        return round(float((p.argmax(axis=1) == labels).mean()), 4)

    strokes_p = {name: model.predict(paths, verbose=0) for name, (paths, _, _) in parts.items()}
    on_validation = [accuracy(combined(parts["validation"][1], strokes_p["validation"], w), parts["validation"][2])
                     for w in WEIGHTS]
    weight = WEIGHTS[int(np.argmax(on_validation))]
    _, image_p, labels = parts["held_out"]
    report = {
        "held_out_digits": int(len(labels)), "training_paths": int(len(x)), "epochs": args.epochs,
        "seconds": round(time.time() - started, 1),
        "strokes_alone": accuracy(strokes_p["held_out"], labels),
        "digit_model_alone": accuracy(image_p, labels),
        "weight": weight, "validation_by_weight": dict(zip(map(str, WEIGHTS), on_validation)),
        "combined": accuracy(combined(image_p, strokes_p["held_out"], weight), labels),
    }
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        model.save(args.out / "strokes.keras")
        (args.out / "strokes.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pen", type=Path, required=True, help="pendigits UNIPEN text file")
    p.add_argument("--model", type=Path, default=ROOT / "model" / "digits.tflite", help="the digit model")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--copies", type=int, default=12, help="augmented paths of each training writer's digit")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="a few digits of each part (smoke runs)")
    p.add_argument("--out", type=Path, default=None, help="where strokes.keras and strokes.json go")
    return p.parse_args(argv)


def main(argv=None):
    print(json.dumps(measure(parse_args(argv)), indent=2))


if __name__ == "__main__":
    main()
