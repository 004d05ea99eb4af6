"""The benchmark runs end to end on its smoke setting and reports its figures.

Behaviour only: no assertion on how fast anything is (that is what the benchmark
reports, and CI machines vary). Needs wrk (CI installs it) and the shipped models.
"""

import json
import shutil
import subprocess
import sys

import pytest

from webapp import ROOT

pytestmark = pytest.mark.slow

RUN = ROOT / "bench" / "run.py"
MODELS = (ROOT / "model" / "digits.tflite", ROOT / "model" / "digits.keras")


def test_quick_benchmark_completes_and_reports(tmp_path):
    assert shutil.which("wrk"), "wrk is not installed: the benchmark's load generator (apt-get install -y wrk)"
    missing = [str(path) for path in MODELS if not path.is_file()]
    assert not missing, f"the benchmark needs the shipped models; missing: {missing} (run train.py)"

    # The timeout only stops a hung run; the quick setting finishes well within it.
    done = subprocess.run([sys.executable, str(RUN), "--quick", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr

    for heading in ("One request at a time", "Concurrent connections", "Cold start and peak memory",
                    "Where one request's time goes", "Project / baseline"):
        assert heading in done.stdout

    results = json.loads((tmp_path / "latest.json").read_text())
    for server in ("project", "baseline"):
        assert [level["connections"] for level in results[server]["levels"]] == [1, 4]
        assert results[server]["sequential"]["errors"] == 0
        assert all(level["errors"] == 0 and level["requests"] > 0 for level in results[server]["levels"])
        assert results[server]["memory"]["total_mb"] > 0
    assert results["project"]["memory"]["workers_mb"], "gunicorn's workers were not found"
    assert set(results["memory_by_model"]) == {"tflite", "keras"}
    assert results["stages_ms_p50"]["total"] > 0
    assert {"sequential_p50_latency", "throughput_c4"} <= set(results["ratios"])
    assert (tmp_path / "throughput.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_evidence_map_beats_random_ink_at_taking_the_answer_away():
    """bench/explain.py's honesty figure on 30 digits: deleting the ink the served map
    ranks first lowers the answer's probability more than deleting ink at random."""
    from bench import explain
    curves = explain.deletion_curves(30, seeds=2)
    assert sum(curves["served map"]) < 0.8 * sum(curves["random ink"]), curves


def test_readings_digest_runs_and_compares_equal_with_itself(tmp_path):
    """bench/readings.py, the proof that a change leaves real drawings reading as they did,
    must itself keep running as the bench it borrows its writers from changes."""
    count = 2
    script = ROOT / "bench" / "readings.py"
    out = tmp_path / "readings.json"
    first = subprocess.run([sys.executable, str(script), "--count", str(count), "--out", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert len(json.loads(out.read_text())) == 3 * count
    again = subprocess.run([sys.executable, str(script), "--count", str(count), "--compare", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and f"0 of {3 * count} differ" in again.stdout, again.stdout + again.stderr
