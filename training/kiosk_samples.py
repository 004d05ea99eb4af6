"""The kiosk's attract loop replays real handwriting: one MNIST test digit of each class,
re-drawn as pen strokes (synth.strokes), in fractions of the pad. Writes
static/kiosk/samples.json; run again only to change the samples.

    python -m training.kiosk_samples tests/fixtures/mnist_sample.npz
"""

import json
import sys
from pathlib import Path

import numpy as np

from training import synth

OUT = Path(__file__).resolve().parent.parent / "static" / "kiosk" / "samples.json"
HEIGHT = 300   # the digit's height on synth's 560 px canvas: about half the pad


def samples(x, y):
    chosen = []
    for digit in range(10):
        index = int(np.flatnonzero(y == digit)[0])
        strokes = synth.strokes(x[index] / 255.0, HEIGHT)
        chosen.append({"digit": digit, "strokes": [[[round(px / synth.CANVAS, 4), round(py / synth.CANVAS, 4)]
                                                     for px, py in stroke] for stroke in strokes]})
    return chosen


def main(path):
    with np.load(path) as data:
        chosen = samples(data["x_test"], data["y_test"])
    OUT.write_text(json.dumps(chosen, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(chosen)} digits, {sum(len(s['strokes']) for s in chosen)} strokes")


if __name__ == "__main__":
    main(sys.argv[1])
