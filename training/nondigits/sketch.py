"""Geometry for sketching in the unit box: lines, arcs, loops a hand closes roughly.

Every function returns a polyline, an (n, 2) float array, y down.
"""

import numpy as np


def line(*points):
    return np.asarray(points, dtype=np.float64)


def arc(cx, cy, rx, ry, start, end, n=None):
    """An elliptic arc from `start` to `end`, in turns (1 = 360 degrees), clockwise on screen."""
    n = n or max(8, int(abs(end - start) * 48))
    t = np.linspace(start, end, n) * 2 * np.pi
    return np.column_stack([cx + rx * np.cos(t), cy + ry * np.sin(t)])


def loop(rng, cx, cy, rx, ry, closing=0.08):
    """An ellipse drawn in one stroke from a random point, ending a little short of or past
    where it began, as a hand closes a loop."""
    start = rng.uniform(0, 1)
    return arc(cx, cy, rx, ry, start, start + 1 + rng.uniform(-closing, closing))


def polygon(points, rng=None, closing=0.0):
    """A closed polyline through `points`; with `rng`, its end overshoots or falls short."""
    points = np.asarray(points, dtype=np.float64)
    ring = np.vstack([points, points[:1]])
    if rng is not None and closing:
        last = ring[-1] - ring[-2]
        ring[-1] = ring[-2] + last * (1 + rng.uniform(-closing, closing))
    return ring


def smooth(stroke, rounds=2):
    """Corners rounded off (Chaikin's corner cutting), ends kept."""
    stroke = np.asarray(stroke, dtype=np.float64)
    for _ in range(rounds):
        if len(stroke) < 3:
            return stroke
        q = 0.75 * stroke[:-1] + 0.25 * stroke[1:]
        r = 0.25 * stroke[:-1] + 0.75 * stroke[1:]
        stroke = np.vstack([stroke[:1], np.column_stack([q, r]).reshape(-1, 2), stroke[-1:]])
    return stroke


def rotate(strokes, turns, about=(0.0, 0.0)):
    a = 2 * np.pi * turns
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return [(np.asarray(s) - about) @ m.T + about for s in strokes]


def shift(strokes, dx, dy):
    return [np.asarray(s) + (dx, dy) for s in strokes]


def scale(strokes, sx, sy=None):
    return [np.asarray(s) * (sx, sy if sy is not None else sx) for s in strokes]
