"""The digit model behind one call: probabilities = classifier.predict(batch).

The batch is float32 (N, 28, 28, 1) in [0, 1], white on black; the answer (N, 10)
probabilities. Two interchangeable runtimes for the same trained weights (the `.tflite`
file holds them in 8 bits: the same answers, each probability within 0.03):

- `.tflite` (the default): the LiteRT interpreter. A few milliseconds per call and no
  TensorFlow in the worker's memory. An interpreter is not thread-safe, so each call
  borrows one from a free list and gives it back: there are only ever as many as calls
  running at once (one per busy thread), however many threads or greenlets exist.
- `.keras`: Keras 3 on TensorFlow, called through one traced tf.function (never
  model.predict, which sets up a whole input pipeline per call). Safe under threads.
"""

from contextlib import contextmanager
from pathlib import Path

import numpy as np

from webapp.reading.preprocess import MNIST_SIZE

INPUT_SHAPE = (MNIST_SIZE, MNIST_SIZE, 1)
NUM_CLASSES = 10   # the answer: a probability for each digit


class ModelFileError(RuntimeError):
    pass


def load_classifier(path, input_shape=INPUT_SHAPE):
    """The model at `path` behind predict(batch), for batches of `input_shape` (the digit
    model's and the gate's by default)."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path} (set DIGITS_MODEL_PATH, or run train.py)")
    if path.suffix == ".tflite":
        return LiteClassifier(path, input_shape)
    if path.suffix == ".keras":
        return KerasClassifier(path, input_shape)
    raise ModelFileError(f"unknown model format {path.suffix!r}: expected .tflite or .keras")


def _check(batch, input_shape):
    batch = np.asarray(batch, dtype=np.float32)
    if batch.shape[1:] != tuple(input_shape):
        raise ValueError(f"expected a batch of shape (N, {', '.join(map(str, input_shape))}), got {batch.shape}")
    return batch


def lite_interpreter(model_content):
    """A LiteRT interpreter of a flatbuffer, on one thread (a worker serves one request
    per core)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # the runtime bundled with full TensorFlow
        from tensorflow.lite import Interpreter
    return Interpreter(model_content=model_content, num_threads=1)


class FreeList:
    """Things that one call at a time may use (interpreters), made when none is idle and
    kept for the next call: there are only ever as many as calls running at once.
    list.pop and list.append are atomic, so no lock is needed."""

    def __init__(self, make):
        self._make = make
        self._free = []

    @contextmanager
    def borrowed(self):
        try:
            thing = self._free.pop()
        except IndexError:
            thing = self._make()
        try:
            yield thing
        finally:
            self._free.append(thing)


class LiteClassifier:
    def __init__(self, path, input_shape=INPUT_SHAPE):
        self.path = Path(path)
        self.input_shape = tuple(input_shape)
        model = self.path.read_bytes()
        self._interpreters = FreeList(lambda: _Sized(lite_interpreter(model)))
        self.predict(np.zeros((1, *self.input_shape), np.float32))  # fail now, not at the first request

    def predict(self, batch):
        batch = _check(batch, self.input_shape)
        with self._interpreters.borrowed() as sized:
            return sized.run(batch)


class _Sized:
    """An interpreter and the batch size its tensors are allocated for (resized on change;
    the tensors' indices stay the same)."""

    def __init__(self, interpreter):
        self.interpreter = interpreter
        self.input = interpreter.get_input_details()[0]["index"]
        self.output = interpreter.get_output_details()[0]["index"]
        self.batch = None

    def run(self, batch):
        interpreter = self.interpreter
        if self.batch != len(batch):
            interpreter.resize_tensor_input(self.input, list(batch.shape))
            interpreter.allocate_tensors()
            self.batch = len(batch)
        interpreter.set_tensor(self.input, batch)
        interpreter.invoke()
        return interpreter.get_tensor(self.output).copy()


class KerasClassifier:
    def __init__(self, path, input_shape=INPUT_SHAPE):
        import keras
        import tensorflow as tf
        self.path = Path(path)
        self.input_shape = tuple(input_shape)
        model = keras.models.load_model(self.path, compile=False)
        self._call = tf.function(lambda x: model(x, training=False), reduce_retracing=True,
                                 input_signature=[tf.TensorSpec([None, *self.input_shape], tf.float32)])
        self.predict(np.zeros((1, *self.input_shape), np.float32))

    def predict(self, batch):
        return self._call(_check(batch, self.input_shape)).numpy()
