"""The feedback store: one table of drawings with what the app answered and what the
person meant, in SQLite (the default: a file, for one laptop) or PostgreSQL (several
servers sharing one store), through SQLAlchemy Core so both speak one dialect.

Every write is its own transaction, committed before it returns: a caller that got an
id back can promise the row is kept. When the database cannot be reached, every call
raises StoreUnavailable, which the API turns into a 503; nothing else in the app waits
on the store.
"""

import json
import logging
import random
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SCHEMA_ATTEMPTS = 8   # tries at creating the schema while other workers race to do the same
SQLITE_BUSY_MS = 10_000   # a writer waits this long for another's lock before giving up (503)

metadata = sa.MetaData()

feedback = sa.Table(
    "feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("image", sa.LargeBinary, nullable=False),        # the posted bytes, as received
    sa.Column("strokes", sa.Text, nullable=True),              # JSON, as validated by the API
    sa.Column("answer", sa.String(64), nullable=False),        # what the app showed
    sa.Column("label", sa.String(12), nullable=False),         # what the person meant
    sa.Column("model_name", sa.String(255), nullable=False),
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("pointer", sa.String(8), nullable=True),         # mouse | touch | pen
)

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),   # always 1: one row
    sa.Column("version", sa.Integer, nullable=False),
)


class StoreUnavailable(RuntimeError):
    """The database could not be reached, or did not answer in time."""

    def __init__(self, message, connecting=False):
        super().__init__(message)
        self.connecting = connecting   # failed before a connection was had


def default_url(instance_path):
    return f"sqlite:///{Path(instance_path) / 'feedback.sqlite3'}"


def _sqlite_pragmas(dbapi_connection, _record):
    """WAL lets readers and one writer work at once across processes; the busy timeout
    makes writers queue for the lock instead of failing; synchronous=FULL makes a commit
    survive a power cut, not only a crashed process."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def create_engine(url):
    """An engine for `url` (sqlite:///PATH or postgresql://...), tuned for many short writes."""
    url = sa.engine.make_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            try:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError:
                pass   # connecting will fail and say why, as StoreUnavailable, not at start
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
        # pre-ping: a connection left from before a database restart is replaced, not failed on
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10,
                                connect_args={"connect_timeout": 5})
    raise ValueError(f"unsupported database URL {url.render_as_string(hide_password=True)!r}: "
                     "use sqlite:///PATH or postgresql://...")


class Store:
    """The feedback table behind a few calls. Safe to share between threads and greenlets."""

    def __init__(self, url):
        self.engine = create_engine(url)
        self.url = self.engine.url.render_as_string(hide_password=True)
        self._ready = False

    def ensure_schema(self):
        """Create the tables if missing and record the schema version; done once, on
        start or, if the database was away then, on first use."""
        if self._ready:
            return
        for attempt in range(SCHEMA_ATTEMPTS):   # workers starting together race to create; a loser
            try:                                  # finds it made on its next attempt
                with self._begin() as connection:
                    metadata.create_all(connection)
                    found = connection.execute(sa.select(schema_version.c.version)).scalar()
                    if found is None:
                        connection.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION))
                break
            except StoreUnavailable as error:
                if error.connecting or attempt == SCHEMA_ATTEMPTS - 1:   # not a race: the database is away
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))   # let the winner commit
        if found is not None and found > SCHEMA_VERSION:
            raise RuntimeError(f"the feedback store has schema {found}; this app knows up to {SCHEMA_VERSION}")
        self._ready = True

    def try_ensure_schema(self):
        """ensure_schema at start-up without failing it: reading digits must not wait on the store."""
        try:
            self.ensure_schema()
        except StoreUnavailable as error:
            log.warning("feedback store %s unreachable at start (%s); will retry on first use", self.url, error)

    def _begin(self):
        return _Guard(self.engine)

    def add(self, image, answer, label, model_name, model_sha256, strokes=None, pointer=None, now=None):
        """Insert one row; returns its id once committed."""
        self.ensure_schema()
        row = {"created_at": now or datetime.now(timezone.utc), "image": image,
               "strokes": None if strokes is None else json.dumps([[list(map(float, point)) for point in stroke]
                                                                    for stroke in strokes], separators=(",", ":")),
               "answer": answer, "label": label, "model_name": model_name, "model_sha256": model_sha256,
               "pointer": pointer}
        with self._begin() as connection:
            return connection.execute(feedback.insert().values(row).returning(feedback.c.id)).scalar_one()

    def labels(self, since=None):
        """(answer, label, created_at) of every row (or those from `since` on), oldest first."""
        self.ensure_schema()
        query = sa.select(feedback.c.answer, feedback.c.label, feedback.c.created_at).order_by(feedback.c.id)
        if since is not None:
            query = query.where(feedback.c.created_at >= since)
        with self._begin() as connection:
            return [tuple(row) for row in connection.execute(query)]

    def latest(self, count):
        """The newest `count` rows as dicts (id, created_at, answer, label, pointer), newest first."""
        self.ensure_schema()
        c = feedback.c
        query = sa.select(c.id, c.created_at, c.answer, c.label, c.pointer).order_by(c.id.desc()).limit(count)
        with self._begin() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def image(self, row_id):
        """The bytes posted with row `row_id`, or None."""
        self.ensure_schema()
        with self._begin() as connection:
            return connection.execute(sa.select(feedback.c.image).where(feedback.c.id == row_id)).scalar()

    def ids(self):
        self.ensure_schema()
        with self._begin() as connection:
            return set(connection.execute(sa.select(feedback.c.id)).scalars())

    def drawings(self, batch=200):
        """Every row's (id, image bytes, strokes or None, label), oldest first, read in batches."""
        self.ensure_schema()
        c = feedback.c
        last = 0
        while True:
            query = sa.select(c.id, c.image, c.strokes, c.label).where(c.id > last).order_by(c.id).limit(batch)
            with self._begin() as connection:
                rows = connection.execute(query).all()
            if not rows:
                return
            for row_id, image, strokes, label in rows:
                yield row_id, bytes(image), None if strokes is None else json.loads(strokes), label
            last = rows[-1][0]

    def count(self):
        self.ensure_schema()
        with self._begin() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(feedback)).scalar_one()

    def purge(self):
        """Delete every row; returns how many there were."""
        self.ensure_schema()
        with self._begin() as connection:
            return connection.execute(feedback.delete()).rowcount

    def dispose(self):
        self.engine.dispose()


class _Guard:
    """engine.begin() whose database errors come out as StoreUnavailable."""

    def __init__(self, engine):
        self._context = engine.begin()

    def __enter__(self):
        try:
            return self._context.__enter__()
        except SQLAlchemyError as error:
            raise StoreUnavailable(_short(error), connecting=True) from error

    def __exit__(self, kind, value, traceback):
        try:
            suppressed = self._context.__exit__(kind, value, traceback)
        except SQLAlchemyError as error:   # the commit itself failed
            raise StoreUnavailable(_short(error)) from error
        if isinstance(value, SQLAlchemyError):
            raise StoreUnavailable(_short(value)) from value
        return suppressed


def _short(error):
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
