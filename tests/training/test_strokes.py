"""The stroke reader's measurement: the pen's path as features, and a smoke run end to end."""

import numpy as np

from training import pendigits, strokes
from webapp import ROOT


def test_features_do_not_depend_on_size_place_or_sampling(pen_digits):
    """The same path drawn larger, elsewhere and sampled four times as densely gives the
    same features; it fills [-1, 1] along its longer side; a new stroke is flagged once
    for each time the pen comes down again."""
    for digit in pen_digits[:20]:
        f = strokes.features(list(digit.strokes))
        assert f.shape == (strokes.POINTS, strokes.CHANNELS) and f.dtype == np.float32
        assert 0.85 < np.abs(f[:, :2]).max() <= 1.0 + 1e-6
        placed = pendigits.place(digit, 300.0, (200.0, 260.0), spacing=1.0)
        g = strokes.features(placed)
        assert np.abs(f[:, :2] - g[:, :2]).max() < 0.05
        assert f[:, 4].sum() <= len(digit.strokes) - 1
    two = strokes.features([np.array([[0.0, 0.0], [0.0, 10.0]]), np.array([[5.0, 0.0], [5.0, 10.0]])])
    assert two[:, 4].sum() == 1                       # two strokes: the pen came down again once
    assert np.allclose(two[[0, -1], :2], [[-0.5, -1.0], [0.5, 1.0]])   # 10 tall fills [-1, 1]; 5 apart: +-0.5


def test_augmented_paths_stay_near_the_written_one(pen_digits):
    rng = np.random.default_rng(2)
    for digit in pen_digits[:20]:
        before = strokes.features(list(digit.strokes))
        after = strokes.features(strokes.augmented(digit, rng))
        assert np.abs(before[:, :2] - after[:, :2]).mean() < 0.35
        assert not np.allclose(before, after)


def test_smoke_run_reports_each_reader_and_the_weight_chosen(tmp_path):
    report = strokes.measure(strokes.parse_args(
        ["--pen", str(ROOT / "tests" / "fixtures" / "pendigits_sample.txt"), "--epochs", "1", "--copies", "2",
         "--out", str(tmp_path)]))
    assert report["held_out_digits"] == 40 and report["training_paths"] == 40
    assert report["weight"] in strokes.WEIGHTS
    for key in ("strokes_alone", "digit_model_alone", "combined"):
        assert 0.0 <= report[key] <= 1.0
    assert report["digit_model_alone"] >= 0.8   # the shipped model reads most of these 40
    assert (tmp_path / "strokes.keras").exists() and (tmp_path / "strokes.json").exists()
