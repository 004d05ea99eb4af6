"""The pen's strokes as the stroke reader sees them: the path of a digit resampled along its
ink into a fixed number of points (`features`), and the part of a drawing's strokes that
drew one of its pieces (`piece_strokes`).

A bitmap loses the order of the ink: a 9 drawn loop first and a 3 drawn as two arcs can
leave the same pixels, and the path still tells them apart. Pure numpy, like preprocess;
the network that reads these features is webapp/stroke_reader.py, trained by
`python -m training.strokes`, which makes its features here too.
"""

import numpy as np

POINTS = 48          # points along the whole path, evenly spaced by its inked length
CHANNELS = 5         # x, y, their steps (x STEP_SCALE), 1 where the pen came down again
STEP_SCALE = 10.0    # steps between 48 points of a path in [-1, 1] are ~0.1: scaled to ~1
ON_INK = 2           # a stroke's point this many pixels from a piece's ink is on it
MIN_ON_INK = 0.9     # the strokes are a piece's only if this share of their points near it are on its ink ...
MIN_SPAN = 0.7       # ... and the points on it span this share of its width or height (the longer)


def arc_length(stroke):
    """The distance along a polyline (n, 2) from its first point to each of its points."""
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])


def points_at(stroke, along, at):
    """The points of a polyline (n, 2) at the distances `at`, given each point's distance
    `along` it (arc_length), linearly between its points."""
    return np.stack([np.interp(at, along, stroke[:, 0]), np.interp(at, along, stroke[:, 1])], axis=1)


def features(strokes, points=POINTS):
    """Strokes (arrays (n, 2) of x, y, y down, in the order drawn) -> float32 (points,
    CHANNELS): the path resampled evenly along its inked length, fitted into [-1, 1] by its
    longer side, with the step to the next point and a flag where the pen came down again.
    Independent of how often the pointer was sampled, and of the drawing's size and place."""
    xy = np.concatenate(strokes).astype(np.float64)
    starts = np.zeros(len(xy))
    starts[np.cumsum([0] + [len(s) for s in strokes[:-1]])] = 1
    low, high = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - (low + high) / 2) / max(float((high - low).max()), 1e-6) * 2
    step = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    step[starts[1:] == 1] = 0.0                      # the pen in the air draws nothing
    along = np.concatenate([[0.0], np.cumsum(step)])
    if along[-1] <= 0:                               # a dot, or dots
        along = np.arange(len(xy), dtype=np.float64)
    at = np.linspace(0.0, along[-1], points)
    x, y = points_at(xy, along, at).T
    stroke = np.cumsum(starts)[np.clip(np.searchsorted(along, at, side="right") - 1, 0, len(xy) - 1)]
    pen_down = np.concatenate([[0.0], np.diff(stroke) > 0])
    return np.stack([x, y, np.gradient(x) * STEP_SCALE, np.gradient(y) * STEP_SCALE, pen_down],
                    axis=1).astype(np.float32)


def piece_strokes(strokes, box, mask):
    """The parts of `strokes` (arrays (n, 2) of x, y in the image's pixels) that drew the
    piece of ink `mask` whose box is `box` (top, left, bottom, right): each stroke's runs of
    points on the piece's ink, in the order drawn, a run where the stroke leaves the piece
    and comes back counting as a stroke of its own. None when the strokes did not draw
    this ink (too few of their points near it lie on it, or they miss much of it): the
    piece is then read from its pixels alone."""
    top, left, bottom, right = box
    near = np.zeros((bottom - top + 2 * ON_INK, right - left + 2 * ON_INK), dtype=bool)
    for dy in range(2 * ON_INK + 1):                 # the ink grown by ON_INK pixels (a square)
        for dx in range(2 * ON_INK + 1):
            near[dy:dy + mask.shape[0], dx:dx + mask.shape[1]] |= mask
    runs, near_box, on_ink = [], 0, 0
    for stroke in strokes:
        column = np.floor(stroke[:, 0]).astype(np.int64) - left + ON_INK
        row = np.floor(stroke[:, 1]).astype(np.int64) - top + ON_INK
        inside = (row >= 0) & (row < near.shape[0]) & (column >= 0) & (column < near.shape[1])
        on = np.zeros(len(stroke), dtype=bool)
        on[inside] = near[row[inside], column[inside]]
        near_box += int(inside.sum())
        on_ink += int(on.sum())
        edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
        runs += [stroke[a:b] for a, b in zip(edges[::2], edges[1::2])]
    if len(runs) > 1:   # a neighbour's stroke grazing this piece's edge is not part of it
        runs = [run for run in runs if arc_length(run)[-1] > 2 * ON_INK] or runs
    if not runs or on_ink < MIN_ON_INK * near_box:
        return None
    xy = np.concatenate(runs)
    span = xy.max(axis=0) - xy.min(axis=0)
    longer = int(np.argmax([right - left, bottom - top]))
    if span[longer] + 2 * ON_INK < MIN_SPAN * (right - left, bottom - top)[longer]:
        return None
    return runs
