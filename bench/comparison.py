"""Turn the benchmark's figures into a comparison: ratios, a printed table, a plot."""

import matplotlib

matplotlib.use("Agg")  # files only: the benchmark runs on servers and in CI, without a display

import matplotlib.pyplot as plt  # noqa: E402

from bench.stages import STAGES  # noqa: E402


def ratios(project, baseline):
    """project / baseline for each figure both have. Below 1 is better for latency, memory
    and cold start; above 1 is better for throughput."""
    pairs = {
        "sequential_p50_latency": (project["sequential"]["p50_ms"], baseline["sequential"]["p50_ms"]),
        "sequential_p99_latency": (project["sequential"]["p99_ms"], baseline["sequential"]["p99_ms"]),
        "cold_start_first_predict": (project["cold_start"]["first_predict_s"],
                                     baseline["cold_start"]["first_predict_s"]),
        "peak_memory_total": (project["memory"]["total_mb"], baseline["memory"]["total_mb"]),
    }
    for mine, theirs in zip(project["levels"], baseline["levels"]):
        connections = mine["connections"]
        pairs[f"throughput_c{connections}"] = (mine["throughput_rps"], theirs["throughput_rps"])
        pairs[f"p99_latency_c{connections}"] = (mine["p99_ms"], theirs["p99_ms"])
    return {name: round(a / b, 3) if b else None for name, (a, b) in pairs.items()}


def _grid(header, rows):
    """Rows of cells as right-aligned columns, the first column left-aligned."""
    cells = [header] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths))) for row in cells)


def _cell(value):
    if isinstance(value, float):
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)


def _servers(results):
    return {f"project ({results['project']['model']})": results["project"],
            f"baseline ({results['baseline']['model']}, Flask dev server)": results["baseline"]}


def _with_other_model(results):
    """The servers, with the project on its other model format listed next to it."""
    (project, main), (baseline, yardstick) = _servers(results).items()
    return {project: main, f"project ({results['project_other_model']['model']})": results["project_other_model"],
            baseline: yardstick}


def table(results):
    """The whole run as plain text, section by section."""
    settings = results["settings"]
    servers = _servers(results)
    sections = [
        f"Digit app benchmark: {results['machine']['cpus']} CPUs, {settings['payload']}, "
        f"{settings['payloads']} different drawings; other programs used "
        f"{results['machine']['other_programs_cpu_s']} CPU-seconds during the run (should be near 0)",
        f"\nOne request at a time (wrk, one keep-alive connection, {settings['sequential_s']} s)",
        _grid(["server", "p50 ms", "p95 ms", "p99 ms", "errors"],
              [[name, s["sequential"]["p50_ms"], s["sequential"]["p95_ms"], s["sequential"]["p99_ms"],
                s["sequential"]["errors"]] for name, s in servers.items()]),
        f"\nConcurrent connections (wrk, {settings['duration_s']} s per level)",
        _grid(["server", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"],
              [[name, level["connections"], level["throughput_rps"], level["p50_ms"], level["p90_ms"],
                level["p99_ms"], level["max_ms"], level["errors"]]
               for name, s in _with_other_model(results).items() for level in s["levels"]]),
        "\nCold start and peak memory (VmHWM, read after the load above)",
        _grid(["server", "healthz s", "1st predict s", "master MB", "workers MB", "total MB"],
              [[name, s["cold_start"]["healthz_s"], s["cold_start"]["first_predict_s"], s["memory"]["master_mb"],
                " + ".join(f"{mb:.0f}" for mb in s["memory"]["workers_mb"]) or "-", s["memory"]["total_mb"]]
               for name, s in _with_other_model(results).items()]),
        f"\nWhere one request's time goes (in-process through Flask's test client, p50 of "
        f"{settings['stage_requests']} requests; stages' p50s need not add up to the total's)",
        _grid(["stage", "ms"], [[stage, results["stages_ms_p50"][stage]] for stage in (*STAGES, "total")]
              + [["gunicorn + socket (sequential p50 - total)", results["server_overhead_ms_p50"]]]),
        "\nProject / baseline (latency, memory, cold start: < 1 is better; throughput: > 1 is better)",
        _grid(["figure", "ratio"], [[name, "-" if value is None else f"{value:.3f}"]
                                    for name, value in results["ratios"].items()]),
    ]
    return "\n".join(sections)


def plot(results, path):
    """Throughput and p99 latency against concurrency, project and baseline, side by side."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, server in _servers(results).items():
        connections = [level["connections"] for level in server["levels"]]
        left.plot(connections, [level["throughput_rps"] for level in server["levels"]], "o-", label=name)
        right.plot(connections, [level["p99_ms"] for level in server["levels"]], "o-", label=name)
    for axes, label in ((left, "requests / s"), (right, "p99 latency, ms")):
        axes.set_xscale("log", base=2)
        axes.set_xticks(results["settings"]["levels"], [str(c) for c in results["settings"]["levels"]])
        axes.set_xlabel("concurrent connections")
        axes.set_ylabel(label)
        axes.grid(alpha=0.3)
    right.set_yscale("log")
    left.set_title("Throughput")
    right.set_title("Tail latency")
    left.legend(fontsize=8)
    figure.suptitle(f"POST /api/predict, {results['machine']['cpus']} CPUs, "
                    f"{results['settings']['duration_s']} s per level")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
