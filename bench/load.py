"""The load generator: wrk, for the latency of one request at a time (one connection)
and for concurrent load.

wrk is written in C and runs here with a single thread, so on a 2-core machine it takes
a small slice of one core and leaves the rest to the server; a Python load generator
would compete with the server for the CPU and flatten the very differences we measure.
"""

import json
import shutil
import subprocess
from pathlib import Path

from bench.serve import HOST

LUA_SCRIPT = Path(__file__).with_name("post.lua")
WRK_TIMEOUT = "10s"   # a request slower than this counts as an error (wrk's default is 2 s)
RESULT_PREFIX = "WRK_RESULT "


def require_wrk():
    """The path of wrk, or a clear error: the benchmark has no fallback load generator."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed; the benchmark needs it (Debian/Ubuntu: apt-get install -y wrk)")
    return path


def run_wrk(port, payload_file, connections, duration_s):
    """Load the server with `connections` keep-alive connections for `duration_s` seconds.

    Returns throughput, latency percentiles (ms) and the error count (socket errors,
    timeouts and non-2xx answers).
    """
    argv = [require_wrk(), "-t1", f"-c{connections}", f"-d{duration_s}s", f"--timeout={WRK_TIMEOUT}",
            "--latency", "-s", str(LUA_SCRIPT), f"http://{HOST}:{port}", "--", str(payload_file)]
    # wrk stops by itself after duration_s; the timeout only guards against a hung wrk.
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration_s + 60, check=True)
    raw = _parse_wrk(done.stdout)
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    return {"connections": connections, "requests": raw["requests"],
            "throughput_rps": round(raw["requests"] / seconds, 1),
            **{f"{name}_ms": round(latency[name] / 1000, 2) for name in ("p50", "p90", "p95", "p99", "max")},
            "errors": sum(raw["errors"].values()), "error_detail": raw["errors"]}


def _parse_wrk(stdout):
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise RuntimeError(f"wrk printed no {RESULT_PREFIX.strip()} line; its output:\n{stdout}")


def sequential(port, payload_file, duration_s):
    """Latency of requests sent one at a time: wrk with one keep-alive connection.

    wrk rather than a Python loop: a Python HTTP client spends some 0.5 ms of its own on
    each request and response, which is then counted as the server's latency.
    Returns p50/p95/p99 (ms), the request count and the errors.
    """
    run = run_wrk(port, payload_file, 1, duration_s)
    return {key: run[key] for key in ("requests", "p50_ms", "p95_ms", "p99_ms", "errors")}
