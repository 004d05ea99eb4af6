"""Request bodies like the ones the page sends: a 560x560 RGBA canvas export, as a PNG data
URL in JSON, with an MNIST test digit drawn on it by training/synth.py, and the strokes
that trace it (the page always posts its strokes; the server reads them too).

A benchmark on tiny or blank images would flatter the server: decoding, ink extraction
and the PNG size all grow with what is on the canvas.
"""

import base64
import json

import numpy as np

from training import synth
from webapp import ROOT

MNIST_SAMPLE = ROOT / "tests" / "fixtures" / "mnist_sample.npz"
HEIGHTS = (200, 420)        # digit height on the 560 px canvas: from modest to filling it
BRUSH_FRACTION = (0.06, 0.12)  # brush width as a fraction of the height, around MNIST's pen


def canvas_bodies(count, seed=0):
    """`count` JSON bodies for POST /api/predict, each a different test digit, size and
    brush, with its strokes."""
    rng = np.random.default_rng(seed)
    with np.load(MNIST_SAMPLE) as data:
        digits = data["x_test"]
    bodies = []
    for index in rng.choice(len(digits), size=count, replace=False):
        height = rng.uniform(*HEIGHTS)
        brush = height * rng.uniform(*BRUSH_FRACTION)
        centre = synth.random_centre(rng, height)
        rgba = synth.render(digits[index] / 255.0, height, brush, centre)
        bodies.append(json_body(synth.png_bytes(rgba), synth.strokes(digits[index] / 255.0, height, centre)))
    return bodies


def json_body(png, strokes=None):
    """The body the page posts for a PNG: {"image": "<data URL>"}, with the strokes that
    drew it if given ({"strokes": [[[x, y], ...], ...]}, rounded as the page rounds them), as bytes."""
    body = {"image": "data:image/png;base64," + base64.b64encode(png).decode("ascii")}
    if strokes:
        body["strokes"] = [[[round(x, 1), round(y, 1)] for x, y in stroke] for stroke in strokes]
    return json.dumps(body).encode()


def write_jsonl(bodies, path):
    """One body per line, for bench/post.lua."""
    path.write_bytes(b"\n".join(bodies) + b"\n")
    return path
