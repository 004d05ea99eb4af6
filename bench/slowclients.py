"""Slow clients: many connections that declare a large body and send it a byte at a
time. How long they are held, what they cost the workers' memory, and how a normal
request fares meanwhile.

    .venv/bin/python bench/slowclients.py          # 300 clients, a byte every 2 s

gunicorn as the README starts it (2 workers, a body must arrive within 20 s,
100 connections per worker). Only 127.0.0.1 is contacted; the loop ends after 60 s.
"""

import argparse
import selectors
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import payloads, serve  # noqa: E402

HEAD = (b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 10000000\r\n\r\n")
LIMIT = 60   # seconds: the whole run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between a client's bytes")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="slow-"))
    port = serve.free_port()
    server = serve.start_gunicorn(port, folder / "gunicorn.log")
    body = payloads.canvas_bodies(1)[0]
    try:
        before = {pid: serve.rss_mb(pid) for pid in serve.workers_of(server.pid)}
        selector, opened, ended = selectors.DefaultSelector(), {}, {}
        for _ in range(args.clients):
            client = socket.create_connection((serve.HOST, port))
            client.sendall(HEAD)
            client.setblocking(False)
            selector.register(client, selectors.EVENT_READ)
            opened[client] = time.monotonic()
        started, last_byte, peak, normal = time.monotonic(), 0.0, dict(before), []
        while opened.keys() - ended.keys() and time.monotonic() - started < LIMIT:
            for key, _ in selector.select(timeout=0.2):
                try:
                    answer = key.fileobj.recv(4096)
                except OSError:
                    answer = b""
                ended[key.fileobj] = (time.monotonic() - opened[key.fileobj], answer[:12])
                selector.unregister(key.fileobj)
                key.fileobj.close()
            if time.monotonic() - last_byte >= args.every:
                last_byte = time.monotonic()
                for client in opened.keys() - ended.keys():
                    try:
                        client.send(b"A")
                    except OSError:
                        pass
                for pid in serve.workers_of(server.pid):
                    peak[pid] = max(peak.get(pid, 0), serve.rss_mb(pid))
                asked = time.monotonic()
                status, _ = serve.request(port, "POST", "/api/predict", body, timeout=LIMIT)
                normal.append((round(time.monotonic() - asked, 2), status))
    finally:
        serve.stop(server)
    held = sorted(seconds for seconds, _ in ended.values())
    statuses = {}
    for _, answer in ended.values():
        statuses[answer.decode(errors="replace")] = statuses.get(answer.decode(errors="replace"), 0) + 1
    print(f"{args.clients} slow clients: {len(ended)} ended within {LIMIT} s, answers {statuses}")
    if held:
        print(f"held for {held[0]:.1f} s to {held[-1]:.1f} s (median {held[len(held) // 2]:.1f} s)")
    print(f"worker memory before {before} MB, peak {peak} MB")
    waits = sorted(w for w, _ in normal)
    print(f"a normal request meanwhile ({len(normal)} asked, statuses {sorted({s for _, s in normal})}): "
          f"median {waits[len(waits) // 2]:.2f} s, longest {waits[-1]:.2f} s")


if __name__ == "__main__":
    main()
