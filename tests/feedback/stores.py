"""Feedback stores to test against: SQLite files always; PostgreSQL when
DIGITS_TEST_POSTGRES_URL names a server (.ci/run starts one), else skipped with a reason.
Test modules import the fixtures they use from here."""

import os
import uuid

import pytest
import sqlalchemy as sa

from webapp.store.database import Store

POSTGRES_URL = os.environ.get("DIGITS_TEST_POSTGRES_URL")
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="DIGITS_TEST_POSTGRES_URL is not set: no PostgreSQL "
                                    "server to test against (.ci/run starts one; see README)")


def fresh_postgres_url():
    """A new, empty database on the test server, so tests never see each other's rows."""
    name = f"digits_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    return fresh_postgres_url()


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    store.ensure_schema()
    yield store
    store.dispose()


@pytest.fixture
def app_with(app):
    """The shared app (its model loaded once) with another feedback store for one test."""
    stores = []

    def use(url):
        stores.append(app.extensions["store"])
        app.extensions["store"] = Store(url)
        app.extensions["store"].try_ensure_schema()
        return app
    yield use
    if stores:
        app.extensions["store"].dispose()
        app.extensions["store"] = stores[0]
