"""The pen's path as the stroke reader reads it (webapp/reading/pen_path.py), the reader and how its
answer joins the digit model's (webapp/reading/stroke_reader.py), and both through the API."""

import base64
import logging
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from training import pendigits, synth
from training.people import PAGE_BRUSH
from webapp import ROOT
from webapp.reading import pipeline, preprocess
from webapp.reading.pen_path import CHANNELS, POINTS, features, piece_strokes
from webapp.reading.stroke_reader import combine, load_stroke_reader

STROKES_MODEL = ROOT / "model" / "strokes.tflite"


def test_features_do_not_depend_on_size_place_or_sampling(pen_digits):
    """The same path drawn larger, elsewhere and sampled four times as densely gives the
    same features; it fills [-1, 1] along its longer side; a new stroke is flagged once
    for each time the pen comes down again."""
    for digit in pen_digits[:20]:
        f = features(list(digit.strokes))
        assert f.shape == (POINTS, CHANNELS) and f.dtype == np.float32
        assert 0.85 < np.abs(f[:, :2]).max() <= 1.0 + 1e-6
        placed = pendigits.place(digit, 300.0, (200.0, 260.0), spacing=1.0)
        g = features(placed)
        assert np.abs(f[:, :2] - g[:, :2]).max() < 0.05
        assert f[:, 4].sum() == len(digit.strokes) - 1
    two = features([np.array([[0.0, 0.0], [0.0, 10.0]]), np.array([[5.0, 0.0], [5.0, 10.0]])])
    assert two[:, 4].sum() == 1                       # two strokes: the pen came down again once
    assert np.allclose(two[[0, -1], :2], [[-0.5, -1.0], [0.5, 1.0]])   # 10 tall fills [-1, 1]; 5 apart: +-0.5


def _ink(strokes, size=(120, 80), width=6):
    """The mask of strokes painted `width` px wide on a (width, height) image."""
    image = Image.new("L", size, 0)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        draw.line([tuple(p) for p in stroke], fill=255, width=width)
    return np.asarray(image) > 0


def _line(a, b, points=30):
    return np.linspace(a, b, points)


def test_each_piece_keeps_its_own_strokes_in_the_order_drawn():
    """Two digits side by side, and a stroke joining them: each piece gets the runs of the
    strokes that lie on its ink, the joining stroke cut where it leaves the piece."""
    one, seven_bar, seven_stem = _line((20, 10), (20, 70)), _line((60, 10), (100, 10)), _line((100, 10), (75, 70))
    joining = _line((22, 40), (85, 40))
    mask = _ink([one, seven_bar, seven_stem, joining])
    left, right = np.zeros_like(mask), np.zeros_like(mask)
    left[:, :50], right[:, 50:] = mask[:, :50], mask[:, 50:]
    boxed = [(box, m[box[0]:box[2], box[1]:box[3]]) for m in (left, right)
             for box in [preprocess.bounding_box(m)]]

    runs = piece_strokes([one, seven_bar, seven_stem, joining], *boxed[0])
    assert len(runs) == 2 and np.array_equal(runs[0], one)
    assert runs[1][:, 0].max() < 52 and runs[1][0, 0] == 22          # the joining stroke up to the cut
    runs = piece_strokes([one, seven_bar, seven_stem, joining], *boxed[1])
    assert [len(r) for r in runs[:2]] == [30, 30] and np.array_equal(runs[0], seven_bar)
    assert runs[2][:, 0].min() > 48 and runs[2][-1, 0] == 85          # ... and on from it


def test_strokes_that_did_not_draw_the_ink_are_not_read():
    one, bar = _line((20, 10), (20, 70)), _line((10, 10), (40, 10))
    mask = _ink([one, bar])
    box = preprocess.bounding_box(mask)
    piece = (box, mask[box[0]:box[2], box[1]:box[3]])
    assert piece_strokes([one, bar], *piece) is not None
    assert piece_strokes([one * 2, bar * 2], *piece) is None          # the image was scaled, the strokes not
    assert piece_strokes([one[:8]], *piece) is None                   # a scrap of the ink's strokes
    assert piece_strokes([_line((100, 5), (110, 75))], *piece) is None   # another drawing's


def test_combining_weighs_the_two_readers_in_logs():
    image = np.array([[0.7, 0.3, 0, 0, 0, 0, 0, 0, 0, 0]], np.float32)
    strokes = np.array([[0.2, 0.8, 0, 0, 0, 0, 0, 0, 0, 0]], np.float32)
    assert np.allclose(combine(image, strokes, 0.0), image, atol=1e-6)
    assert np.allclose(combine(image, strokes, 1.0), strokes, atol=1e-6)
    both = combine(image, strokes, 0.5)
    assert np.allclose(both[0, :2], np.sqrt([0.14, 0.24]) / np.sqrt([0.14, 0.24]).sum(), atol=1e-6)
    assert both.sum() == pytest.approx(1.0, abs=1e-6)
    assert combine(image, strokes, 0.5, 2.0)[0].max() < both[0].max()   # a higher temperature: less sure


def test_the_stroke_reader_is_optional_and_needs_its_weight(tmp_path, caplog):
    assert load_stroke_reader(tmp_path / "strokes.tflite") is None     # no file: no reader
    shutil.copy(STROKES_MODEL, tmp_path / "strokes.tflite")
    with caplog.at_level(logging.WARNING):
        assert load_stroke_reader(tmp_path / "strokes.tflite") is None     # no strokes.json: no weight
    assert "no usable weight" in caplog.text
    for nonsense in ('{"weight": 1.5}', '{"weight": 0.3, "temperature": 0}', '{"weight": "a lot"}'):
        (tmp_path / "strokes.json").write_text(nonsense)
        assert load_stroke_reader(tmp_path / "strokes.tflite") is None
    (tmp_path / "strokes.json").write_text('{"weight": 0.3}')
    reader = load_stroke_reader(tmp_path / "strokes.tflite")
    assert reader.weight == 0.3 and reader.temperature == 1.0
    assert reader.gate is None and reader.read([[np.array([[0.0, 0.0], [5.0, 9.0]])]])[1] is None   # no strokes gate


def test_a_strokes_gate_that_cannot_be_used_is_left_out(tmp_path, caplog):
    for name in ("strokes.tflite", "strokes.json"):
        shutil.copy(ROOT / "model" / name, tmp_path / name)
    gate = tmp_path / "strokes-gate.tflite"
    for broken in ((ROOT / "model" / "strokes-gate.tflite").read_bytes()[:5000],   # cut short
                   (ROOT / "model" / "gate.tflite").read_bytes(),                   # the pixel gate: wrong input
                   (ROOT / "model" / "strokes.tflite").read_bytes()):               # answers 10, not 1
        gate.write_bytes(broken)
        with caplog.at_level(logging.WARNING, logger="webapp.reading.stroke_reader"):
            reader = load_stroke_reader(tmp_path / "strokes.tflite")
        assert reader is not None and reader.gate is None   # the stroke reader still serves
        assert "strokes gate" in caplog.text and "not used" in caplog.text
        caplog.clear()


def test_the_strokes_gate_beside_the_reader_answers_for_each_path(pen_digits):
    reader = load_stroke_reader(STROKES_MODEL)
    assert reader.gate is not None   # strokes-gate.tflite ships beside strokes.tflite
    spiral = [np.array([[np.cos(t) * t, np.sin(t) * t] for t in np.linspace(0, 6 * np.pi, 200)]) * 10]
    p, outside = reader.read([list(d.strokes) for d in pen_digits[:20]] + [spiral])
    assert p.shape == (21, 10) and outside.shape == (21,) and ((0 <= outside) & (outside <= 1)).all()
    assert np.median(outside[:20]) < 0.5 < outside[20]   # people's digits inside, a spiral of three turns outside


def test_the_served_stroke_reader_answers_as_its_keras_model(pen_digits):
    import keras
    paths = np.stack([features(list(d.strokes)) for d in pen_digits])
    keras_p = keras.models.load_model(ROOT / "model" / "strokes.keras", compile=False).predict(paths, verbose=0)
    served = load_stroke_reader(STROKES_MODEL)
    assert np.abs(served.read([list(d.strokes) for d in pen_digits])[0] - keras_p).max() < 1e-5
    assert (keras_p.argmax(axis=1) == [d.label for d in pen_digits]).mean() >= 0.9


def _posted(digit, rng):
    """A pen digit drawn as the page draws it: its PNG data URL and the strokes it posts."""
    strokes, width = pendigits.random_strokes(digit, rng, PAGE_BRUSH)
    png = synth.png_bytes(pendigits.paint(strokes, width))
    posted = [[[round(float(x), 1), round(float(y), 1)] for x, y in pendigits.painted_path(s)] for s in strokes]
    return "data:image/png;base64," + base64.b64encode(png).decode(), posted


def test_the_answer_joins_both_readers(app, client, pen_digits):
    """Posted with its strokes, each digit's probabilities are the digit model's combined
    with the stroke reader's as strokes.json says (whether it is a digit at all is the
    joint rule's: tests/webapp/reading/test_joint.py); without strokes, the answer is the pixels'
    alone."""
    reader = app.extensions["stroke_reader"]
    rng = np.random.default_rng(5)
    changed = 0
    for digit in pen_digits[:12]:
        image, strokes = _posted(digit, rng)
        plain = client.post("/api/predict", json={"image": image}).get_json()
        both = client.post("/api/predict", json={"image": image, "strokes": strokes}).get_json()
        assert not plain["strokes_read"] and both["strokes_read"] and both["digits"][0]["strokes_read"]
        expected = combine(np.array(plain["probabilities"]), reader.read([[np.array(s) for s in strokes]])[0][0],
                           reader.weight, reader.temperature)
        assert np.allclose(both["probabilities"], expected, atol=2e-3)
        assert both["is_digit"] and both["outside"] == plain["outside"]   # a real digit, the same gate answer
        changed += both["probabilities"] != plain["probabilities"]
    assert changed > 0   # where both are all but certain, the rounded answers are the same


def test_each_digit_of_a_number_is_read_with_its_own_strokes(app, client, pen_digits):
    reader = app.extensions["stroke_reader"]
    (a, a_strokes), (b, b_strokes) = [(d, pendigits.place(d, 160.0, (280.0, x), spacing=4.0))
                                      for d, x in ((pen_digits[0], 150.0), (pen_digits[1], 400.0))]
    strokes = a_strokes + b_strokes
    png = synth.png_bytes(pendigits.paint(strokes, 14.0))
    image = "data:image/png;base64," + base64.b64encode(png).decode()
    posted = [[[float(x), float(y)] for x, y in s] for s in strokes]
    plain = client.post("/api/predict", json={"image": image}).get_json()
    body = client.post("/api/predict", json={"image": image, "strokes": posted}).get_json()
    assert body["number"] == f"{a.label}{b.label}" and [d["strokes_read"] for d in body["digits"]] == [True, True]
    assert not body["strokes_read"]   # the whole drawing read as one digit: not one digit's strokes
    for digit, pixels, own in zip(body["digits"], plain["digits"], (a_strokes, b_strokes)):
        expected = combine(np.array(pixels["probabilities"]), reader.read([own])[0][0], reader.weight,
                           reader.temperature)
        assert np.allclose(digit["probabilities"], expected, atol=2e-3)


def test_without_a_stroke_reader_or_past_the_limits_the_pixels_answer_alone(client, pen_digits, tmp_path):
    from webapp import create_app
    from webapp.reading.segment import RULES
    image, strokes = _posted(pen_digits[3], np.random.default_rng(1))
    plain = client.post("/api/predict", json={"image": image}).get_json()
    too_many = strokes * (RULES.max_strokes // len(strokes) + 1)   # the same strokes over and over: not writing
    body = client.post("/api/predict", json={"image": image, "strokes": too_many}).get_json()
    assert not body["strokes_read"] and body["probabilities"] == plain["probabilities"]
    bare = create_app({"TESTING": True, "STROKES_PATH": str(tmp_path / "none.tflite"),
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'feedback.sqlite3'}"}).test_client()
    body = bare.post("/api/predict", json={"image": image, "strokes": strokes}).get_json()
    assert not body["strokes_read"] and body["probabilities"] == plain["probabilities"]


def test_a_reading_is_judged_a_digit_by_the_pixels_confidence():
    p = np.array([0.9, 0.1, 0, 0, 0, 0, 0, 0, 0, 0], np.float32)
    pixels = np.zeros((28, 28), np.float32)
    assert pipeline.Reading(p, pixels, reject_below=0.5).is_digit
    assert not pipeline.Reading(p, pixels, reject_below=0.5, image_confidence=0.4).is_digit
    assert pipeline.Reading(p, pixels, reject_below=0.5, image_confidence=0.6).as_json()["strokes_read"]
