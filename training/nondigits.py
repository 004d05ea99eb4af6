"""Drawings that are not digits, to measure how often the app says so.

Letters rendered from a font (the ones that could not pass for a digit), random pen
scribbles, and simple faces; each as a canvas export (black on transparent), like synth.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.synth import CANVAS

# Letters that no one would read as a digit (no O, I, l, S, Z, B, G, b, g, q, z, s ...).
LETTERS = "ACEFHKMNPRTUVWXYacefhkmnrtuvwxy"


def _font_path():
    import matplotlib  # ships DejaVu fonts: no system font needed
    return f"{matplotlib.get_data_path()}/fonts/ttf/DejaVuSans.ttf"


def _canvas_alpha(draw_on):
    image = Image.new("L", (CANVAS, CANVAS), 0)
    draw_on(ImageDraw.Draw(image))
    rgba = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    rgba[..., 3] = np.asarray(image)
    return rgba


def letter(rng, char=None):
    char = char or LETTERS[rng.integers(len(LETTERS))]
    size = int(rng.uniform(150, 380))
    font = ImageFont.truetype(_font_path(), size)
    x, y = rng.uniform(40, CANVAS - size * 0.8), rng.uniform(0, CANVAS - size * 1.1)
    return _canvas_alpha(lambda d: d.text((x, y), char, fill=255, font=font))


def scribble(rng):
    """A random pen path: a few strokes of smooth random wandering."""
    width = int(rng.uniform(10, 32))

    def draw(d):
        for _ in range(rng.integers(1, 4)):
            point = rng.uniform(120, CANVAS - 120, size=2)
            heading = rng.uniform(0, 2 * np.pi)
            path = [tuple(point)]
            for _ in range(rng.integers(20, 60)):
                heading += rng.normal(0, 0.6)
                point = np.clip(point + 12 * np.array([np.cos(heading), np.sin(heading)]), 20, CANVAS - 20)
                path.append(tuple(point))
            d.line(path, fill=255, width=width, joint="curve")
    return _canvas_alpha(draw)


def face(rng):
    """A head, two eyes and a mouth."""
    width = int(rng.uniform(10, 24))
    r = rng.uniform(120, 230)
    cx, cy = rng.uniform(r + 20, CANVAS - r - 20, size=2)

    def draw(d):
        d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=width)
        for side in (-1, 1):
            ex, ey = cx + side * r * 0.38, cy - r * 0.3
            d.ellipse((ex - r * 0.1, ey - r * 0.1, ex + r * 0.1, ey + r * 0.1), fill=255)
        d.arc((cx - r * 0.5, cy - r * 0.2, cx + r * 0.5, cy + r * 0.6), 20, 160, fill=255, width=width)
    return _canvas_alpha(draw)


KINDS = {"letter": letter, "scribble": scribble, "face": face}
