"""A hand on the pad: strokes sketched in a unit box become a canvas export.

Makers sketch a drawing as polylines in a box about [-1, 1] wide (y down); `draw` puts
it on the 560x560 pad as a person would: a random size, place, slant and tilt, the pen
sampled as pointer events, each stroke wobbling and trembling, with the page's round
brush. Black ink on transparent, like synth.render.
"""

from dataclasses import dataclass

import numpy as np

from PIL import Image, ImageDraw

from training.synth import CANVAS
from webapp.web.pages import BRUSH_FRACTION

BRUSH = CANVAS * float(BRUSH_FRACTION)   # the page's brush on its 560 px export


@dataclass(frozen=True)
class Hand:
    """How one person's drawing differs from the sketch. Units are the sketch's box
    (2 wide) unless said otherwise."""
    size: tuple = (0.35, 0.9)       # the drawing's longer side, a fraction of the canvas
    aspect: tuple = (0.8, 1.25)     # width stretched by this, height by its inverse
    slant: float = 0.25             # shear x by y, drawn from +-this
    tilt: float = 10.0              # rotation, degrees, standard deviation
    wobble: float = 0.03            # slow drift of a stroke off its line, amplitude
    wavelength: tuple = (0.6, 2.0)  # ... over this length of stroke
    tremor: float = 0.006           # per-point shake, standard deviation
    misplace: float = 0.03          # each stroke starts off where it was meant, sd
    step: float = 0.04              # spacing of the pointer's samples along a stroke
    page_brush: float = 0.75        # share drawn with the page's own brush ...
    brush: tuple = (0.5, 1.7)       # ... the rest with this many times its width


def resample(stroke, step):
    """A polyline with points every `step` along it (a pointer sampled as it moves)."""
    stroke = np.asarray(stroke, dtype=np.float64)
    if len(stroke) < 2:
        return stroke
    lengths = np.r_[0.0, np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))]
    if lengths[-1] == 0:
        return stroke[:1]
    at = np.linspace(0.0, lengths[-1], max(2, int(np.ceil(lengths[-1] / step)) + 1))
    return np.column_stack([np.interp(at, lengths, stroke[:, 0]), np.interp(at, lengths, stroke[:, 1])])


def shaky(stroke, rng, hand):
    """The stroke as a hand draws it: displaced as a whole, drifting slowly, shaking."""
    lengths = np.r_[0.0, np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))] if len(stroke) > 1 else np.zeros(1)
    drift = np.zeros_like(stroke)
    for axis in range(2):
        wavelength = rng.uniform(*hand.wavelength)
        drift[:, axis] = hand.wobble * rng.uniform(0, 1) * np.sin(2 * np.pi * lengths / wavelength
                                                                    + rng.uniform(0, 2 * np.pi))
    return stroke + drift + rng.normal(0, hand.misplace, 2) + rng.normal(0, hand.tremor, stroke.shape)


def placed(strokes, rng, hand, brush):
    """Unit-box strokes -> canvas pixels: stretched, slanted, tilted, sized and placed."""
    points = np.concatenate(strokes)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    aspect = rng.uniform(*hand.aspect)
    angle = np.radians(rng.normal(0, hand.tilt))
    c, s = np.cos(angle), np.sin(angle)
    matrix = np.array([[c, -s], [s, c]]) @ np.array([[1, rng.uniform(-hand.slant, hand.slant)], [0, 1]]) \
        @ np.diag([aspect, 1 / aspect])
    strokes = [(p - centre) @ matrix.T for p in strokes]
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    margin = brush / 2 + 2
    room = CANVAS - 2 * margin
    scale = min(rng.uniform(*hand.size) * CANVAS, room) / max(float((high - low).max()), 1e-6)
    extent = (high - low) * scale
    offset = np.array([rng.uniform(margin, max(margin, CANVAS - margin - e)) for e in extent]) - low * scale
    return [p * scale + offset for p in strokes]


def draw(strokes, rng, hand=Hand()):
    """Sketched strokes (a list of (n, 2) arrays, unit box) -> RGBA uint8 (560, 560, 4)."""
    return draw_with_strokes(strokes, rng, hand)[0]


def draw_with_strokes(strokes, rng, hand=Hand()):
    """As `draw` (the same drawing for the same rng), with the pointer's strokes that
    painted it, in canvas pixels: what the page posts beside the bitmap."""
    brush = BRUSH if rng.random() < hand.page_brush else BRUSH * rng.uniform(*hand.brush)
    shaken = [shaky(resample(s, hand.step), rng, hand) for s in strokes if len(s)]
    on_canvas = placed(shaken, rng, hand, brush)
    rgba = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    rgba[..., 3] = ink(on_canvas, brush)
    return rgba, on_canvas


def ink(strokes, brush):
    """Polylines in canvas pixels drawn with a round brush: alpha, uint8 (560, 560). A
    disc at every point makes the round caps and joins (PIL's curved joints cost ten
    times as much)."""
    image = Image.new("L", (CANVAS, CANVAS), 0)
    draw = ImageDraw.Draw(image)
    r, width = brush / 2, int(round(brush))
    for stroke in strokes:
        points = [tuple(p) for p in stroke.tolist()]
        if len(points) > 1:
            draw.line(points, fill=255, width=width)
        for x, y in points:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image)
