"""Memory per worker under a long steady load, and whether the load is ever refused.

    .venv/bin/python bench/soak.py              # 5 minutes at 16 connections; --seconds to change

gunicorn as the README starts it (2 workers), wrk at 16 keep-alive connections posting
canvas exports; every 10 s the resident memory of each worker is sampled. Workers are
recycled by max_requests along the way (staggered, gunicorn.conf.py): a new pid is a
replaced worker. Only 127.0.0.1 is loaded.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, payloads, serve  # noqa: E402

SAMPLE_EVERY = 10   # seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    port = serve.free_port()
    bodies = payloads.write_jsonl(payloads.canvas_bodies(32), folder / "bodies.jsonl")
    server = serve.start_gunicorn(port, folder / "gunicorn.log")
    try:
        wrk = subprocess.Popen([load.require_wrk(), "-t1", f"-c{args.connections}", f"-d{args.seconds}s",
                                f"--timeout={load.WRK_TIMEOUT}", "--latency", "-s", str(load.LUA_SCRIPT),
                                f"http://{serve.HOST}:{port}", "--", str(bodies)],
                               stdout=subprocess.PIPE, text=True)
        samples, started = [], time.monotonic()
        while wrk.poll() is None and time.monotonic() - started < args.seconds + 60:
            time.sleep(SAMPLE_EVERY)
            workers = {pid: serve.rss_mb(pid) for pid in serve.workers_of(server.pid)}
            samples.append((round(time.monotonic() - started), workers))
            print(f"{samples[-1][0]:4d} s  " + "  ".join(f"pid {p}: {mb} MB" for p, mb in workers.items()), flush=True)
        result = load._parse_wrk(wrk.communicate(timeout=60)[0])
    finally:
        serve.stop(server)
    every = [mb for _, workers in samples for mb in workers.values()]
    pids = {pid for _, workers in samples for pid in workers}
    seconds = result["duration_us"] / 1e6
    summary = {"seconds": round(seconds), "requests": result["requests"],
               "throughput_rps": round(result["requests"] / seconds, 1), "errors": result["errors"],
               "worker_rss_mb": {"min": min(every), "max": max(every)}, "workers_seen": len(pids),
               "p99_ms": round(result["latency_us"]["p99"] / 1000, 1)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
