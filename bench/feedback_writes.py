"""Feedback writes per second: POST /api/feedback through the app (validation, the image
check, the insert and its commit) from several threads at once, on a SQLite file and, when
a URL is given, on PostgreSQL. The request path is Flask's test client, so the figure is
the store's and the handler's cost, not the network's.

    python -m bench.feedback_writes [--postgres postgresql://...] [--posts 2000] [--threads 8]
"""

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

from tests.feedback.helpers import feedback_body
from webapp import create_app
from webapp.store.database import Store


def measure(app, body, posts, threads):
    """Writes per second with `threads` clients posting `posts` in all."""
    each = posts // threads
    statuses = []

    def client():
        c = app.test_client()
        for _ in range(each):
            statuses.append(c.post("/api/feedback", data=body, content_type="application/json").status_code)
    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    assert set(statuses) == {201}, set(statuses)
    return round(len(statuses) / elapsed, 1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--postgres", help="a PostgreSQL URL whose database may be written to")
    p.add_argument("--posts", type=int, default=2000)
    p.add_argument("--threads", type=int, default=8)
    args = p.parse_args(argv)
    body = json.dumps(feedback_body("47", answer="41", label="47", pointer="touch"))
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{Path(folder) / 'feedback.sqlite3'}"})
        app.logger.disabled = True
        import logging
        logging.getLogger("webapp.requests").setLevel(logging.WARNING)
        stores = [("sqlite", app.extensions["store"])]
        if args.postgres:
            stores.append(("postgresql", Store(args.postgres)))
        results = {}
        for name, store in stores:
            app.extensions["store"] = store
            store.ensure_schema()
            measure(app, body, 100, args.threads)   # warm: connections opened, code paths loaded
            results[name] = {"writes_per_s": measure(app, body, args.posts, args.threads),
                             "posts": args.posts, "threads": args.threads}
            store.purge()
            store.dispose()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
