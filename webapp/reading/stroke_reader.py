"""The stroke reader: a small network beside the digit model that reads a digit from the
pen's path (webapp/reading/pen_path.py's features) rather than its pixels. Made by
`python -m training.strokes`; see model/README.md.

strokes.tflite takes (N, POINTS, CHANNELS) and answers (N, 10) probabilities. strokes.json
beside it holds `weight`, the stroke reader's share of the answer, and `temperature`, both
chosen on the validation writers: the answer is the softmax of
((1 - weight) * log p_image + weight * log p_strokes) / temperature (`combine`). No file:
no stroke reader, and every drawing is read from its pixels alone.

strokes-gate.tflite beside it, if there, takes the same input and answers (N, 1): how
likely the path is not a digit at all, for the gate's joint rule (webapp/reading/verdict.py).
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from webapp.reading.classifier import load_classifier
from webapp.reading.pen_path import CHANNELS, POINTS, features

log = logging.getLogger(__name__)

GATE_FILE = "strokes-gate.tflite"   # the strokes gate, beside strokes.tflite (training/strokes_gate.py)
FLOOR = 1e-9   # a probability of 0 is read as this: no reader's answer is ever quite ruled out


def combine(image_p, stroke_p, weight, temperature=1.0):
    """The digit model's and the stroke reader's probabilities (..., 10) as one answer: a
    weighted mean of their log-probabilities, divided by `temperature`, normalised."""
    logits = ((1 - weight) * np.log(np.asarray(image_p, dtype=np.float64) + FLOOR)
              + weight * np.log(np.asarray(stroke_p, dtype=np.float64) + FLOOR)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    p = np.exp(logits)
    return (p / p.sum(axis=-1, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class StrokeReader:
    model: object          # predict(batch) -> (N, 10); runs as the classifier does
    weight: float          # the stroke reader's share of the answer
    temperature: float = 1.0
    gate: object = None    # the strokes gate: predict(batch) -> (N, 1), how likely each path is no digit

    def read(self, paths):
        """The probabilities (N, 10) of each path, a list of strokes (see pen_path.features),
        and the strokes gate's probability (N,) that it is not a digit at all (None
        without a strokes gate)."""
        batch = np.stack([features(strokes) for strokes in paths])
        outside = None if self.gate is None else np.asarray(self.gate.predict(batch))[:, 0]
        return np.asarray(self.model.predict(batch)), outside

    def combine(self, image_p, stroke_p):
        return combine(image_p, stroke_p, self.weight, self.temperature)


def load_stroke_reader(path):
    """The stroke reader at `path`, with its weight and temperature from strokes.json beside
    it; None when there is no file there, or no weight for it."""
    if not path or not Path(path).is_file():
        return None
    try:
        report = json.loads(Path(path).with_name("strokes.json").read_text())
        weight, temperature = float(report["weight"]), float(report.get("temperature", 1.0))
        if not (0.0 <= weight <= 1.0 and temperature > 0.0):
            raise ValueError(f"weight {weight} must be in [0, 1] and temperature {temperature} above 0")
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("stroke reader %s not used: no usable weight in strokes.json beside it (%s)", path, error)
        return None
    return StrokeReader(load_classifier(path, (POINTS, CHANNELS)), weight, temperature,
                        load_strokes_gate(Path(path).with_name(GATE_FILE)))


def load_strokes_gate(path):
    """The strokes gate at `path`, checked to answer (N, 1); None when there is no file
    there or it is not such a model (logged): it is optional, and without it the joint
    rule leaves drawings to the other rules."""
    if not path.is_file():
        return None
    try:
        gate = load_classifier(path, (POINTS, CHANNELS))
        shape = np.shape(gate.predict(np.zeros((2, POINTS, CHANNELS), np.float32)))
        if shape != (2, 1):
            raise ValueError(f"it answers {shape} for 2 paths, not (2, 1)")
    except Exception as error:   # a broken file must not stop the app: any load error, logged
        log.warning("strokes gate %s not used (%s)", path, error)
        return None
    return gate
