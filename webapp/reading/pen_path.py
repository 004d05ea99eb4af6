"""The pen's strokes as the stroke reader sees them: the path of a digit resampled along its
ink into a fixed number of points (`features`), and the part of a drawing's strokes that
drew one of its pieces (`piece_strokes`).

A bitmap loses the order of the ink: a 9 drawn loop first and a 3 drawn as two arcs can
leave the same pixels, and the path still tells them apart. Pure numpy, like preprocess;
the network that reads these features is webapp/reading/stroke_reader.py, trained by
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
    firsts = np.cumsum([len(s) for s in strokes[:-1]], dtype=np.int64)   # where each later stroke begins
    low, high = xy.min(axis=0), xy.max(axis=0)
    xy = (xy - (low + high) / 2) * (2 / max(float((high - low).max()), 1e-6))
    step = np.hypot(*np.diff(xy, axis=0).T)
    step[firsts - 1] = 0.0                           # the pen in the air draws nothing
    along = np.concatenate([[0.0], np.cumsum(step)])
    if along[-1] <= 0:                               # a dot, or dots
        along = np.arange(len(xy), dtype=np.float64)
    at = np.linspace(0.0, along[-1], points)
    path = points_at(xy, along, at)
    stroke = np.searchsorted(firsts, np.searchsorted(along, at, side="right") - 1, side="right")
    pen_down = np.concatenate([[0.0], np.diff(stroke) > 0])
    steps = np.empty_like(path)                      # central differences, one-sided at the ends
    steps[1:-1] = (path[2:] - path[:-2]) / 2
    steps[0], steps[-1] = path[1] - path[0], path[-1] - path[-2]
    return np.concatenate([path, steps * STEP_SCALE, pen_down[:, None]], axis=1).astype(np.float32)


def piece_strokes(strokes, box, mask):
    """The parts of `strokes` (arrays (n, 2) of x, y in the image's pixels) that drew the
    piece of ink `mask` whose box is `box` (top, left, bottom, right): each stroke's runs of
    points on the piece's ink, in the order drawn, a run where the stroke leaves the piece
    and comes back counting as a stroke of its own. None when the strokes did not draw
    this ink (too few of their points near it lie on it, or they miss much of it): the
    piece is then read from its pixels alone. All strokes' points are looked up at once."""
    top, left, bottom, right = box
    height, width = mask.shape
    xy = np.concatenate(strokes)
    stroke = np.repeat(np.arange(len(strokes)), [len(s) for s in strokes])
    row = np.floor(xy[:, 1]).astype(np.int64) - top
    column = np.floor(xy[:, 0]).astype(np.int64) - left
    inside = (row >= -ON_INK) & (row < height + ON_INK) & (column >= -ON_INK) & (column < width + ON_INK)
    offsets = np.arange(-ON_INK, ON_INK + 1)
    rows, columns = row[inside, None, None] + offsets[:, None], column[inside, None, None] + offsets
    looked = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)   # the square around each point
    on = np.zeros(len(xy), dtype=bool)
    on[inside] = (mask[rows.clip(0, height - 1), columns.clip(0, width - 1)] & looked).any(axis=(1, 2))
    if not on.any() or on.sum() < MIN_ON_INK * inside.sum():
        return None
    # runs: stretches of points on the ink within one stroke
    breaks = np.flatnonzero((np.diff(on.astype(np.int8)) != 0) | (np.diff(stroke) != 0)) + 1
    starts, ends = np.concatenate([[0], breaks]), np.concatenate([breaks, [len(xy)]])
    kept = on[starts]
    if kept.sum() > 1:   # a neighbour's stroke grazing this piece's edge is not part of it
        along = arc_length(xy)   # across pen lifts too, but a run lies within one stroke
        long_enough = along[ends - 1] - along[starts] > 2 * ON_INK
        if (kept & long_enough).any():
            kept &= long_enough
    runs = [xy[a:b] for a, b in zip(starts[kept], ends[kept])]
    points = xy[np.repeat(kept, ends - starts)]
    span = points.max(axis=0) - points.min(axis=0)
    longer = int(np.argmax([right - left, bottom - top]))
    if span[longer] + 2 * ON_INK < MIN_SPAN * (right - left, bottom - top)[longer]:
        return None
    return runs
