"""Drawings and bodies as the page posts them, for the feedback tests."""

import base64
import io

from PIL import Image, ImageDraw


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
