"""train.py --extra: digits exported from the feedback store join the training data, and
the report says how many."""

import json
import subprocess
import sys

import numpy as np
import pytest

from webapp import ROOT

pytestmark = pytest.mark.slow


def test_extra_digits_are_trained_on_and_counted(tmp_path, mnist_sample):
    data = tmp_path / "mini.npz"
    np.savez(data, **mnist_sample)
    extra = tmp_path / "extra.npz"
    np.savez(extra, x=mnist_sample["x_test"][:25], y=mnist_sample["y_test"][:25])   # as feedback export writes it
    out = tmp_path / "model"
    result = subprocess.run(
        [sys.executable, "train.py", "--data", str(data), "--out", str(out), "--epochs", "1", "--limit", "100",
         "--drawings", "10", "--extra", str(extra)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "train 125 (25 from --extra)" in result.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"]["extra"] == 25 and metrics["data"]["train"] == 125
