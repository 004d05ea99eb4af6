"""What an attacker or a broken client sends is answered with a 2xx or a clear 4xx, never
a 5xx: the corpus of bench/hostile.py (specks, bars, noise, every mode, truncations, bit
flips, huge declared sizes, bombs, costly JSON), and every image mode Pillow has. How
long each takes is measured in bench/hostile.py, not here."""

import io

import numpy as np
import pytest
from PIL import Image

from bench import hostile
from webapp.reading import preprocess, segment

CORPUS = hostile.corpus()


@pytest.fixture(scope="module")
def served(_app):
    """The app as served: a failure is a 500 answer, not an exception in the test."""
    _app.testing = False
    yield _app.test_client()
    _app.testing = True


@pytest.mark.parametrize("name,content_type,body", CORPUS, ids=[name for name, _, _ in CORPUS])
def test_hostile_request_gets_an_answer_not_a_failure(served, name, content_type, body):
    response = served.post("/api/predict", data=body, content_type=content_type)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert response.get_json()["error"]


def _named(name):
    return next(body for n, _, body in CORPUS if n == name)


@pytest.mark.parametrize("name", ["specks-3%", "bars-460", "dot-grid", "noise-grey", "canvas-specks", "staircase"])
def test_thousands_of_marks_are_too_many_to_read(served, name):
    response = served.post("/api/predict", data=_named(name), content_type="image/png")
    assert response.status_code == 422
    assert "too many separate marks" in response.get_json()["error"]


def test_a_chain_of_touching_rings_is_refused_rather_than_cut_for_long(served):
    response = served.post("/api/predict", data=_named("touching-rings"), content_type="image/png")
    assert response.status_code == 422
    assert "too many touching marks" in response.get_json()["error"]


@pytest.mark.parametrize("name,status", [("json-as-text-plain", 415), ("json-1M-empty-strokes", 400),
                                         ("json-100k-point-strokes", 400), ("png-declares-100000x100000", 413)])
def test_costly_requests_are_refused_before_the_work(served, name, status):
    content_type = next(t for n, t, _ in CORPUS if n == name)
    assert served.post("/api/predict", data=_named(name), content_type=content_type).status_code == status


def _seven():
    return Image.open(io.BytesIO(_named("mode-L-PNG"))).convert("L")


@pytest.mark.parametrize("mode", hostile.MODES + ("La", "RGBX"))
def test_every_mode_reads_as_the_same_digit(mode, app):
    """Modes no format writes (RGBa, La) are made in memory and read from there."""
    seven = _seven()
    if mode in ("RGBa", "La", "PA"):
        image = seven.convert("RGBA").convert(mode)
    elif mode.startswith("I;16"):
        order = ">u2" if mode == "I;16B" else "<u2"
        image = Image.frombytes(mode, seven.size, (np.asarray(seven, np.uint16) * 257).astype(order).tobytes())
    else:
        image = seven.convert(mode)
    reading = app.extensions["classifier"].predict(preprocess.to_mnist(preprocess.ink_in_box(image)[0])[None, ..., None])
    assert int(np.argmax(reading)) == 7


@pytest.mark.parametrize("name", [n for n, _, _ in CORPUS if n.startswith(("mode-", "animated-", "exif-"))])
def test_every_mode_in_a_file_is_read(served, name):
    response = served.post("/api/predict", data=_named(name), content_type="image/png")
    assert response.status_code == 200, response.get_json()
    if "HSV" not in name:   # HSV's V is the brightest channel: the same grey for a grey image
        assert response.get_json()["digit"] == 7


def test_segmentation_refuses_past_the_mark_limit():
    mask = np.zeros((40, 4 * (segment.RULES.max_marks + 1)), bool)
    mask[5:35, ::4] = True   # one bar more than the limit, each in its own columns
    with pytest.raises(segment.TooManyMarks):
        segment.split_digits(mask.astype(np.float32))
    assert len(segment.split_digits(mask[:, :4 * segment.RULES.max_marks].astype(np.float32))) >= 1
