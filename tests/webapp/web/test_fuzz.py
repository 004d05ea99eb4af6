"""Property-based fuzzing (Hypothesis) of the API and the preprocessing: whatever arrives,
the answer is a 2xx or a 4xx with a message, and reading an image either gives a result
or raises PreprocessError. About 3,000 cases in all, the same ones every run
(derandomised), so a failure found in CI is found again on a laptop."""

import base64
import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from bench import hostile
from webapp.reading import pipeline, preprocess, segment

pytestmark = pytest.mark.slow

CASES = settings(max_examples=500, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])

SEEDS = {name: body for name, _, body in hostile.corpus() if name.startswith(("mode-", "animated-", "exif-"))}
SEEDS |= {fmt: hostile._encode(hostile.a_digit().convert("RGB"), fmt) for fmt in ("JPEG", "GIF", "BMP", "TIFF")}


@pytest.fixture(scope="module")
def served(_app):
    """The app as served: a failure is a 500 answer, not an exception in the test."""
    _app.testing = False
    yield _app.test_client()
    _app.testing = True


def answered(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert response.get_json()["error"]
    return response


@st.composite
def mutated_files(draw):
    """A valid image file of some mode and format with bytes changed, cut or inserted."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            data[at] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80]))
        elif kind == "cut":
            del data[at:]
            if not data:
                break
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


@CASES
@given(body=mutated_files(), as_json=st.booleans())
def test_damaged_images_are_answered(served, body, as_json):
    if as_json:
        answered(served.post("/api/predict", json={"image": base64.b64encode(body).decode()}))
    else:
        answered(served.post("/api/predict", data=body, content_type="image/png"))


@CASES
@given(body=st.binary(max_size=2048), content_type=st.sampled_from(
    ["image/png", "application/json", "multipart/form-data", "text/plain", "application/octet-stream", ""]))
def test_arbitrary_bodies_are_answered(served, body, content_type):
    answered(served.post("/api/predict", data=body, content_type=content_type))


numbers = st.one_of(st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=True, allow_infinity=True),
                    st.booleans(), st.none(), st.text(max_size=3))
json_values = st.recursive(numbers | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                           max_leaves=40)
points = st.lists(st.one_of(st.tuples(st.floats(-600, 1200), st.floats(-600, 1200)).map(list), json_values),
                  max_size=30)


@CASES
@given(strokes=st.one_of(st.lists(points, max_size=12), json_values), extra=json_values)
def test_json_with_any_strokes_is_answered(served, strokes, extra):
    image = "data:image/png;base64," + base64.b64encode(SEEDS["mode-RGBA-PNG"]).decode()
    body = json.dumps({"image": image, "strokes": strokes, "other": extra})
    answered(served.post("/api/predict", data=body, content_type="application/json"))


@CASES
@given(value=json_values)
def test_any_json_is_answered(served, value):
    answered(served.post("/api/predict", data=json.dumps(value), content_type="application/json"))


modes = st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "I", "I;16", "F", "La", "RGBa"])


@CASES
@given(pixels=hnp.arrays(np.uint8, st.tuples(st.integers(1, 64), st.integers(1, 64)),
                         elements=st.sampled_from([0, 1, 60, 128, 200, 254, 255])), mode=modes)
def test_any_small_image_in_any_mode_reads_or_is_refused(app, pixels, mode):
    grey = Image.fromarray(pixels, "L")
    image = grey.convert("RGBA").convert(mode) if mode in ("La", "RGBa") else grey.convert(mode)
    buffer = io.BytesIO()   # the same pixels in a file, in a mode TIFF holds
    (grey.convert("RGBA") if mode in ("La", "RGBa", "LAB", "HSV") else image).save(buffer, "TIFF")
    for read in (lambda: preprocess.to_mnist(preprocess.ink_in_box(image)[0]),
                 lambda: pipeline.read_image(buffer.getvalue(), app.extensions["classifier"])):
        try:
            read()
        except preprocess.PreprocessError:
            pass


@CASES
@given(mask=hnp.arrays(np.bool_, st.tuples(st.integers(1, 80), st.integers(1, 160))),
       strokes=st.lists(st.lists(st.tuples(st.floats(-20, 180), st.floats(-20, 100)), min_size=1, max_size=8),
                        max_size=6))
def test_segmentation_of_any_ink_gives_pieces_within_it(mask, strokes):
    ink = mask.astype(np.float32)
    try:
        pieces = segment.split_digits(ink, lambda parts: np.full(len(parts), 0.5), strokes or None)
    except segment.TooManyMarks:
        return
    covered = np.zeros_like(mask)
    for piece in pieces:
        top, left, bottom, right = piece.box
        assert mask[top:bottom, left:right][piece.mask].all()   # every piece is ink ...
        covered[top:bottom, left:right] |= piece.mask
    assert len(pieces) <= segment.RULES.max_marks
    assert covered.sum() <= mask.sum()                          # ... and no ink is in two pieces
