"""training/gate.py end to end on the shipped fixtures: data, model, thresholds and the
LiteRT file the server loads."""

import json
import subprocess
import sys

import numpy as np
import pytest

from webapp import ROOT
from webapp.reading.verdict import load_gate

pytestmark = pytest.mark.slow


def test_gate_smoke_run(tmp_path, mnist_sample):
    data = tmp_path / "mini.npz"
    np.savez(data, **mnist_sample)
    out = tmp_path / "model"
    result = subprocess.run(
        [sys.executable, "-m", "training.gate", "--data", str(data), "--out", str(out), "--epochs", "1",
         "--limit", "100", "--per-kind", "100", "--numbers", "200", "--redrawn", "200", "--mnist", "200",
         "--width", "0.5", "--augment",
         "--pen", str(ROOT / "tests" / "fixtures" / "pendigits_sample.txt")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "gate.json").read_text())
    assert len(report["thresholds"]) == 12 and all(0.0 <= t <= 1.0 for t in report["thresholds"])
    assert 0.0 <= report["beside"] <= 1.0
    assert report["command"].startswith("python -m training.gate --data")
    assert "--width 0.5" in report["command"] and "--augment" in report["command"].split()
    assert report["data"]["train_not_digits"] > 0 and "heart validation" in report["validation"]
    gate = load_gate(out / "gate.tflite")
    p = gate.outside((mnist_sample["x_test"][:5].astype(np.float32) / 255.0)[..., None])
    assert p.shape == (5,) and ((0.0 <= p) & (p <= 1.0)).all()
    assert gate.above == report["thresholds"] and gate.beside == report["beside"]
