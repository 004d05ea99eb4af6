"""MNIST digits changed into ways of writing that MNIST's writers seldom used: a 7 with a
bar through its stem, a 1 with a flag and a foot, a 0 with a slash or a dot in it.

Each style is drawn onto the 28x28 digit with a pen as wide as the digit's own strokes, at
4x and reduced again, so the added stroke looks like the rest of the digit. Arrays in,
arrays out: float32 (28, 28) in [0, 1], white on black.
"""

import numpy as np
from PIL import Image, ImageDraw

from webapp.reading.preprocess import MNIST_SIZE, centre_by_mass

SCALE = 4   # drawn at 4x, then reduced: anti-aliased like MNIST's own strokes


def _ink_box(digit, level=0.3):
    rows, cols = np.nonzero(digit > level)
    return rows.min(), rows.max(), cols.min(), cols.max()


def _pen(digit, level=0.3):
    """The digit's stroke width in pixels: ink area over its centre line's length, roughly
    area / (ink rows + ink columns) for thin strokes."""
    ink = digit > level
    return float(np.clip(ink.sum() / max(ink.any(axis=1).sum() + ink.any(axis=0).sum(), 1) * 1.6, 1.6, 3.5))


def _with_lines(digit, lines, width):
    """The digit with straight pen lines [(x0, y0, x1, y1), ...] (pixel units) added."""
    big = Image.fromarray((digit * 255).astype(np.uint8)).resize((MNIST_SIZE * SCALE,) * 2, Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(big)
    w = int(round(width * SCALE))
    for x0, y0, x1, y1 in lines:
        ends = [(x0 * SCALE, y0 * SCALE), (x1 * SCALE, y1 * SCALE)]
        draw.line(ends, fill=255, width=w)
        for x, y in ends:
            draw.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=255)
    out = np.asarray(big.reduce(SCALE), dtype=np.float32) / 255.0
    return _refit(out)


def _refit(digit):
    """Re-centre by mass in the 28x28 field, as MNIST was made (a bar moves the centre)."""
    top, bottom, left, right = _ink_box(digit, 0.05)
    crop = digit[top:bottom + 1, left:right + 1]
    if max(crop.shape) > 20:
        side = 20 / max(crop.shape)
        size = (max(1, round(crop.shape[1] * side)), max(1, round(crop.shape[0] * side)))
        crop = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BILINEAR))
    crop = np.clip(crop / max(float(crop.max()), 1e-6), 0, 1)
    return centre_by_mass(crop.astype(np.float32))


def barred_seven(digit, rng):
    """A bar across the 7's stem, a little below half its height."""
    top, bottom, left, right = _ink_box(digit)
    y = top + (bottom - top) * rng.uniform(0.45, 0.62)
    cols = np.nonzero(digit[int(round(y))] > 0.3)[0]
    x = cols.mean() if len(cols) else (left + right) / 2
    half = (right - left + 1) * rng.uniform(0.25, 0.4)
    tilt = rng.uniform(-0.12, 0.05) * half
    return _with_lines(digit, [(x - half, y - tilt, x + half, y + tilt)], _pen(digit))


def flagged_one(digit, rng, foot=None):
    """A flag from the 1's top, down to the left, and sometimes a foot under it."""
    top, bottom, left, right = _ink_box(digit)
    height = bottom - top
    cols = np.nonzero(digit[top + 1] > 0.3)[0]
    x = cols.mean() if len(cols) else (left + right) / 2
    length = height * rng.uniform(0.25, 0.5)
    angle = np.radians(rng.uniform(25, 55))   # below the horizontal
    lines = [(x, top + 0.5, x - length * np.cos(angle), top + 0.5 + length * np.sin(angle))]
    if foot if foot is not None else rng.random() < 0.4:
        cols = np.nonzero(digit[bottom - 1] > 0.3)[0]
        xb = cols.mean() if len(cols) else x
        half = height * rng.uniform(0.18, 0.3)
        lines.append((xb - half, bottom - 0.5, xb + half, bottom - 0.5))
    return _with_lines(digit, lines, _pen(digit))


def slashed_zero(digit, rng):
    """A slash through the 0, corner to corner, or a dot in its middle."""
    top, bottom, left, right = _ink_box(digit)
    if rng.random() < 0.3:
        cy, cx, r = (top + bottom) / 2, (left + right) / 2, rng.uniform(0.3, 0.8)
        return _with_lines(digit, [(cx - r, cy, cx + r, cy)], _pen(digit) * 1.2)
    reach = rng.uniform(0.9, 1.1)
    cy, cx = (top + bottom) / 2, (left + right) / 2
    hy, hx = (bottom - top) / 2 * reach, max((right - left) / 2, (bottom - top) / 4) * reach
    hy *= rng.uniform(0.6, 1.0)
    return _with_lines(digit, [(cx + hx, cy - hy, cx - hx, cy + hy)], _pen(digit))


STYLES = {7: barred_seven, 1: flagged_one, 0: slashed_zero}


def styled(x, y, rng, share=0.3):
    """For each label with a style, `share` of its digits (float32 (N, 28, 28) in [0, 1])
    changed into that style: (new digits, their labels)."""
    out, labels = [], []
    for label, style in STYLES.items():
        chosen = np.flatnonzero(y == label)
        chosen = rng.choice(chosen, size=int(len(chosen) * share), replace=False)
        out += [style(x[i], rng) for i in chosen]
        labels += [label] * len(chosen)
    return np.stack(out), np.asarray(labels)
