"""Splitting a drawn number into its digits."""

import dataclasses
import random

import numpy as np
import pytest

from training import synth
from webapp.reading import pipeline, preprocess, segment
from webapp.reading.segment import split_digits


def canvas(strokes, size=(900, 400), width=18):
    """Ink map of polylines drawn with a round brush (1 = ink)."""
    return synth.draw_strokes(strokes, width, size).astype(np.float32) / 255.0


ONE = [[(0, 0), (0, 200)]]
SEVEN = [[(0, 0), (120, 0), (40, 200)]]
FIVE_DETACHED_BAR = [[(10, 0), (120, 0)], [(5, 25), (0, 90), (80, 80), (110, 140), (60, 200), (0, 180)]]
FOUR_TWO_STROKES = [[(60, 0), (0, 120), (110, 120)], [(85, 40), (85, 200)]]
ZERO = [[(50, 0), (100, 40), (100, 160), (50, 200), (0, 160), (0, 40), (50, 0)]]


def place(shape, dx, dy=100):
    return [[(x + dx, y + dy) for x, y in line] for line in shape]


def read_boxes(ink):
    return [p.xywh for p in split_digits(ink)]


def test_separate_digits_left_to_right():
    ink = canvas(place(SEVEN, 500) + place(ONE, 100) + place(ZERO, 250))
    boxes = read_boxes(ink)
    assert len(boxes) == 3
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    assert boxes[0][0] < 120 and 240 < boxes[1][0] < 260 and boxes[2][0] > 480


def test_detached_bars_stay_with_their_digit():
    ink = canvas(place(FIVE_DETACHED_BAR, 100) + place(FOUR_TWO_STROKES, 400) + place(ONE, 700))
    pieces = split_digits(ink)
    assert len(pieces) == 3
    five = pieces[0]
    assert five.xywh[3] > 190   # the bar and the body together: the full height


def test_a_short_light_fragment_joins_its_neighbour():
    # the bar of a 5 drawn off to the side: it overlaps the body in x too little to be
    # grouped with it, but it is far shorter and lighter than any digit beside it
    five_bar_aside = [[(80, 0), (200, 0)], FIVE_DETACHED_BAR[1]]
    pieces = split_digits(canvas(place(five_bar_aside, 100) + place(ONE, 500)))
    assert len(pieces) == 2
    assert pieces[0].xywh[2] > 190 and pieces[0].xywh[3] > 190   # the bar and the body, as one


def test_a_short_digit_with_ink_of_its_own_is_not_a_fragment():
    flat_two = [[(0, 30), (50, 0), (100, 30), (0, 90), (110, 90)]]
    assert len(split_digits(canvas(place(SEVEN, 100) + place(flat_two, 300, 150)))) == 2


def test_single_digit_is_one_piece():
    assert len(split_digits(canvas(place(FOUR_TWO_STROKES, 300)))) == 1


def test_stray_dot_is_not_a_digit():
    ink = canvas(place(SEVEN, 200) + place(ONE, 500) + [[(700, 380), (701, 380)]], width=14)
    assert len(split_digits(ink)) == 2


def test_digits_overlapping_slightly_in_x_stay_apart():
    # two slanted 1s: the second starts left of where the first ends
    slanted = [[(60, 0), (0, 200)]]
    ink = canvas(place(slanted, 100) + place(slanted, 150))
    assert len(split_digits(ink)) == 2


ROUND_ZERO = [[(50, 0), (90, 30), (100, 100), (90, 170), (50, 200), (10, 170), (0, 100), (10, 30), (50, 0)]]


def test_touching_digits_are_cut_where_it_is_clear():
    # three round zeros, each touching the next at one point
    ink = canvas(place(ROUND_ZERO, 100) + place(ROUND_ZERO, 214) + place(ROUND_ZERO, 328))
    pieces = split_digits(ink)
    assert len(pieces) == 3, [p.xywh for p in pieces]


def test_wide_single_zero_is_not_cut():
    wide_zero = [[(120, 0), (240, 50), (240, 150), (120, 200), (0, 150), (0, 50), (120, 0)]]
    assert len(split_digits(canvas(place(wide_zero, 300)))) == 1


def test_empty_ink_gives_no_pieces():
    assert split_digits(np.zeros((100, 100), np.float32)) == []


@pytest.mark.parametrize("labels", [(2, 0, 2, 6), (4, 2), (7, 1, 5)])
def test_mnist_digits_written_as_a_number(mnist_sample, labels):
    """Real handwriting: MNIST test digits re-drawn side by side, read back in order."""
    x, y = mnist_sample["x_test"], mnist_sample["y_test"]
    ink = np.zeros((400, 200 * len(labels) + 100), np.float32)
    for k, label in enumerate(labels):
        digit = x[np.flatnonzero(y == label)[1]] / 255.0
        alpha = synth.render(digit, 160, 14, canvas=300)[..., 3] / 255.0
        ink[50:350, 200 * k:200 * k + 300] = np.maximum(ink[50:350, 200 * k:200 * k + 300], alpha)
    pieces = split_digits(ink)
    assert len(pieces) == len(labels)
    for piece in pieces:
        top, left, bottom, right = piece.box
        out = preprocess.to_mnist(np.where(piece.mask, ink[top:bottom, left:right], 0))
        assert out.shape == (28, 28)


def touching_pair(x, first, second, overlap, height=160, brush=14):
    """Two MNIST digits side by side, the second's ink starting `overlap` px inside the first's."""
    ink = np.zeros((300, 700), np.float32)
    a = synth.render(x[first] / 255.0, height, brush, canvas=300)[..., 3] / 255.0
    b = synth.render(x[second] / 255.0, height, brush, canvas=300)[..., 3] / 255.0
    a_cols, b_cols = np.flatnonzero(a.max(0) > 0.25), np.flatnonzero(b.max(0) > 0.25)
    ink[:, 50:350] = a
    start = 50 + a_cols[-1] + 1 - overlap - b_cols[0]
    ink[:, start:start + 300] = np.maximum(ink[:, start:start + 300], b)
    return ink


def and_a_one(ink, x, y, height=160, brush=14):
    """The drawing with an MNIST 1 written 40 px to the right of it."""
    wider = np.zeros((ink.shape[0], ink.shape[1] + 200), np.float32)
    wider[:, :ink.shape[1]] = ink
    one = synth.render(x[np.flatnonzero(y == 1)[0]] / 255.0, height, brush, canvas=300)[..., 3] / 255.0
    start = np.flatnonzero(ink.max(0) > 0.25)[-1] + 40 - 100
    wider[:, start:start + 300] = np.maximum(wider[:, start:start + 300], one)
    return wider


def png(ink):
    rgba = np.zeros(ink.shape + (4,), np.uint8)
    rgba[..., 3] = np.round(ink * 255).astype(np.uint8)
    return synth.png_bytes(rgba)


@pytest.mark.parametrize("first, second, overlap, number", [(16, 3, 10, "071"), (40, 20, 10, "301"),
                                                            (0, 58, 4, "641"), (24, 33, 10, "251")])
def test_touching_digits_without_a_clear_column_are_cut_where_the_model_reads_both(
        app, mnist_sample, first, second, overlap, number):
    x, y = mnist_sample["x_test"], mnist_sample["y_test"]
    ink = and_a_one(touching_pair(x, first, second, overlap), x, y)
    assert len(split_digits(ink)) == 2   # geometry alone finds no clear column in the pair
    result = pipeline.read_image(png(ink), app.extensions["classifier"])
    assert result.number == number
    (x0, _, w0, _), (x1, _, _, _) = (d.box for d in result.digits[:2])
    assert x0 < x1 <= x0 + w0 + 1   # side by side, cut at one column


def test_a_wide_digit_alone_that_reads_well_is_not_cut(app):
    # 1.6 times as wide as high: far too wide for a digit beside others, not for one alone
    wide_zero = [[(160, 0), (320, 50), (320, 150), (160, 200), (0, 150), (0, 50), (160, 0)]]
    ink = canvas(place(wide_zero, 200))
    (top, left, bottom, right), = [p.box for p in split_digits(ink)]
    assert right - left > segment.RULES.very_wide * (bottom - top)
    result = pipeline.read_image(png(ink), app.extensions["classifier"])
    assert result.number == "0" and result.whole.confidence > segment.RULES.unsure


def test_touching_digits_drawn_alone_are_cut_where_it_is_clear(app):
    wide_zero = [[(x * 1.3, y) for x, y in line] for line in ROUND_ZERO]   # 130 x 200, like MNIST's
    zeros = canvas(place(wide_zero, 100) + place(wide_zero, 244) + place(wide_zero, 388))
    result = pipeline.read_image(png(zeros), app.extensions["classifier"])
    assert result.number == "000"


def test_a_short_one_at_a_distance_is_a_digit_not_a_fragment():
    short_one = [[(0, 0), (0, 110)]]
    pieces = split_digits(canvas(place(SEVEN, 100) + place(short_one, 420, 190)))
    assert len(pieces) == 2


@pytest.mark.parametrize("size, width", [((400, 1000), 1), ((400, 1000), 5), ((400, 600), 19)])
def test_a_line_is_not_cut_into_slivers(app, size, width):
    """A dash is as tall as its stroke: there is nothing digit-tall to cut it into."""
    ink = canvas([[(50, 200), (size[1] - 50, 200)]], size=(size[1], size[0]), width=width)
    assert len(split_digits(ink)) == 1
    try:
        result = pipeline.read_image(png(ink), app.extensions["classifier"])
    except preprocess.EmptyDrawing:   # a hairline may fade away entirely
        return
    assert len(result.digits) == 1


def test_no_drawing_is_cut_into_more_than_max_digits(app, monkeypatch):
    ones = [line for k in range(20) for line in place(ONE, 40 + 40 * k)]   # twenty 1s, touching at a base
    ink = canvas(ones + [[(40, 300), (800, 300)]], size=(900, 400), width=8)
    with pytest.raises(segment.TooManyMarks):   # more cutting than any number needs: refused
        pipeline.read_image(png(ink), app.extensions["classifier"])
    monkeypatch.setattr(segment, "RULES", dataclasses.replace(segment.RULES, max_readings=1000))
    result = pipeline.read_image(png(ink), app.extensions["classifier"])
    assert len(result.digits) <= segment.RULES.max_digits


def test_a_scribble_alone_is_not_cut_into_digits(app):
    """A tangle about as wide as it is tall that the model is unsure of stays one piece,
    to be shown as "not a digit", rather than cut into pieces that each look like one."""
    rng = random.Random(2)
    tangle = [[(rng.uniform(300, 620), rng.uniform(60, 340)) for _ in range(14)]]
    result = pipeline.read_image(png(canvas(tangle, width=12)), app.extensions["classifier"])
    assert result.whole.confidence < segment.RULES.unsure   # the rule under test applies
    assert len(result.digits) == 1


def test_a_digit_beside_others_is_cut_only_into_two_sure_digits(app, mnist_sample):
    """This 4's strokes do not meet, and it is a little wider than tall: a column between
    them is clear, and its halves read as digits, but not surely enough to cut it."""
    x, y = mnist_sample["x_test"], mnist_sample["y_test"]
    ink = np.zeros((300, 400), np.float32)
    ink[:, 50:350] = synth.render(x[21] / 255.0, 160, 14, canvas=300)[..., 3] / 255.0
    ink = and_a_one(ink, x, y)
    four = split_digits(ink)[0]
    assert four.xywh[2] > segment.RULES.wide * four.xywh[3]
    assert pipeline.read_image(png(ink), app.extensions["classifier"]).number == "41"


@pytest.mark.parametrize("first, second, overlap, number", [(111, 4, 31, "371"), (60, 14, 30, "681")])
def test_digits_overlapping_in_x_are_cut_where_the_model_is_unsure_of_them_whole(
        app, mnist_sample, first, second, overlap, number):
    x, y = mnist_sample["x_test"], mnist_sample["y_test"]
    ink = and_a_one(touching_pair(x, first, second, overlap), x, y)
    pair = split_digits(ink)[0]
    assert pair.xywh[2] <= segment.RULES.wide * pair.xywh[3]   # not wide: only the model sees two digits in it
    assert pipeline.read_image(png(ink), app.extensions["classifier"]).number == number


# ---------------------------------------------------------------- with the pen strokes
ZERO_IN_HALVES = [[(50, 0), (5, 40), (0, 100), (5, 160), (50, 200)],
                  [(52, 0), (95, 40), (100, 100), (95, 160), (52, 200)]]


def test_strokes_split_a_one_touching_the_digit_after_it():
    strokes = place(ONE, 100) + place(ROUND_ZERO, 116)   # the inks overlap by 2 px; the centre lines do not meet
    ink = canvas(strokes)
    assert len(split_digits(ink)) == 1                   # the ink alone: one piece, not wide enough to cut
    one, zero = split_digits(ink, strokes=strokes)
    assert one.xywh[0] == 91 and one.xywh[2] <= 20       # the 1 alone, ...
    assert zero.xywh[2] >= 100                           # ... and the 0 whole


FOUR_BAR_TO_STEM = [[(60, 0), (0, 120), (92, 120)], [(100, 30), (100, 200)]]   # the bar stops at the stem


@pytest.mark.parametrize("shape", [ZERO_IN_HALVES, FOUR_BAR_TO_STEM])
def test_strokes_of_one_digit_side_by_side_stay_one_digit(shape):
    strokes = place(shape, 300)
    assert segment._side_by_side(strokes)   # the strokes' columns apart: only their meeting keeps them one
    assert len(split_digits(canvas(strokes), strokes=strokes)) == 1


def test_the_halves_of_a_zero_meet_within_reach():
    strokes = place(ZERO_IN_HALVES, 300)
    mask = segment.ink_mask(canvas(strokes))
    top, left, bottom, right = segment.bounding_box(mask)
    box = mask[top:bottom, left:right]
    lines = segment._stroke_lines(box, strokes, left, top, segment.stroke_width(box))
    assert segment._join_meeting([[0], [1]], lines, 0.5) == [[0], [1]]   # at a reach of 0.5 px they do not
    assert segment._join_meeting([[0], [1]], lines, segment.RULES.lines_meet * 18) == [[0, 1]]


def test_the_parts_share_out_the_ink_exactly():
    strokes = place(ONE, 100) + place(ROUND_ZERO, 116)
    ink = canvas(strokes)
    whole = np.zeros(ink.shape, int)
    for piece in split_digits(ink, strokes=strokes):
        top, left, bottom, right = piece.box
        whole[top:bottom, left:right] += piece.mask
    assert np.array_equal(whole, segment.ink_mask(ink).astype(int))   # every ink pixel in one part


def test_strokes_that_do_not_lie_on_the_ink_are_ignored():
    strokes = place(ONE, 100) + place(ROUND_ZERO, 116)
    ink = canvas(strokes)
    bitmap_only = [p.box for p in split_digits(ink)]
    elsewhere = [[(x + 400, y) for x, y in line] for line in strokes]
    far_off = [[(-900_000, 5), (900_000, 5)], [(3, -900_000), (3, 900_000)]]
    dots = [line[:1] for line in strokes]   # one point each, side by side: most of the ink is far from them
    assert segment._side_by_side(dots)
    for other in (elsewhere, far_off, dots):
        assert [p.box for p in split_digits(ink, strokes=other)] == bitmap_only


def test_more_strokes_than_the_limit_are_not_looked_at():
    strokes = place(ONE, 100) + place(ROUND_ZERO, 116)
    assert len(split_digits(canvas(strokes), strokes=strokes)) == 2
    many = strokes + [strokes[0]] * segment.RULES.max_strokes   # the 1 gone over again and again
    assert len(split_digits(canvas(strokes), strokes=many)) == 1


def written_touching(x, first, second, overlap=4, height=160, brush=14):
    """Two MNIST digits written stroke by stroke, the second's ink `overlap` px into the first's:
    the strokes and the PNG the page would post."""
    a, b = (synth.strokes(x[i] / 255.0, height, (0.0, 0.0)) for i in (first, second))
    a_right = max(px for line in a for px, _ in line)
    b_left = min(px for line in b for px, _ in line)
    shift = 100 + a_right + brush - overlap - b_left
    strokes = ([[(px + 100, py + 150) for px, py in line] for line in a]
               + [[(px + shift, py + 150) for px, py in line] for line in b])
    return strokes, png(synth.draw_strokes(strokes, brush, (500, 300)) / 255.0)


# pairs whose re-drawn ink joins into one piece 4 px deep (the 2 at index 24, re-drawn round
# its filled loop, now comes apart from the 1 without the strokes)
@pytest.mark.parametrize("first, second, number", [(1, 36, "18"), (1, 22, "13"), (1, 43, "12")])
def test_a_one_touching_its_neighbour_is_read_apart_with_the_strokes(app, mnist_sample, first, second, number):
    strokes, image = written_touching(mnist_sample["x_test"], first, second)
    ink, _, _ = preprocess.read_ink(image)
    assert len(split_digits(ink)) == 1   # one connected piece, too narrow for a geometric cut
    classifier = app.extensions["classifier"]
    assert pipeline.read_image(image, classifier, strokes=strokes).number == number


# An open 4 written as many do: the corner and its bar, then the stem beside it, apart.
OPEN_FOUR_APART = [[(50, 0), (0, 120), (75, 120)], [(110, 30), (95, 200)]]


def test_marks_apart_that_read_as_one_digit_are_joined_again(app, monkeypatch):
    strokes = place(OPEN_FOUR_APART, 300)
    ink = canvas(strokes)
    assert len(split_digits(ink)) == 2   # by geometry alone, two marks side by side
    classifier = app.extensions["classifier"]

    def judge(pieces):
        inputs = [preprocess.to_mnist(np.where(p.mask, ink[p.box[0]:p.box[2], p.box[1]:p.box[3]], 0.0))
                  for p in pieces]
        return classifier.predict(np.stack(inputs)[..., None]).max(axis=1)

    assert len(split_digits(ink, judge)) == 1
    monkeypatch.setattr(segment, "RULES", dataclasses.replace(segment.RULES, rejoin_sure=1.01))
    assert len(split_digits(ink, judge)) == 2   # the rule, not the cuts, joined them


def test_digits_apart_in_a_number_are_not_joined(app):
    strokes = place(ONE, 100) + place(OPEN_FOUR_APART, 160) + place(ZERO, 400)
    image = png(canvas(strokes))
    assert pipeline.read_image(image, app.extensions["classifier"], strokes=strokes).number == "140"
