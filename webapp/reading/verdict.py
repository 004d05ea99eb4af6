"""The verdict: whether a reading is a digit at all.

The gate: a small network beside the digit model that answers how likely an input is
not a digit at all (a heart, a face, a letter, a scribble), something the digit model's
confidence cannot tell. Made by `python -m training.gate`; see model/README.md.

gate.tflite takes the digit model's batch (N, 28, 28, 1) and answers (N, 1). Its
thresholds, one for a drawing read as 1, 2, ... digits like the digit model's (see
pipeline.reject_threshold), are in gate.json beside it, with `beside`: the stricter
threshold for a piece of a drawing where another piece is not a digit (see
pipeline.beside_not_a_digit). No file: no gate, and the app answers as the digit
model's confidence alone says.

joint.json beside it, if there, holds the joint rule (JointRule, made by
`python -m training.joint`): for a reading whose strokes were read too, the gate's
answer, the combined answer's confidence and the strokes gate's answer judged together.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from webapp.reading.classifier import load_classifier

log = logging.getLogger(__name__)


LOGIT_FLOOR = 1e-6   # probabilities are kept this far from 0 and 1 before their log-odds are taken
# The joint rule's weights, in the order of its features (training.joint), and their signs:
# a surer gate (pixels or path) never makes a drawing more of a digit, a surer answer
# never less; 0 is allowed (the rule does not weigh it).
WEIGHTS = ("outside_weight", "confidence_weight", "path_weight")
SIGNS = {"outside_weight": -1, "confidence_weight": 1, "path_weight": -1}


def log_odds(p):
    p = np.clip(np.asarray(p, dtype=np.float64), LOGIT_FLOOR, 1 - LOGIT_FLOOR)
    return np.log(p) - np.log1p(-p)


@dataclass(frozen=True)
class JointRule:
    """Whether a reading whose strokes were read is a digit: a logistic function of the
    log-odds of the gate's answer (pixels), the strokes gate's (the pen's path) and the
    confidence of both readers' answer, and a threshold on the score (one, or a list for
    1, 2, ... digits). Two witnesses that see different things: one unsure can be
    outweighed by the other sure. Chosen on validation data by training.joint, which
    may leave a weight at 0."""
    outside_weight: float
    confidence_weight: float
    bias: float
    below: object     # a digit at this score or above
    path_weight: float = 0.0   # ... of the strokes gate's log-odds (0: the rule does not use it)

    def score(self, outside, confidence, path_outside=None):
        """The rule's score in (0, 1): how much it reads as a digit. `path_outside`, the
        strokes gate's answer, is needed when the rule weighs it."""
        z = self.outside_weight * log_odds(outside) + self.confidence_weight * log_odds(confidence) + self.bias
        if self.path_weight:
            z = z + self.path_weight * log_odds(path_outside)
        return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Gate:
    model: object     # predict(batch) -> (N, 1); runs as the classifier does (free-list interpreters)
    above: object     # not a digit above this: one threshold, or a list for 1, 2, ... digits
    beside: float = None   # ... above this for a piece beside one that is not a digit (None: no such rule)
    joint: JointRule = None   # for readings whose strokes were read (None: the thresholds above judge them too)

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
    return Gate(load_classifier(path), _thresholds(report), _beside(report), load_joint_rule(path))


def load_joint_rule(path):
    """The joint rule in joint.json beside the gate at `path`; None when there is none,
    or it is not a usable rule (logged)."""
    try:
        rule = json.loads(Path(path).with_name("joint.json").read_text())
        if not isinstance(rule, dict):
            raise TypeError("not a JSON object")
        below = [float(t) for t in np.atleast_1d(rule["thresholds"])]
        weights = {name: float(rule.get(name, 0.0)) for name in WEIGHTS}
        joint = JointRule(**weights, bias=float(rule["bias"]), below=below)
        if not below or not all(0.0 <= t <= 1.0 for t in below):
            raise ValueError("thresholds must be scores from 0 to 1")
        if not np.isfinite([*weights.values(), joint.bias]).all():
            raise ValueError("weights must be finite numbers")
        wrong = [name for name, w in weights.items() if np.sign(w) == -SIGNS[name]]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} of the wrong sign")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("joint rule beside %s not used (%s)", path, error)
        return None
    return joint


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
