"""train.py end to end on a few hundred digits: every output appears and the saved
model honours the contract."""

import json
import subprocess
import sys

import pytest

import numpy as np

from training import evaluation
from webapp import ROOT

pytestmark = pytest.mark.slow


def test_train_smoke_run(tmp_path, mnist_sample):
    data = tmp_path / "mini.npz"
    np.savez(data, **mnist_sample)
    out = tmp_path / "model"
    result = subprocess.run(
        [sys.executable, "train.py", "--data", str(data), "--out", str(out), "--epochs", "2",
         "--limit", "300", "--seed", "3", "--members", "2",
         "--pen", str(ROOT / "tests" / "fixtures" / "pendigits_sample.txt")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Epoch 2/2" in result.stdout
    assert "== summary ==" in result.stdout and "test accuracy" in result.stdout

    for name in ("digits.keras", "digits.tflite", "digits-explain.tflite", "metrics.json", "training_curves.png",
                 "confusion_matrix.png", "misclassified.png", "sample_predictions.png",
                 "calibration.png", "rejection.png"):
        assert (out / name).stat().st_size > 0, name
    metrics = json.loads((out / "metrics.json").read_text())
    assert [run["epochs_run"] for run in metrics["training"]["members"]] == [2, 2]
    assert metrics["training"]["epochs_run"] == 4
    assert metrics["training"]["command"].startswith("python train.py --data mini.npz")
    assert "--members 2" in metrics["training"]["command"]
    assert metrics["data"]["test"] == 200 and metrics["data"]["train"] == 300
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    assert metrics["calibration"]["temperature"] > 0
    assert 0.0 <= metrics["rejection"]["threshold"] <= 1.0
    # the sample's 20 digits of training writers, drawn 4 times each
    assert metrics["training"]["people"]["drawings"] == 4 * 20 and metrics["training"]["people"]["styled"] > 0
    assert "--pen pendigits_sample.txt" in metrics["training"]["command"]
    held_out = metrics["people"]["held_out"]
    assert held_out["count"] == 60 and set(held_out["per_writer"]) <= {"2", "5", "8", "11", "14", "17", "20", "23", "26", "29"}
    assert metrics["data"]["people"]["held_out"] == 60

    import keras
    model = keras.models.load_model(out / "digits.keras")
    x = (mnist_sample["x_test"][:8].astype("float32") / 255.0)[..., None]
    p = np.asarray(model(x, training=False))
    assert p.shape == (8, 10) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)

    # the explain model of the ensemble: the served probabilities, on LiteRT
    from webapp.reading.classifier import load_classifier
    from webapp.reading.explain_model import Explainer
    explained = Explainer(out / "digits-explain.tflite").explain(x[0, ..., 0], 0, 1)
    assert np.abs(explained.probabilities - p[0]).max() < 1e-5
    served = load_classifier(out / "digits.tflite").predict(x[:1])[0]
    assert np.abs(explained.probabilities - served).max() < evaluation.LITE_TOLERANCE


def test_combine_weighs_each_models_logits(tmp_path, mnist_sample):
    """--combine: the ensemble's logits are the weighted mean of its models' logits,
    whatever temperature each was calibrated with."""
    import keras
    import train
    from training import calibration

    paths, logits = [], []
    x = (mnist_sample["x_test"][:6].astype("float32") / 255.0)[..., None]
    for seed, temperature in ((1, 1.5), (2, 0.8)):
        keras.utils.set_random_seed(seed)
        network = train.build_model()
        logits.append(np.asarray(keras.Model(network.inputs, network.get_layer("logits").output)(x)))
        (tmp_path / str(seed)).mkdir()
        paths.append(tmp_path / str(seed) / "digits.keras")
        calibration.with_temperature(network, temperature).save(paths[-1])
    assert not np.allclose(logits[0], logits[1], atol=1e-3)

    model, training = train.combine(paths, [3.0, 1.0])
    combined = np.asarray(keras.Model(model.inputs, model.get_layer("logits").output)(x))
    assert np.allclose(combined, 0.75 * logits[0] + 0.25 * logits[1], atol=1e-4)
    assert [made["weight"] for made in training["combined"]] == [0.75, 0.25]
    assert [made["file"] for made in training["combined"]] == ["1/digits.keras", "2/digits.keras"]


def test_distillation_targets_are_the_teachers_answer_beside_the_label(tmp_path, mnist_sample):
    """--teacher answers for MNIST's digits, --people-teacher for the rest, each at its
    temperature and share; a drawing that is not a digit keeps its flat target."""
    import argparse

    import keras
    import train
    from training import calibration

    x = (mnist_sample["x_test"][:10].astype("float32") / 255.0)[..., None]
    labels = mnist_sample["y_test"][:10].astype(np.int64)
    labels[9] = train.NOT_A_DIGIT
    paths, logits = [], []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        network = train.build_model()
        logits.append(np.asarray(keras.Model(network.inputs, network.get_layer("logits").output)(x)))
        paths.append(tmp_path / f"{seed}.keras")
        calibration.with_temperature(network, 1.7).save(paths[-1])   # the teacher's calibration is undone
    args = argparse.Namespace(teacher=paths[0], people_teacher=paths[1], teacher_share=0.25, teacher_temperature=2.0)

    got = train.distillation_targets(args, (x, labels), mnist_count=6)

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    one_hot = np.eye(10)[labels[:9]]
    assert np.allclose(got[:6], 0.75 * one_hot[:6] + 0.25 * softmax(logits[0][:6] / 2.0), atol=1e-4)
    assert np.allclose(got[6:9], 0.75 * one_hot[6:9] + 0.25 * softmax(logits[1][6:9] / 2.0), atol=1e-4)
    assert np.allclose(got[9], 0.1)
    assert not np.allclose(got[:9], one_hot, atol=1e-3)
    assert train.distillation_targets(argparse.Namespace(teacher=None, people_teacher=None), (x, labels), 6) is None
