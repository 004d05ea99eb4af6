"""The accuracy benchmark's writers: what they post is what the page posts, and the
summary counts per digit, writer and error."""

import json

import numpy as np

from bench import writers
from webapp import ROOT

FIXTURES = ROOT / "tests" / "fixtures"


def test_summary_counts_per_digit_and_writer_with_the_errors():
    records = [(1, 4, "1"), (1, 4, "7"), (7, 6, "7"), (7, 6, "")]
    result = writers.summary(records)
    assert result["count"] == 4 and result["accuracy"] == 0.5
    assert result["per_digit"]["1"] == 0.5 and result["per_digit"]["7"] == 0.5 and result["per_digit"]["0"] == 0
    assert result["per_writer"] == {"4": 0.5, "6": 0.5}
    assert result["misread"] == {"1->7": 1, "7->-": 1}


def test_pen_writers_are_the_held_out_writers_only():
    pen = writers.PenWriters(FIXTURES / "pendigits_sample.txt")
    assert len(pen) == 40
    assert {pen.writer(i) for i in range(len(pen))} <= {2, 5, 8, 11, 14, 17, 20, 23, 26, 29}


def test_a_pen_digit_is_posted_as_the_page_posts_it(client):
    pen = writers.PenWriters(FIXTURES / "pendigits_sample.txt")
    rng = np.random.default_rng(0)
    hits = 0
    for i in range(len(pen)):
        body = json.loads(pen.export_body(i, rng))
        assert body["image"].startswith("data:image/png;base64,") and body["strokes"]
        points = np.concatenate([np.asarray(s) for s in body["strokes"]])
        assert points.min() >= 0 and points.max() <= 560   # on the pad
        answer = client.post("/api/predict", json=body)
        assert answer.status_code == 200
        hits += answer.get_json()["digit"] == pen.label(i)
    assert hits >= 0.9 * len(pen)


def test_touch_reports_fewer_points_than_a_mouse():
    pen = writers.PenWriters(FIXTURES / "pendigits_sample.txt")
    rng = np.random.default_rng(1)
    mouse = sum(len(s) for s in pen.strokes(0, 300, (280, 280), rng, touch=False))
    touch = sum(len(s) for s in pen.strokes(0, 300, (280, 280), rng, touch=True))
    assert touch < mouse
