"""The team's view of the day: GET /stats (the page), GET /api/stats (its data) and the
kept drawings it shows, all behind the admin token (webapp/web/admin.py)."""

from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, jsonify, render_template, url_for

from webapp.store import tally
from webapp.store.database import StoreUnavailable
from webapp.web import feedback
from webapp.web.admin import team_only

bp = Blueprint("stats", __name__)
bp.register_error_handler(StoreUnavailable, feedback.unavailable)

GALLERY = 60   # the latest drawings shown


@bp.get("/stats")
@team_only
def page():
    return render_template("stats.html")


@bp.get("/api/stats")
@team_only
def data():
    store = current_app.extensions["store"]
    rows = store.labels()
    since = feedback.start_of_today()
    latest = store.latest(GALLERY)
    response = jsonify(
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        today=tally.summary(row for row in rows if _aware(row[2]) >= since),
        all=tally.summary(rows),
        per_digit=tally.per_digit(rows),
        confusion=tally.confusion(rows),
        latest=[{"id": row["id"], "created_at": _aware(row["created_at"]).isoformat(timespec="seconds"),
                 "answer": row["answer"], "label": row["label"], "right": row["answer"] == row["label"],
                 "pointer": row["pointer"], "image": url_for("stats.drawing", row_id=row["id"])}
                for row in latest])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/stats/drawings/<int:row_id>")
@team_only
def drawing(row_id):
    image = current_app.extensions["store"].image(row_id)
    if image is None:
        abort(404)
    image = bytes(image)
    mimetype = "image/png" if image.startswith(b"\x89PNG") else "image/jpeg" if image.startswith(
        b"\xff\xd8") else "application/octet-stream"
    response = current_app.response_class(image, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=86400"   # a kept drawing never changes
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _aware(moment):
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
