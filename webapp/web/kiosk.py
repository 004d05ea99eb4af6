"""The open-day kiosk: GET /kiosk, its web app manifest and its service worker.

The service worker is served from the site's root so that its scope can cover /kiosk;
it must never be cached by the browser's HTTP cache, or a new version would not install.
"""

from flask import Blueprint, current_app, render_template, request, send_from_directory

from webapp.reading.segment import RULES
from webapp.web.pages import BRUSH_FRACTION

bp = Blueprint("kiosk", __name__)


@bp.get("/kiosk")
def kiosk():
    config = current_app.config
    return render_template("kiosk.html", brush_fraction=float(BRUSH_FRACTION),
                           max_stroke_points=RULES.max_stroke_points,
                           idle_seconds=float(config["KIOSK_IDLE_SECONDS"]),
                           attract_seconds=float(config["KIOSK_ATTRACT_SECONDS"]),
                           look=_on(config["KIOSK_LOOK"]) or _on(request.args.get("look", "")))


def _on(value):
    """A setting's truth, from the environment's text too ("1", "true", "yes", "on")."""
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


@bp.get("/kiosk.webmanifest")
def manifest():
    return send_from_directory(current_app.static_folder, "kiosk/kiosk.webmanifest",
                               mimetype="application/manifest+json", max_age=0)


@bp.get("/kiosk-sw.js")
def service_worker():
    response = send_from_directory(current_app.static_folder, "kiosk/sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/kiosk"
    return response
