"""flask feedback export / purge, on the app's own reader."""

import base64

import numpy as np
import pytest

from tests.feedback.helpers import feedback_body
from tests.feedback.stores import app_with  # noqa: F401 - fixtures
from webapp.store.commands import export_command, purge_command


@pytest.fixture
def filled(app_with, tmp_path):
    app = app_with(f"sqlite:///{tmp_path / 'feedback.sqlite3'}")
    client = app.test_client()
    for digits, label in [("7", "7"), ("47", "47"), ("1", "1"), ("47", "4"), ("7", "17")]:
        assert client.post("/api/feedback", json=feedback_body(digits, label=label, answer=digits)).status_code == 201
    blank = {**feedback_body("7"), "image": "data:image/png;base64," + base64.b64encode(
        _blank_png()).decode(), "strokes": None}
    assert client.post("/api/feedback", json=blank).status_code == 201   # kept, but nothing to read
    return app


def _blank_png():
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def test_export_keeps_drawings_that_split_as_their_label(filled, tmp_path):
    out = tmp_path / "extra.npz"
    result = filled.test_cli_runner().invoke(export_command, [str(out)])
    assert result.exit_code == 0, result.output
    assert "4 digits from 3 drawings kept; 3 drawings skipped" in result.output
    with np.load(out) as data:
        x, y = data["x"], data["y"]
    assert x.shape == (4, 28, 28) and x.dtype == np.uint8
    assert y.tolist() == [7, 4, 7, 1]
    assert x.max() == 255 and (x > 0).mean() > 0.05   # white digits on black, as MNIST


def test_purge_asks_first(filled):
    runner = filled.test_cli_runner()
    refused = runner.invoke(purge_command, input="n\n")
    assert refused.exit_code != 0 and filled.extensions["store"].count() == 6
    done = runner.invoke(purge_command, input="y\n")
    assert "deleted 6 drawings" in done.output and filled.extensions["store"].count() == 0
    assert "deleted 0" in runner.invoke(purge_command, ["--yes"]).output
