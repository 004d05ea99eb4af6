"""Re-draw MNIST digits the way people draw them on the page's canvas.

A digit's centre line (where the writer's pen went) is traced with a round brush of a
chosen width, at a chosen size and place on a transparent canvas: the same pixels a
canvas export of a drawn digit has. Used to evaluate the whole pipeline, preprocessing
and model, on drawings rather than on MNIST's own images, and by the tests.
"""

import io

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage
from skimage.morphology import skeletonize

from webapp.reading.preprocess import DIGIT_BOX, MNIST_SIZE

CANVAS = 560


def skeleton(digit, height):
    """Where the pen went in a 28x28 digit, scaled so the digit is `height` pixels tall:
    the centre line of its ink, with the loops the pen filled in opened again."""
    side = max(MNIST_SIZE, int(round(MNIST_SIZE * height / DIGIT_BOX)))
    big = Image.fromarray(np.round(digit * 255).astype(np.uint8)).resize((side, side), Image.Resampling.BICUBIC)
    ink = np.asarray(big) > 127
    line = skeletonize(ink)
    opened = open_filled_loops(ink, line)
    return line if opened is ink else skeletonize(opened)   # most digits have no loop to open


def open_filled_loops(ink, line=None):
    """Ink (a boolean mask) with the loops its pen filled in opened again.

    A loop drawn smaller than the pen is wide fills in (a 9's head, an 8's upper loop);
    the centre line of such a blob is a stub, and traced it draws another digit (a hook
    for a 9, a 6 for an 8). Where ink is more than two pen widths across, the pen went
    round: ink deeper than a pen width (two half-widths) from the edge is taken out, which
    puts the centre line where the pen's centre went, half a pen width inside the blob's
    edge. The pen's half-width is the depth of the ink along its centre line (the median,
    so that the blobs themselves do not count; ink that is all blob comes back as it is).
    Thick spots where strokes cross are opened too, into loops smaller than the pen: a
    brush as wide as the page's paints them over again.

    `line`, the ink's centre line if already taken; `ink` itself comes back when there is
    nothing to open."""
    ink = np.asarray(ink, dtype=bool)
    line = skeletonize(ink) if line is None else line
    if not line.any():
        return ink
    depth = ndimage.distance_transform_edt(ink)
    deep = depth > 2 * np.median(depth[line])
    return ink & ~deep if deep.any() else ink


def render(digit, height, brush, centre=None, canvas=CANVAS):
    """RGBA uint8 (canvas, canvas, 4): black ink on transparent, anti-aliased round brush."""
    line = skeleton(digit, height)
    distance = ndimage.distance_transform_edt(~line)
    coverage = np.clip(brush / 2.0 + 0.5 - distance, 0.0, 1.0)
    side = coverage.shape[0]
    cy, cx = centre if centre is not None else (canvas / 2, canvas / 2)
    top, left = int(round(cy - side / 2)), int(round(cx - side / 2))
    alpha = np.zeros((canvas, canvas), dtype=np.float32)
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + side, canvas), min(left + side, canvas)
    alpha[t0:t1, l0:l1] = coverage[t0 - top:t1 - top, l0 - left:l1 - left]
    rgba = np.zeros((canvas, canvas, 4), dtype=np.uint8)
    rgba[..., 3] = np.round(alpha * 255).astype(np.uint8)
    return rgba


def random_centre(rng, height, canvas=CANVAS):
    """A place on the canvas where a digit `height` pixels tall fits whole."""
    half = height / 2 + 2   # the digit's box is at most `height` square
    low, high = half, canvas - half
    return tuple(rng.uniform(low, high, size=2)) if high > low else (canvas / 2, canvas / 2)


def draw_strokes(strokes, brush, size=(CANVAS, CANVAS)):
    """Polylines [(x, y), ...] drawn as the page's pad draws them (round caps and joins,
    `brush` pixels wide) on a (width, height) canvas: its alpha, uint8 (height, width)."""
    image = Image.new("L", size, 0)
    draw = ImageDraw.Draw(image)
    r = brush / 2
    for stroke in strokes:
        draw.line(stroke, fill=255, width=int(round(brush)), joint="curve")
        for x, y in stroke:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image)


def png_bytes(rgba):
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


NEIGHBOURS = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]


def centre_line_paths(line, shortest=3):
    """A one-pixel-wide centre line (bool image) -> its pixel paths [(y, x), ...], each
    walked from an end where it has one, joined to the pixel it runs into; paths of fewer
    than `shortest` pixels are left out."""
    on = {tuple(p) for p in np.argwhere(line)}
    degree = {p: sum((p[0] + dy, p[1] + dx) in on for dy, dx in NEIGHBOURS) for p in on}
    visited, paths = set(), []
    while len(visited) < len(on):
        rest = [p for p in on if p not in visited]
        ends = [p for p in rest if degree[p] <= 1]
        path = [min(ends or rest)]
        visited.add(path[0])
        while True:
            y, x = path[-1]
            step = next(((y + dy, x + dx) for dy, dx in NEIGHBOURS
                         if (y + dy, x + dx) in on and (y + dy, x + dx) not in visited), None)
            if step is None:  # join the stroke to the pixel it runs into, if any
                touch = next(((y + dy, x + dx) for dy, dx in NEIGHBOURS
                              if (y + dy, x + dx) in on and (y + dy, x + dx) not in path[-3:]), None)
                if touch is not None and len(path) > 1:
                    path.append(touch)
                break
            visited.add(step)
            path.append(step)
        if len(path) >= shortest:
            paths.append(path)
    return paths


def strokes(digit, height, centre=None, canvas=CANVAS, trace_height=60):
    """The digit's skeleton as pen strokes: a list of polylines [(x, y), ...] in canvas
    pixels, for replaying a digit into the page as a person would draw it."""
    line = skeleton(digit, trace_height)
    paths = centre_line_paths(line)
    side = line.shape[0]
    scale = (MNIST_SIZE * height / DIGIT_BOX) / side
    cy, cx = centre if centre is not None else (canvas / 2, canvas / 2)
    return [[(cx + (x - side / 2) * scale, cy + (y - side / 2) * scale) for y, x in path[::2] + [path[-1]]]
            for path in paths]
