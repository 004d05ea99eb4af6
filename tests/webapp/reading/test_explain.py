"""POST /api/explain through Flask's test client: its fields, their values on known
drawings, the same reading and the same errors as /api/predict, and 503 without the
explain model."""

import base64
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from webapp import ROOT, create_app

SIZES = [[28, 28], [28, 28], [14, 14], [14, 14], [7, 7]]


def drawing(*lines, size=(300, 300)):
    """A PNG of black strokes (lists of points) on white paper."""
    image = Image.new("L", size, 255)
    pen = ImageDraw.Draw(image)
    for points in lines:
        pen.line(points, fill=0, width=16, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


ONE = drawing([(150, 40), (147, 260)])
SEVENTEEN = drawing([(80, 60), (78, 240)], [(160, 60), (260, 60), (200, 240)], size=(320, 300))


def data_url(png):
    return "data:image/png;base64," + base64.b64encode(png).decode()


def picture(url, mode=None):
    assert url.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert mode is None or image.mode == mode
    return np.asarray(image)


def explain(client, png, **fields):
    response = client.post("/api/explain", json={"image": data_url(png), **fields})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_fields_and_their_shapes(client):
    body = explain(client, ONE)
    assert body["digit"] == 1 and body["index"] is None and body["number"] == "1"
    assert body["evidence"]["towards"] == 1 and body["evidence"]["against"] == body["runner_up"] != 1
    assert picture(body["input"]).shape == (28, 28)
    assert [layer["size"] for layer in body["layers"]] == SIZES
    assert [layer["channels"] for layer in body["layers"]] == [32, 32, 64, 64, 128]
    assert [layer["stage"] for layer in body["layers"]] == [1, 1, 2, 2, 3]
    for layer in body["layers"]:
        assert len(layer["maps"]) == 12
        activity = [m["activity"] for m in layer["maps"]]
        assert activity == sorted(activity, reverse=True)     # the most active first
        assert len({m["index"] for m in layer["maps"]}) == 12
        assert all(0 <= m["index"] < layer["channels"] for m in layer["maps"])
        for m in layer["maps"]:
            pixels = picture(m["image"], "L")
            assert list(pixels.shape) == layer["size"]
            assert pixels.max() in (0, 255)                   # each map scaled to its own largest value
    assert len(body["dense"]["values"]) == 128 and max(body["dense"]["values"]) == 255
    assert all(type(v) is int and 0 <= v <= 255 for v in body["dense"]["values"])
    values = np.array(body["evidence"]["values"])
    assert values.shape == (28, 28) and np.abs(values).max() == 100
    assert picture(body["evidence"]["image"], "RGBA").shape == (28, 28, 4)
    assert body["elapsed_ms"] > 0


def test_the_evidence_for_a_one_lies_on_its_stroke(client):
    body = explain(client, ONE)
    ink = picture(body["input"]) > 0
    values = np.array(body["evidence"]["values"])
    assert not values[~ink].any()                             # evidence on the ink alone
    towards = np.clip(values, 0, None)
    columns = np.flatnonzero(ink.any(axis=0))
    assert towards[:, columns.min():columns.max() + 1].sum() == towards.sum() > 0
    rows = np.flatnonzero(towards.sum(axis=1) > 0)
    assert rows.max() - rows.min() >= 12                      # along the stroke, not in one spot


def test_the_bar_of_a_seven_is_the_evidence_against_a_one(client):
    body = explain(client, SEVENTEEN, index=1)
    assert (body["digit"], body["runner_up"]) == (7, 1)
    values = np.array(body["evidence"]["values"])
    rows = np.flatnonzero((picture(body["input"]) > 0).any(axis=1))
    bar, rest = values[rows.min():rows.min() + 4], values[rows.min() + 4:]
    assert bar.sum() > 0.5 * np.clip(values, 0, None).sum()   # most evidence for 7 is in its bar
    assert rest.min() < 0                                     # the stem alone looks like a 1


def test_probabilities_are_the_served_ones(client):
    predicted = client.post("/api/predict", json={"image": data_url(SEVENTEEN)}).get_json()
    assert predicted["number"] == "17"
    whole = explain(client, SEVENTEEN)
    assert whole["probabilities"] == predicted["probabilities"] and whole["input"] == predicted["input"]
    for i, digit in enumerate(predicted["digits"]):
        each = explain(client, SEVENTEEN, index=i)
        assert each["index"] == i and each["digit"] == digit["digit"] == [1, 7][i]
        assert each["probabilities"] == digit["probabilities"]
        assert each["input"] == digit["input"] and each["box"] == digit["box"]
        assert each["evidence"]["towards"] == digit["digit"]


def test_index_by_form_field_and_query(client):
    form = client.post("/api/explain", data={"image": (io.BytesIO(SEVENTEEN), "n.png"), "index": "1"},
                       content_type="multipart/form-data")
    raw = client.post("/api/explain?index=0", data=SEVENTEEN, content_type="image/png")
    assert (form.status_code, form.get_json()["digit"]) == (200, 7)
    assert (raw.status_code, raw.get_json()["digit"]) == (200, 1)


@pytest.mark.parametrize("kwargs", [
    {"data": "{not json", "content_type": "application/json"},
    {"data": '{"image": "' + data_url(ONE) + '"}', "content_type": "text/plain"},
    {"json": {"image": data_url(drawing())}},                           # no ink at all
    {"json": {"picture": data_url(ONE)}},
    {"data": b"\x89PNG not really", "content_type": "image/png"},
])
def test_bad_input_gets_the_same_error_as_predict(client, kwargs):
    predicted = client.post("/api/predict", **kwargs)
    explained = client.post("/api/explain", **kwargs)
    assert 400 <= explained.status_code < 500
    assert (explained.status_code, explained.get_json()) == (predicted.status_code, predicted.get_json())
    assert set(explained.get_json()) == {"error"}


@pytest.mark.parametrize("index, status", [(2, 422), (-1, 400), ("one", 400), (True, 400), (1.5, 400)])
def test_a_bad_index_is_a_4xx(client, index, status):
    response = client.post("/api/explain", json={"image": data_url(SEVENTEEN), "index": index})
    assert response.status_code == status and set(response.get_json()) == {"error"}


@pytest.mark.parametrize("explain_path", ["missing.tflite", str(ROOT / "model" / "digits.tflite")])
def test_without_the_explain_model_503_and_predict_still_reads(tmp_path, explain_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'f.sqlite3'}",
                      "EXPLAIN_PATH": str(tmp_path / explain_path)})
    client = app.test_client()
    response = client.post("/api/explain", json={"image": data_url(ONE)})
    assert response.status_code == 503 and "explain" in response.get_json()["error"]
    predicted = client.post("/api/predict", json={"image": data_url(ONE)})
    assert predicted.status_code == 200 and predicted.get_json()["digit"] == 1
