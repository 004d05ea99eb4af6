"""Training the strokes gate: which runs of strokes count as a non-digit's pieces, and a
smoke run end to end whose file the stroke reader loads."""

import json
import shutil

import numpy as np

from training import strokes_gate, writing
from webapp import ROOT
from webapp.reading.stroke_reader import load_stroke_reader


def test_a_lone_straight_stroke_is_a_line_and_a_bent_one_is_not():
    line = np.column_stack([np.linspace(0, 100, 30), np.linspace(0, 40, 30) + np.sin(np.arange(30)) * 0.5])
    assert strokes_gate.straight([line])
    bent = np.array([[0.0, 0.0], [50.0, 0.0], [50.0, 50.0]])
    assert not strokes_gate.straight([bent]) and not strokes_gate.straight([line, line + 30])


def test_pieces_are_runs_of_strokes_never_a_lone_line():
    rng = np.random.default_rng(0)
    square = [np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([[10.0, 0.0], [10.0, 10.0]]),
              np.array([[10.0, 10.0], [0.0, 10.0]]), np.array([[0.0, 10.0], [0.0, 0.0]])]
    assert strokes_gate.pieces(square[:1], rng) == []   # one stroke: no piece but the drawing
    for _ in range(50):
        for run in strokes_gate.pieces(square, rng):
            assert 2 <= len(run) < 4 and any(run[0] is s for s in square)   # a lone side is a line: left out


def test_another_order_keeps_the_ink_and_changes_the_path():
    rng = np.random.default_rng(4)
    t = np.linspace(0, 2 * np.pi, 40)
    loop = np.column_stack([np.cos(t), np.sin(t)]) * 50   # closed: ends where it began
    bar = np.array([[0.0, -80.0], [60.0, -80.0]])
    changed = 0
    for _ in range(40):
        out = writing.other_order([loop, bar], rng)
        assert len(out) == 2 and sorted(len(s) for s in out) == [2, 40]
        drawn_loop = next(s for s in out if len(s) == 40)
        assert np.allclose(drawn_loop[0], drawn_loop[-1])   # begun elsewhere, still closed
        assert {tuple(np.round(p, 6)) for p in drawn_loop} == {tuple(np.round(p, 6)) for p in loop}   # same ink
        changed += not (np.array_equal(out[0], loop) and np.array_equal(out[1], bar))
    assert changed > 10
    same = writing.other_order([loop, bar], rng, reverse=0, reorder=0, restart=0)
    assert np.array_equal(same[0], loop) and np.array_equal(same[1], bar)


def test_smoke_run_writes_a_gate_the_stroke_reader_loads(tmp_path):
    strokes_gate.main(["--pen", str(ROOT / "tests" / "fixtures" / "pendigits_sample.txt"), "--per-kind", "2",
                       "--copies", "1", "--epochs", "1", "--workers", "1", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "strokes-gate.json").read_text())
    assert report["command"].startswith("python -m training.strokes_gate --pen pendigits_sample.txt")
    assert report["train"]["digit_paths"] == 20 and report["train"]["not_digit_drawings"] == 40
    assert set(report["validation"]["rejected by kind"]) == set(strokes_gate.nondigits.TRAIN_KINDS)
    for name in ("strokes.tflite", "strokes.json"):
        shutil.copy(ROOT / "model" / name, tmp_path / name)
    reader = load_stroke_reader(tmp_path / "strokes.tflite")
    assert reader.gate is not None
    _, outside = reader.read([[np.array([[0.0, 0.0], [5.0, 9.0], [9.0, 0.0]])]])
    assert outside.shape == (1,)


def test_a_digit_written_otherwise_lifts_the_pen_at_its_corner_and_takes_the_styles():
    seven = [np.array([[0.0, 0.0], [30.0, 0.0], [60.0, 0.0], [50.0, 30.0], [40.0, 60.0], [30.0, 90.0]])]
    assert writing.corner(seven[0]) == 2   # the top right: bar, then stem
    rng = np.random.default_rng(1)
    lifted = writing.written_otherwise(seven, 7, rng, lift=1.0, styles={7: 0.0})
    assert [len(s) for s in lifted] == [3, 4] and np.array_equal(lifted[0][-1], lifted[1][0])
    barred = writing.written_otherwise(seven, 7, rng, lift=0.0, styles={7: 1.0})
    assert len(barred) == 2 and barred[1][0, 1] == barred[1][1, 1]   # a level bar across
    assert 0.0 < barred[1][0, 0] < 45.0 < barred[1][1, 0]
    line = [np.array([[0.0, 0.0], [0.0, 50.0], [0.0, 100.0], [0.0, 150.0], [0.0, 200.0]])]
    assert writing.corner(line[0]) is None
    shapes = set()
    for _ in range(12):   # the flag drawn as a stroke of its own, or in one stroke with the stem
        flagged = writing.written_otherwise(line, 1, rng, lift=1.0, styles={1: 1.0})
        points = np.concatenate(flagged)
        assert points[:, 0].min() < -10 and points[:, 1].max() == 200.0   # out to the left; the stem kept
        if len(flagged) == 2:
            assert np.array_equal(flagged[0][-1], [0.0, 0.0])   # the flag ends where the stem begins
        else:
            assert flagged[0][0, 1] > 0.0 and np.array_equal(flagged[0][-1], [0.0, 200.0])   # up, then down
        shapes.add(len(flagged))
    assert shapes == {1, 2}


def test_a_steady_hand_keeps_the_corners_and_drops_the_tremor():
    rng = np.random.default_rng(2)
    bar = np.column_stack([np.linspace(0, 100, 50), rng.normal(0, 0.5, 50)])
    stem = np.column_stack([np.linspace(100, 60, 50), np.linspace(0, 150, 50) + rng.normal(0, 0.5, 50)])
    seven = np.vstack([bar, stem[1:]])
    simple = writing.simplified(seven, 5.0)
    assert 3 <= len(simple) <= 5 and np.array_equal(simple[0], seven[0]) and np.array_equal(simple[-1], seven[-1])
    assert np.min(np.hypot(*(simple - [100.0, bar[-1, 1]]).T)) < 3   # the corner kept
    assert writing.steadied([seven], rng, share=0.0)[0] is seven
    assert len(writing.steadied([seven], rng, share=1.0)[0]) < len(seven)


def test_others_write_hooks_tremble_and_go_upward_with_their_ends_kept():
    rng = np.random.default_rng(3)
    line = [np.column_stack([np.zeros(20), np.linspace(0.0, 200.0, 20)])]
    hooked = writing.hooked(line, rng, share=1.0)[0]
    assert len(hooked) == 26 and np.array_equal(hooked[3:-3], line[0])   # three points more at each end
    assert 0 < np.hypot(*(hooked[0] - line[0][0])) <= writing.HOOK[1] * 200 + 1e-9
    shaky = writing.trembling(line, rng, share=1.0)[0]
    assert np.allclose(shaky[[0, -1]], line[0][[0, -1]]) and not np.allclose(shaky, line[0])
    assert np.abs(shaky - line[0]).max() <= writing.TREMOR[1] * 200 + 1e-9
    assert np.array_equal(writing.upward(line, rng, share=1.0)[0], line[0][::-1])
    two = [line[0], line[0] + 50]
    assert writing.upward(two, rng, share=1.0) is two   # only a lone stroke
    for _ in range(20):   # whatever it does, the digit stays about where and how big it was
        out = np.concatenate(writing.as_others_write(line, 1, rng))
        assert np.ptp(out[:, 1]) >= 190 and np.ptp(out[:, 1]) <= 260
