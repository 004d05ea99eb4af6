"""Split a drawing of a whole number into its digits, left to right.

Ink components (connected strokes) are grouped into digit candidates: a component that
lies mostly above or below another one, such as the detached bar of a 4, 5 or 7, joins
it; components side by side stay apart, and a fragment far shorter and lighter than the
digits around it (a bar drawn off to the side) joins its nearest neighbour. A candidate
wider than a digit, where digits touch, may be cut: geometry proposes the columns and,
when a `judge` is given, the model chooses among them (see _cut_touching).

When the pen strokes are known (the page posts them beside its bitmap), a candidate whose
strokes stand side by side, such as a 1 written touching the 8 after it, is first split
along them: each ink pixel goes with the stroke whose centre line is nearest, so touching
or slightly overlapping digits come apart whole (see _split_by_strokes).
Pure numpy/SciPy/Pillow, like preprocess; the judge is passed in, so no model lives here.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from webapp.preprocess import bounding_box, ink_mask, stroke_width

OVERLAP_TO_JOIN = 0.5    # share of the narrower one's width two components must overlap in x
NOISE_AREA = 0.03        # components with less of the ink than this ...
NOISE_HEIGHT = 0.2       # ... and lower than this share of the tallest one are specks
FRAGMENT_HEIGHT = 0.6    # a candidate less tall than this share of the digits' height, ...
FRAGMENT_INK = 0.4       # ... with less ink than this share of the inkiest one's ...
FRAGMENT_GAP = 0.3       # ... and nearer than this share of the height to another is part of a digit
WIDE = 1.0               # a candidate wider than this x the digits' height may hold two digits
CUT_WIDTHS = 3.0         # a clear cut column holds at most this many stroke widths of ink
MIN_STROKES_HIGH = 2.5   # digits are at least this many stroke widths tall: a dash is never cut
MAX_DIGITS = 12          # the most pieces one drawing is cut into
MIN_PART = 0.3           # each side of a cut must be at least this share of the height wide ...
MIN_HEIGHT = 0.5         # ... and this share of it tall
CUT_CANDIDATES = 8       # columns the judge is asked about per cut
VERY_WIDE = 1.3          # a candidate this much wider than high, or one the model is unsure of, ...
UNSURE = 0.9             # ... is cut where no clear column is, unless the model reads it better whole,
WHOLE_PENALTY = 0.5      # ... counting its reading whole this much against it
SNUG = 0.75              # in a number, a candidate this wide that the model is unsure of may be two digits
CUT_SURE = 0.98          # a candidate not VERY_WIDE is cut only if its sides' readings multiply to this
CHAIN = 2.0              # a drawing alone this much wider than high is several digits, however it reads
ALONE_PART = 0.6         # a drawing alone is cut at a clear column only with both sides this share of the height wide
STROKE_REACH = 1.0       # ink this many stroke widths (+ 2 px) from every posted stroke's centre line ...
STROKES_EXPLAIN = 0.98   # ... must be rarer than this share, or the strokes are not this drawing's and are ignored
STROKE_ON_INK = 0.5      # a stroke belongs to the candidate holding this share of its centre line
STROKE_SPLIT = 0.5       # strokes side by side are split when their parts read this surely against the whole
MAX_STROKES = 4 * MAX_DIGITS   # beyond this many strokes (hatching, scribbles) ...
MAX_STROKE_POINTS = 20_000     # ... or points, the strokes are not looked at
LINES_MEET = 0.7         # strokes whose centre lines come this many stroke widths close are one digit's


@dataclass
class Piece:
    """One digit candidate: its bounding box in the image and its pixels within that box."""
    box: tuple           # top, left, bottom, right (bottom/right exclusive)
    mask: np.ndarray     # (bottom - top, right - left) booleans

    @property
    def xywh(self):
        top, left, bottom, right = self.box
        return [left, top, right - left, bottom - top]


def split_digits(ink, judge=None, strokes=None):
    """Digit candidates in an ink map, ordered left to right. Empty list for no ink.

    `judge`, if given, takes a list of Pieces and returns how confidently each reads as
    a digit (an array of numbers in [0, 1]); it decides where touching digits are cut.
    `strokes`, if given, are the pen strokes that drew the ink, in its pixels and in the
    order drawn: polylines [(x, y), ...]; they are ignored if they do not cover the ink.
    """
    mask = ink_mask(ink)
    box = bounding_box(mask)
    if box is None:
        return []
    top, left, bottom, right = box
    mask = mask[top:bottom, left:right]   # all the work happens inside the ink's box
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 1:   # one stroke, the commonest drawing: it fills the box, its area is all the ink
        slices, areas = [(slice(0, mask.shape[0]), slice(0, mask.shape[1]))], np.array([np.count_nonzero(mask)])
    else:
        slices = ndimage.find_objects(labels)
        areas = np.bincount(labels.ravel())[1:]
    tallest = max(s[0].stop - s[0].start for s in slices)
    components = [i for i, s in enumerate(slices)
                  if not (areas[i] < NOISE_AREA * areas.sum() and s[0].stop - s[0].start < NOISE_HEIGHT * tallest)]
    groups = _join_fragments(_group_by_columns(components, slices), slices, areas)
    if len(groups) == 1 and len(components) == count:
        masks = [mask]
    else:
        masks = [np.isin(labels, [i + 1 for i in group]) for group in groups]
    boxes = [bounding_box(m) for m in masks]
    height = max(b[2] - b[0] for b in boxes)   # the digits' height: the tallest candidate's

    def piece(part):
        t, l, btm, r = bounding_box(part)
        return Piece((top + t, left + l, top + btm, left + r), part[t:btm, l:r])

    def confidence(parts):
        return np.asarray(judge([piece(p) for p in parts]), dtype=float)

    width = None   # the brush's width, measured when first needed
    if (strokes and len(strokes) <= MAX_STROKES and sum(map(len, strokes)) <= MAX_STROKE_POINTS
            and _side_by_side(strokes)):   # as where digits touch
        width = stroke_width(mask)
        lines = _stroke_lines(mask, strokes, left, top, width)
        if lines is not None:
            split, lengths = [], np.bincount(lines.ravel())
            for k, m in enumerate(masks):
                parts = _split_by_strokes(m, lines, lengths, height, confidence if judge else None)
                fits = parts is not None and len(split) + len(parts) + len(masks) - k - 1 <= MAX_DIGITS
                split += parts if fits else [m]
            if len(split) > len(masks):
                masks, boxes = split, [bounding_box(m) for m in split]
    wide = [b[3] - b[1] > WIDE * height for b in boxes]
    # in a number, narrower candidates may be two digits overlapping in x: the model decides
    snug = [judge is not None and len(masks) > 1 and not w and b[3] - b[1] > SNUG * height
            for b, w in zip(boxes, wide)]
    if width is None and (any(wide) or any(snug)):   # needed only to cut touching digits
        width = stroke_width(mask)
    if width is not None and height < MIN_STROKES_HIGH * width:
        wide = snug = [False] * len(wide)   # a dash or a line: nothing digit-tall to cut it into

    pieces = []
    room = [MAX_DIGITS - len(masks)]   # cuts left: each adds one piece
    for piece_mask, is_wide, is_snug in zip(masks, wide, snug):
        parts = (_cut_touching(piece_mask, width, height, confidence if judge else None, len(masks) == 1, room,
                               is_snug) if is_wide or is_snug else [piece_mask])
        pieces += [piece(part) for part in parts]
    return sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2)


def _side_by_side(strokes):
    """Whether any strokes stand side by side (a quick look at their points' columns,
    before any pixel work): a digit drawn in one stroke, or in strokes over one another,
    has nothing for the strokes to tell."""
    columns = [np.asarray(stroke, dtype=float)[:, 0] for stroke in strokes]
    slices = [(slice(0, 1), slice(int(np.floor(x.min())), int(np.floor(x.max())) + 1)) for x in columns]
    return len(_group_by_columns(list(range(len(strokes))), slices)) > 1


def _stroke_lines(mask, strokes, left, top, width):
    """The strokes' centre lines drawn one pixel wide into the ink's box: an int array,
    k + 1 where stroke k passes, 0 elsewhere. None when the strokes do not explain the
    ink (much of it lies far from every line, given its stroke `width`): they are then
    not this drawing's."""
    rows, columns = mask.shape
    canvas = Image.new("I", (columns, rows), 0)
    draw = ImageDraw.Draw(canvas)
    for k, stroke in enumerate(strokes):   # canvas pixel i spans [i, i + 1); Pillow rounds down alike
        points = np.asarray(stroke, dtype=float).reshape(-1, 2) - (left, top)
        if len(points) == 1:
            points = np.concatenate([points, points])
        if points.min() >= 0 and np.all(points.max(axis=0) <= (columns, rows)):   # the usual case: all in the box
            draw.line(points.ravel().tolist(), fill=k + 1, width=1)
            continue
        for a, b in _clipped_segments(points[:-1], points[1:], columns, rows):
            draw.line([tuple(a), tuple(b)], fill=k + 1, width=1)
    lines = np.asarray(canvas)
    if not lines.any():
        return None
    distance = ndimage.distance_transform_edt(lines == 0)
    reach = STROKE_REACH * width + 2
    if np.count_nonzero(distance[mask] > reach) > (1 - STROKES_EXPLAIN) * np.count_nonzero(mask):
        return None
    return lines


def _clipped_segments(starts, ends, width, height):
    """The parts of the segments start -> end that lie in the box [0, width] x [0, height]
    (Liang-Barsky): a line that leaves the box is not drawn on into the distance."""
    delta = ends - starts
    low, high = np.zeros(len(starts)), np.ones(len(starts))
    keep = np.ones(len(starts), dtype=bool)
    for axis, side in ((0, width), (1, height)):
        d, p = delta[:, axis], starts[:, axis]
        for q, sign in ((p, -1.0), (side - p, 1.0)):   # inside: sign * d * t <= q
            flat = d == 0
            keep &= ~(flat & (q < 0))
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(flat, 0.0, q / (sign * d))
            entering = ~flat & (sign * d < 0)
            leaving = ~flat & (sign * d > 0)
            low = np.where(entering, np.maximum(low, t), low)
            high = np.where(leaving, np.minimum(high, t), high)
    keep &= low <= high
    return zip(starts[keep] + low[keep, None] * delta[keep], starts[keep] + high[keep, None] * delta[keep])


def _split_by_strokes(mask, lines, lengths, height, confidence=None):
    """A candidate's parts along its strokes, or None to leave it whole.

    The strokes whose centre lines lie on this candidate are grouped as ink components
    are (overlapping columns join, a short light fragment joins its neighbour), and
    groups whose lines meet are joined (see _join_meeting); each ink pixel goes with the
    stroke whose line is nearest. Two or more groups side by side are split apart if
    every part is digit-tall and, given `confidence`, the parts read at least STROKE_SPLIT
    times as surely (their confidences multiplied) as the whole. `lengths`[k] is how many
    pixels of `lines` hold k."""
    top, left, bottom, right = bounding_box(mask)
    box = (slice(top, bottom), slice(left, right))   # the work happens in the candidate's box
    on_ink = np.where(mask[box], lines[box], 0)
    inside = np.bincount(on_ink.ravel(), minlength=len(lengths))
    ids = [k for k in range(1, len(lengths)) if lengths[k] and inside[k] >= STROKE_ON_INK * lengths[k]]
    if len(ids) < 2:
        return None
    own = np.where(np.isin(on_ink, ids), on_ink, 0)
    _, (rows, cols) = ndimage.distance_transform_edt(own == 0, return_indices=True)
    owner = np.where(mask[box], own[rows, cols], 0)
    slices = ndimage.find_objects(owner)
    units = [k - 1 for k in ids if slices[k - 1] is not None]
    areas = np.bincount(owner.ravel(), minlength=len(slices) + 1)[1:]
    groups = _join_fragments(_group_by_columns(units, slices), slices, areas)
    if len(groups) > 1:
        groups = _join_meeting(groups, own, LINES_MEET * stroke_width(mask[box]))
    if len(groups) < 2:
        return None
    parts = []
    for group in groups:
        part = np.zeros_like(mask)
        part[box] = np.isin(owner, [k + 1 for k in group])
        parts.append(part)
    if any(b[2] - b[0] < MIN_HEIGHT * height for b in map(bounding_box, parts)):
        return None
    if confidence is not None:
        whole, *sides = confidence([mask, *parts])
        if np.prod(sides) < STROKE_SPLIT * whole:
            return None
    return parts


def _join_meeting(groups, lines, reach):
    """Join groups of strokes whose centre lines come within `reach` pixels of each other:
    the strokes of one digit cross or run into each other (the bar of a 4 through its
    stem, the two halves of a 0), while digits that touch only touch at their ink's edges."""
    drawn = [np.isin(lines, [k + 1 for k in group]) for group in groups]
    near = [ndimage.distance_transform_edt(~d) <= reach for d in drawn]
    joined = _connected(range(len(groups)), lambda a, b: np.any(near[a] & drawn[b]))
    return [[k for g in chain for k in groups[g]] for chain in joined]


def _group_by_columns(components, slices):
    """Union components whose x-ranges overlap by most of the narrower one's width."""
    def overlapping(a, b):
        (a0, a1), (b0, b1) = (slices[a][1].start, slices[a][1].stop), (slices[b][1].start, slices[b][1].stop)
        return min(a1, b1) - max(a0, b0) > OVERLAP_TO_JOIN * min(a1 - a0, b1 - b0)

    return _connected(components, overlapping)


def _connected(items, linked):
    """The items in sets, two items in one set when a chain of linked(a, b) pairs joins
    them; each set in the items' order, the sets in the order of their first items."""
    items = list(items)
    parent = list(range(len(items)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            if root(a) != root(b) and linked(items[a], items[b]):
                parent[root(a)] = root(b)
    sets = {}
    for i, item in enumerate(items):
        sets.setdefault(root(i), []).append(item)
    return list(sets.values())


def _join_fragments(groups, slices, areas):
    """Join each candidate far shorter and lighter than the digits, and close beside one,
    to its nearest neighbour in x: no digit is that small beside its fellows, but a stroke
    of one that does not touch the rest (the bar of a 5, half an 8's loop) is."""
    def extent(group):
        return (min(slices[i][0].start for i in group), max(slices[i][0].stop for i in group),
                min(slices[i][1].start for i in group), max(slices[i][1].stop for i in group))

    groups = [list(g) for g in groups]
    while len(groups) > 1:
        extents = [extent(g) for g in groups]
        ink = [sum(areas[i] for i in g) for g in groups]
        height, typical = max(e[1] - e[0] for e in extents), max(ink)

        def distance(k, j):   # the gap between the two in x (0 if they overlap), then the centres'
            (_, _, x0, x1), (_, _, u0, u1) = extents[k], extents[j]
            return max(u0 - x1, x0 - u1, 0), abs((u0 + u1) - (x0 + x1))

        nearest = [min((j for j in range(len(groups)) if j != k), key=lambda j: distance(k, j))
                   for k in range(len(groups))]
        small = [k for k, e in enumerate(extents)
                 if e[1] - e[0] < FRAGMENT_HEIGHT * height and ink[k] < FRAGMENT_INK * typical
                 and distance(k, nearest[k])[0] <= FRAGMENT_GAP * height]
        if not small:
            break
        k = min(small, key=lambda k: ink[k])
        groups[nearest[k]] += groups[k]
        del groups[k]
    return groups


def _cut_touching(mask, width, height, confidence=None, alone=False, room=None, snug=False):
    """Cut a candidate wide enough to hold two digits, recursively, into at most
    room[0] more pieces.

    Geometry proposes the columns: least ink, weighted by how many strokes a column
    crosses (inside a 0 or an 8 it crosses two). A column that crosses one thin stroke
    is a clear cut (for a drawing `alone`, which may be one wide digit, only where both
    sides are ALONE_PART of the height wide: not the bar of a 4 between its parts); the
    model picks among such columns the one whose two sides it reads most surely. Where
    no cut is clear the candidate is cut only if it is far too wide for one digit or the
    model is unsure of it whole (for a drawing alone: both, unless it is as wide as a
    chain of digits), and only if the best cut's two sides read better than the whole
    counted at WHOLE_PENALTY. A candidate not VERY_WIDE is cut only into two sure digits
    (CUT_SURE): its halves may each look like some digit. A `snug` candidate, one in a
    number that is not wide but at least SNUG, may be two digits overlapping in x: it is
    tried only if the model is unsure of it whole. Without a `confidence` function only
    clear cuts are made. Each cut spends one of room[0]; sides are at least a stroke wide."""
    room = room if room is not None else [MAX_DIGITS]
    top, left, bottom, right = bounding_box(mask)
    span = right - left
    margin = max(int(MIN_PART * height), int(np.ceil(width)))
    if span <= (SNUG if snug else WIDE) * height or span - 2 * margin < 1 or room[0] <= 0:
        return [mask]
    if snug and confidence([mask])[0] >= UNSURE:   # snug candidates come with a judge
        return [mask]   # not wide, and read surely: one digit
    region = mask[top:bottom, left:right]
    ink = region.sum(axis=0)[margin:span - margin]
    runs = (np.count_nonzero(region[1:] & ~region[:-1], axis=0) + region[0])[margin:span - margin]
    clear = (runs <= 1) & (ink <= CUT_WIDTHS * width)

    def splits(cost, part=margin):   # the cheapest columns, as (left, right) masks with both sides digit-tall
        found = []
        cost = cost.copy()
        cost[:max(part - margin, 0)] = np.inf   # each side at least `part` wide
        cost[len(cost) - max(part - margin, 0):] = np.inf
        for column in _cheapest_columns(cost, max(int(width), 1)):
            cut = left + margin + column
            left_mask, right_mask = mask.copy(), mask.copy()
            left_mask[:, cut:] = False
            right_mask[:, :cut] = False
            parts = [bounding_box(left_mask), bounding_box(right_mask)]
            if all(b is not None and b[2] - b[0] >= MIN_HEIGHT * height for b in parts):
                found.append((left_mask, right_mask))
        return found

    def cut_into(best):
        room[0] -= 1
        return [part for side in best for part in _cut_touching(side, width, height, confidence, False, room)]

    if confidence is None:   # geometry alone: cut only where it is clear
        candidates = splits(np.where(clear, ink, np.inf))
        return cut_into(candidates[0]) if candidates else [mask]
    # between other digits a clear column is cut; a drawing alone may be one wide digit, so
    # there only where both sides are digit-wide (not the bar of a 4 between its parts)
    candidates = splits(np.where(clear, ink, np.inf), int(ALONE_PART * height) if alone else margin)
    whole = None   # the model's reading of the candidate whole, when it has a say in cutting
    if not candidates:
        if not (alone and span > CHAIN * height):
            whole = confidence([mask])[0]
            too_wide, unsure = span > VERY_WIDE * height, whole < UNSURE
            if not (too_wide and unsure if alone else too_wide or unsure):
                return [mask]   # it reads well enough as one digit, for how wide it is
        candidates = splits(ink * np.maximum(runs, 1).astype(float))
        if not candidates:
            return [mask]
    scores = confidence([part for pair in candidates for part in pair])
    pairs = scores[0::2] * scores[1::2]
    if whole is not None and pairs.max() <= WHOLE_PENALTY * whole:
        return [mask]
    if span <= VERY_WIDE * height and pairs.max() < CUT_SURE:
        return [mask]   # not so wide that it must be two: cut only into two sure digits
    return cut_into(candidates[int(np.argmax(pairs))])


def _cheapest_columns(cost, spacing):
    """Up to CUT_CANDIDATES columns of least finite cost, at least `spacing` apart."""
    chosen = []
    for column in np.argsort(cost, kind="stable"):
        if not np.isfinite(cost[column]) or len(chosen) == CUT_CANDIDATES:
            break
        if all(abs(int(column) - c) >= spacing for c in chosen):
            chosen.append(int(column))
    return chosen
