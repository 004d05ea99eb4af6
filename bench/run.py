"""Benchmark the digit app as deployed (gunicorn, as the README starts it) against a
tutorial-style Flask server, with the same realistic canvas exports hitting both.

    .venv/bin/python bench/run.py                 # ~3 minutes: 10 s per level, levels 1,4,16,64
    .venv/bin/python bench/run.py --quick         # seconds: 1 s per level, levels 1,4
    .venv/bin/python bench/run.py --model model/digits.keras   # serve the Keras model instead

Measures, for each server: cold start, latency of one request at a time, throughput and
latency under 1..64 concurrent connections (wrk), peak memory per process. Also the
project's memory with the other model format, and where one request's time goes.
Prints a table, writes bench/results/latest.json and bench/results/throughput.png.
Run it on an otherwise idle machine: anything else on the CPU shows up in the figures.
"""

import argparse
import datetime
import json
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `bench` and `webapp` importable

from bench import comparison, load, payloads, serve, stages  # noqa: E402

PAYLOAD_COUNT = 20      # different drawings the load cycles through
WARM_UP_S = 1           # wrk at the top level, so every worker has loaded and run the model


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=int, default=10, help="seconds of load per concurrency level")
    p.add_argument("--levels", default="1,4,16,64", help="concurrent connections, comma-separated")
    p.add_argument("--model", type=Path, default=ROOT / "model" / "digits.tflite",
                   help="the project's model (.tflite or .keras); the other format, next to it, "
                        "is measured for memory and the .keras one serves the baseline")
    p.add_argument("--sequential", type=int, default=10, help="seconds of the one-at-a-time latency test")
    p.add_argument("--stage-requests", type=int, default=300, help="requests in the in-process stage timing")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results",
                   help="where latest.json, throughput.png and the server logs go")
    p.add_argument("--quick", action="store_true", help="a smoke run: 1 s per level, levels 1,4, few requests")
    args = p.parse_args(argv)
    if args.quick:
        args.duration, args.levels, args.sequential, args.stage_requests = 1, "1,4", 1, 30
    args.levels = [int(level) for level in args.levels.split(",")]
    if args.duration < 1 or args.sequential < 1 or args.stage_requests < 1 or min(args.levels) < 1:
        p.error("--duration, --sequential, --stage-requests and --levels must be positive")
    args.model = args.model.resolve()
    return args


def model_files(model):
    """{format: path}, the chosen model first, then its twin in the other format."""
    if model.suffix not in (".tflite", ".keras"):
        raise SystemExit(f"--model must be a .tflite or .keras file, not {model}")
    other = ".keras" if model.suffix == ".tflite" else ".tflite"
    files = {model.suffix[1:]: model, other[1:]: model.with_suffix(other)}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise SystemExit(f"model file(s) missing: {', '.join(missing)} (run train.py, or pass --model)")
    return files


def shown(path):
    """A path as the results show it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def project_argv(port):
    """The README's command, with the bind moved to a free local port."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    return [str(gunicorn), "webapp:create_app()", "-b", f"{serve.HOST}:{port}"]


def baseline_argv(port, keras_model):
    return [sys.executable, str(ROOT / "bench" / "baseline_app.py"), "--model", str(keras_model),
            "--port", str(port)]


@dataclass
class Workload:
    """What every server is loaded with: the same bodies, for the same time per level."""
    bodies: list
    payload_file: Path
    duration: int
    top_level: int
    log_dir: Path


def measure_server(name, make_argv, env, work, sequential, levels):
    """Start a server, measure it, stop it: cold start, a warm-up at the top level, the
    one-at-a-time latency (for `sequential` seconds, if any), wrk at each level, and last the peak
    memory, which by then includes the heaviest load."""
    port = serve.free_port()
    process = serve.launch(make_argv(port), ROOT, env, work.log_dir / f"{name}.log")
    try:
        result = {"command": shlex.join(make_argv(port)),
                  "cold_start": serve.cold_start(process, port, work.bodies[0])}
        load.run_wrk(port, work.payload_file, work.top_level, WARM_UP_S)
        serve.wait_until_idle(process.pid)
        if sequential:
            result["sequential"] = load.sequential(port, work.payload_file, sequential)
        result["levels"] = []
        for connections in levels:
            result["levels"].append(load.run_wrk(port, work.payload_file, connections, work.duration))
            serve.wait_until_idle(process.pid)
        result["memory"] = serve.peak_memory_mb(process.pid)
        return result
    finally:
        serve.stop(process)


def measure_all(args, models, bodies):
    """The three servers in turn, never two at once (they would share the 2 cores):
    the project on the chosen model, the project on the other format (its memory and its
    throughput at the top level), the baseline."""
    chosen, other = models
    with tempfile.TemporaryDirectory() as scratch:
        work = Workload(bodies, payloads.write_jsonl(bodies, Path(scratch) / "bodies.jsonl"),
                        args.duration, max(args.levels), args.out)
        print(f"project ({shown(models[chosen])}) ...", flush=True)
        project = measure_server(f"project-{chosen}", project_argv, project_env(models[chosen]),
                                 work, args.sequential, args.levels)
        print(f"project ({shown(models[other])}), for its memory ...", flush=True)
        project_other = measure_server(f"project-{other}", project_argv, project_env(models[other]),
                                       work, 0, [max(args.levels)])
        print("baseline (Flask development server + Keras model.predict) ...", flush=True)
        baseline = measure_server("baseline", lambda port: baseline_argv(port, models["keras"]), dict(os.environ),
                                  work, args.sequential, args.levels)
    return ({"model": shown(models[chosen]), **project}, {"model": shown(models[other]), **project_other},
            {"model": shown(models["keras"]), **baseline})


def project_env(model):
    return {**os.environ, "DIGITS_MODEL_PATH": str(model)}


def main(argv=None):
    args = parse_args(argv)
    load.require_wrk()
    models = model_files(args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    bodies = payloads.canvas_bodies(PAYLOAD_COUNT)
    started = serve.cpu_snapshot()
    # First: it is quick, and it fails at once if the app's request path has changed shape.
    print("in-process stage timing ...", flush=True)
    stage_ms = stages.time_stages(bodies, args.model, args.stage_requests)
    project, project_other, baseline = measure_all(args, models, bodies)
    foreign = serve.foreign_cpu_seconds(started, serve.cpu_snapshot())

    results = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_generator": "wrk -t1 (C), same machine",
                    "other_programs_cpu_s": foreign},
        "settings": {"duration_s": args.duration, "levels": args.levels, "sequential_s": args.sequential,
                     "stage_requests": args.stage_requests, "payloads": PAYLOAD_COUNT,
                     "payload": "560x560 RGBA PNG canvas export of an MNIST test digit, and its strokes "
                                "(training/synth.py)"},
        "project": project,
        "project_other_model": project_other,
        "baseline": baseline,
        "memory_by_model": {format: run["memory"] for format, run in zip(models, (project, project_other))},
        "stages_ms_p50": stage_ms,
        "server_overhead_ms_p50": round(project["sequential"]["p50_ms"] - stage_ms["total"], 3),
        "ratios": comparison.ratios(project, baseline),
    }
    print(comparison.table(results))
    (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    comparison.plot(results, args.out / "throughput.png")
    print(f"wrote {args.out / 'latest.json'} and {args.out / 'throughput.png'}")


if __name__ == "__main__":
    main()
