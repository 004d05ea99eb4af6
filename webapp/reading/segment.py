"""Split a drawing of a whole number into its digits, left to right.

split_digits takes five steps, each a function below:

1. components: the ink's connected strokes; specks are dropped.
2. groups: components that overlap in x join, so the detached bar of a 4, 5 or 7 stays
   with its digit; a short, light fragment close beside a digit joins it.
3. strokes: where the page posted the pen strokes, a group whose strokes stand side by
   side (a 1 written touching the 8 after it) is split along them: each ink pixel goes
   with the stroke whose centre line is nearest, so touching digits come apart whole.
4. cuts: a group wider than a digit, where digits touch and no strokes told them apart,
   is cut; geometry proposes the columns and the model (the `judge`) chooses.
5. rejoining: neighbours that the judge reads as one digit far more surely than as two
   join again (an open 4 in two strokes, a 5 whose bar stands apart).

The rules are the fields of Rules, each with what it measures beside it. Pure
numpy/SciPy/Pillow, like preprocess; the judge is passed in, so no model lives here.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from webapp.reading.preprocess import PreprocessError, bounding_box, ink_mask, stroke_width


class TooManyMarks(PreprocessError):
    """More separate marks than any writing has: noise, hatching or a crafted image."""


@dataclass(frozen=True)
class Rules:
    """Heights and widths are shares of the digits' height (the tallest group's) unless
    they say stroke widths (the brush's width, measured on the ink)."""

    # 1. components
    speck_ink: float = 0.03         # a component with less than this share of all the ink ...
    speck_height: float = 0.2       # ... and lower than this share of the tallest component is a speck
    # More marks than this (components that are not specks) is not writing: numbers of up
    # to six digits, drawn on the page, hold at most 18. A bound on the work of grouping.
    max_marks: int = 64

    # 2. groups
    overlap_to_join: float = 0.5    # components overlapping in x by this share of the narrower one's width join
    fragment_height: float = 0.6    # a group lower than this, ...
    fragment_ink: float = 0.4       # ... with less ink than this share of the inkiest group's ...
    fragment_gap: float = 0.3       # ... and this close to another in x is a stroke of that digit

    # 3. strokes. Beyond max_strokes or max_stroke_points (hatching, scribbles) the strokes
    # are not looked at; nor where they do not cover the ink (they are not this drawing's).
    max_strokes: int = 48
    max_stroke_points: int = 20_000
    stroke_reach: float = 1.0       # ink farther than this many stroke widths (+ 2 px) from every stroke ...
    strokes_explain: float = 0.98   # ... must be rarer than 1 - this share of the ink, or the strokes are ignored
    stroke_on_ink: float = 0.5      # a stroke belongs to the group holding this share of its centre line
    # Strokes whose centre lines come this many stroke widths close are one digit's: the
    # strokes of one digit cross or run into each other (the halves of a 0, the bar of a
    # 4 through its stem); touching digits meet only at the edges of their ink.
    lines_meet: float = 0.7
    # Side-by-side strokes are split when their parts, multiplied, read at least this
    # share as surely as the whole: a digit drawn in strokes side by side stays whole.
    stroke_split: float = 0.5

    # 4. cuts
    max_digits: int = 12            # the most pieces one drawing ends in
    wide: float = 1.0               # a group wider than this may hold two digits
    snug: float = 0.75              # in a number, a group this wide that the model is unsure of may be two overlapping in x
    very_wide: float = 1.3          # a group narrower than this is cut only into two sure digits (cut_sure) ...
    cut_sure: float = 0.98          # ... whose confidences multiply to this: a broad 0, a 4 whose strokes do not meet stay whole
    chain: float = 2.0              # a drawing alone this wide is several digits however it reads
    min_strokes_high: float = 2.5   # digits are at least this many stroke widths tall: a dash is never cut
    clear_cut_ink: float = 3.0      # a column crossing one stroke with at most this many stroke widths of ink is a clear cut
    min_part_width: float = 0.3     # each side of a cut is at least this wide (and a stroke width) ...
    min_part_height: float = 0.5    # ... and this tall (also each part split along strokes)
    alone_part_width: float = 0.6   # a drawing alone is cut at a clear column only with both sides this wide
    cut_candidates: int = 8         # columns the model is asked about per cut
    # Pieces the model may be asked about for one drawing: numbers of up to six digits ask
    # about at most 20 (750 drawings, bench/readings.py). A bound on the work of cutting.
    max_readings: int = 40
    # 5. rejoining: neighbours this close in x (share of the height; below 0, they overlap) ...
    rejoin_gap: float = 0.05
    rejoin_sure: float = 0.95       # ... that read together at least this surely, and surer than apart, are one digit
    unsure: float = 0.9             # below this confidence whole, a group without a clear column may be cut ...
    whole_penalty: float = 0.5      # ... if its best cut's sides read better than this share of the whole


RULES = Rules()


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

    def confidence(parts):
        return np.asarray(judge([_piece(part, top, left) for part in parts]), dtype=float)

    confidence = confidence if judge else None
    groups = _groups(mask)                                             # steps 1 and 2
    separate = groups   # the marks apart on the page: only these may be rejoined (step 5)
    height = max(b[2] - b[0] for b in map(bounding_box, groups))       # the digits' height
    width = None   # the brush's stroke width, measured when first needed
    if _strokes_worth_reading(strokes):                                # step 3
        width = stroke_width(mask)
        groups = _split_along_strokes(groups, mask, strokes, (left, top), width, height, confidence)
    parts = _cut_where_touching(groups, mask, width, height, confidence)   # step 4
    if confidence is not None:                                          # step 5
        parts = _rejoin(sorted(parts, key=lambda m: _middle(bounding_box(m))), separate, height, confidence)
    return sorted((_piece(part, top, left) for part in parts), key=lambda p: (p.box[1] + p.box[3]) / 2)


def _middle(box):
    return (box[1] + box[3]) / 2


def _rejoin(parts, separate, height, confidence):
    """Neighbours that read as one digit far better than as two joined again: the strokes
    of an open 4 or a 5 whose bar stands apart, which no geometry ties together. Two
    pieces of different `separate` marks (never two that steps 3 and 4 cut apart), within
    rejoin_gap of each other in x, are one digit when, together, the model reads them at
    rejoin_sure or more and more surely than the two pieces' confidences multiplied."""
    if len(separate) < 2:
        return parts
    def mark(part):
        row, column = np.argwhere(part)[0]
        return next(g for g, m in enumerate(separate) if m[row, column])
    marks = [mark(m) for m in parts]
    while len(parts) > 1:
        boxes = [bounding_box(m) for m in parts]
        near = [k for k in range(len(parts) - 1) if marks[k] != marks[k + 1]
                and boxes[k + 1][1] - boxes[k][3] <= RULES.rejoin_gap * height]
        if not near:
            return parts
        joined = [parts[k] | parts[k + 1] for k in near]
        scores = confidence([*joined, *(parts[k] for k in near), *(parts[k + 1] for k in near)])
        together, first, second = np.split(scores, 3)
        gain = np.where(together >= RULES.rejoin_sure, together - first * second, 0.0)
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            return parts
        k = near[best]
        parts = [*parts[:k], joined[best], *parts[k + 2:]]
        marks = [*marks[:k], marks[k], *marks[k + 2:]]
    return parts


def _piece(part, top, left):
    """A mask in the ink's box -> the Piece it is in the image."""
    t, l, b, r = bounding_box(part)
    return Piece((top + t, left + l, top + b, left + r), part[t:b, l:r])


# ---------------------------------------------------------------- 1 and 2: components, groups
def _groups(mask):
    """The ink's components without specks, grouped into digit candidates: their masks.
    Raises TooManyMarks beyond max_marks."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 1:   # one stroke, the commonest drawing: it fills the box, its area is all the ink
        slices, areas = [(slice(0, mask.shape[0]), slice(0, mask.shape[1]))], np.array([np.count_nonzero(mask)])
        kept = [0]
    else:
        areas = np.bincount(labels.ravel())[1:]
        heights = _heights(labels, count)
        speck = (areas < RULES.speck_ink * areas.sum()) & (heights < RULES.speck_height * heights.max())
        kept = np.flatnonzero(~speck).tolist()
        if len(kept) > RULES.max_marks:
            raise TooManyMarks(f"too many separate marks to read ({len(kept):,}; a drawing of digits "
                               f"has at most {RULES.max_marks})")
        slices = ndimage.find_objects(labels)
    groups = _join_fragments(_group_by_columns(kept, slices), slices, areas)
    if len(groups) == 1 and len(kept) == count:
        return [mask]
    group_of = np.zeros(count + 1, dtype=np.int32)   # each label's group + 1; 0 for the background and specks
    for g, group in enumerate(groups):
        group_of[np.asarray(group) + 1] = g + 1
    grouped = group_of[labels]
    return [grouped == g + 1 for g in range(len(groups))]


def _heights(labels, count):
    """Each label's height in rows (labels 1..count, each present), from a sort of the
    ink's pixels by label: no loop over the labels, however many there are."""
    rows, columns = np.nonzero(labels)   # row by row, so rows ascend within each label below
    label = labels[rows, columns]
    order = np.argsort(label, kind="stable")
    rows, label = rows[order], label[order]
    ids = np.arange(1, count + 1)
    first, last = np.searchsorted(label, ids), np.searchsorted(label, ids, side="right") - 1
    return rows[last] - rows[first] + 1


def _group_by_columns(components, slices):
    """Union components whose x-ranges overlap by most of the narrower one's width."""
    def overlapping(a, b):
        (a0, a1), (b0, b1) = (slices[a][1].start, slices[a][1].stop), (slices[b][1].start, slices[b][1].stop)
        return min(a1, b1) - max(a0, b0) > RULES.overlap_to_join * min(a1 - a0, b1 - b0)

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
    """Join each group far shorter and lighter than the digits, and close beside one, to
    its nearest neighbour in x: no digit is that small beside its fellows, but a stroke of
    one that does not touch the rest (the bar of a 5, half an 8's loop) is. The lightest
    such fragment is joined first, then the rest are looked at again."""
    groups = [list(g) for g in groups]
    # each group's top, bottom, left and right, and its ink: kept up to date as groups join
    extents = np.array([(min(slices[i][0].start for i in g), max(slices[i][0].stop for i in g),
                         min(slices[i][1].start for i in g), max(slices[i][1].stop for i in g)) for g in groups],
                       dtype=np.int64).reshape(-1, 4)
    ink = np.array([sum(areas[i] for i in g) for g in groups], dtype=np.int64)
    while len(groups) > 1:
        fragment = _lightest_fragment(extents, ink)
        if fragment is None:
            break
        k, neighbour = fragment
        groups[neighbour] += groups[k]
        extents[neighbour] = (min(extents[neighbour, 0], extents[k, 0]), max(extents[neighbour, 1], extents[k, 1]),
                              min(extents[neighbour, 2], extents[k, 2]), max(extents[neighbour, 3], extents[k, 3]))
        ink[neighbour] += ink[k]
        del groups[k]
        extents, ink = np.delete(extents, k, axis=0), np.delete(ink, k)
    return groups


def _lightest_fragment(extents, ink):
    """(the lightest group that is a fragment, its nearest neighbour in x), or None; ties
    go to the group listed first. Groups are rows of `extents` (top, bottom, left, right)
    with their `ink`; all pairs are compared at once."""
    heights = extents[:, 1] - extents[:, 0]
    height, typical = heights.max(), ink.max()
    left, right = extents[:, 2], extents[:, 3]
    # the gap between two groups in x (0 if they overlap), then the distance between their centres
    gap = np.maximum(np.maximum(left[None, :] - right[:, None], left[:, None] - right[None, :]), 0)
    centres = left + right
    apart = np.abs(centres[None, :] - centres[:, None])
    distance = gap * (apart.max() + 1) + apart   # ordered as the pair (gap, apart)
    np.fill_diagonal(distance, np.iinfo(np.int64).max)
    nearest = distance.argmin(axis=1)   # the first of equals, as min() takes it
    rows = np.arange(len(ink))
    small = np.flatnonzero((heights < RULES.fragment_height * height) & (ink < RULES.fragment_ink * typical)
                           & (gap[rows, nearest] <= RULES.fragment_gap * height))
    if small.size == 0:
        return None
    k = int(small[np.argmin(ink[small])])
    return k, int(nearest[k])


# ---------------------------------------------------------------- 3: strokes
def _strokes_worth_reading(strokes):
    """Whether there are strokes, not too many to look at, and some of them side by side."""
    return bool(strokes and len(strokes) <= RULES.max_strokes
                and sum(map(len, strokes)) <= RULES.max_stroke_points and _side_by_side(strokes))


def _side_by_side(strokes):
    """Whether any strokes stand side by side (a quick look at their points' columns,
    before any pixel work): a digit drawn in one stroke, or in strokes over one another,
    has nothing for the strokes to tell."""
    columns = [np.asarray(stroke, dtype=float)[:, 0] for stroke in strokes]
    slices = [(slice(0, 1), slice(int(np.floor(x.min())), int(np.floor(x.max())) + 1)) for x in columns]
    return len(_group_by_columns(list(range(len(strokes))), slices)) > 1


def _split_along_strokes(groups, mask, strokes, origin, width, height, confidence):
    """Each group split along its strokes where they stand side by side (see
    _split_by_strokes), as long as the drawing stays within max_digits pieces."""
    lines = _stroke_lines(mask, strokes, *origin, width)
    if lines is None:
        return groups
    split, lengths = [], np.bincount(lines.ravel())
    for k, group in enumerate(groups):
        parts = _split_by_strokes(group, lines, lengths, height, confidence)
        fits = parts is not None and len(split) + len(parts) + len(groups) - k - 1 <= RULES.max_digits
        split += parts if fits else [group]
    return split if len(split) > len(groups) else groups


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
    reach = RULES.stroke_reach * width + 2
    if np.count_nonzero(distance[mask] > reach) > (1 - RULES.strokes_explain) * np.count_nonzero(mask):
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
    """A group's parts along its strokes, or None to leave it whole.

    The strokes whose centre lines lie on this group are grouped as ink components are
    (overlapping columns join, a short light fragment joins its neighbour), and groups
    whose lines meet are joined (see _join_meeting); each ink pixel goes with the stroke
    whose line is nearest. Two or more side by side are split apart if every part is at
    least min_part_height tall and, given `confidence`, the parts read at least
    stroke_split times as surely (their confidences multiplied) as the whole.
    `lengths`[k] is how many pixels of `lines` hold k."""
    top, left, bottom, right = bounding_box(mask)
    box = (slice(top, bottom), slice(left, right))   # the work happens in the group's box
    on_ink = np.where(mask[box], lines[box], 0)
    inside = np.bincount(on_ink.ravel(), minlength=len(lengths))
    ids = [k for k in range(1, len(lengths)) if lengths[k] and inside[k] >= RULES.stroke_on_ink * lengths[k]]
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
        groups = _join_meeting(groups, own, RULES.lines_meet * stroke_width(mask[box]))
    if len(groups) < 2:
        return None
    parts = []
    for group in groups:
        part = np.zeros_like(mask)
        part[box] = np.isin(owner, [k + 1 for k in group])
        parts.append(part)
    if any(b[2] - b[0] < RULES.min_part_height * height for b in map(bounding_box, parts)):
        return None
    if confidence is not None:
        whole, *sides = confidence([mask, *parts])
        if np.prod(sides) < RULES.stroke_split * whole:
            return None
    return parts


def _join_meeting(groups, lines, reach):
    """Join groups of strokes whose centre lines come within `reach` pixels of each other."""
    drawn = [np.isin(lines, [k + 1 for k in group]) for group in groups]
    near = [ndimage.distance_transform_edt(~d) <= reach for d in drawn]
    joined = _connected(range(len(groups)), lambda a, b: np.any(near[a] & drawn[b]))
    return [[k for g in chain for k in groups[g]] for chain in joined]


# ---------------------------------------------------------------- 4: cuts
def _cut_where_touching(groups, mask, width, height, confidence):
    """Each group that may hold touching digits cut into them (see _cut_touching): a wide
    one, or in a number, given a judge, a snug one. Nothing is cut in a dash or a line,
    nor past max_digits pieces."""
    spans = [b[3] - b[1] for b in map(bounding_box, groups)]
    wide = [span > RULES.wide * height for span in spans]
    snug = [confidence is not None and len(groups) > 1 and not w and span > RULES.snug * height
            for span, w in zip(spans, wide)]
    if not (any(wide) or any(snug)):
        return groups
    width = stroke_width(mask) if width is None else width
    if height < RULES.min_strokes_high * width:
        return groups   # a dash or a line: nothing digit-tall to cut it into
    parts, room = [], RULES.max_digits - len(groups)   # room: cuts left, each adds one piece
    for group, is_wide, is_snug in zip(groups, wide, snug):
        pieces = [group]
        if is_wide or is_snug:
            pieces = _cut_touching(group, width, height, confidence, len(groups) == 1, room, is_snug)
            room -= len(pieces) - 1
        parts += pieces
    return parts


def _cut_touching(mask, width, height, confidence, alone, room, snug=False):
    """A group wide enough to hold two digits, cut recursively into at most `room` + 1 pieces.

    Geometry proposes the columns: least ink, weighted by how many strokes a column
    crosses (inside a 0 or an 8 it crosses two). A column that crosses one thin stroke is
    a clear cut (for a drawing `alone`, which may be one wide digit, only where both sides
    are alone_part_width wide: not the bar of a 4 between its parts); the model picks
    among them the one whose two sides it reads most surely. Where no cut is clear, the
    group is cut only if it may hold two digits (see _may_hold_two) and the best cut's
    sides read better than the whole counted at whole_penalty. A group not very_wide is
    cut only into two sure digits (cut_sure): its halves may each look like some digit.
    A `snug` group is tried only if the model is unsure of it whole. Without a
    `confidence` function only clear cuts are made. Sides are at least a stroke wide."""
    top, left, bottom, right = bounding_box(mask)
    span = right - left
    margin = max(int(RULES.min_part_width * height), int(np.ceil(width)))
    if span <= (RULES.snug if snug else RULES.wide) * height or span - 2 * margin < 1 or room <= 0:
        return [mask]
    if snug and confidence([mask])[0] >= RULES.unsure:   # snug groups come with a judge
        return [mask]   # not wide, and read surely: one digit
    region = mask[top:bottom, left:right]
    ink = region.sum(axis=0)[margin:span - margin]
    runs = (np.count_nonzero(region[1:] & ~region[:-1], axis=0) + region[0])[margin:span - margin]
    cuts = _Cuts(mask, left, margin, width, height)
    clear = np.where((runs <= 1) & (ink <= RULES.clear_cut_ink * width), ink, np.inf)
    if confidence is None:   # geometry alone: cut only where it is clear
        best = next(iter(cuts.at(clear)), None)
    else:
        best = _best_cut(cuts, clear, ink * np.maximum(runs, 1).astype(float), mask, span, height, confidence, alone)
    if best is None:
        return [mask]
    parts, room = [], room - 1   # this cut spends one
    for side in best:
        pieces = _cut_touching(side, width, height, confidence, False, room)
        room -= len(pieces) - 1
        parts += pieces
    return parts


def _best_cut(cuts, clear, crossing, mask, span, height, confidence, alone):
    """The (left, right) masks of the cut the model reads best, or None to leave the
    group whole: a clear column if there is one, else the column of least `crossing` ink."""
    candidates = cuts.at(clear, int(RULES.alone_part_width * height) if alone else None)
    whole = None   # the model's reading of the group whole, when it has a say in cutting
    if not candidates:
        if not (alone and span > RULES.chain * height):
            whole = confidence([mask])[0]
            if not _may_hold_two(span, height, whole, alone):
                return None   # it reads well enough as one digit, for how wide it is
        candidates = cuts.at(crossing)
        if not candidates:
            return None
    scores = confidence([part for pair in candidates for part in pair])
    pairs = scores[0::2] * scores[1::2]
    if whole is not None and pairs.max() <= RULES.whole_penalty * whole:
        return None
    if span <= RULES.very_wide * height and pairs.max() < RULES.cut_sure:
        return None   # not so wide that it must be two: cut only into two sure digits
    return candidates[int(np.argmax(pairs))]


def _may_hold_two(span, height, whole, alone):
    """Whether a group without a clear column may still be two digits: too wide for one
    (very_wide) or read unsurely whole (unsure); a drawing alone, which may be one wide
    digit, must be both."""
    too_wide, unsure = span > RULES.very_wide * height, whole < RULES.unsure
    if alone:
        return too_wide and unsure
    return too_wide or unsure


class _Cuts:
    """Where one group may be cut: columns at least `margin` from its edges, each cut
    leaving two sides at least min_part_height tall."""

    def __init__(self, mask, left, margin, width, height):
        self.mask, self.left, self.margin, self.width, self.height = mask, left, margin, width, height

    def at(self, cost, part=None):
        """(left, right) masks at the cheapest columns of `cost` (one per column inside the
        margins), with each side at least `part` wide (default: the margin)."""
        edge = max((self.margin if part is None else part) - self.margin, 0)
        cost = cost.copy()
        cost[:edge] = np.inf
        cost[len(cost) - edge:] = np.inf
        found = []
        for column in _cheapest_columns(cost, max(int(self.width), 1)):
            cut = self.left + self.margin + column
            left_mask, right_mask = self.mask.copy(), self.mask.copy()
            left_mask[:, cut:] = False
            right_mask[:, :cut] = False
            boxes = [bounding_box(left_mask), bounding_box(right_mask)]
            if all(b is not None and b[2] - b[0] >= RULES.min_part_height * self.height for b in boxes):
                found.append((left_mask, right_mask))
        return found


def _cheapest_columns(cost, spacing):
    """Up to cut_candidates columns of least finite cost, at least `spacing` apart."""
    chosen = []
    for column in np.argsort(cost, kind="stable"):
        if not np.isfinite(cost[column]) or len(chosen) == RULES.cut_candidates:
            break
        if all(abs(int(column) - c) >= spacing for c in chosen):
            chosen.append(int(column))
    return chosen
