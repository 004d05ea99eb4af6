"""Shapes people draw when asked to try something else: hearts, stars, arrows, crosses,
boxes, triangles, spirals. Each maker takes a generator and a `held_out` flag: the
held-out makers draw the kind with other constructions and proportions."""

import numpy as np

from training.nondigits import sketch
from training.nondigits.sketch import line


def heart(rng, held_out=False):
    if held_out:   # two lobes as arcs meeting in a point, drawn as two halves
        w, depth = rng.uniform(0.35, 0.6), rng.uniform(0.9, 1.5)
        left = np.vstack([sketch.arc(-w, 0, w, w * 0.9, 0.0, -0.55), line((-2 * w, 0), (0, depth))])
        right = np.vstack([sketch.arc(w, 0, w, w * 0.9, 0.5, 1.05), line((2 * w, 0), (0, depth))])
        return [left, right[::-1]] if rng.random() < 0.5 else [np.vstack([left[::-1], right[::-1]])]
    t = np.linspace(0, 2 * np.pi * (1 + rng.uniform(-0.03, 0.05)), 80) + np.pi * rng.uniform(-0.1, 0.1)
    x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return [np.column_stack([x * rng.uniform(0.85, 1.2), y]) / 16]


def star(rng, held_out=False):
    if held_out:
        if rng.random() < 0.4:   # two triangles
            r = 1.0
            return [sketch.polygon([(r * np.sin(a), -r * np.cos(a)) for a in np.radians([0, 120, 240]) + off], rng, 0.1)
                    for off in (0, np.pi / 3)]
        points, inner = rng.choice([4, 6, 7, 8]), rng.uniform(0.3, 0.55)
    else:
        if rng.random() < 0.5:   # the five-pointed star in one stroke
            a = np.radians(np.arange(0, 6) * 144)
            return [np.column_stack([np.sin(a), -np.cos(a)])]
        points, inner = 5, rng.uniform(0.35, 0.5)
    a = np.linspace(0, 2 * np.pi, 2 * points, endpoint=False)
    r = np.where(np.arange(2 * points) % 2 == 0, 1.0, inner)
    return [sketch.polygon(np.column_stack([r * np.sin(a), -r * np.cos(a)]), rng, 0.1)]


def arrow(rng, held_out=False):
    head = rng.uniform(0.3, 0.5)
    if held_out:
        style = rng.integers(3)
        if style == 0:   # curved shaft
            shaft = sketch.arc(0, 1, 1.4, 1.2, -0.45, -0.08)
        elif style == 1:   # double-headed
            shaft = line((-1, 0), (1, 0))
        else:   # a block arrow's outline
            w, h = rng.uniform(0.15, 0.3), rng.uniform(0.4, 0.6)
            return sketch.rotate([sketch.polygon([(-1, -w), (0.3, -w), (0.3, -h), (1, 0), (0.3, h), (0.3, w), (-1, w)],
                                                 rng, 0.1)], rng.uniform(0, 1))
        tip, back = shaft[-1], shaft[-2]
        d = (tip - back) / np.linalg.norm(tip - back)
        strokes = [shaft]
        for end, direction in ([(tip, d)] + ([(shaft[0], -np.array([1.0, 0]))] if style == 1 else [])):
            n = np.array([-direction[1], direction[0]])
            strokes.append(line(end - direction * head + n * head * 0.7, end, end - direction * head - n * head * 0.7))
        return sketch.rotate(strokes, rng.uniform(0, 1))
    spread = rng.uniform(0.5, 0.8)
    strokes = [line((-1, 0), (1, 0)), line((1 - head, -head * spread), (1, 0), (1 - head, head * spread))]
    return sketch.rotate(strokes, rng.uniform(0, 1))


def cross(rng, held_out=False):
    if held_out:
        style = rng.integers(3)
        if style == 0:   # a church cross
            return [line((0, -1), (0, 1)), line((-0.55, -0.35), (0.55, -0.35))]
        if style == 1:   # an asterisk
            return [line((np.sin(a), -np.cos(a)), (-np.sin(a), np.cos(a))) for a in np.radians([0, 60, 120])]
        return [line((-1, -0.6), (1, 0.6)), line((-1, 0.6), (1, -0.6))]   # a flat x
    if rng.random() < 0.5:
        return [line((-1, 0), (1, 0)), line((0, -1), (0, 1))]
    return [line((-1, -1), (1, 1)), line((1, -1), (-1, 1))]


def box(rng, held_out=False):
    w = rng.uniform(0.6, 1.0) if not held_out else rng.uniform(1.1, 1.6)
    outline = sketch.polygon([(-w, -1), (w, -1), (w, 1), (-w, 1)], rng, 0.1)
    if held_out:
        style = rng.integers(3)
        if style == 0:   # a cube
            d = rng.uniform(0.3, 0.5)
            return [outline, line((-w, -1), (-w + d, -1 - d), (w + d, -1 - d), (w, -1)),
                    line((w + d, -1 - d), (w + d, 1 - d), (w, 1))]
        if style == 1:   # a ticked box
            return [outline, line((-w * 0.6, 0), (-w * 0.1, 0.6), (w * 0.9, -1.3))]
        return [outline, line((-w, -0.3), (w, -0.3))]   # a box with a lid
    return [outline] + ([line((-w, -1), (w, 1)), line((w, -1), (-w, 1))] if rng.random() < 0.5 else [])


def triangle(rng, held_out=False):
    if held_out:
        if rng.random() < 0.5:   # right-angled
            corners = [(-1, -1), (-1, 1), (rng.uniform(0.3, 1), 1)]
        else:   # pointing down
            corners = [(-1, -0.8), (1, -0.8), (rng.uniform(-0.3, 0.3), 0.9)]
    else:
        corners = [(rng.uniform(-0.3, 0.3), -1), (1, 0.8), (-1, 0.8)]
    return [sketch.polygon(corners, rng, 0.12)]


def spiral(rng, held_out=False):
    turns = rng.uniform(2, 4)
    if held_out:
        if rng.random() < 0.5:   # a square spiral
            n = int(turns * 4)
            r = np.linspace(0.1, 1, n)
            a = np.arange(n) * np.pi / 2
            return [np.column_stack([r * np.cos(a), r * np.sin(a)])]
        t = np.linspace(0, turns, int(turns * 40))
        r = 0.08 * np.exp(t * np.log(12.5) / turns)   # logarithmic, drawn from outside in
        return [np.column_stack([r * np.cos(2 * np.pi * t), r * np.sin(2 * np.pi * t)])[::-1]]
    t = np.linspace(0, turns, int(turns * 40))
    r = t / turns
    return [np.column_stack([r * np.cos(2 * np.pi * t), r * np.sin(2 * np.pi * t)])]
