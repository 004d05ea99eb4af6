"""Choosing the joint rule: the fit, the thresholds, and a smoke run end to end whose
joint.json the server loads."""

import json

import numpy as np

from training import joint
from webapp import ROOT
from webapp.gate import load_joint_rule, log_odds


def test_the_fit_finds_which_way_digits_lie():
    rng = np.random.default_rng(0)
    digits = np.column_stack([rng.uniform(0.0, 0.3, 300), rng.uniform(0.7, 1.0, 300)])      # inside, sure
    not_digits = np.column_stack([rng.uniform(0.5, 1.0, 300), rng.uniform(0.2, 0.8, 300)])  # outside, unsure
    x = joint.features([tuple(r) for r in np.vstack([digits, not_digits])])
    y = np.r_[np.ones(300), np.zeros(300)]
    outside_weight, confidence_weight, _ = b = joint.fit(x, y)
    assert outside_weight < 0 < confidence_weight
    assert ((x @ b > 0) == (y == 1)).mean() > 0.95


def _rows(rng, count):
    """Rows as read_all makes them: digits alone (one reading each), numbers of two, and
    non-digits, with made-up gate answers and confidences."""
    rows = [("alone", 1, "7", [(float(rng.uniform(0, 0.4)), float(rng.uniform(0.6, 1)), True)])
            for _ in range(count)]
    rows += [("numbers", 2, "12", [(float(rng.uniform(0, 0.4)), float(rng.uniform(0.6, 1)), True)
                                   for _ in range(2)]) for _ in range(count)]
    rows += [("heart", 0, "", [(float(rng.uniform(0.3, 1)), float(rng.uniform(0.2, 0.9)), True)])
             for _ in range(count)]
    rows += [("star", 0, "", [(0.9, 0.9, False)])]   # strokes not read: not the rule's to judge
    return rows


def test_the_thresholds_keep_the_share_of_digits_asked_for():
    rows = _rows(np.random.default_rng(1), 2000)
    rule = joint.choose(rows, keep=0.99, longest=3)
    assert len(rule.below) == 3 and rule.below[0] > 0
    alone = np.array([rule.score(o, c) for _, _, _, rs in rows[:2000] for o, c, _ in rs])
    assert abs((alone >= rule.below[0]).mean() - 0.99) < 0.002
    pairs = np.array([[rule.score(o, c) for o, c, _ in rs] for _, _, _, rs in rows[2000:4000]])
    assert abs((pairs >= rule.below[1]).all(axis=1).mean() - 0.99) < 0.01   # numbers of two, whole
    assert rule.score(0.01, 0.99) > rule.score(0.99, 0.99) and rule.score(0.2, 0.99) > rule.score(0.2, 0.5)


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
