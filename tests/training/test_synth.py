"""Re-drawing MNIST digits as a person draws them: where the pen went."""

import numpy as np
from scipy import ndimage
from skimage.morphology import skeletonize

from training import synth


def disc(size, centre, radius):
    yy, xx = np.mgrid[:size, :size]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius ** 2


def has_loop(line):
    """True if the line encloses some background (filling its holes adds pixels)."""
    return ndimage.binary_fill_holes(line).sum() > line.sum()


def nine_with_a_filled_head():
    """A 28x28 '9' as MNIST has many: the head a solid blob, the stem a pen's width."""
    digit = disc(28, (9, 13), 5).astype(np.float32)
    digit[9:24, 17:19] = 1.0
    return digit


def test_a_loop_the_pen_filled_in_is_traced_as_a_loop():
    digit = nine_with_a_filled_head()
    assert not has_loop(skeletonize(digit > 0.5))   # the plain centre line: a hook
    assert has_loop(synth.skeleton(digit, 200))


def test_strokes_a_pen_width_across_are_left_alone():
    ring = disc(120, (60, 60), 40) & ~disc(120, (60, 60), 32)
    bar = np.zeros((120, 120), bool)
    bar[20:100, 55:63] = True
    touching = ring | bar   # a junction is wider than the pen, but not two pens wide
    for ink in (ring, bar, touching):
        assert np.array_equal(synth.open_filled_loops(ink), ink)


def test_the_opened_loop_runs_where_the_pens_centre_went():
    pen = 4   # half-width
    blob = disc(120, (40, 60), 18)
    stem = np.zeros((120, 120), bool)
    stem[40:110, 78 - pen:78 + pen] = True
    line = skeletonize(synth.open_filled_loops(blob | stem))
    yy, xx = np.nonzero(line & disc(120, (40, 60), 18) & ~stem)
    distance = np.hypot(yy - 40, xx - 60)
    assert 18 - 1.5 * pen <= np.median(distance) <= 18 - 0.5 * pen   # the pen's centre: 18 - pen


def test_nothing_to_open_comes_back_as_it_is():
    empty = np.zeros((60, 60), bool)
    blob = disc(60, (30, 30), 20)   # all blob: its own depth is the pen's
    for ink in (empty, blob, blob.astype(np.float32)):
        assert np.array_equal(synth.open_filled_loops(ink), ink.astype(bool))
