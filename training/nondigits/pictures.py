"""Faces and simple pictures: a smiley, a house, the sun, a tree, a flower, a cat, a car.
Each maker takes a generator and a `held_out` flag: the held-out makers draw the kind
with other parts and proportions."""

import numpy as np

from training.nondigits import sketch
from training.nondigits.sketch import arc, line, loop


def _eyes(rng, y, dx, size, circles):
    strokes = []
    for side in (-1, 1):
        x = side * dx
        if circles:
            strokes += [loop(rng, x, y, size, size * 1.2), loop(rng, x, y + size * 0.3, size * 0.3, size * 0.3)]
        else:
            strokes.append(line((x, y), (x + 0.01, y + size)))   # a dot, or a short dash
    return strokes


def face(rng, held_out=False):
    mood = rng.integers(3)
    if held_out:   # an oval head with ears or hair, round eyes, an open mouth
        w = rng.uniform(0.65, 0.8)
        strokes = [loop(rng, 0, 0, w, 1)]
        strokes += _eyes(rng, -0.3, w * 0.4, 0.13, circles=True)
        if rng.random() < 0.5:
            strokes += [arc(-w, 0, 0.18, 0.25, 0.25, 0.75), arc(w, 0, 0.18, 0.25, -0.25, 0.25)]
        else:
            strokes += [line((x, -0.85 - 0.05 * abs(x)), (x * 1.2, -1.25)) for x in np.linspace(-0.5, 0.5, 5)]
        mouth = arc(0, 0.3, 0.35, 0.3, 0, 0.5)
        strokes += [np.vstack([mouth, mouth[:1]])] if mood else [line((-0.3, 0.45), (0.3, 0.45))]
        return strokes
    strokes = [loop(rng, 0, 0, 1, 1)]
    strokes += _eyes(rng, -0.3, 0.35, rng.uniform(0.05, 0.15), circles=False)
    if mood == 0:
        strokes.append(arc(0, 0.05, 0.5, 0.45, 0.08, 0.42))      # a smile
    elif mood == 1:
        strokes.append(arc(0, 0.75, 0.45, 0.3, 0.58, 0.92))      # a frown
    else:
        strokes.append(line((-0.35, 0.45), (0.35, 0.45)))
    if rng.random() < 0.4:
        strokes.append(line((0, -0.1), (-0.08, 0.15), (0.03, 0.17)))   # a nose
    return strokes


def house(rng, held_out=False):
    w, roof = rng.uniform(0.7, 1.0), rng.uniform(0.5, 0.9)
    walls = line((-w, 0), (-w, 1), (w, 1), (w, 0))
    strokes = [walls, line((-w - 0.1, 0), (0, -roof), (w + 0.1, 0), (-w - 0.1, 0))]
    if held_out:   # a chimney and a window with a cross
        strokes += [line((w * 0.45, -roof * 0.45), (w * 0.45, -roof * 0.9), (w * 0.7, -roof * 0.9), (w * 0.7, -roof * 0.25)),
                    sketch.polygon([(-w * 0.7, 0.25), (-w * 0.2, 0.25), (-w * 0.2, 0.65), (-w * 0.7, 0.65)], rng, 0.1),
                    line((-w * 0.45, 0.25), (-w * 0.45, 0.65)), line((-w * 0.7, 0.45), (-w * 0.2, 0.45))]
        return strokes
    d = rng.uniform(-0.4, 0.4) * w
    strokes.append(line((d - 0.18, 1), (d - 0.18, 0.5), (d + 0.18, 0.5), (d + 0.18, 1)))   # a door
    return strokes


def sun(rng, held_out=False):
    r = rng.uniform(0.35, 0.5)
    if held_out:
        if rng.random() < 0.5:   # half a sun over the horizon, long rays
            rays = [line((r * 1.3 * np.cos(a), -r * 1.3 * np.sin(a)), (np.cos(a), -np.sin(a)))
                    for a in np.linspace(0.15, np.pi - 0.15, rng.integers(5, 8))]
            return [line((-1, 0), (1, 0)), arc(0, 0, r, r, 0.5, 1.0)] + rays
        strokes = [loop(rng, 0, 0, r, r)]   # wavy rays and a face
        for a in np.linspace(0, 2 * np.pi, rng.integers(6, 10), endpoint=False):
            t = np.linspace(r * 1.3, 1, 12)
            wave = 0.06 * np.sin(t * 25)
            strokes.append(np.column_stack([t * np.cos(a) - wave * np.sin(a), t * np.sin(a) + wave * np.cos(a)]))
        return strokes + [arc(0, 0, r * 0.5, r * 0.5, 0.1, 0.4)]
    strokes = [loop(rng, 0, 0, r, r)]
    for a in np.linspace(0, 2 * np.pi, rng.integers(7, 13), endpoint=False) + rng.uniform(0, 1):
        strokes.append(line((r * 1.35 * np.cos(a), r * 1.35 * np.sin(a)), (np.cos(a) * 0.95, np.sin(a) * 0.95)))
    return strokes


def _bumpy_loop(rng, cx, cy, rx, ry, bumps):
    t = np.linspace(0, 1, bumps * 16) + rng.uniform(0, 1)
    r = 1 + 0.15 * np.abs(np.sin(np.pi * bumps * t))
    return np.column_stack([cx + rx * r * np.cos(2 * np.pi * t), cy + ry * r * np.sin(2 * np.pi * t)])


def tree(rng, held_out=False):
    if held_out:
        if rng.random() < 0.5:   # a pine: three tiers of zigzag
            pts = [(0, -1)]
            for i, y in enumerate((-0.45, 0.1, 0.6)):
                half = 0.35 + 0.2 * i
                pts = [(-half, y), (-half * 0.4, y)] + pts + [(half * 0.4, y), (half, y)]
            crown = line(*pts)
            return [crown, line((-0.12, 0.6), (-0.12, 1)), line((0.12, 0.6), (0.12, 1))]
        branches = [line((0, 1), (0, -0.6))]   # a bare tree
        for y, side in zip(np.linspace(0.4, -0.4, 5), (-1, 1, -1, 1, -1)):
            branches.append(line((0, y), (side * rng.uniform(0.4, 0.8), y - 0.45)))
        return branches
    w = rng.uniform(0.55, 0.8)
    crown = _bumpy_loop(rng, 0, -0.3, w, 0.65, rng.integers(5, 9))
    return [crown, line((-0.12, 0.3), (-0.12, 1), (0.12, 1), (0.12, 0.3))]


def flower(rng, held_out=False):
    if held_out:
        if rng.random() < 0.5:   # a tulip
            cup = line((-0.35, -0.9), (-0.15, -0.6), (0, -0.85), (0.15, -0.6), (0.35, -0.9))
            cup = np.vstack([cup, arc(0, -0.75, 0.35, 0.45, 0.0, 0.5)[::-1][::-1]])
            return [sketch.smooth(cup, 1), line((0, -0.3), (0, 1)), arc(-0.3, 0.5, 0.3, 0.12, 0, 0.5)]
        c = 0.15   # a daisy: line petals
        petals = [line((c * np.cos(a), -0.5 + c * np.sin(a)), (0.5 * np.cos(a), -0.5 + 0.5 * np.sin(a)))
                  for a in np.linspace(0, 2 * np.pi, rng.integers(8, 13), endpoint=False)]
        return [loop(rng, 0, -0.5, c, c)] + petals + [line((0, -0.5 + c), (0, 1))]
    n, c = rng.integers(5, 9), rng.uniform(0.12, 0.2)
    petals = []
    for a in np.linspace(0, 2 * np.pi, n, endpoint=False):
        t = np.linspace(-0.5, 0.5, 20) * np.pi / n * 1.6
        r = c + 0.4 * np.cos(t * n / 1.6)
        petals.append(np.column_stack([r * np.cos(a + t), -0.45 + r * np.sin(a + t)]))
    return [loop(rng, 0, -0.45, c, c)] + petals + [line((0, -0.45 + c + 0.4), (0.05, 1))]


def cat(rng, held_out=False):
    if held_out:   # side view: body, head, ears, tail, legs
        strokes = [loop(rng, 0, 0.2, 0.7, 0.35), loop(rng, -0.85, -0.25, 0.3, 0.28),
                   line((-1.1, -0.4), (-1.05, -0.7), (-0.9, -0.5)), line((-0.8, -0.5), (-0.65, -0.72), (-0.62, -0.42)),
                   sketch.smooth(line((0.7, 0.15), (1.0, -0.1), (1.05, -0.5), (0.9, -0.7)))]
        return strokes + [line((x, 0.5), (x, 0.85)) for x in (-0.5, -0.3, 0.3, 0.5)]
    strokes = [loop(rng, 0, 0.1, 0.8, 0.7),
               line((-0.7, -0.25), (-0.6, -1.0), (-0.2, -0.55)), line((0.2, -0.55), (0.6, -1.0), (0.7, -0.25))]
    strokes += _eyes(rng, -0.1, 0.3, 0.1, circles=False)
    strokes += [line((0.1, 0.25), (0.9, 0.1)), line((0.1, 0.3), (0.95, 0.4)),
                line((-0.1, 0.25), (-0.9, 0.1)), line((-0.1, 0.3), (-0.95, 0.4))]
    return strokes


def car(rng, held_out=False):
    r = rng.uniform(0.18, 0.25)
    if held_out:   # one rounded profile, windows, wheels
        body = sketch.smooth(line((-1, 0.4), (-1, 0.0), (-0.6, -0.05), (-0.35, -0.45), (0.35, -0.45),
                                  (0.6, -0.05), (1, 0.05), (1, 0.4), (-1, 0.4)), 3)
        windows = [line((-0.3, -0.1), (-0.2, -0.35), (-0.03, -0.35), (-0.03, -0.1), (-0.3, -0.1)),
                   line((0.05, -0.1), (0.05, -0.35), (0.3, -0.35), (0.45, -0.1), (0.05, -0.1))]
        return [body] + windows + [loop(rng, x, 0.4, r, r) for x in (-0.55, 0.55)]
    body = sketch.polygon([(-1, 0.4), (-1, 0), (-0.45, 0), (-0.3, -0.4), (0.35, -0.4), (0.5, 0), (1, 0), (1, 0.4)], rng, 0.05)
    return [body] + [loop(rng, x, 0.45, r, r) for x in (-0.6, 0.6)]
