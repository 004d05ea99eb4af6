"""The explain model: the served network with its insides as outputs, for "How it reads".

    python -m training.explainer model/digits.keras     # writes model/digits-explain.tflite

From a trained Keras model (train.build_model, calibrated by calibration.with_temperature,
or an ensemble of such from train.average_logits) this builds one LiteRT model with two
inputs, `digit` (1, 28, 28, 1) and `contrast` (1, 10), and these outputs:

- `conv1` ... `convN`: each convolution layer's activations after its batch norm and ReLU
  (an ensemble: its first member's);
- `dense`: the hidden dense layer's activations, after its batch norm and ReLU;
- `probabilities`: the calibrated output, as digits.keras computes it (digits.tflite, in 8
  bits, to within evaluation.LITE_TOLERANCE);
- `evidence`: gradient x input of sum(contrast * logits) for the input. With contrast
  one-hot(answer) - one-hot(runner-up), positive pixels push towards the answer and
  negative ones towards the runner-up.

The network is written again in plain TensorFlow ops from the Keras layers' weights
(found by type and order, not by name): batch norm folded into the weights, ReLU as
maximum and max-pooling as a masked sum over each window, so that the gradient converts
to LiteRT builtins (there is no MaxPoolGrad or ReluGrad builtin, and the server has no
Flex ops).
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from webapp.reading.classifier import NUM_CLASSES  # noqa: E402
from webapp.reading.explain_model import default_path  # noqa: E402
from webapp.reading.preprocess import MNIST_SIZE  # noqa: E402


# ---------------------------------------------------------------- reading the Keras model
def _members(model):
    """The networks whose logits the model averages: itself, or an ensemble's members."""
    import keras
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return nested or [model]


def _steps(network):
    """The network as a list of plain steps: ("conv", kernel, bias), ("pool", size),
    ("flatten",), ("dense", kernel, bias), ("relu",); batch norms folded in, dropout
    dropped, the final softmax (and anything after the logits) left out."""
    from keras import layers
    steps = []
    for layer in network.layers:
        if isinstance(layer, (layers.InputLayer, layers.Dropout)):
            continue
        if isinstance(layer, (layers.Conv2D, layers.Dense)):
            kind = "conv" if isinstance(layer, layers.Conv2D) else "dense"
            if kind == "conv" and (tuple(layer.strides) != (1, 1) or layer.padding != "same"
                                   or tuple(layer.dilation_rate) != (1, 1)):
                raise ValueError(f"{layer.name}: only stride 1, 'same' convolutions are supported")
            kernel = np.asarray(layer.kernel.numpy(), np.float32)
            bias = (np.asarray(layer.bias.numpy(), np.float32) if layer.use_bias
                    else np.zeros(kernel.shape[-1], np.float32))
            steps.append((kind, kernel, bias))
            if layer.activation.__name__ == "relu":
                steps.append(("relu",))
            elif layer.activation.__name__ != "linear":
                raise ValueError(f"{layer.name}: activation {layer.activation.__name__} is not supported")
        elif isinstance(layer, layers.BatchNormalization):
            kind, kernel, bias = steps[-1]
            if kind not in ("conv", "dense"):
                raise ValueError(f"{layer.name}: batch norm must follow a convolution or dense layer")
            gamma = layer.gamma.numpy() if layer.scale else 1.0
            beta = layer.beta.numpy() if layer.center else 0.0
            scale = gamma / np.sqrt(layer.moving_variance.numpy() + layer.epsilon)
            steps[-1] = (kind, (kernel * scale).astype(np.float32),
                         ((bias - layer.moving_mean.numpy()) * scale + beta).astype(np.float32))
        elif isinstance(layer, layers.ReLU):
            if layer.max_value is not None or float(layer.negative_slope) != 0.0 or float(layer.threshold) != 0.0:
                raise ValueError(f"{layer.name}: only a plain ReLU is supported")
            steps.append(("relu",))
        elif isinstance(layer, layers.MaxPooling2D):
            if tuple(layer.pool_size) != tuple(layer.strides) or layer.padding != "valid":
                raise ValueError(f"{layer.name}: only non-overlapping 'valid' max-pooling is supported")
            steps.append(("pool", tuple(layer.pool_size)))
        elif isinstance(layer, layers.Flatten):
            steps.append(("flatten",))
        elif isinstance(layer, (layers.Rescaling, layers.Softmax)):
            break   # the logits are reached: the temperature is the whole model's, read in _temperature
        else:
            raise ValueError(f"{layer.name}: layer type {type(layer).__name__} is not supported")
    return steps


def _temperature(model):
    """The calibrated model's softmax(logits * scale): the scale of its Rescaling layer after
    the logits (calibration.with_temperature), 1.0 without one."""
    from keras import layers
    scales = [layer for layer in model.layers if isinstance(layer, layers.Rescaling)]
    if not scales:
        return 1.0
    if len(scales) > 1 or float(scales[0].offset) != 0.0:
        raise ValueError("expected at most one Rescaling layer (the temperature), without an offset")
    return float(scales[0].scale)


# ---------------------------------------------------------------- the explain graph
def _run(steps, x, record=None):
    """The steps on a batch x; each convolution's and hidden dense layer's activations
    (after batch norm and ReLU) are appended to `record`."""
    import tensorflow as tf
    pending = None   # the activation being built: recorded once its ReLU is applied
    for step in steps:
        kind = step[0]
        if kind == "conv":
            x = tf.nn.bias_add(tf.nn.conv2d(x, tf.constant(step[1]), 1, "SAME"), tf.constant(step[2]))
            pending = "conv"
        elif kind == "dense":
            x = tf.matmul(x, tf.constant(step[1])) + tf.constant(step[2])
            pending = "dense"
        elif kind == "relu":
            x = tf.maximum(x, 0.0)   # not tf.nn.relu: its gradient, ReluGrad, is no LiteRT builtin
            if pending and record is not None:
                record.append((pending, x))
            pending = None
        elif kind == "pool":
            x = _max_pool(x, *step[1])
        elif kind == "flatten":
            x = tf.reshape(x, [-1, int(np.prod(x.shape[1:]))])
    return x


def _max_pool(x, ph, pw):
    """Max-pooling whose gradient goes to the first largest value of each window, in row
    order, as TensorFlow's MaxPoolGrad does (blank paper gives windows of equal values):
    the windows' values times a one-hot mask of their argmax. MaxPoolGrad is no LiteRT
    builtin; reshape, transpose, arg_max, one_hot and mul are."""
    import tensorflow as tf
    _, height, width, channels = x.shape
    h, w = height // ph, width // pw
    if (h * ph, w * pw) != (height, width):
        x = x[:, :h * ph, :w * pw, :]   # an odd edge, dropped as 'valid' pooling drops it
    windows = tf.reshape(tf.transpose(tf.reshape(x, [-1, h, ph, w, pw, channels]), [0, 1, 3, 5, 2, 4]),
                         [-1, h, w, channels, ph * pw])
    first = tf.stop_gradient(tf.one_hot(tf.argmax(windows, axis=-1), ph * pw, dtype=x.dtype))
    return tf.reduce_sum(windows * first, axis=-1)


def explain_function(model):
    """A tf.function(digit, contrast) -> dict of the outputs above, for the Keras `model`."""
    import tensorflow as tf
    networks = [_steps(member) for member in _members(model)]
    temperature = _temperature(model)
    spec = [tf.TensorSpec([1, MNIST_SIZE, MNIST_SIZE, 1], tf.float32, name="digit"),
            tf.TensorSpec([1, NUM_CLASSES], tf.float32, name="contrast")]

    @tf.function(input_signature=spec)
    def explain(digit, contrast):
        record = []
        with tf.GradientTape() as tape:
            tape.watch(digit)
            logits = [_run(steps, digit, record if i == 0 else None) for i, steps in enumerate(networks)]
            logits = logits[0] if len(logits) == 1 else tf.add_n(logits) / len(logits)
            target = tf.reduce_sum(logits * contrast)
        gradient = tape.gradient(target, digit)
        outputs = {f"conv{i + 1}": activation
                   for i, activation in enumerate(a for kind, a in record if kind == "conv")}
        outputs["dense"] = [a for kind, a in record if kind == "dense"][-1]
        outputs["probabilities"] = tf.nn.softmax(logits * temperature)
        outputs["evidence"] = (gradient * digit)[..., 0]
        return outputs

    return explain


def convert(model):
    """The explain model of a Keras model, as LiteRT flatbuffer bytes (builtin ops only)."""
    import tensorflow as tf
    module = tf.Module()
    module.explain = explain_function(model)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([module.explain.get_concrete_function()], module)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def export(model, path):
    Path(path).write_bytes(convert(model))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help="a trained model, .keras (train.py's digits.keras)")
    p.add_argument("--out", type=Path, default=None, help="default: beside the model, <name>-explain.tflite")
    args = p.parse_args(argv)
    import keras
    model = keras.models.load_model(args.model, compile=False)
    out = args.out or default_path(args.model)
    export(model, out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    sys.exit(main())
