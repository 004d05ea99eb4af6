"""How the world writes digits: the ways people differ from the few training writers,
as changes to a digit's pen strokes (arrays (n, 2) of x, y, y down, in the order drawn).

Sixteen writers on one tablet show few of the ways people order and direct their strokes,
where their pen lands and lifts, how steady their hand is, and which styles their country
teaches (a barred 7, a flagged 1, a slashed 0). The path networks (the stroke reader, the
strokes gate) and the pixel gate learn digits through `as_others_write`, so that "unlike
the training writers" never reads as "not a digit". The non-digits go through
`other_order` and `steadied` alike, so that neither order nor smoothness tells the two
sides apart.
"""

import numpy as np

from webapp.reading.pen_path import arc_length

REVERSE, REORDER, RESTART = 0.15, 0.3, 0.5   # strokes reversed, reordered, closed ones begun elsewhere
LIFT, CORNER = 0.3, 60.0   # digits: the pen lifted at the sharpest corner (degrees) of a stroke this often
STYLES = {7: 0.25, 1: 0.3, 0: 0.15}   # ... and written with a bar, a flag, a slash this often
FLAG = (0.15, 0.8)     # a 1's flag, as a share of its height: a tick to the long upstroke many Europeans write
STEADY, TOLERANCE = 0.3, (0.01, 0.05)   # paths drawn in straight drags this often, within this share of their size


def _size(strokes):
    """The longer side of the strokes' box (never 0): what a change's amounts are shares of."""
    return max(float(np.ptp(np.concatenate(strokes), axis=0).max()), 1e-6)


def other_order(strokes, rng, reverse=REVERSE, reorder=REORDER, restart=RESTART):
    """Strokes as another hand might order them: a stroke now and then drawn the other
    way, the strokes in another order, a closed stroke (an 8, a 0) begun elsewhere along
    it. People differ in these more than in shapes, and 16 writers show few of the ways;
    the non-digits are varied alike, so that order alone never tells the two apart."""
    out = []
    for s in strokes:
        s = np.asarray(s, dtype=np.float64)
        size = _size([s])
        if len(s) > 4 and np.hypot(*(s[-1] - s[0])) < 0.25 * size and rng.random() < restart:
            s = np.roll(s[:-1], -int(rng.integers(len(s) - 1)), axis=0)   # closed: begun elsewhere
            s = np.vstack([s, s[:1]])
        out.append(s[::-1] if rng.random() < reverse else s)
    if len(out) > 1 and rng.random() < reorder:
        out = [out[k] for k in rng.permutation(len(out))]
    return out


def corner(stroke, sharper_than=CORNER, samples=12):
    """The index of a stroke's sharpest turn (a pen often lifts there), None if it has no
    turn sharper than `sharper_than` degrees, looked at over `samples` points evenly along
    it (the shape, not the tremor)."""
    s = np.asarray(stroke, dtype=np.float64)
    along = arc_length(s)
    if len(s) < 5 or along[-1] <= 0:
        return None
    at = np.searchsorted(along, np.linspace(0, along[-1], samples))
    at = np.unique(np.clip(at, 0, len(s) - 1))
    steps = np.diff(s[at], axis=0)
    headings = np.arctan2(steps[:, 1], steps[:, 0])
    turns = np.degrees(np.abs(np.angle(np.exp(1j * np.diff(headings)))))
    if not len(turns) or turns.max() < sharper_than:
        return None
    return int(at[int(np.argmax(turns)) + 1])


def written_otherwise(strokes, label, rng, lift=LIFT, styles=STYLES):
    """A digit's strokes as other people write it: the pen lifted at a stroke's sharpest
    corner now and then (a 7 as a bar and a stem, a 4 in two), and the styles the 16
    writers seldom show: a 7 with a bar across, a 1 with a flag, a 0 with a slash."""
    out = []
    for s in strokes:
        k = corner(s) if rng.random() < lift else None
        out += [s] if k is None or not 0 < k < len(s) - 1 else [s[:k + 1], s[k:]]
    points = np.concatenate(out)
    (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
    height, width = bottom - top, max(right - left, 0.3 * (bottom - top))
    middle = (left + right) / 2
    if label == 7 and rng.random() < styles[7]:     # a bar across the stem, halfway down
        y = top + height * rng.uniform(0.45, 0.6)
        out.append(np.array([[middle - 0.3 * width, y], [middle + 0.3 * width, y]]))
    elif label == 1 and rng.random() < styles[1]:   # a flag up to the top from the left, in one stroke or two
        top_at = int(np.argmin(out[0][:, 1]))
        start = out[0][top_at]
        length = rng.uniform(*FLAG) * height
        angle = np.radians(rng.uniform(25, 65))   # from the vertical
        foot = start + (-np.sin(angle) * length, np.cos(angle) * length)
        flag = foot + np.linspace(0.0, 1.0, 8)[:, None] * (start - foot)
        if rng.random() < 0.5:
            out[0] = np.vstack([flag[:-1], out[0][top_at:]])
        else:
            out.insert(0, flag)
    elif label == 0 and rng.random() < styles[0]:   # a slash through it
        out.append(np.array([[left, bottom], [right, top]]))
    return [np.asarray(s, dtype=np.float64) for s in out]


def simplified(stroke, tolerance):
    """A stroke through fewer of its points, none of the rest further than `tolerance`
    from it (Ramer-Douglas-Peucker): the straight segments a mouse drags, or a hand that
    does not tremble."""
    s = np.asarray(stroke, dtype=np.float64)
    keep = np.zeros(len(s), dtype=bool)
    keep[[0, -1]] = True
    spans = [(0, len(s) - 1)]
    while spans:
        a, b = spans.pop()
        if b - a < 2:
            continue
        d = s[b] - s[a]
        off = s[a + 1:b] - s[a]
        length = np.hypot(*d)
        far = np.abs(d[0] * off[:, 1] - d[1] * off[:, 0]) / length if length > 0 else np.hypot(*off.T)
        k = int(np.argmax(far))
        if far[k] > tolerance:
            keep[a + 1 + k] = True
            spans += [(a, a + 1 + k), (a + 1 + k, b)]
    return s[keep]


def steadied(strokes, rng, share=STEADY, tolerance=TOLERANCE):
    """The strokes, `share` of the time, as drawn by a steady hand or a mouse in straight
    drags: each simplified to within a `tolerance` share of the drawing's size. Digits and
    non-digits alike: how smooth a path is tells neither side."""
    if rng.random() >= share:
        return strokes
    size = _size(strokes)
    return [simplified(s, rng.uniform(*tolerance) * size) for s in strokes]


HOOK = (0.04, 0.12)    # a hook where the pen lands or lifts, as a share of the digit's size ...
HOOKED = 0.3           # ... at each end of each stroke this often
TREMOR = (0.002, 0.012)   # a trembling hand: a smooth wander of up to this share of the size ...
TREMBLING = 0.3        # ... this often
UPWARD = 0.3           # a one-stroke 1 (or any lone straight stroke) drawn from the bottom up this often


def hooked(strokes, rng, share=HOOKED, length=HOOK):
    """Strokes with a short hook now and then where the pen lands or lifts: the flick a
    hand makes before the pen settles, or as it leaves the paper."""
    size = _size(strokes)
    out = []
    for s in strokes:
        s = np.asarray(s, dtype=np.float64)
        if len(s) < 2:
            out.append(s)
            continue
        for end in (0, -1):
            if rng.random() >= share:
                continue
            inward = s[1] - s[0] if end == 0 else s[-2] - s[-1]
            heading = np.arctan2(inward[1], inward[0]) + np.radians(rng.choice([-1, 1]) * rng.uniform(100, 160))
            tip = (s[end] + rng.uniform(*length) * size * np.array([np.cos(heading), np.sin(heading)]))
            hook = s[end] + np.linspace(0.0, 1.0, 4)[1:, None] * (tip - s[end])
            s = np.vstack([hook[::-1], s]) if end == 0 else np.vstack([s, hook])
        out.append(s)
    return out


def trembling(strokes, rng, share=TREMBLING, amount=TREMOR):
    """The strokes, `share` of the time, as a trembling hand draws them: each point moved
    by a smooth random wander of up to `amount` of the drawing's size."""
    if rng.random() >= share:
        return strokes
    size = _size(strokes)
    scale = rng.uniform(*amount) * size
    out = []
    for s in strokes:
        s = np.asarray(s, dtype=np.float64)
        wander = np.cumsum(rng.normal(0.0, 1.0, s.shape), axis=0)
        wander -= wander[:1]
        wander -= np.linspace(0.0, 1.0, len(s))[:, None] * wander[-1:]   # the ends stay where they were
        out.append(s + scale * wander / max(float(np.abs(wander).max()), 1e-6))
    return out


def upward(strokes, rng, share=UPWARD):
    """A lone stroke drawn the other way `share` of the time: a 1 from its foot up."""
    if len(strokes) == 1 and rng.random() < share:
        return [np.asarray(strokes[0], dtype=np.float64)[::-1]]
    return strokes


def as_others_write(strokes, label, rng):
    """A digit's strokes as someone else might write it: another style or a pen lifted at
    a corner (written_otherwise), another order and direction (other_order, upward),
    hooks where the pen lands and lifts, a trembling or a steady hand. The label stays."""
    strokes = written_otherwise(strokes, label, rng)
    strokes = upward(other_order(strokes, rng, reverse=2 * REVERSE), rng)
    return steadied(trembling(hooked(strokes, rng), rng), rng)


def mnist_paths(path, count, rng):
    """`count` MNIST training digits as pen paths, traced along their centre lines
    (synth.strokes), each written as someone else might (as_others_write): thousands of
    writers' shapes for the path networks, beside the training writers' own paths.
    Returns (list of strokes, labels); none without `path` or `count`."""
    if not path or not count:
        return [], np.zeros(0, np.int64)
    from training import synth
    with np.load(path) as data:
        x, y = data["x_train"], data["y_train"]
    chosen = rng.choice(len(x), size=min(count, len(x)), replace=False)
    paths, labels = [], []
    for i in chosen:
        strokes = [np.asarray(s, dtype=np.float64) for s in synth.strokes(x[i].astype(np.float32) / 255.0, 200.0)
                   if len(s) > 1]
        if strokes:
            paths.append(as_others_write(strokes, int(y[i]), rng))
            labels.append(int(y[i]))
    return paths, np.array(labels, dtype=np.int64)
