"""POST /api/feedback and GET /api/today through Flask's test client, on real stores."""

import base64
import hashlib
import json

import pytest

from tests.feedback.helpers import drawing_png, feedback_body
from tests.feedback.stores import database_url, app_with  # noqa: F401 - fixtures
from webapp import ROOT


@pytest.fixture
def client(app_with, database_url):
    return app_with(database_url).test_client()


def test_a_correction_is_kept_with_everything_posted(client, app):
    body = feedback_body("47", answer="41", label="47", pointer="touch")
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 201, response.get_json()
    row_id = response.get_json()["id"]
    store = app.extensions["store"]
    assert store.ids() == {row_id}
    (kept,) = list(store.drawings())
    assert kept[1] == base64.b64decode(body["image"].split(",", 1)[1])   # the image as received
    assert kept[2] == body["strokes"] and kept[3] == "47"
    assert store.latest(1)[0]["answer"] == "41" and store.latest(1)[0]["pointer"] == "touch"
    model = ROOT / "model" / "digits.tflite"
    with store.engine.connect() as connection:
        name, sha = connection.exec_driver_sql("SELECT model_name, model_sha256 FROM feedback").one()
    assert (name, sha) == ("digits.tflite", hashlib.sha256(model.read_bytes()).hexdigest())


def test_strokes_and_pointer_are_optional(client):
    body = feedback_body("7")
    del body["strokes"]
    assert client.post("/api/feedback", json=body).status_code == 201


@pytest.mark.parametrize("change,message", [
    ({"label": "4a"}, '"label"'), ({"label": ""}, '"label"'), ({"label": 7}, '"label"'),
    ({"label": "1234567890123"}, '"label"'), ({"label": None}, '"label"'), ({"label": "٣"}, '"label"'),
    ({"answer": None}, '"answer"'), ({"answer": "x"}, '"answer"'),
    ({"image": None}, '"image"'), ({"image": ""}, '"image"'), ({"image": "!!!"}, "base64"),
    ({"image": "data:image/png;base64," + base64.b64encode(b"not a picture").decode()}, "not an image"),
    ({"strokes": [[[1, "x"]]]}, '"strokes"'), ({"pointer": "finger"}, '"pointer"'),
])
def test_bad_input_is_a_400_as_for_predict(client, change, message):
    body = {**feedback_body("7"), **change}
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_a_missing_image_or_a_body_that_is_not_json_is_a_400(client):
    body = feedback_body("7")
    del body["image"]
    assert client.post("/api/feedback", json=body).status_code == 400
    response = client.post("/api/feedback", data=b"nope", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]


def test_over_the_limits_is_a_413(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/feedback", data=b"{" + b" " * limit + b"}", content_type="application/json")
    assert response.status_code == 413 and "error" in response.get_json()
    pixels = app.config["MAX_IMAGE_PIXELS"]
    app.config["MAX_IMAGE_PIXELS"] = 1000
    try:
        response = client.post("/api/feedback", json=feedback_body("7"))
    finally:
        app.config["MAX_IMAGE_PIXELS"] = pixels
    assert response.status_code == 413 and "limit" in response.get_json()["error"]


def test_today_counts_drawings_and_digits(client):
    for answer, label in [("7", "7"), ("41", "47"), ("1", "7"), ("123", "12")]:
        assert client.post("/api/feedback", json=feedback_body("7", answer=answer, label=label)).status_code == 201
    today = client.get("/api/today").get_json()
    assert today == {"drawings": 4, "right": 1, "accuracy": 0.25, "digits": 6, "digits_right": 2,
                     "digit_accuracy": 0.3333}


def test_an_unreachable_store_is_a_503_and_predict_still_works(app_with, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    for url in ("postgresql://nobody@127.0.0.1:1/none", f"sqlite:///{blocked}/feedback.sqlite3"):
        client = app_with(url).test_client()
        response = client.post("/api/feedback", json=feedback_body("7"))
        assert response.status_code == 503
        assert "error" in response.get_json() and response.headers["Retry-After"]
        assert client.get("/api/today").status_code == 503
        png, strokes = drawing_png("7")
        predicted = client.post("/api/predict", json={"image": base64.b64encode(png).decode(), "strokes": strokes})
        assert predicted.status_code == 200 and predicted.get_json()["number"] == "7"
        bad = client.post("/api/feedback", json={**feedback_body("7"), "label": "x"})
        assert bad.status_code == 400   # the client's mistake is still named first


def test_a_store_that_comes_back_is_used_again(app_with, tmp_path):
    path = tmp_path / "later" / "feedback.sqlite3"
    (tmp_path / "later").write_text("in the way")
    client = app_with(f"sqlite:///{path}").test_client()
    assert client.post("/api/feedback", json=feedback_body("7")).status_code == 503
    (tmp_path / "later").unlink()
    path.parent.mkdir()
    response = client.post("/api/feedback", json=feedback_body("7"))
    assert response.status_code == 201, json.dumps(response.get_json())
