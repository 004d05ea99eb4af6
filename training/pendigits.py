"""Digits written by real people with a stylus, drawn as the page draws them.

The data: "Pen-Based Recognition of Handwritten Digits", E. Alpaydin and F. Alimoglu,
Bogazici University, 1998 (UCI Machine Learning Repository, CC BY 4.0), in its UNIPEN text
form: 30 writers, pen positions sampled every 100 ms. tests/fixtures/pendigits_sample.txt
holds 80 of its digits.

A writer's habits (a barred 7, a flagged 1, an open 4) hold for all their digits, so
accuracy on people is measured on writers the model never saw: `HELD_OUT_WRITERS`.
"""

from dataclasses import dataclass

import numpy as np

from training.synth import CANVAS, draw_strokes
from webapp.reading.pen_path import arc_length, points_at

TABLET_SIDE = 500            # the writers wrote in a 500 x 500 box of tablet units, y upward
HELD_OUT_WRITERS = frozenset({2, 5, 8, 11, 14, 17, 20, 23, 26, 29})   # a fixed third, never trained on
VALIDATION_WRITERS = frozenset({3, 12, 21, 30})   # of the rest: for calibration and the "not a digit" rule

# How people draw on the pad, as random ranges (canvas pixels on the 560 px export).
HEIGHTS = (40, 480)           # digit height: from a digit of a long number to one filling the pad
MOUSE_SPACING = (1.5, 6.0)    # px between pointer samples: a mouse reports often ...
TOUCH_SPACING = (6.0, 16.0)   # ... a finger on a tablet less often
SLANT = 0.12                  # shear, x per y: upright to forward-leaning writing
ASPECT = (0.85, 1.15)         # narrower or wider than the writer wrote on the tablet
TRIM = 0.06                   # varied(): up to this share of a stroke's length left off at an end (half of the ends)
WOBBLE = 0.05                 # varied(): a smooth warp of up to this share of the digit's size
HEAD_SHRINK = (0.35, 0.7)     # small_head(): the 9's head drawn this share of its size ...
TAIL_HOOK = (0.15, 0.45)      # ... and (7 times in 10) its tail's end hooked left by this share of its height


@dataclass(frozen=True)
class PenDigit:
    label: int
    writer: int
    strokes: tuple   # arrays (n, 2) of (x, y) tablet units, y downward as on a screen


def load(path):
    """Every digit in a UNIPEN file, in file order."""
    digits, label, writer, strokes, points = [], None, None, [], None

    def finish():
        if label is not None and strokes:
            digits.append(PenDigit(label, writer, tuple(strokes)))

    with open(path, encoding="latin-1") as lines:
        for line in lines:
            word = line.split()
            if not word:
                continue
            if word[0] == ".SEGMENT":
                finish()
                label, writer, strokes = int(word[-1].strip('"')), None, []
            elif word[0] == ".COMMENT" and label is not None:
                writer = int(word[2])
            elif word[0] == ".PEN_DOWN":
                points = []
            elif word[0] == ".PEN_UP":
                if points:
                    xy = np.asarray(points, dtype=np.float64)
                    xy[:, 1] = TABLET_SIDE - xy[:, 1]
                    strokes.append(xy)
                points = None
            elif points is not None and not word[0].startswith("."):
                points.append((float(word[0]), float(word[1])))
    finish()
    return digits


def by_writer(digits):
    """(training, validation, held-out) digits: whole writers in each, never one writer's
    digits on two sides."""
    def of(writers):
        return [d for d in digits if d.writer in writers]
    others = {d.writer for d in digits} - HELD_OUT_WRITERS - VALIDATION_WRITERS
    return of(others), of(VALIDATION_WRITERS), of(HELD_OUT_WRITERS)


def painted_path(points):
    """The polyline the page's pad paints through pointer samples: quadratic curves from
    midpoint to midpoint, each sample their control point (static/js/pad.js)."""
    if len(points) < 3:
        return points
    t = np.linspace(0.0, 1.0, 5)[1:, None]
    path = [points[:1]]
    start = points[0]
    for i in range(1, len(points) - 1):
        control, end = points[i], (points[i] + points[i + 1]) / 2
        path.append((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t ** 2 * end)
        start = end
    path.append(points[-1:])
    return np.concatenate(path)


def posted(strokes):
    """Pointer strokes as the page posts them beside its bitmap: their painted paths."""
    return [painted_path(np.asarray(s, dtype=float)) for s in strokes]


def _resample(stroke, spacing):
    """Points every `spacing` px along a polyline, as a pointer reports them while it moves."""
    if len(stroke) < 2:
        return stroke
    along = arc_length(stroke)
    if along[-1] <= spacing:
        return stroke[[0, -1]]
    return points_at(stroke, along, np.append(np.arange(0.0, along[-1], spacing), along[-1]))


def place(digit, height, centre, spacing=None, slant=0.0):
    """The digit's strokes in canvas pixels: `height` px tall, its box centred on `centre`
    (y, x), optionally sheared by `slant` and re-sampled every `spacing` px as a mouse or a
    finger reports points. Returns a list of (n, 2) arrays."""
    points = np.concatenate(digit.strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = height / max(high[1] - low[1], 1.0)
    if (high[0] - low[0]) * scale > height * 1.2:   # a long flat dash: fit its width instead
        scale = height * 1.2 / max(high[0] - low[0], 1.0)
    mid = (low + high) / 2
    placed = []
    for stroke in digit.strokes:
        xy = (stroke - mid) * scale
        xy[:, 0] -= slant * xy[:, 1]
        xy += (centre[1], centre[0])
        placed.append(xy if spacing is None else _resample(xy, spacing))
    return placed


def _trimmed(stroke, start, end):
    """The stroke without the first `start` and the last `end` shares of its length."""
    if len(stroke) < 2:
        return stroke
    along = arc_length(stroke)
    if along[-1] <= 0:
        return stroke
    a, b = start * along[-1], (1.0 - end) * along[-1]
    return points_at(stroke, along, np.concatenate([[a], along[(along > a) & (along < b)], [b]]))


def varied(digit, rng, trim=TRIM, wobble=WOBBLE):
    """The digit as another person might have written it, for training: each stroke's
    ends shortened by up to `trim` of its length (a loop left open, a tail or a bar cut
    short: a 9 whose head does not close is still a 9), and the whole bent by a smooth
    random warp of up to `wobble` of its size along each axis (no two people's curves are
    alike). Sixteen writers are few; their digits varied this way stand for more."""
    points = np.concatenate(digit.strokes)
    low = points.min(axis=0)
    size = max(float(np.ptp(points, axis=0).max()), 1.0)
    frequency = rng.uniform(0.5, 1.5, size=(2, 2)) * np.pi
    phase = rng.uniform(0.0, 2 * np.pi, size=(2, 2))
    amplitude = rng.uniform(-wobble, wobble, size=2) * size

    def warp(xy):
        u = (xy - low) / size
        shift = [amplitude[i] * np.sin(frequency[i, 0] * u[:, 0] + phase[i, 0])
                 * np.sin(frequency[i, 1] * u[:, 1] + phase[i, 1]) for i in range(2)]
        return xy + np.stack(shift, axis=1)

    ends = rng.uniform(0, trim, size=(len(digit.strokes), 2)) * (rng.random((len(digit.strokes), 2)) < 0.5)
    strokes = tuple(warp(_trimmed(s, *cut)) for s, cut in zip(digit.strokes, ends))
    return PenDigit(digit.label, digit.writer, strokes)


def small_head(digit, rng, shrink=HEAD_SHRINK, hook=TAIL_HOOK):
    """A 9 as many people write it and MNIST seldom shows it: a small head on a long stem
    whose end hooks to the left. MNIST-trained networks read it as a 3. The top 30 % of
    the digit is shrunk by a share drawn from `shrink` towards where the stem leaves the
    head (the head's right edge, half way down: the stem of a 9 is on its right), the
    shrinking fading out by 60 % of the height so the stroke stays whole; 7 times in 10
    the bottom 30 % is bent left, the end by a share of the height drawn from `hook`."""
    points = np.concatenate(digit.strokes)
    top, bottom = points[:, 1].min(), points[:, 1].max()
    height = max(bottom - top, 1.0)
    anchor = np.array([points[points[:, 1] < top + 0.45 * height, 0].max(), top + 0.5 * height])
    scale = rng.uniform(*shrink)
    bend = rng.uniform(*hook) * height * (rng.random() < 0.7)

    def warp(xy):
        v = np.clip((xy[:, 1] - (top + 0.3 * height)) / (0.3 * height), 0, 1)
        k = scale + (1 - scale) * v * v * (3 - 2 * v)   # `scale` in the head, 1 from mid-stem down
        out = anchor + (xy - anchor) * k[:, None]
        out[:, 0] -= bend * np.clip((xy[:, 1] - (top + 0.7 * height)) / (0.3 * height), 0, 1) ** 2
        return out

    return PenDigit(digit.label, digit.writer, tuple(warp(s) for s in digit.strokes))


RESTYLES = {9: small_head}   # ways of writing a digit that the training writers seldom show


def restyled(digit, rng, share):
    """The digit in its other style (RESTYLES) `share` of the time, else as written."""
    style = RESTYLES.get(digit.label)
    return style(digit, rng) if style is not None and rng.random() < share else digit


def random_strokes(digit, rng, brush, touch=None, canvas=CANVAS):
    """The digit as someone might draw it on the pad: a random size, place, slant and
    width, sampled as a mouse (or, `touch` true, a finger; None: either) reports it.
    Returns the pointer's strokes (arrays (n, 2) in canvas pixels) and the brush width
    (`brush` a width, or a (low, high) range to draw one from)."""
    height = rng.uniform(*HEIGHTS)
    width = brush_width(brush, rng)
    half = height / 2 + width + 4
    low, high = half, canvas - half
    centre = tuple(rng.uniform(low, high, size=2)) if high > low else (canvas / 2, canvas / 2)
    touch = rng.random() >= 0.5 if touch is None else touch
    spacing = rng.uniform(*(TOUCH_SPACING if touch else MOUSE_SPACING))
    stretched = PenDigit(digit.label, digit.writer,
                         tuple(s * (rng.uniform(*ASPECT), 1.0) for s in digit.strokes))
    return place(stretched, height, centre, spacing, rng.uniform(-SLANT, SLANT)), width


def random_drawing(digit, rng, brush, canvas=CANVAS, vary=False, restyle=0.0):
    """RGBA of random_strokes as the pad paints and exports them (of the digit `varied`
    first, if `vary`, and `restyled` a `restyle` share of the time)."""
    digit = restyled(digit, rng, restyle) if restyle else digit
    strokes, width = random_strokes(varied(digit, rng) if vary else digit, rng, brush, canvas=canvas)
    return paint(strokes, width, canvas)


def paint(strokes, brush, canvas=CANVAS):
    """Pointer strokes as the pad paints them: RGBA uint8 (canvas, canvas, 4), black on transparent."""
    rgba = np.zeros((canvas, canvas, 4), np.uint8)
    rgba[..., 3] = draw_strokes([[tuple(p) for p in painted_path(s)] for s in strokes], brush, (canvas, canvas))
    return rgba


def brush_width(brush, rng):
    return float(rng.uniform(*brush)) if isinstance(brush, tuple) else float(brush)
