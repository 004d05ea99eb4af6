"""Choosing the joint rule: the fit, the thresholds, and a smoke run end to end whose
joint.json the server loads."""

import json

import numpy as np
import pytest

from training import joint
from webapp import ROOT
from webapp.reading.verdict import load_joint_rule, log_odds


def test_the_fit_finds_which_way_digits_lie():
    rng = np.random.default_rng(0)
    digits = np.column_stack([rng.uniform(0.0, 0.3, 300), rng.uniform(0.7, 1.0, 300)])      # inside, sure
    not_digits = np.column_stack([rng.uniform(0.5, 1.0, 300), rng.uniform(0.2, 0.8, 300)])  # outside, unsure
    x = joint.features([tuple(r) for r in np.vstack([digits, not_digits])])
    y = np.r_[np.ones(300), np.zeros(300)]
    outside_weight, confidence_weight, _ = b = joint.fit(x, y)
    assert outside_weight < 0 < confidence_weight
    assert ((x @ b > 0) == (y == 1)).mean() > 0.95


def _rows(rng, count, with_path=False):
    """Rows as read_all makes them: digits alone (one reading each), numbers of two, and
    non-digits, with made-up gate answers, confidences and (`with_path`) strokes gate answers."""
    def path(low, high):
        return float(rng.uniform(low, high)) if with_path else None

    rows = [("alone", 1, "7", [(float(rng.uniform(0, 0.4)), float(rng.uniform(0.6, 1)), path(0, 0.5), True)])
            for _ in range(count)]
    rows += [("numbers", 2, "12", [(float(rng.uniform(0, 0.4)), float(rng.uniform(0.6, 1)), path(0, 0.5), True)
                                   for _ in range(2)]) for _ in range(count)]
    rows += [("heart", 0, "", [(float(rng.uniform(0.3, 1)), float(rng.uniform(0.2, 0.9)), path(0.3, 1), True)])
             for _ in range(count)]
    rows += [("star", 0, "", [(0.9, 0.9, None, False)])]   # strokes not read: not the rule's to judge
    return rows


@pytest.mark.parametrize("with_path", [False, True])
def test_the_thresholds_keep_the_share_of_digits_asked_for(with_path):
    rows = _rows(np.random.default_rng(1), 2000, with_path)
    rule = joint.choose(rows, keep=0.99, longest=3)
    assert len(rule.below) == 3 and rule.below[0] > 0
    assert (rule.path_weight < 0) if with_path else rule.path_weight == 0.0   # weighed only where answered
    alone = np.array([rule.score(o, c, po) for _, _, _, rs in rows[:2000] for o, c, po, _ in rs])
    assert abs((alone >= rule.below[0]).mean() - 0.99) < 0.002
    pairs = np.array([[rule.score(o, c, po) for o, c, po, _ in rs] for _, _, _, rs in rows[2000:4000]])
    assert abs((pairs >= rule.below[1]).all(axis=1).mean() - 0.99) < 0.01   # numbers of two, whole
    assert rule.score(0.01, 0.99, 0.1) > rule.score(0.99, 0.99, 0.1)
    assert rule.score(0.2, 0.99, 0.1) > rule.score(0.2, 0.5, 0.1)


def test_the_figures_count_what_the_app_shows():
    rows = [("alone", 1, "7", []), ("alone", 1, "?", []), ("numbers", 2, "1?", []), ("numbers", 2, "12", []),
            ("heart", 0, "", []), ("heart", 0, "??", []), ("heart", 0, "8", []), ("star", 0, "4", [])]
    report = joint.figures(rows)
    assert report["digits alone accepted"] == 0.5 and report["numbers read whole"] == 0.5
    assert report["by kind"] == {"heart": round(2 / 3, 4), "star": 0.0}


def test_log_odds_are_finite_at_zero_and_one():
    assert np.isfinite(log_odds([0.0, 1.0])).all() and log_odds(0.5) == 0.0


def test_smoke_run_writes_a_rule_the_server_loads(tmp_path):
    joint.main(["--pen", str(ROOT / "tests" / "fixtures" / "pendigits_sample.txt"), "--per-kind", "1",
                "--numbers", "6", "--copies", "1", "--workers", "1", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "joint.json").read_text())
    assert report["command"].startswith("python -m training.joint --pen pendigits_sample.txt")
    assert report["data"]["drawings"] == 20 * 1 + 20 + 6   # every training kind once, 20 digits, 6 numbers
    for part in ("without the rule", "with the rule"):
        assert set(report["validation"][part]["by kind"]) <= set(joint.nondigits.TRAIN_KINDS)
    (tmp_path / "gate.tflite").write_bytes((ROOT / "model" / "gate.tflite").read_bytes())
    rule = load_joint_rule(tmp_path / "gate.tflite")
    assert rule.below == report["thresholds"] and len(rule.below) == 12
    assert rule.outside_weight == report["outside_weight"]


def test_a_weight_of_the_wrong_sign_is_left_out():
    rng = np.random.default_rng(3)
    digits = np.column_stack([rng.uniform(0.0, 0.3, 400), rng.uniform(0.2, 0.6, 400), rng.uniform(0, 0.3, 400)])
    not_digits = np.column_stack([rng.uniform(0.5, 1.0, 400), rng.uniform(0.6, 1.0, 400), rng.uniform(0.4, 1, 400)])
    x = joint.features([tuple(r) for r in np.vstack([digits, not_digits])])
    y = np.r_[np.ones(400), np.zeros(400)]
    assert joint.fit(x, y)[1] < 0   # here a surer answer is less often a digit ...
    weights = joint.monotone_fit(x, y)
    assert weights[1] == 0.0 and weights[0] < 0 and weights[2] < 0   # ... which the rule does not learn
