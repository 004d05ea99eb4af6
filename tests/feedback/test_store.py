"""The store on real SQLite files and a real PostgreSQL server."""

import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.feedback.stores import database_url, store  # noqa: F401 - fixtures
from webapp.store.database import SCHEMA_VERSION, Store, StoreUnavailable


def add(store, label="7", answer="7", **extra):
    return store.add(image=b"\x89PNG...", answer=answer, label=label, model_name="digits.tflite",
                     model_sha256="0" * 64, **extra)


def test_rows_are_kept_with_what_was_posted(store):
    first = add(store, strokes=[[[1.0, 2.0], [3.0, 4.0]]], pointer="pen")
    second = add(store, label="47", answer="41")
    assert second > first
    assert store.ids() == {first, second}
    assert store.count() == 2
    assert [row["label"] for row in store.latest(10)] == ["47", "7"]
    assert store.latest(10)[1]["pointer"] == "pen"
    assert bytes(store.image(first)) == b"\x89PNG..."
    assert store.image(second + 100) is None
    drawings = list(store.drawings(batch=1))
    assert [(d[0], d[2], d[3]) for d in drawings] == [(first, [[[1.0, 2.0], [3.0, 4.0]]], "7"), (second, None, "47")]


def test_labels_since_a_moment(store):
    now = datetime.now(timezone.utc)
    add(store, now=now - timedelta(days=1))
    add(store, label="3", answer="8", now=now)
    rows = store.labels(since=now - timedelta(minutes=1))
    assert [(a, b) for a, b, _ in rows] == [("8", "3")]
    assert len(store.labels()) == 2


def test_purge_deletes_everything(store):
    for _ in range(3):
        add(store)
    assert store.purge() == 3
    assert store.count() == 0


def test_schema_carries_its_version_and_is_created_once(database_url):
    for _ in range(2):   # a second start finds the schema and leaves it alone
        store = Store(database_url)
        store.ensure_schema()
        with store.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT id, version FROM schema_version")).all() == [(1, SCHEMA_VERSION)]
        store.dispose()


def test_workers_starting_together_create_the_schema_once(database_url):
    stores = [Store(database_url) for _ in range(6)]
    errors = []

    def start(store):
        try:
            store.ensure_schema()
        except Exception as error:   # noqa: BLE001 - reported below
            errors.append(error)
    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert add(stores[0]) > 0
    for s in stores:
        s.dispose()


def test_sqlite_runs_in_wal_with_a_busy_timeout(tmp_path):
    path = tmp_path / "deep" / "feedback.sqlite3"   # the folder is made
    store = Store(f"sqlite:///{path}")
    add(store)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    store.dispose()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM feedback").fetchone() == (1,)


def test_an_unreachable_database_raises_store_unavailable(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    for url in (f"sqlite:///{blocked}/feedback.sqlite3", "postgresql://nobody@127.0.0.1:1/none"):
        store = Store(url)
        store.try_ensure_schema()   # logs, does not raise: the app still starts
        with pytest.raises(StoreUnavailable):
            add(store)


def test_unsupported_urls_are_refused():
    with pytest.raises(ValueError, match="sqlite:///PATH or postgresql"):
        Store("mysql://somewhere/db")
