"""The gate: a small network beside the digit model that answers how likely an input is
not a digit at all (a heart, a face, a letter, a scribble), something the digit model's
confidence cannot tell. Made by `python -m training.gate`; see model/README.md.

gate.tflite takes the digit model's batch (N, 28, 28, 1) and answers (N, 1). Its
thresholds, one for a drawing read as 1, 2, ... digits like the digit model's (see
recognise.reject_threshold), are in gate.json beside it, with `beside`: the stricter
threshold for a piece of a drawing where another piece is not a digit (see
recognise.beside_not_a_digit). No file: no gate, and the app answers as the digit
model's confidence alone says.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from webapp.classifier import load_classifier


@dataclass(frozen=True)
class Gate:
    model: object     # predict(batch) -> (N, 1); runs as the classifier does (free-list interpreters)
    above: object     # not a digit above this: one threshold, or a list for 1, 2, ... digits
    beside: float = None   # ... above this for a piece beside one that is not a digit (None: no such rule)

    def outside(self, batch):
        """The probability that each input of the batch is not a digit: (N,)."""
        return np.asarray(self.model.predict(batch))[:, 0]


def load_gate(path, above=None):
    """The gate at `path` with its thresholds (`above`, or those in gate.json beside it,
    with its `beside` threshold: thresholds given override both); None when there is no
    file there."""
    if not path or not Path(path).is_file():
        return None
    if above is not None:
        return Gate(load_classifier(path), above, None)
    report = _report(path)   # read once: both thresholds come from it
    return Gate(load_classifier(path), _thresholds(report), _beside(report))


def _report(path):
    try:
        return json.loads(Path(path).with_name("gate.json").read_text())
    except (OSError, ValueError):
        return {}


def measured_gate_thresholds(path):
    """The thresholds chosen for this gate when it was trained; 1.0 (never reject) when
    its report is missing."""
    return _thresholds(_report(path))


def _thresholds(report):
    try:
        return [float(t) for t in report["thresholds"]]
    except (KeyError, TypeError, ValueError):
        return 1.0


def _beside(report):
    """The threshold chosen for a piece beside one that is not a digit; None (no such
    rule) when the gate's report has none."""
    try:
        return float(report["beside"])
    except (KeyError, TypeError, ValueError):
        return None
