"""Throughput before and after a worker is killed under load: do the connections come
round to its replacement?

    .venv/bin/python bench/kill.py

gunicorn as the README starts it (2 workers), wrk at 16 keep-alive connections for 30 s;
at 10 s one worker is sent SIGKILL. Requests answered per second come from the app's log
(one line a request); connections held by each worker are sampled each second. Compared:
the 10 s before the kill and the 10 s from 10 s after it. Only 127.0.0.1 is loaded.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, payloads, serve  # noqa: E402

KILL_AT, RUN = 10, 30   # seconds into the run


def answered_per_second(log_path):
    """{second since the epoch: requests answered}, from the app's request log lines."""
    counts = {}
    for line in log_path.read_text().splitlines():
        if "webapp.requests" in line and "/api/predict" in line:
            second = int(datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").timestamp())
            counts[second] = counts.get(second, 0) + 1
    return counts


def rate(counts, start, end):
    return sum(counts.get(s, 0) for s in range(int(start), int(end))) / (int(end) - int(start))


def main():
    folder = Path(tempfile.mkdtemp(prefix="kill-"))
    port = serve.free_port()
    bodies = payloads.write_jsonl(payloads.canvas_bodies(32), folder / "bodies.jsonl")
    log = folder / "gunicorn.log"
    server = serve.start_gunicorn(port, log)
    try:
        wrk = subprocess.Popen([load.require_wrk(), "-t1", "-c16", f"-d{RUN}s", f"--timeout={load.WRK_TIMEOUT}",
                                "-s", str(load.LUA_SCRIPT), f"http://{serve.HOST}:{port}", "--", str(bodies)],
                               stdout=subprocess.PIPE, text=True)
        started = time.time()
        for second in range(RUN):
            time.sleep(max(0.0, started + second + 1 - time.time()))
            if second + 1 == KILL_AT:
                killed = serve.workers_of(server.pid)[0]
                os.kill(killed, signal.SIGKILL)
                killed_at = time.time()
            held = {pid: serve.connections_held(pid, port) for pid in serve.workers_of(server.pid)}
            print(f"{second + 1:3d} s  connections held: {held}", flush=True)
        result = load._parse_wrk(wrk.communicate(timeout=60)[0])
    finally:
        serve.stop(server)
    counts = answered_per_second(log)
    replaced = next((line for line in log.read_text().splitlines() if "Booting worker" in line
                     and datetime.strptime(line[1:20], "%Y-%m-%d %H:%M:%S").timestamp() >= int(killed_at)), "")
    before, after = rate(counts, started + 1, killed_at), rate(counts, killed_at + 10, killed_at + 20)
    print(f"before the kill {before:.0f} req/s; 10-20 s after it {after:.0f} req/s "
          f"({after / before:.0%} of before); wrk errors {result['errors']}")
    print(f"replacement: {replaced.strip()}")


if __name__ == "__main__":
    main()
