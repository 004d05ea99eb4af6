"""bench/rejection.py end to end on a few drawings: the held-out makers and the pen
fixture's held-out writers, posted with their strokes as the page posts them, and the
report it writes."""

import json
import subprocess
import sys

from webapp import ROOT


def test_the_rejection_bench_reports_every_kind_and_the_writers(tmp_path):
    out = tmp_path / "rejection.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "rejection.py"), "--per-kind", "2", "--pen",
                           str(ROOT / "tests" / "fixtures" / "pendigits_sample.txt"), "--numbers", "3",
                           "--probes", "3", "--out", str(out), "--picture", str(tmp_path / "missed.png")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert report["strokes"] == "strokes.tflite" and report["joint_rule"]["below"]
    assert len(report["by_kind"]) == 20 and all(row["count"] == 2 for row in report["by_kind"].values())
    served = report["pen_held_out"]["served"]
    assert served["count"] == 80 and served["accepted"] >= 0.9   # the fixture's 40 held-out digits, twice
    assert report["pen_held_out"]["numbers"]["count"] == 3 and report["pen_held_out"]["word_beside_number"]["count"] == 3
    assert "drawn on the page with strokes: shown as a digit" in done.stdout
    assert (tmp_path / "missed.png").read_bytes()[:4] == b"\x89PNG"

    without = tmp_path / "without.json"   # a path with no stroke reader: bitmaps alone, and no joint rule judges
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "rejection.py"), "--per-kind", "1",
                           "--strokes", str(tmp_path / "none.tflite"), "--out", str(without)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(without.read_text())["strokes"] is None
