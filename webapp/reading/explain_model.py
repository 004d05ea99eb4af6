"""The explain model behind one call: what each layer of the network makes of one 28x28
input, and which of its pixels push towards one digit rather than another.

It runs digits-explain.tflite, made from the served model's weights by
training/explainer.py, on LiteRT: no TensorFlow in the worker. As for the classifier, an
interpreter is not thread-safe, so each call borrows one (classifier.FreeList).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from webapp.reading.classifier import INPUT_SHAPE, NUM_CLASSES, FreeList, ModelFileError, lite_interpreter

log = logging.getLogger(__name__)


@dataclass
class Explanation:
    pixels: np.ndarray         # the (28, 28) input explained
    layers: list               # each convolution layer's activations, (H, W, C), first to last
    dense: np.ndarray          # the hidden dense layer's activations, (128,)
    probabilities: np.ndarray  # (10,), as the Keras model computes them (the served 8-bit one: within 0.03)
    evidence: np.ndarray       # (28, 28) gradient x input of logit[towards] - logit[against]
    towards: int
    against: int


def default_path(model_path):
    """The explain model beside a model file: model/digits.tflite -> model/digits-explain.tflite."""
    model_path = Path(model_path)
    return model_path.with_name(f"{model_path.stem}-explain.tflite")


def load_explainer(path):
    """The Explainer for the file at `path`, or None (logged) when it cannot be used: the
    app then answers /api/explain with 503 and reads digits as ever."""
    try:
        return Explainer(path)
    except (OSError, ValueError, RuntimeError, KeyError) as error:   # KeyError: not an explain model's outputs
        log.warning("no explain model, /api/explain answers 503: %s", error)
        return None


class Explainer:
    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelFileError(f"explain model not found: {self.path} (run python -m training.explainer)")
        model = self.path.read_bytes()
        self._runners = FreeList(lambda: lite_interpreter(model).get_signature_runner())
        self.explain(np.zeros(INPUT_SHAPE[:2], np.float32), 0, 1)   # fail now, not at the first request

    def explain(self, pixels, towards, against):
        """One (28, 28) input in [0, 1] -> Explanation; the evidence is for `towards` against
        `against` (two different digits)."""
        digit = np.asarray(pixels, np.float32).reshape(1, *INPUT_SHAPE)
        contrast = np.zeros((1, NUM_CLASSES), np.float32)
        contrast[0, towards], contrast[0, against] = 1.0, -1.0
        with self._runners.borrowed() as runner:
            out = {name: value.copy() for name, value in runner(digit=digit, contrast=contrast).items()}
        convs = sorted((name for name in out if name.startswith("conv")), key=lambda name: int(name[4:]))
        return Explanation(digit[0, ..., 0], [out[name][0] for name in convs], out["dense"][0], out["probabilities"][0],
                           out["evidence"][0], int(towards), int(against))
