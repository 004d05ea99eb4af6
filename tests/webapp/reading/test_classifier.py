"""The shipped model honours its contract and reads MNIST test digits."""

import numpy as np
import pytest

from training import evaluation
from webapp import ROOT
from webapp.reading import segment
from webapp.reading.classifier import load_classifier

MODEL_DIR = ROOT / "model"


@pytest.fixture(scope="module")
def digits(mnist_sample):
    x = (mnist_sample["x_test"].astype("float32") / 255.0)[..., None]
    return x, mnist_sample["y_test"]


@pytest.fixture(scope="module")
def keras_model():
    import keras
    return keras.models.load_model(MODEL_DIR / "digits.keras")


def test_contract_shapes_and_probabilities(keras_model, digits):
    x, _ = digits
    assert keras_model.input_shape == (None, 28, 28, 1)
    p = np.asarray(keras_model(x[:16], training=False))
    assert p.shape == (16, 10)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert (p >= 0).all()


def test_accuracy_on_200_mnist_test_digits(keras_model, digits):
    x, y = digits
    accuracy = (np.asarray(keras_model(x, training=False)).argmax(axis=1) == y).mean()
    assert accuracy >= 0.97, accuracy


def test_tflite_agrees_with_keras(keras_model, digits):
    """The served file holds the same weights in 8 bits: the same digit every time, each
    probability within evaluation.LITE_TOLERANCE."""
    x, _ = digits
    lite = load_classifier(MODEL_DIR / "digits.tflite").predict(x)
    full = np.asarray(keras_model(x, training=False))
    assert (lite.argmax(axis=1) == full.argmax(axis=1)).all()
    assert np.abs(lite - full).max() < evaluation.LITE_TOLERANCE


def test_keras_runtime_wrapper_computes_what_keras_does(keras_model, digits):
    x, _ = digits
    wrapped = load_classifier(MODEL_DIR / "digits.keras").predict(x[:32])
    assert np.abs(wrapped - np.asarray(keras_model(x[:32], training=False))).max() < 1e-5


def test_tflite_classifier_called_from_many_threads_at_once(digits):
    """Each call borrows its own interpreter: calls running together (threads of a worker,
    or batches of different sizes) never share one and get the same answers as alone."""
    from concurrent.futures import ThreadPoolExecutor
    x, _ = digits
    classifier = load_classifier(MODEL_DIR / "digits.tflite")
    batches = [x[i:i + n] for i, n in zip(range(0, 160, 8), [1, 3, 8, 2] * 5)]
    alone = [classifier.predict(b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(classifier.predict, batches * 5))
    for got, want in zip(together, alone * 5):
        np.testing.assert_array_equal(got, want)


def test_classifier_rejects_wrong_shapes():
    classifier = load_classifier(MODEL_DIR / "digits.tflite")
    with pytest.raises(ValueError):
        classifier.predict(np.zeros((1, 28, 28), np.float32))


def test_files_are_small_enough():
    assert (MODEL_DIR / "digits.keras").stat().st_size <= 10 * 1024 * 1024


def test_metrics_report_is_complete():
    import json
    metrics = json.loads((MODEL_DIR / "metrics.json").read_text())
    confusion = np.array(metrics["test"]["confusion_matrix"])
    assert confusion.sum() == 10000
    assert metrics["test"]["accuracy"] == pytest.approx(np.trace(confusion) / confusion.sum())
    assert len(metrics["test"]["per_class"]) == 10
    for key in ("epochs_run", "training_seconds", "temperature", "command"):
        assert key in metrics["training"]
    assert metrics["parameters"] > 0 and metrics["versions"]["keras"].startswith("3.")
    assert 0 < metrics["rejection"]["threshold"] < 1
    in_numbers = metrics["rejection"]["in_numbers"]
    assert [length["digits"] for length in in_numbers] == list(range(1, segment.RULES.max_digits + 1))
    thresholds = [length["threshold"] for length in in_numbers]
    assert thresholds[0] == metrics["rejection"]["threshold"] and thresholds == sorted(thresholds, reverse=True)
    assert len(metrics["data"]["sha256"]) == 64
    for picture in ("training_curves", "confusion_matrix", "misclassified", "sample_predictions",
                    "calibration", "rejection"):
        assert (MODEL_DIR / f"{picture}.png").stat().st_size > 5000


def test_number_thresholds_keep_99_percent_of_numbers_whole():
    confidences = np.linspace(0.0, 1.0, 100_001)
    thresholds = evaluation.number_thresholds(confidences, keep=0.99, longest=6)
    assert len(thresholds) == 6 and thresholds[0] == pytest.approx(0.01)
    for k, threshold in enumerate(thresholds, start=1):   # all k digits kept, each on its own
        assert np.mean(confidences >= threshold) ** k == pytest.approx(0.99, abs=1e-4)
