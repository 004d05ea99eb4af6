"""The HTTP API through Flask's test client: the 200 body, and every error status."""

import base64
import io
import json
import zlib

import numpy as np
import pytest
from PIL import Image

from training import synth
from webapp import ROOT, measured_reject_thresholds
from webapp.reading import pipeline, png


def data_url(png):
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.fixture(scope="module")
def drawn_digits(mnist_sample):
    """Ten canvas exports of MNIST test digits, one per class: (png bytes, label)."""
    x, y = mnist_sample["x_test"], mnist_sample["y_test"]
    return [(synth.png_bytes(synth.render(x[np.flatnonzero(y == d)[0]] / 255.0, 300, 24)), d)
            for d in range(10)]


def test_predict_answers_with_digit_probabilities_and_input(client, drawn_digits):
    png, label = drawn_digits[3]
    response = client.post("/api/predict", json={"image": data_url(png)})
    assert response.status_code == 200
    body = response.get_json()
    assert body["digit"] == label
    assert len(body["probabilities"]) == 10
    assert sum(body["probabilities"]) == pytest.approx(1.0, abs=1e-3)
    assert body["confidence"] == pytest.approx(max(body["probabilities"]), abs=1e-4)
    assert body["probabilities"].index(max(body["probabilities"])) == body["digit"]
    assert isinstance(body["uncertain"], bool) and 0 <= body["runner_up"] <= 9
    assert body["input"].startswith("data:image/png;base64,")
    seen = Image.open(io.BytesIO(base64.b64decode(body["input"].split(",", 1)[1])))
    assert seen.size == (28, 28)


def test_reads_all_ten_drawn_digits(client, drawn_digits):
    answers = [client.post("/api/predict", json={"image": data_url(png)}).get_json()["digit"]
               for png, _ in drawn_digits]
    assert answers == list(range(10))


def test_bare_base64_multipart_and_raw_body_give_the_same_answer(client, drawn_digits):
    png, label = drawn_digits[5]
    bare = client.post("/api/predict", json={"image": base64.b64encode(png).decode()})
    form = client.post("/api/predict", data={"image": (io.BytesIO(png), "five.png")},
                       content_type="multipart/form-data")
    raw = client.post("/api/predict", data=png, content_type="image/png")
    answers = {r.status_code for r in (bare, form, raw)}, {r.get_json()["digit"] for r in (bare, form, raw)}
    assert answers == ({200}, {label})


def test_jpeg_dark_ink_on_light_paper(client, mnist_sample):
    digit = mnist_sample["x_test"][mnist_sample["y_test"] == 2][0]
    paper = 255 - np.asarray(Image.fromarray(digit).resize((400, 400), Image.BICUBIC))
    buffer = io.BytesIO()
    Image.fromarray(paper).convert("RGB").save(buffer, "JPEG", quality=85)
    response = client.post("/api/predict", json={"image": "data:image/jpeg;base64,"
                                                 + base64.b64encode(buffer.getvalue()).decode()})
    assert response.status_code == 200 and response.get_json()["digit"] == 2


def bomb_png(side):
    """A valid PNG header claiming side x side pixels, with a tiny compressed body."""
    rows = zlib.compress(b"\x00" * (side + 1) * 64, 9)
    return png.SIGNATURE + png.header(side, side, png.GREY) + png.chunk(b"IDAT", rows) + png.chunk(b"IEND", b"")


BLANK = np.zeros((100, 100, 4), np.uint8)


def png_of(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("kwargs,status", [
    ({"data": b"{not json", "content_type": "application/json"}, 400),
    ({"data": b"", "content_type": "application/json"}, 400),
    ({"json": [1, 2, 3]}, 400),
    ({"json": {"picture": "abc"}}, 400),
    ({"json": {"image": 42}}, 400),
    ({"json": {"image": None}}, 400),
    ({"json": {"image": ["data:image/png;base64,"]}}, 400),
    ({"json": {"image": ""}}, 400),
    ({"json": {"image": "data:image/png;base64,"}}, 400),
    ({"json": {"image": "data:image/png,rawtext"}}, 400),
    ({"json": {"image": "%%% not base64 %%%"}}, 400),
    ({"json": {"image": base64.b64encode(b"just some text, not an image").decode()}}, 400),
    ({"json": {"image": data_url(png_of(np.full((64, 64), 255, np.uint8)))[:60]}}, 400),   # truncated
    ({"data": {"file": (io.BytesIO(b"x"), "x.png")}, "content_type": "multipart/form-data"}, 400),
    ({"data": {}, "content_type": "multipart/form-data"}, 400),
    ({"data": b"hello", "content_type": "text/plain"}, 415),
    ({"data": b'{"image": "abc"}', "content_type": "text/plain"}, 415),   # a foreign page's form post
    ({"data": b'{"image": "abc"}'}, 415),
    ({"data": b'{"image": "abc", "strokes": [' + b",".join([b"[]"] * 1_000_000) + b"]}",
      "content_type": "application/json"}, 400),   # strokes count, even empty
    ({"data": b"[" * 100000 + b"]" * 100000, "content_type": "application/json"}, 400),   # nesting bomb
    ({"json": {"image": data_url(png_of(BLANK))}}, 422),
    ({"json": {"image": data_url(png_of(np.full((50, 50, 3), 255, np.uint8)))}}, 422),
    ({"json": {"image": data_url(bomb_png(30000))}}, 413),
])
def test_bad_input_gets_a_clear_4xx(client, kwargs, status):
    response = client.post("/api/predict", **kwargs)
    assert response.status_code == status
    body = response.get_json()
    assert isinstance(body["error"], str) and len(body["error"]) > 10


@pytest.mark.parametrize("strokes", ['"1,2"', "{}", "[[1, 2]]", "[[[1, 2, 3]]]", '[[["1", 2]]]', "[[[true, 2]]]",
                                     "[[[NaN, 2]]]", "[[[1e999, 2]]]", "[[[1" + "0" * 400 + ", 2]]]",
                                     "[[[-1e300, 2], [1e300, 2]], [[0, 0], [1, 1]]]",
                                     "[" + ",".join(["[" + ",".join(["[0, 0]"] * 60_000) + "]"] * 2) + "]"])
def test_bad_strokes_get_a_clear_400(client, drawn_digits, strokes):
    image = data_url(drawn_digits[1][0])
    body = '{"image": "%s", "strokes": %s}' % (image, strokes)
    response = client.post("/api/predict", data=body, content_type="application/json")
    assert response.status_code == 400
    assert '"strokes"' in response.get_json()["error"]


def test_strokes_are_optional_and_strokes_of_another_drawing_are_ignored(client, drawn_digits):
    image = data_url(drawn_digits[7][0])
    plain = client.post("/api/predict", json={"image": image}).get_json()
    for strokes in ([], [[[5, 5], [6, 6]], [[500, 5]]]):   # none, and lines far from the ink
        body = client.post("/api/predict", json={"image": image, "strokes": strokes}).get_json()
        assert body["number"] == plain["number"] == "7" and body["probabilities"] == plain["probabilities"]


def test_body_over_the_limit_is_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/predict", data=b"x" * (limit + 1), content_type="application/json")
    assert response.status_code == 413
    assert "limit" in response.get_json()["error"]


def test_image_over_the_pixel_limit_is_413(client):
    response = client.post("/api/predict", json={"image": data_url(png_of(np.zeros((5200, 5000), np.uint8)))})
    assert response.status_code == 413


def test_wrong_method_and_unknown_api_path_answer_json(client):
    assert client.get("/api/predict").status_code == 405
    assert "error" in client.get("/api/predict").get_json()
    assert client.get("/api/nothing").status_code == 404
    assert "error" in client.get("/api/nothing").get_json()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_index_page_is_served_offline(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<canvas id="pad"' in html
    assert "http://" not in html and "https://" not in html


def test_request_is_logged_with_status_and_latency(client, drawn_digits, caplog):
    caplog.set_level("INFO", logger="webapp.requests")
    client.post("/api/predict", json={"image": data_url(drawn_digits[0][0])})
    assert any("POST /api/predict 200" in r.getMessage() and "ms" in r.getMessage() for r in caplog.records)


def number_png(mnist_sample, labels, height=150, brush=12):
    """MNIST test digits re-drawn side by side on one transparent canvas."""
    x, y = mnist_sample["x_test"], mnist_sample["y_test"]
    side = 300
    rgba = np.zeros((side, side * len(labels) * 2 // 3 + side // 3, 4), np.uint8)
    for k, label in enumerate(labels):
        digit = x[np.flatnonzero(y == label)[0]] / 255.0
        tile = synth.render(digit, height, brush, canvas=side)
        left = k * side * 2 // 3
        rgba[:, left:left + side] = np.maximum(rgba[:, left:left + side], tile)
    return synth.png_bytes(rgba), rgba.shape


def test_number_gives_each_digit_left_to_right_with_boxes(client, mnist_sample):
    png, shape = number_png(mnist_sample, [2, 0, 7])
    body = client.post("/api/predict", json={"image": data_url(png)}).get_json()
    assert body["number"] == "207"
    assert [d["digit"] for d in body["digits"]] == [2, 0, 7]
    assert body["image_size"] == [shape[1], shape[0]]
    lefts = [d["box"][0] for d in body["digits"]]
    assert lefts == sorted(lefts)
    for d in body["digits"]:
        x, y, w, h = d["box"]
        assert 0 <= x and x + w <= shape[1] and 0 <= y and y + h <= shape[0] and w > 0 and h > 0
        assert len(d["probabilities"]) == 10 and d["input"].startswith("data:image/png;base64,")
    # the single-digit fields are still there: the whole drawing read as one digit
    assert 0 <= body["digit"] <= 9 and len(body["probabilities"]) == 10


def test_single_digit_has_one_entry_equal_to_the_whole_reading(client, drawn_digits):
    body = client.post("/api/predict", json={"image": data_url(drawn_digits[4][0])}).get_json()
    assert len(body["digits"]) == 1
    only = body["digits"][0]
    assert body["number"] == str(body["digit"]) == str(only["digit"])
    assert only["probabilities"] == body["probabilities"]
    assert body["is_digit"] is True


def test_each_digit_of_a_number_is_judged_by_the_threshold_for_its_length(app, mnist_sample, drawn_digits):
    """"Not a digit" thresholds go by how many digits the drawing is read as: the first for
    a digit alone, the second for each digit of a two-digit number, the last for longer."""
    classifier = app.extensions["classifier"]
    number, single = number_png(mnist_sample, [2, 0, 7])[0], drawn_digits[4][0]
    nothing_alone = [1.01, 0.0]
    result = pipeline.read_image(number, classifier, reject_below=nothing_alone)
    assert result.number == "207" and all(d.is_digit for d in result.digits)
    assert not result.whole.is_digit   # the whole drawing read as one digit, as a digit alone is
    assert pipeline.read_image(single, classifier, reject_below=nothing_alone).number == "?"
    nothing_in_numbers = [0.0, 1.01]
    assert pipeline.read_image(number, classifier, reject_below=nothing_in_numbers).number == "???"
    assert pipeline.read_image(single, classifier, reject_below=nothing_in_numbers).number == "4"


def test_the_app_rejects_by_the_thresholds_measured_for_its_model(app):
    rejection = json.loads((ROOT / "model" / "metrics.json").read_text())["rejection"]
    assert app.config["REJECT_BELOW"] == [length["threshold"] for length in rejection["in_numbers"]]
    assert app.config["REJECT_BELOW"][0] == rejection["threshold"]


def test_reject_threshold_for_a_drawing_of_so_many_digits(tmp_path):
    assert pipeline.reject_threshold(0.5, 3) == 0.5
    assert [pipeline.reject_threshold([0.7, 0.6, 0.5], k) for k in (1, 2, 3, 9)] == [0.7, 0.6, 0.5, 0.5]
    assert pipeline.reject_threshold([], 2) == 0.0
    (tmp_path / "metrics.json").write_text(json.dumps({"rejection": {"threshold": 0.6}}))   # an older report
    assert measured_reject_thresholds(tmp_path / "digits.tflite") == 0.6
