"""The gate's joint rule as served: the shipped rule loads beside the gate, a reading
whose strokes were read is judged by it (and only such a reading), the rule for a piece
beside a non-digit still holds, and a rule that cannot be used is left out."""

import json
import logging
import shutil
from dataclasses import replace

import numpy as np
import pytest

from training import nondigits, pendigits, people
from webapp import ROOT, create_app
from webapp.reading import png
from webapp.reading.pipeline import Reading, beside_not_a_digit, judged_jointly
from webapp.reading.verdict import Gate, JointRule, load_gate, load_joint_rule

GATE = ROOT / "model" / "gate.tflite"


def test_the_shipped_rule_loads_beside_the_gate():
    rule = load_gate(GATE).joint
    report = json.loads(GATE.with_name("joint.json").read_text())
    assert isinstance(rule, JointRule) and rule.below == report["thresholds"] and len(rule.below) == 12
    # the surer either gate that it is not a digit, the lower the score; the surer the answer, never lower
    assert rule.score(0.01, 0.9, 0.1) > rule.score(0.5, 0.9, 0.1) > rule.score(0.99, 0.9, 0.1)
    assert rule.score(0.1, 0.9, 0.01) > rule.score(0.1, 0.9, 0.5) > rule.score(0.1, 0.9, 0.99)
    assert rule.score(0.2, 0.99, 0.1) >= rule.score(0.2, 0.5, 0.1)


def _reading(confidence, outside, strokes_read=True):
    p = np.full(10, (1 - confidence) / 9)
    p[3] = confidence
    return Reading(p, np.zeros((28, 28)), reject_below=0.3, outside=outside, outside_above=0.9,
                   image_confidence=confidence if strokes_read else None)


RULE = JointRule(outside_weight=-1.0, confidence_weight=1.0, bias=0.0, below=[0.5, 0.4])
GATE_WITH_RULE = Gate(model=None, above=[0.9, 0.8], beside=0.1, joint=RULE)


def test_a_reading_whose_strokes_were_read_is_judged_by_the_rule():
    # the gate alone would turn it away (0.95 > 0.9): both readers sure of a 3 outweigh it
    sure = judged_jointly(_reading(0.991, 0.95), GATE_WITH_RULE, 1)
    assert sure.is_digit and sure.joint_score > 0.5 and sure.joint_below == 0.5
    assert not _reading(0.991, 0.95).is_digit
    # the gate and the confidence thresholds alone would keep it: unsure both ways, turned away
    unsure = judged_jointly(_reading(0.5, 0.7), GATE_WITH_RULE, 1)
    assert _reading(0.5, 0.7).is_digit and not unsure.is_digit
    # a digit of a number: that many digits' threshold
    assert judged_jointly(_reading(0.5, 0.4), GATE_WITH_RULE, 2).joint_below == 0.4


def test_the_strokes_gate_weighs_in_where_the_rule_has_a_weight_for_it():
    rule = JointRule(outside_weight=-1.0, confidence_weight=1.0, bias=0.0, below=[0.5], path_weight=-2.0)
    gate = Gate(model=None, above=[0.9], joint=rule)
    spiral = replace(_reading(0.991, 0.2), path_outside=0.99)   # the pixels say 9, the path says no digit
    digit = replace(_reading(0.991, 0.2), path_outside=0.01)
    assert not judged_jointly(spiral, gate, 1).is_digit and judged_jointly(digit, gate, 1).is_digit
    unanswered = _reading(0.991, 0.2)   # no strokes gate answered: the rule cannot judge it
    assert judged_jointly(unanswered, gate, 1) == unanswered


def test_pixels_alone_and_a_gate_without_a_rule_judge_as_before():
    for reading, gate in ((_reading(0.991, 0.95, strokes_read=False), GATE_WITH_RULE),
                          (_reading(0.991, 0.95), Gate(None, [0.9, 0.8])), (_reading(0.991, 0.95), None)):
        assert judged_jointly(reading, gate, 1) == reading and not reading.is_digit


def test_beside_a_non_digit_a_piece_judged_jointly_needs_the_gate_to_be_sure():
    kept = judged_jointly(_reading(0.991, 0.95), GATE_WITH_RULE, 2)
    heart = judged_jointly(_reading(0.5, 0.99), GATE_WITH_RULE, 2)
    assert kept.is_digit and not heart.is_digit
    assert [r.is_digit for r in beside_not_a_digit([kept, heart], GATE_WITH_RULE)] == [False, False]
    sure = judged_jointly(_reading(0.999, 0.05), GATE_WITH_RULE, 2)   # 0.05 <= beside: kept beside a heart
    assert [r.is_digit for r in beside_not_a_digit([sure, heart], GATE_WITH_RULE)] == [True, False]


def test_a_rule_that_cannot_be_used_is_left_out(tmp_path, caplog):
    shutil.copy(GATE, tmp_path / "gate.tflite")
    assert load_joint_rule(tmp_path / "gate.tflite") is None   # no joint.json
    report = json.loads(GATE.with_name("joint.json").read_text())
    for broken in ({**report, "thresholds": []}, {**report, "bias": "much"}, {**report, "outside_weight": None},
                   {**report, "path_weight": float("nan")}, {**report, "thresholds": [0.2, 1.5]},
                   {**report, "outside_weight": 0.4}, [report], None,
                   {k: v for k, v in report.items() if k != "bias"}):   # a weight left out is 0; the bias is needed
        (tmp_path / "joint.json").write_text(json.dumps(broken))
        with caplog.at_level(logging.WARNING, logger="webapp.reading.verdict"):
            assert load_joint_rule(tmp_path / "gate.tflite") is None
        assert "not used" in caplog.text
        caplog.clear()
    (tmp_path / "joint.json").write_text("{not json")
    assert load_gate(tmp_path / "gate.tflite").joint is None   # the gate itself still serves
    (tmp_path / "joint.json").write_text(json.dumps({**report, "thresholds": 0.3}))   # one for every count
    assert load_joint_rule(tmp_path / "gate.tflite").below == [0.3]


def test_without_the_strokes_gate_a_rule_that_weighs_it_leaves_drawings_to_the_other_rules(tmp_path, monkeypatch,
                                                                                            pen_digits):
    for name in ("strokes.tflite", "strokes.json"):   # the stroke reader without its gate
        shutil.copy(ROOT / "model" / name, tmp_path / name)
    warned = []   # the app's logger itself: another test's logging set-up may have disabled its handlers
    monkeypatch.setattr(logging.getLogger("webapp"), "warning", lambda message, *args: warned.append(message))
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'f.sqlite3'}",
                      "STROKES_PATH": str(tmp_path / "strokes.tflite")})
    assert app.extensions["gate"].joint.path_weight and app.extensions["stroke_reader"].gate is None
    assert any("weighs the strokes gate, which is not there" in m for m in warned)
    strokes, width = pendigits.random_strokes(pen_digits[0], np.random.default_rng(0), people.PAGE_BRUSH)
    result = app.extensions["reader"].read(png.encode(pendigits.paint(strokes, width)),
                                           [s.tolist() for s in pendigits.posted(strokes)])
    assert result.whole.image_confidence is not None and result.whole.joint_score is None   # read, not judged jointly
    assert result.number == str(pen_digits[0].label)


def test_the_app_judges_posted_strokes_jointly(app, pen_digits):
    reader = app.extensions["reader"]
    held_out = [d for d in pen_digits if d.writer in pendigits.HELD_OUT_WRITERS]
    for k, digit in enumerate(held_out[:10]):
        strokes, width = pendigits.random_strokes(digit, np.random.default_rng(k), people.PAGE_BRUSH)
        result = reader.read(png.encode(pendigits.paint(strokes, width)), [s.tolist() for s in pendigits.posted(strokes)])
        assert result.number == str(digit.label) and result.whole.joint_score is not None
        assert reader.read(png.encode(pendigits.paint(strokes, width))).whole.joint_score is None   # no strokes
    rgba, strokes = nondigits.HELD_OUT_KINDS["heart"](np.random.default_rng(0), with_strokes=True)
    result = reader.read(png.encode(rgba), [s.tolist() for s in strokes])
    assert result.number == "?" and result.whole.joint_score < result.whole.joint_below


# Drawn with a mouse in straight drags, as the page's own tests draw (fractions of the pad):
# a one, a seven in one stroke, a seven as a stem and then its bar.
STRAIGHT_DIGITS = {"1": [[(0.52, 0.18), (0.51, 0.5), (0.50, 0.82)]],
                   "7": [[(0.28, 0.22), (0.72, 0.22), (0.56, 0.5), (0.44, 0.82)]],
                   "7 ": [[(0.52, 0.18), (0.51, 0.5), (0.50, 0.82)], [(0.30, 0.19), (0.52, 0.18)]]}


@pytest.mark.parametrize("label", STRAIGHT_DIGITS)
def test_digits_drawn_in_straight_drags_are_digits(app, label):
    strokes = [np.array(s) * 560 for s in STRAIGHT_DIGITS[label]]
    result = app.extensions["reader"].read(png.encode(pendigits.paint(strokes, 560 / 30)),
                                           [s.tolist() for s in pendigits.posted(strokes)])
    assert result.whole.joint_score is not None and result.number == label.strip()
