"""Training the stroke reader: its augmentation, and a smoke run end to end."""

import numpy as np

from training import strokes
from webapp import ROOT
from webapp.reading.pen_path import features
from webapp.reading.stroke_reader import load_stroke_reader


def test_augmented_paths_stay_near_the_written_one(pen_digits):
    rng = np.random.default_rng(2)
    for digit in pen_digits[:20]:
        before = features(list(digit.strokes))
        after = features(strokes.augmented(digit, rng))
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
    assert report["temperature"] > 0 and report["command"].startswith("python -m training.strokes")
    for name in ("strokes.keras", "strokes.tflite", "strokes.json"):
        assert (tmp_path / name).exists()
    served = load_stroke_reader(tmp_path / "strokes.tflite")   # what it made, the server can load
    assert (served.weight, served.temperature) == (report["weight"], report["temperature"])
