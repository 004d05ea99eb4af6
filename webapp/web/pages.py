"""The drawing page."""

from fractions import Fraction

from flask import Blueprint, render_template

from webapp.reading.segment import RULES

bp = Blueprint("pages", __name__)

# The pad's brush width as a fraction of its side: thick enough to look like a marker,
# thin enough that six digits written across the pad stay legible (bench/README.md: 1/19
# to 1/40 measured). The page reads it from its template; bench/accuracy.py from here.
BRUSH_FRACTION = Fraction(1, 30)


@bp.get("/")
def index():
    return render_template("index.html", brush_fraction=float(BRUSH_FRACTION),
                           max_stroke_points=RULES.max_stroke_points)
