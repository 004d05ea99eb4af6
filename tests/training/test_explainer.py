"""The explain model (training/explainer.py) computes what the Keras model computes: each
convolution layer's and the dense layer's activations, the served probabilities, and the
evidence as TensorFlow's GradientTape gives it. Checked on the shipped files, and on a
freshly built ensemble (no training) so that a retrained model converts too."""

import numpy as np
import pytest

from training import evaluation, explainer
from webapp import ROOT
from webapp.reading.classifier import load_classifier
from webapp.reading.explain_model import Explainer

MODEL_DIR = ROOT / "model"


@pytest.fixture(scope="module")
def digits(mnist_sample):
    return (mnist_sample["x_test"][:12].astype("float32") / 255.0)[..., None]


def keras_insides(model, x):
    """What the Keras model computes for a batch: each ReLU layer's output (of its first
    network, for an ensemble), the logits and the probabilities."""
    import keras
    network = ([layer for layer in model.layers if isinstance(layer, keras.Model)] or [model])[0]
    relus = [layer.output for layer in network.layers if isinstance(layer, keras.layers.ReLU)]
    return [np.asarray(a) for a in keras.Model(network.inputs, relus)(x, training=False)], np.asarray(model(x, training=False))


def keras_evidence(model, x, towards, against):
    """Gradient x input of logit[towards] - logit[against], by GradientTape through Keras."""
    import keras
    import tensorflow as tf
    logits = keras.Model(model.inputs, model.get_layer("logits").output)
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = logits(x, training=False)
        target = z[:, towards] - z[:, against]
    return (tape.gradient(target, x) * x).numpy()[..., 0]


def assert_close(lite, full, rtol=1e-4):
    assert lite.shape == full.shape
    assert np.abs(lite - full).max() <= rtol * max(np.abs(full).max(), 1e-6), np.abs(lite - full).max()


def check(model, explain_file, served, x, tolerance=1e-5):
    """Each input's insides and probabilities from the explain file against Keras, and
    its probabilities against the served classifier's (within `tolerance`: the served
    file's weights may be 8-bit, the explain file's are floats)."""
    relus, probabilities = keras_insides(model, x)
    lite = Explainer(explain_file)
    served_p = served.predict(x)
    for i in range(len(x)):
        towards, against = np.argsort(probabilities[i])[[-1, -2]]
        e = lite.explain(x[i, ..., 0], towards, against)
        assert len(e.layers) == len(relus) - 1
        for got, want in zip([*e.layers, e.dense], relus):
            assert_close(got, want[i])
        assert np.abs(e.probabilities - probabilities[i]).max() < 1e-5
        assert np.abs(e.probabilities - served_p[i]).max() < tolerance
        assert e.probabilities.argmax() == served_p[i].argmax()
        assert_close(e.evidence, keras_evidence(model, x[i:i + 1], towards, against)[0], rtol=1e-3)


def test_shipped_explain_model_agrees_with_shipped_model(digits):
    import keras
    model = keras.models.load_model(MODEL_DIR / "digits.keras", compile=False)
    check(model, MODEL_DIR / "digits-explain.tflite", load_classifier(MODEL_DIR / "digits.tflite"), digits,
          evaluation.LITE_TOLERANCE)


def test_shipped_explain_model_has_the_layers_the_page_shows():
    e = Explainer(MODEL_DIR / "digits-explain.tflite").explain(np.zeros((28, 28), np.float32), 3, 5)
    assert [a.shape for a in e.layers] == [(28, 28, 32), (28, 28, 32), (14, 14, 64), (14, 14, 64), (7, 7, 128)]
    assert e.dense.shape == (128,) and e.evidence.shape == (28, 28) and not e.evidence.any()   # no ink, no evidence
    assert e.probabilities.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_a_calibrated_ensemble_converts_alike(tmp_path, digits):
    """Two untrained networks averaged and calibrated as train.py does: found by layer
    type and order, whatever Keras names them."""
    import keras

    import train
    from training import calibration
    keras.utils.set_random_seed(7)
    model = calibration.with_temperature(train.average_logits([train.build_model(), train.build_model()]), 1.3)
    explainer.export(model, tmp_path / "explain.tflite")

    class KerasServed:
        predict = staticmethod(lambda x: np.asarray(model(x, training=False)))

    check(model, tmp_path / "explain.tflite", KerasServed, digits[:4])


def test_unsupported_layers_are_refused():
    import keras
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.AveragePooling2D(2)(keras.layers.Conv2D(4, 3, padding="same")(inputs))
    logits = keras.layers.Dense(10, name="logits")(keras.layers.Flatten()(x))
    with pytest.raises(ValueError, match="AveragePooling2D"):
        explainer.explain_function(keras.Model(inputs, keras.layers.Softmax()(logits)))
