"""Real people's pen digits: read from UNIPEN text, split by writer, drawn as the page draws."""

import numpy as np
import pytest

from training import pendigits, people
from webapp import ROOT
from webapp.reading.classifier import load_classifier


def test_the_sample_reads_whole(pen_digits):
    assert len(pen_digits) == 80
    assert sorted({d.label for d in pen_digits}) == list(range(10))
    assert all(len(d.strokes) >= 1 and all(s.shape[1] == 2 for s in d.strokes) for d in pen_digits)


def test_y_is_turned_to_grow_downward_as_on_a_screen(pen_digits):
    """A 7 is begun at its top: on a screen, its first point is among the smallest y."""
    for seven in (d for d in pen_digits if d.label == 7):
        points = np.concatenate(seven.strokes)
        low, high = points[:, 1].min(), points[:, 1].max()
        assert seven.strokes[0][0, 1] < low + (high - low) / 3


def test_writers_never_sit_on_two_sides(pen_digits):
    train, validation, held_out = pendigits.by_writer(pen_digits)
    writers = [{d.writer for d in part} for part in (train, validation, held_out)]
    assert len(train) + len(validation) + len(held_out) == len(pen_digits)
    assert not (writers[0] & writers[1]) and not (writers[0] & writers[2]) and not (writers[1] & writers[2])
    assert writers[2] <= pendigits.HELD_OUT_WRITERS and writers[1] <= pendigits.VALIDATION_WRITERS
    assert len(held_out) == 40


def test_varied_leaves_stroke_ends_off_and_bends_a_little(pen_digits):
    """varied(): each stroke at most `trim` shorter at either end, no point moved more
    than `wobble` of the digit's size (plus what trimming takes), the label kept; with
    nothing to vary, the digit as written."""
    def length(stroke):
        return float(np.linalg.norm(np.diff(stroke, axis=0), axis=1).sum())

    rng = np.random.default_rng(3)
    changed, shortened = 0, 0
    for digit in pen_digits[:40]:
        size = float(np.ptp(np.concatenate(digit.strokes), axis=0).max())
        out = pendigits.varied(digit, rng, trim=0.1, wobble=0.05)
        assert out.label == digit.label and out.writer == digit.writer and len(out.strokes) == len(digit.strokes)
        for before, after in zip(digit.strokes, out.strokes):
            if len(before) < 2:
                continue
            unbent = pendigits.varied(pendigits.PenDigit(0, 0, (before,)), np.random.default_rng(1), 0.1, 0.0)
            kept = length(unbent.strokes[0])
            assert 0.8 * length(before) - 1e-6 <= kept <= length(before) + 1e-6
            shortened += kept < 0.99 * length(before)
            # what is left off is at the ends: the middle point of the stroke is still on it
            middle = before[len(before) // 2]
            assert np.linalg.norm(unbent.strokes[0] - middle, axis=1).min() < 1e-6 or len(before) < 5
            nearest = np.linalg.norm(after[:, None] - before[None], axis=2).min(axis=1)
            assert nearest.max() <= 0.05 * size * 1.01 + 0.1 * length(before)
        changed += any(not np.array_equal(a, b) for a, b in zip(digit.strokes, out.strokes))
    assert changed == 40 and shortened >= 10
    same = pendigits.varied(pen_digits[0], rng, trim=0.0, wobble=0.0)
    assert all(np.allclose(a, b) for a, b in zip(same.strokes, pen_digits[0].strokes))


def test_small_head_shrinks_the_nines_head_and_hooks_its_tail(pen_digits):
    """small_head(): the top of a 9 narrower and shorter by the share asked, the bottom
    of the stem moved left by the hook asked, every point kept; restyled() changes 9s
    only, and only the share of the time asked."""
    nines = [d for d in pen_digits if d.label == 9]
    assert nines
    for digit in nines:
        points = np.concatenate(digit.strokes)
        top, bottom = points[:, 1].min(), points[:, 1].max()
        height = bottom - top
        head = points[:, 1] < top + 0.3 * height
        out = pendigits.small_head(digit, np.random.default_rng(0), shrink=(0.5, 0.5), hook=(0.0, 0.0))
        after = np.concatenate(out.strokes)
        assert [len(s) for s in out.strokes] == [len(s) for s in digit.strokes] and out.label == 9
        assert np.ptp(after[head], axis=0) == pytest.approx(0.5 * np.ptp(points[head], axis=0))
        low = points[:, 1] > top + 0.6 * height   # the stem's lower part is left as it was
        assert np.allclose(after[low], points[low])
        lowest, above_tail = points[:, 1].argmax(), points[:, 1] <= top + 0.7 * height
        hooked = [np.concatenate(pendigits.small_head(digit, np.random.default_rng(seed), (1.0, 1.0), (0.3, 0.3)).strokes)
                  for seed in range(20)]
        moved = np.array([points[lowest, 0] - h[lowest, 0] for h in hooked])
        assert np.allclose(moved[moved != 0], 0.3 * height)   # the tail's end hooked left by the share asked ...
        assert 8 <= (moved != 0).sum() <= 19                  # ... 7 times in 10, else left straight
        assert all(np.allclose(h[above_tail], points[above_tail]) for h in hooked)

    rng = np.random.default_rng(1)
    others = [d for d in pen_digits if d.label != 9]
    assert all(pendigits.restyled(d, rng, 1.0) is d for d in others)
    assert all(pendigits.restyled(d, rng, 0.0) is d for d in nines)
    changed = sum(pendigits.restyled(d, rng, 0.5) is not d for d in nines * 20)
    assert 0.35 * len(nines) * 20 < changed < 0.65 * len(nines) * 20


def test_placed_at_the_height_and_centre_asked(pen_digits):
    placed = pendigits.place(pen_digits[0], 200, (300, 250))
    points = np.concatenate(placed)
    low, high = points.min(axis=0), points.max(axis=0)
    assert high[1] - low[1] == pytest.approx(200, abs=0.5)
    assert (low + high) / 2 == pytest.approx([250, 300], abs=0.5)


def test_resampled_as_a_pointer_reports_points(pen_digits):
    placed = pendigits.place(pen_digits[3], 300, (280, 280), spacing=5.0)
    steps = np.concatenate([np.linalg.norm(np.diff(s, axis=0), axis=1) for s in placed if len(s) > 1])
    assert steps.max() <= 5.0 + 1e-6
    assert np.median(steps) == pytest.approx(5.0, abs=0.01)


def test_painted_path_runs_from_the_first_sample_to_the_last_inside_their_hull():
    points = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    path = pendigits.painted_path(points)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (0, 10)
    assert path.min() >= 0 and path.max() <= 10
    assert len(path) > len(points)   # curves, not the polyline itself


def test_painted_with_the_brush_on_a_transparent_canvas(pen_digits):
    rgba = pendigits.paint(pendigits.place(pen_digits[0], 200, (280, 280)), 18.0)
    assert rgba.shape == (560, 560, 4) and rgba[..., :3].max() == 0
    ink = rgba[..., 3] > 127
    rows = np.flatnonzero(ink.any(axis=1))
    assert 200 <= rows[-1] - rows[0] <= 200 + 18 + 2   # the height plus the brush's round ends


def test_the_shipped_model_reads_held_out_writers_drawn_as_the_page_draws(pen_digits):
    """The whole path on people's digits: drawing, the server's preprocessing, the model."""
    held_out = pendigits.by_writer(pen_digits)[2]
    x, y, writers = people.drawn_inputs(held_out, seed=0, copies=2, workers=1)
    assert x.shape == (80, 28, 28, 1) and set(writers) <= pendigits.HELD_OUT_WRITERS
    predicted = load_classifier(ROOT / "model" / "digits.tflite").predict(x).argmax(axis=1)
    assert (predicted == y).mean() >= 0.9


def test_writer_report_counts_per_digit_and_writer():
    p = np.eye(10)[[1, 1, 7, 7]]
    report = people.writer_report(p, np.array([1, 7, 7, 7]), np.array([4, 4, 6, 6]))
    assert report["accuracy"] == 0.75 and report["errors"] == 1
    assert report["per_writer"] == {"4": 0.5, "6": 1.0}
    assert report["error_pairs"] == {"7->1": 1}
