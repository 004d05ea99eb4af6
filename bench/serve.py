"""Start, probe, measure and stop the servers the benchmark loads: the project under
gunicorn and the tutorial-style baseline. Both go through these helpers, so the two are
started, waited for, sampled and stopped in exactly the same way.

Servers run in their own session (process group), so stopping one also stops every
worker it forked, and nothing outlives the benchmark.
"""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

HOST = "127.0.0.1"   # the benchmark only ever talks to this machine
STOP_TIMEOUT = 15    # seconds a server gets to shut down before it is killed
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


CHROMIUM = "/usr/bin/chromium"   # Debian's; Playwright's own browser download is not used
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def launch_chromium(playwright):
    """Debian's Chromium, headless, driven by Playwright (the tests and bench/accuracy.py)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def free_port():
    """A TCP port nobody listens on right now, so runs never collide with other servers."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def launch(argv, cwd, env, log_path):
    """Start a server in a new session, noting when (for cold_start). Its output goes to
    `log_path`, kept for post-mortems."""
    log = Path(log_path).open("wb")
    try:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    finally:
        log.close()  # the child holds its own copy of the descriptor
    process.start_time = time.monotonic()
    return process


def stop(process):
    """SIGTERM the server's whole process group, then SIGKILL what has not gone in time."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)


def request(port, method, path, body=None, timeout=30):
    """One HTTP request on a fresh connection -> (status, body bytes)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def cold_start(process, port, body, timeout=120):
    """Seconds from the server's start to its first 200 on /healthz, and to its first 200
    on POST /api/predict: what a user waits for after a deploy or a crash. Counted from
    the Popen call, so interpreter start-up and model loading are in the figure."""
    healthz = _until_ok(process, lambda: request(port, "GET", "/healthz", timeout=5), timeout)
    predict = _until_ok(process, lambda: request(port, "POST", "/api/predict", body), timeout)
    return {"healthz_s": round(healthz - process.start_time, 3),
            "first_predict_s": round(predict - process.start_time, 3)}


def _until_ok(process, call, timeout):
    """Retry `call` until it answers 200; the monotonic time of that answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} (see its log)")
        try:
            status, _ = call()
            if status == 200:
                return time.monotonic()
        except OSError:
            pass  # not listening yet
        time.sleep(0.05)
    raise RuntimeError(f"the server did not answer 200 within {timeout} s (see its log)")


def process_tree(pid):
    """`pid` and all its descendants (gunicorn's workers), found through /proc/*/stat."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(parents.get(current, []))
    return tree


def peak_memory_mb(pid):
    """Peak resident memory (VmHWM) of the server process and of each child, in MB."""
    master, *children = process_tree(pid)
    workers = [_vm_hwm_mb(child) for child in children]
    main = _vm_hwm_mb(master)
    return {"master_mb": main, "workers_mb": workers, "processes": 1 + len(workers),
            "total_mb": round(main + sum(workers), 1)}


def _vm_hwm_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmHWM for process {pid}")


def wait_until_idle(pid, timeout=30, window=0.25, busy_fraction=0.05):
    """Wait until the server's processes stop using CPU.

    When wrk stops, a threaded server may still be working through requests it already
    read (the Flask development server has a thread per connection, so up to 64 at once).
    Starting the next measurement before that backlog drains would charge it to the next
    concurrency level.
    """
    deadline = time.monotonic() + timeout
    previous = _cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        current = _cpu_seconds(pid)
        if current - previous < busy_fraction * window:
            return
        previous = current


def _cpu_seconds(pid):
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / CLOCK_TICK


def cpu_snapshot():
    """(CPU seconds the whole machine has been busy, CPU seconds of this process and of its
    reaped descendants). Between two snapshots, the first minus the second is what other
    programs used: on a shared machine, the sign that a run was disturbed."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    times = os.times()
    return ((user + nice + system + irq + softirq + steal) / CLOCK_TICK,
            times.user + times.system + times.children_user + times.children_system)


def foreign_cpu_seconds(before, after):
    """CPU seconds used by programs other than the benchmark between two cpu_snapshot()s.
    Only exact once every server has been stopped (a child's time is counted when reaped)."""
    return round((after[0] - before[0]) - (after[1] - before[1]), 1)


def start_gunicorn(port, log_path, workers=2, **env):
    """The project under gunicorn as the README starts it, on 127.0.0.1:`port`; returns
    once both /healthz answers and every worker has loaded the model (idle)."""
    import sys
    root = Path(__file__).resolve().parent.parent
    process = launch([sys.executable, "-m", "gunicorn", "webapp:create_app()", "-b", f"{HOST}:{port}"], root,
                     {**os.environ, "WEB_CONCURRENCY": str(workers), **env}, log_path)
    _until_ok(process, lambda: request(port, "GET", "/healthz", timeout=5), 120)
    wait_until_idle(process.pid)
    return process


def workers_of(master):
    """gunicorn's worker processes: the master's children."""
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def rss_mb(pid):
    """Resident memory now (VmRSS) of one process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


def connections_held(pid, port):
    """Established TCP connections to `port` whose socket the process `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    held = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        held += local_port == port and state == "01" and inode in inodes
    return held
