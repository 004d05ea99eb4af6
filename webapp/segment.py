"""Split a drawing of a whole number into its digits, left to right.

Ink components (connected strokes) are grouped into digit candidates: a component that
lies mostly above or below another one, such as the detached bar of a 4, 5 or 7, joins
it; components side by side stay apart. A candidate far wider than a digit, where two
digits touch, is cut at its thinnest column when that column is clearly thin.
Pure numpy/SciPy, like preprocess.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from webapp.preprocess import bounding_box, ink_mask, stroke_width

OVERLAP_TO_JOIN = 0.5    # share of the narrower one's width two components must overlap in x
NOISE_AREA = 0.03        # components with less of the ink than this ...
NOISE_HEIGHT = 0.2       # ... and lower than this share of the tallest one are specks
WIDE = 1.0               # a candidate wider than this x the digits' height may hold two digits
CUT_WIDTHS = 3.0         # a cut column may hold at most this many stroke widths of ink
MIN_PART = 0.3           # each side of a cut must be at least this share of the height wide ...
MIN_HEIGHT = 0.5         # ... and this share of it tall


@dataclass
class Piece:
    """One digit candidate: its bounding box in the image and its pixels within that box."""
    box: tuple           # top, left, bottom, right (bottom/right exclusive)
    mask: np.ndarray     # (bottom - top, right - left) booleans

    @property
    def xywh(self):
        top, left, bottom, right = self.box
        return [left, top, right - left, bottom - top]


def split_digits(ink):
    """Digit candidates in an ink map, ordered left to right. Empty list for no ink."""
    mask = ink_mask(ink)
    box = bounding_box(mask)
    if box is None:
        return []
    top, left, bottom, right = box
    mask = mask[top:bottom, left:right]   # all the work happens inside the ink's box
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    slices = ndimage.find_objects(labels)
    areas = np.bincount(labels.ravel())[1:]
    tallest = max(s[0].stop - s[0].start for s in slices)
    components = [i for i, s in enumerate(slices)
                  if not (areas[i] < NOISE_AREA * areas.sum() and s[0].stop - s[0].start < NOISE_HEIGHT * tallest)]
    groups = _group_by_columns(components, slices)
    if len(groups) == 1 and len(components) == count:
        masks = [mask]
    else:
        masks = [np.isin(labels, [i + 1 for i in group]) for group in groups]
    boxes = [bounding_box(m) for m in masks]
    height = max(b[2] - b[0] for b in boxes)   # the digits' height: the tallest candidate's
    wide = [b[3] - b[1] > WIDE * height for b in boxes]
    width = stroke_width(mask) if any(wide) else None   # needed only to cut touching digits
    pieces = []
    for piece_mask, is_wide in zip(masks, wide):
        for part in _cut_touching(piece_mask, width, height) if is_wide else [piece_mask]:
            t, l, btm, r = bounding_box(part)
            pieces.append(Piece((top + t, left + l, top + btm, left + r), part[t:btm, l:r]))
    return sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2)


def _group_by_columns(components, slices):
    """Union components whose x-ranges overlap by most of the narrower one's width."""
    parent = {i: i for i in components}

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    def span(i):
        return slices[i][1].start, slices[i][1].stop

    for a in components:
        for b in components:
            if a < b:
                (a0, a1), (b0, b1) = span(a), span(b)
                overlap = min(a1, b1) - max(a0, b0)
                if overlap > OVERLAP_TO_JOIN * min(a1 - a0, b1 - b0):
                    parent[root(a)] = root(b)
    groups = {}
    for i in components:
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _cut_touching(mask, width, height):
    """Cut a candidate wide enough to hold two digits at its thinnest column, recursively,
    where that is clear: the column holds little ink and both sides are digit-sized."""
    top, left, bottom, right = bounding_box(mask)
    span = right - left
    margin = int(MIN_PART * height)
    if span <= WIDE * height or span - 2 * margin < 1:
        return [mask]
    region = mask[top:bottom, left:right]
    ink = region.sum(axis=0)
    runs = np.count_nonzero(region[1:] & ~region[:-1], axis=0) + region[0]
    # a cut crosses one stroke only (inside a 0 or an 8 a column crosses two) and a thin one
    cost = np.where((runs <= 1) & (ink <= CUT_WIDTHS * width), ink, np.inf)[margin:span - margin]
    if not np.isfinite(cost).any():
        return [mask]
    cut = margin + int(np.argmin(cost))
    left_mask, right_mask = mask.copy(), mask.copy()
    left_mask[:, left + cut:] = False
    right_mask[:, :left + cut] = False
    parts = [bounding_box(left_mask), bounding_box(right_mask)]
    if any(b is None or b[2] - b[0] < MIN_HEIGHT * height for b in parts):
        return [mask]
    return _cut_touching(left_mask, width, height) + _cut_touching(right_mask, width, height)
