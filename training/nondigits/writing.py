"""Words, signatures, scribbles and hatching: pen movement with no single shape.
Each maker takes a generator and a `held_out` flag: the held-out makers use other
models of the pen's movement."""

import numpy as np

from training.nondigits import sketch
from training.nondigits.letters import LOOKS_LIKE_A_DIGIT, glyph_strokes
from training.nondigits.sketch import line

# Cursive letters as the pen's path in a cell 1 wide: baseline y = 0, x-height y = -1,
# ascenders to -2, descenders to +1. Each joins at the baseline on both sides.
CURSIVE = {
    "e": [(0, 0), (0.6, -0.45), (0.45, -0.95), (0.1, -0.55), (0.35, 0), (1, -0.1)],
    "l": [(0, 0), (0.6, -1.5), (0.5, -2.1), (0.2, -1.6), (0.4, 0), (1, -0.1)],
    "n": [(0, 0), (0.15, -1), (0.25, 0), (0.5, -1), (0.75, -0.9), (0.8, 0), (1, -0.1)],
    "m": [(0, 0), (0.1, -1), (0.18, 0), (0.35, -1), (0.5, -0.9), (0.52, 0), (0.7, -1), (0.85, -0.9), (0.88, 0), (1, -0.1)],
    "u": [(0, -0.1), (0.1, -1), (0.2, 0), (0.6, -1), (0.6, 0), (1, -0.1)],
    "i": [(0, 0), (0.3, -1), (0.4, 0), (1, -0.1)],
    "r": [(0, 0), (0.3, -1), (0.5, -0.8), (0.75, -0.95), (0.7, 0), (1, -0.1)],
    "h": [(0, 0), (0.5, -1.5), (0.4, -2.1), (0.15, -1.5), (0.15, 0), (0.45, -1), (0.75, -0.9), (0.8, 0), (1, -0.1)],
    "k": [(0, 0), (0.5, -1.5), (0.4, -2.1), (0.15, -1.5), (0.15, 0), (0.6, -1), (0.3, -0.5), (0.8, 0), (1, -0.1)],
    "y": [(0, -0.1), (0.1, -1), (0.2, 0), (0.6, -1), (0.55, 0.8), (0.3, 0.9), (0.5, 0.2), (1, -0.1)],
    "v": [(0, -0.1), (0.2, -1), (0.45, 0), (0.75, -1), (0.6, -0.9), (1, -0.9)],
    "w": [(0, -0.1), (0.1, -1), (0.25, 0), (0.5, -0.8), (0.65, 0), (0.85, -1), (0.75, -0.9), (1, -0.9)],
    "c": [(0, 0), (0.6, -0.9), (0.4, -1), (0.1, -0.5), (0.35, 0), (1, -0.1)],
    "t": [(0, 0), (0.35, -1.8), (0.3, 0), (1, -0.1)],
}
PRINTED = "".join(c for c in "abcdefghijklmnopqrstuvwxyz" if c not in LOOKS_LIKE_A_DIGIT)


def _cursive_word(rng, letters):
    """Letters from the cursive table joined in one stroke, each cell a little different;
    `i` and `t` get their dot and bar after."""
    path, extra, x = [], [], 0.0
    for ch in letters:
        w = rng.uniform(0.7, 1.2)
        cell = np.asarray(CURSIVE[ch], dtype=np.float64) * (w, rng.uniform(0.85, 1.15))
        path.append(cell + (x, 0))
        if ch == "i":
            extra.append(line((x + 0.3 * w, -1.6), (x + 0.32 * w, -1.55)))
        if ch == "t":
            extra.append(line((x, -1.2), (x + 0.7 * w, -1.3)))
        x += w
    stroke = sketch.smooth(np.vstack(path), 3)
    return [stroke] + extra


def _oscillating_word(rng):
    """A word as coupled oscillations of the pen (Hollerbach's model of cursive writing):
    a vertical swing, a horizontal one at the same rate with a drifting phase, a steady
    drift to the right; each cycle's height changed at random."""
    cycles = rng.integers(4, 10)
    t = np.linspace(0, cycles, cycles * 24)
    height = np.repeat(rng.choice([0.5, 1.0, 1.0, 2.0], cycles), 24)[:len(t)]
    height = np.convolve(height, np.ones(9) / 9, mode="same")
    phase = np.cumsum(rng.normal(0, 0.08, len(t)))
    x = 0.9 * t + 0.45 * np.cos(2 * np.pi * t + np.pi / 2 + phase)
    y = -height * (0.5 + 0.5 * np.sin(2 * np.pi * t))
    return [np.column_stack([x, y])]


def _printed_word(rng, fonts):
    strokes, x = [], 0.0
    for _ in range(rng.integers(3, 7)):
        glyph = glyph_strokes(fonts[rng.integers(len(fonts))], PRINTED[rng.integers(len(PRINTED))])
        strokes += [np.asarray(s) * 0.5 + (x, 0) for s in glyph]
        x += rng.uniform(0.8, 1.1)
    return strokes


def word(rng, held_out=False, fonts=()):
    """A word, a name or a signature, joined up or printed."""
    if rng.random() < 0.3 and fonts:
        return _printed_word(rng, fonts)
    if held_out:
        strokes = _oscillating_word(rng)
    else:
        keys = list(CURSIVE)
        strokes = _cursive_word(rng, [keys[i] for i in rng.integers(len(keys), size=rng.integers(3, 9))])
    if rng.random() < 0.35:   # a signature's underline
        end = max(float(s[:, 0].max()) for s in strokes)
        strokes.append(sketch.smooth(line((-0.2, 0.7), (end * 0.5, 0.5), (end + 0.3, 0.6)), 2))
    return strokes


def scribble(rng, held_out=False):
    """A scribble: a wandering pen."""
    if held_out:
        if rng.random() < 0.5:   # loops rolling along
            t = np.linspace(0, rng.uniform(4, 9), 300)
            r = rng.uniform(0.4, 0.9)
            return [np.column_stack([0.35 * t + r * np.cos(2 * np.pi * t), r * 1.2 * np.sin(2 * np.pi * t)])]
        n = rng.integers(6, 16)   # a zigzag scrawl back and forth
        xs = np.where(np.arange(n) % 2 == 0, -1, 1) + rng.normal(0, 0.15, n)
        ys = np.linspace(-1, 1, n) + rng.normal(0, 0.1, n)
        return [np.column_stack([xs, ys])]
    strokes = []
    for _ in range(rng.integers(1, 4)):
        point, heading = rng.uniform(-0.6, 0.6, size=2), rng.uniform(0, 2 * np.pi)
        path = [point]
        for _ in range(rng.integers(20, 60)):
            heading += rng.normal(0, 0.6)
            point = np.clip(point + 0.08 * np.array([np.cos(heading), np.sin(heading)]), -1, 1)
            path.append(point)
        strokes.append(np.asarray(path))
    return strokes


def hatching(rng, held_out=False):
    """Shading: lines side by side."""
    if held_out:
        if rng.random() < 0.5:   # cross-hatching
            n = rng.integers(4, 8)
            strokes = []
            for angle in rng.uniform(0, 1) + np.array([0, rng.uniform(0.15, 0.35)]):
                strokes += sketch.rotate([line((-1, y), (1, y)) for y in np.linspace(-0.8, 0.8, n)], angle)
            return strokes
        n = rng.integers(6, 14)   # a zigzag fill in one stroke
        return [np.column_stack([np.linspace(-1, 1, n), np.where(np.arange(n) % 2 == 0, -1, 1)])]
    n, slant = rng.integers(4, 11), rng.uniform(-0.5, 0.5)
    return sketch.rotate([line((-1 + 2 * i / n, -1), (-1 + 2 * i / n + slant, 1)) for i in range(n + 1)],
                         rng.uniform(-0.1, 0.1))
