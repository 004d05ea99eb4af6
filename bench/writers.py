"""The digits the accuracy benchmark writes with, as a person would write them on the pad.

Two kinds of writer, one interface: `MnistWriters` re-draws MNIST test digits along their
centre lines; `PenWriters` draws real people's pen digits, from writers the model never
trained on (training/pendigits.HELD_OUT_WRITERS). For digit i each gives its label, its
writer, and its strokes as a pointer moves through them at a given height and place.
"""

import numpy as np

from bench import payloads
from training import evaluation, pendigits, synth
from training.people import PAGE_BRUSH as PAD_BRUSH   # the page's brush on its 560 px export
HEIGHTS = (70, 480)          # digit heights on the 560 px canvas, drawn uniformly between
BRUSH = (0.06, 0.2)          # brush width as a share of the digit height (MNIST re-drawn)


def random_drawing(rng):
    """A height, a brush width and a centre for a digit drawn alone on the pad."""
    height = rng.uniform(*HEIGHTS)
    return height, max(3.0, rng.uniform(*BRUSH) * height), synth.random_centre(rng, height)


def stroke_png(strokes, brush):
    """Strokes drawn as the pad draws them, as its export: black ink on transparent pixels."""
    rgba = np.zeros((synth.CANVAS, synth.CANVAS, 4), np.uint8)
    rgba[..., 3] = synth.draw_strokes(strokes, brush)
    return synth.png_bytes(rgba)


class MnistWriters:
    name = "mnist"

    def __init__(self, path):
        with np.load(path) as data:
            self.x = data["x_test"].astype(np.float32) / 255.0
            self.y = data["y_test"].astype(int)

    def __len__(self):
        return len(self.y)

    def label(self, i):
        return int(self.y[i])

    def writer(self, i):
        return None

    def strokes(self, i, height, centre, rng, touch=False):
        return synth.strokes(self.x[i], height, centre)

    def posted(self, strokes):
        return strokes   # a centre line is already the path the page paints

    def export_body(self, i, rng):
        """/api/predict's body for digit i drawn alone: its centre line traced with a
        round brush of a random width (the image alone)."""
        height, brush, centre = random_drawing(rng)
        return payloads.json_body(synth.png_bytes(synth.render(self.x[i], height, brush, centre)))


class PenWriters:
    name = "people"

    def __init__(self, path):
        self.digits = pendigits.by_writer(pendigits.load(path))[2]

    def __len__(self):
        return len(self.digits)

    def label(self, i):
        return self.digits[i].label

    def writer(self, i):
        return self.digits[i].writer

    def strokes(self, i, height, centre, rng, touch=False):
        """Pointer samples as a mouse (or a finger) reports them, spaced as they come."""
        spacing = rng.uniform(*(pendigits.TOUCH_SPACING if touch else pendigits.MOUSE_SPACING))
        placed = pendigits.place(self.digits[i], height, centre, spacing, rng.uniform(-pendigits.SLANT, pendigits.SLANT))
        return [[tuple(p) for p in stroke] for stroke in placed]

    def posted(self, strokes):
        return painted(strokes)

    def export_body(self, i, rng):
        """/api/predict's body for digit i drawn alone as the page posts it: the canvas
        export, with the page's brush, and its strokes."""
        height, _, centre = random_drawing(rng)
        strokes = painted(inside_pad(self.strokes(i, height, centre, rng, touch=rng.random() < 0.5)))
        return payloads.json_body(stroke_png(strokes, PAD_BRUSH), strokes)


def inside_pad(strokes, margin=12):
    """Move (and if need be shrink) strokes so every point lies on the pad: a person cannot
    draw off the pad, but a re-drawn MNIST digit placed near an edge can reach past it."""
    points = np.array([p for stroke in strokes for p in stroke])
    low, high = points.min(axis=0), points.max(axis=0)
    room = synth.CANVAS - 2 * margin
    scale = min(1.0, room / max(high - low))
    shift = np.clip(low * scale, margin, margin + room - (high - low) * scale) - low * scale
    return [[tuple(np.asarray(p) * scale + shift) for p in stroke] for stroke in strokes]


def painted(strokes):
    """The strokes as the page paints and posts them (its quadratic smoothing)."""
    return [[tuple(p) for p in stroke] for stroke in pendigits.posted(strokes)]


def summary(records):
    """Accuracy of (label, writer, shown) records, per digit and per writer, with the
    confusion of the errors (label -> what was shown, "-" for nothing)."""
    def share(rows):
        return round(sum(str(label) == shown for label, _, shown in rows) / max(len(rows), 1), 4)
    writers = sorted({w for _, w, _ in records if w is not None})
    return {"count": len(records), "accuracy": share(records),
            "per_digit": {str(d): share([r for r in records if r[0] == d]) for d in range(10)},
            **({"per_writer": {str(w): share([r for r in records if r[1] == w]) for w in writers}} if writers else {}),
            "misread": evaluation.misread((label, shown or "-") for label, _, shown in records)}
