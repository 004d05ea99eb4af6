"""The "not a digit" gate as served: the shipped file loads and answers probabilities,
the served path turns away held-out drawings that are not digits and keeps digits, a
piece beside one that is not a digit is held to the stricter threshold, the API reports
`outside`, and the app runs as before without a gate file."""

import base64
import json
import shutil

import numpy as np
import pytest

from training import evaluation, nondigits, pendigits, people
from webapp import ROOT, create_app
from webapp.reading import png
from webapp.reading.pipeline import Reading, beside_not_a_digit
from webapp.reading.verdict import Gate, load_gate, measured_gate_thresholds

GATE = ROOT / "model" / "gate.tflite"


def data_url(data):
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_the_shipped_gate_answers_probabilities(mnist_sample):
    gate = load_gate(GATE)
    assert GATE.stat().st_size < 1_000_000
    x = (mnist_sample["x_test"][:20].astype(np.float32) / 255.0)[..., None]
    p = gate.outside(x)
    assert p.shape == (20,) and ((0.0 <= p) & (p <= 1.0)).all()
    assert gate.above == measured_gate_thresholds(GATE) and len(gate.above) == 12
    assert np.median(p) < gate.above[0]   # MNIST test digits are inside


# Drawn by the held-out makers, and read by the digit model as a digit it is sure of
# (0.93, 0.97, 1.0, 0.92): the gate alone turns them away.
@pytest.mark.parametrize("kind, seed", [("heart", 0), ("face", 0), ("star", 1), ("house", 0)])
def test_a_held_out_drawing_that_is_not_a_digit_is_turned_away(app, kind, seed):
    rgba = nondigits.HELD_OUT_KINDS[kind](np.random.default_rng(seed))
    result = app.extensions["reader"].read(png.encode(rgba, level=1))
    assert evaluation.shows_no_digit(result), (result.number, [d.outside for d in result.digits])
    assert result.whole.confidence >= result.whole.reject_below and result.whole.outside > result.whole.outside_above


def test_a_drawn_digit_and_a_number_are_kept(app, pen_digits):
    held_out = [d for d in pen_digits if d.writer in pendigits.HELD_OUT_WRITERS]
    rng = np.random.default_rng(1)
    digit = held_out[0]
    result = app.extensions["reader"].read(png.encode(pendigits.random_drawing(digit, rng, people.PAGE_BRUSH)))
    assert result.number == str(digit.label) and result.whole.outside < result.whole.outside_above
    number = [held_out[3], held_out[7]]
    result = app.extensions["reader"].read(png.encode(people.number_drawing(number, rng)[0]))
    assert result.number == "".join(str(d.label) for d in number)


def test_the_api_reports_outside_for_the_drawing_and_each_piece(client, pen_digits):
    rng = np.random.default_rng(2)
    rgba = people.number_drawing(pen_digits[:2], rng)[0]
    body = client.post("/api/predict", json={"image": data_url(png.encode(rgba))}).get_json()
    assert 0.0 <= body["outside"] <= 1.0
    assert len(body["digits"]) == 2 and all(0.0 <= d["outside"] <= 1.0 for d in body["digits"])


def test_without_a_gate_file_the_app_reads_as_before(tmp_path, pen_digits):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'f.sqlite3'}",
                      "GATE_PATH": str(tmp_path / "no-gate.tflite")})
    assert app.extensions["gate"] is None
    rgba = pendigits.random_drawing(pen_digits[0], np.random.default_rng(3), people.PAGE_BRUSH)
    body = app.test_client().post("/api/predict", json={"image": data_url(png.encode(rgba))}).get_json()
    assert body["outside"] is None and body["digits"][0]["outside"] is None
    assert body["digit"] == pen_digits[0].label


def _piece(outside, above=0.9):
    return Reading(np.eye(10)[3], np.zeros((28, 28)), reject_below=0.5, outside=outside, outside_above=above)


def test_a_piece_beside_one_that_is_not_a_digit_needs_more_evidence():
    gate = Gate(model=None, above=[0.95, 0.9], beside=0.1)
    cat = beside_not_a_digit([_piece(0.3), _piece(0.99)], gate)   # a head read as 0 beside a body
    assert [r.is_digit for r in cat] == [False, False] and cat[0].outside_above == 0.1
    number = beside_not_a_digit([_piece(0.3), _piece(0.05)], gate)   # every piece a digit: as before
    assert [r.is_digit for r in number] == [True, True] and number[0].outside_above == 0.9
    assert beside_not_a_digit([_piece(0.05), _piece(0.99)], gate)[0].is_digit   # sure enough beside a word
    assert beside_not_a_digit([_piece(0.3), _piece(0.99)], Gate(None, 0.9))[0].is_digit   # no beside: no rule


def test_the_beside_threshold_is_read_from_gate_json(tmp_path):
    shutil.copy(GATE, tmp_path / "gate.tflite")
    report = json.loads((GATE.with_name("gate.json")).read_text())
    (tmp_path / "gate.json").write_text(json.dumps({**report, "beside": 0.25}))
    assert load_gate(tmp_path / "gate.tflite").beside == 0.25
    (tmp_path / "gate.json").write_text(json.dumps({k: v for k, v in report.items() if k != "beside"}))
    assert load_gate(tmp_path / "gate.tflite").beside is None
    # thresholds given (DIGITS_GATE_ABOVE) override gate.json's, `beside` too: 1.0 never rejects
    (tmp_path / "gate.json").write_text(json.dumps({**report, "beside": 0.25}))
    overridden = load_gate(tmp_path / "gate.tflite", above=1.0)
    assert overridden.above == 1.0 and overridden.beside is None
