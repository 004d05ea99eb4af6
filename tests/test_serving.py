"""gunicorn as gunicorn.conf.py configures it: connections that arrive together are shared
by the workers, not taken by whichever worker wakes first."""

import os
import socket
from pathlib import Path

import pytest

from bench import serve
from bench.payloads import json_body
from conftest import gunicorn
from webapp import synth

WORKERS = 2
CONNECTIONS = 16


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    with gunicorn(WORKERS, tmp_path_factory.mktemp("serving") / "gunicorn.log") as (process, port):
        serve.wait_until_idle(process.pid)   # both workers have loaded the model, not just the first
        yield process, port


def workers_of(master):
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


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


@pytest.mark.parametrize("trial", range(3))
def test_connections_arriving_together_are_shared_by_the_workers(two_workers, mnist_sample, trial):
    process, port = two_workers
    workers = workers_of(process.pid)
    assert len(workers) == WORKERS
    body = json_body(synth.png_bytes(synth.render(mnist_sample["x_test"][0] / 255.0, 300, 20)))
    request = (f"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    sockets = []
    try:
        for _ in range(CONNECTIONS):   # as browsers do: connect, and ask at once
            sockets.append(socket.create_connection(("127.0.0.1", port)))
            sockets[-1].sendall(request)
        for s in sockets:   # every connection is answered ...
            assert s.makefile("rb").readline().startswith(b"HTTP/1.1 200")
        held = sorted(connections_held(pid, port) for pid in workers)
        assert sum(held) == CONNECTIONS   # ... and kept alive, by one worker or the other
        assert held[0] >= 3, held   # the stock worker often leaves one worker with none
    finally:
        for s in sockets:
            s.close()
