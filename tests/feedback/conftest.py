"""Feedback stores to test against: SQLite files always; PostgreSQL when
DIGITS_TEST_POSTGRES_URL names a server (.ci/run starts one), else skipped with a reason."""

import base64
import io
import os
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from webapp import create_app
from webapp.store import Store

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


def drawing_png(digits="7", size=280):
    """A drawing as the page posts it: black ink on a transparent canvas, digits side by side."""
    image = Image.new("RGBA", (size * len(digits), size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    strokes = []
    for i, digit in enumerate(digits):
        x0 = i * size
        shape = {"1": [(0.5, 0.15), (0.5, 0.85)],
                 "7": [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)],
                 "4": [(0.6, 0.85), (0.6, 0.15), (0.2, 0.6), (0.8, 0.6)]}[digit]
        points = [(x0 + x * size, y * size) for x, y in shape]
        draw.line(points, fill=(0, 0, 0, 255), width=size // 12, joint="curve")
        strokes.append([[round(x, 1), round(y, 1)] for x, y in points])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue(), strokes


def data_url(png):
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def feedback_body(digits="7", answer=None, label=None, **extra):
    png, strokes = drawing_png(digits)
    return {"image": data_url(png), "strokes": strokes, "answer": answer or digits, "label": label or digits, **extra}
