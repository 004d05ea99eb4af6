"""Every reading of a fixed set of drawings, to show a change to preprocessing or
segmentation leaves real drawings reading exactly as they did.

    .venv/bin/python bench/readings.py --out before.json     # then change the code, and
    .venv/bin/python bench/readings.py --compare before.json

The drawings: the shipped MNIST sample's test digits re-drawn alone at random sizes,
places and brushes, and numbers of 2 to 6 digits written as bench/accuracy.py writes them,
posted with their strokes and as the bitmap alone. Each drawing's readings (the whole
drawing's probabilities and input, every digit's box, probabilities and input, as
pipeline.read_image gives them) are kept as a digest; --compare names any that differ.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import payloads  # noqa: E402
from bench.accuracy import write_number  # noqa: E402
from bench.writers import PAD_BRUSH, MnistWriters, random_drawing, stroke_png  # noqa: E402
from training import synth  # noqa: E402
from webapp import create_app  # noqa: E402


def drawings(count, seed):
    """(name, png bytes, strokes or None): count digits alone, then count numbers, each
    number twice (with its strokes, and the bitmap alone)."""
    rng = np.random.default_rng(seed)
    with np.load(payloads.MNIST_SAMPLE) as data:
        x, y = data["x_test"] / 255.0, data["y_test"]
    for i in range(count):
        digit = x[i % len(x)]
        yield f"digit-{i}", synth.png_bytes(synth.render(digit, *random_drawing(rng))), None
    writers = MnistWriters(payloads.MNIST_SAMPLE)
    for i in range(count):
        strokes, _, _ = write_number(writers, rng, int(rng.integers(2, 7)), PAD_BRUSH)
        picture = stroke_png(strokes, PAD_BRUSH)
        rounded = [[(round(px, 1), round(py, 1)) for px, py in stroke] for stroke in strokes]
        yield f"number-{i}-strokes", picture, rounded
        yield f"number-{i}-bitmap", picture, None


def digest(result):
    """A short hash of everything a reading holds, bit for bit."""
    h = hashlib.sha256()
    for reading in [result.whole, *result.digits]:
        h.update(np.asarray(reading.probabilities, dtype=np.float32).tobytes())
        h.update(np.asarray(reading.pixels, dtype=np.float32).tobytes())
        h.update(repr((reading.box, reading.reject_below)).encode())
    h.update(repr((result.number, result.size)).encode())
    return h.hexdigest()[:16]


def record(count, seed):
    reader = create_app({"TESTING": True}).extensions["reader"]
    out = {}
    for name, picture, strokes in drawings(count, seed):
        try:
            out[name] = digest(reader.read(picture, strokes))
        except ValueError as error:   # preprocess.PreprocessError: kept as its message
            out[name] = f"error: {error}"
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="digits alone, and numbers (each posted twice)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--out", type=Path, help="write the digests here")
    parser.add_argument("--compare", type=Path, help="compare with digests written before")
    args = parser.parse_args(argv)
    readings = record(args.count, args.seed)
    if args.out:
        args.out.write_text(json.dumps(readings, indent=0))
    overall = hashlib.sha256(json.dumps(readings, sort_keys=True).encode()).hexdigest()[:16]
    print(f"{len(readings)} drawings read; digest of all readings {overall}")
    if args.compare:
        before = json.loads(args.compare.read_text())
        changed = [name for name in before if readings.get(name) != before[name]]
        print(f"{len(changed)} of {len(before)} differ from {args.compare}" + (f": {changed[:20]}" if changed else ""))
        return 1 if changed or before.keys() != readings.keys() else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
