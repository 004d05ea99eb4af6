"""Turn a drawing, photo or scan into the 28x28 image the network expects.

MNIST was made this way: each digit's bounding box was fitted into a 20x20 box, keeping
its aspect ratio and anti-aliasing, then placed in a 28x28 field so that its centre of
mass sits at the centre. Doing exactly that to a user's drawing is what makes a model
trained on MNIST read it. On top of that, what people do and MNIST writers did not:
stray dots, brushes much thinner or thicker than a pen, transparent canvas exports,
light ink on dark paper.

Pure numpy, SciPy and Pillow (zlib-ng and libspng read canvas PNGs faster); the server,
the CLI and the evaluation all use this module.
"""

import io
import struct
import warnings

import numpy as np
import pyspng
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from scipy import ndimage
from zlib_ng import zlib_ng

# The geometry of MNIST: the one place these numbers live.
MNIST_SIZE = 28          # side of the network's input
DIGIT_BOX = 20           # the digit's longer side is fitted into this
MNIST_CENTRE = 14.0      # where MNIST puts the centre of mass (row and column index)
MNIST_STROKE = 2.0       # MNIST's typical stroke width in the 28x28 grid (see stroke_width)

DEFAULT_MAX_PIXELS = 25_000_000   # larger images are refused before they are decoded
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
WORKING_SIDE = 1024      # big photos are shrunk to this before any per-pixel work
OVERSAMPLE = 4           # the digit is normalised at 4x the 20x20 box, then reduced
SPECK_SIDE = 256         # stray dots are looked for at this size (at most), and the digit resampled from it
MIN_CONTRAST = 0.15      # darkest ink vs. background, as a fraction of full scale
INK_LEVEL = 0.2          # contrast below this fraction of the ink's own is background
INK_THRESHOLD = 0.25     # an ink map's pixel above this is ink, for boxes, components and widths
INK_BYTE = int(INK_THRESHOLD * 255) + 1   # the same rule for 8-bit pixels: this byte and above is ink
SEE_THROUGH = 250        # an alpha byte below this is see-through: the image's transparency is its drawing
SPECK_FRACTION = 0.10    # a component with less of the ink than this ...
SPECK_EXTENT = 0.15      # ... and smaller than this fraction of the drawing is a stray dot


Image.init()  # register the decoders now rather than during the first request


class PreprocessError(ValueError):
    """Input that cannot become a digit image; the message is meant for a person."""


class NotAnImage(PreprocessError):
    pass


class ImageTooLarge(PreprocessError):
    pass


class EmptyDrawing(PreprocessError):
    pass


# ---------------------------------------------------------------- decoding
def decode_image(data, max_pixels=DEFAULT_MAX_PIXELS):
    """Bytes of a PNG, JPEG (or anything Pillow reads) -> a loaded PIL image.

    The size is checked from the header, before decoding, so a decompression bomb
    costs nothing. Camera photos are turned upright by their EXIF orientation.
    """
    return _decode_image(data, max_pixels, _inflated_png(data, max_pixels))


def _decode_image(data, max_pixels, png):
    """decode_image, given the PNG already inflated (see _inflated_png; None if not one)."""
    stored = None if png is None else _stored(png, png.raw)
    if stored is not None and (image := _decode_stored_png(stored, data)) is not None:
        return image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(stored or data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(f"the image is larger than the limit of {max_pixels:,} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise NotAnImage("the file is not an image this server can read (PNG, JPEG, GIF, BMP, WebP or TIFF)") from None
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(f"the image is {width}x{height}; the limit is {max_pixels:,} pixels")
    if width < 1 or height < 1:
        raise NotAnImage("the image has no pixels")
    try:
        if max(width, height) > WORKING_SIDE:
            image.draft(image.mode, (WORKING_SIDE, WORKING_SIDE))  # JPEG decodes at a reduced scale
        image.load()
        image = ImageOps.exif_transpose(image)
        if max(image.size) > WORKING_SIDE:
            image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise NotAnImage("the image is damaged or truncated and cannot be decoded") from None
    return image


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}   # by colour type: grey, RGB, palette, grey+alpha, RGBA
PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
STORED_MAX_BYTES = 8 * 1024 * 1024   # inflate ahead only canvas-sized images (560x560 RGBA: 1.25 MB)


def stored_png(data, max_pixels=DEFAULT_MAX_PIXELS):
    """The same PNG with its image data inflated and stored uncompressed; None where that
    does not apply (not a PNG, interlaced, damaged, too large: Pillow then reads the original
    and says what is wrong).

    Why: a canvas export is 1.25 MB of mostly transparent pixels squeezed into a few KB.
    Pillow inflates it with zlib a row at a time, 2.5 ms, most of a request; zlib-ng
    inflates it in one call in 0.1 ms, and Pillow is left only to copy stored blocks and
    undo the row filters, in C. Only a valid header of a canvas-sized image is trusted to
    say how much to inflate; everything else is Pillow's to read (or refuse), as before.
    """
    png = _inflated_png(data, max_pixels)
    return None if png is None else _stored(png, png.raw)


class _InflatedPng:
    """A PNG's header fields, its image data inflated (each row: a filter byte, then the
    row's bytes), and the chunks around the image data."""

    def __init__(self, data, width, height, depth, colour, raw, first, last, end):
        self.width, self.height, self.depth, self.colour, self.raw = width, height, depth, colour, raw
        self.before, self.after = data[:first], data[last:end]   # chunks before and after the image data


def _inflated_png(data, max_pixels):
    if not data.startswith(PNG_SIGNATURE):
        return None
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            return None
        chunks.append((kind, pos, end))
        pos = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR" or chunks[0][2] - chunks[0][1] != 25:
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if (interlace or colour not in PNG_CHANNELS or depth not in PNG_DEPTHS[colour]
            or width < 1 or height < 1 or width * height > max_pixels):
        return None
    expected = height * (1 + (width * PNG_CHANNELS[colour] * depth + 7) // 8)
    idats = [k for k, (kind, _, _) in enumerate(chunks) if kind == b"IDAT"]
    if expected > STORED_MAX_BYTES or not idats or idats != list(range(idats[0], idats[-1] + 1)):
        return None   # too big to be worth it, or no image data, or data split up (Pillow refuses that)
    compressed = b"".join(data[start + 8:end - 4] for _, start, end in chunks[idats[0]:idats[-1] + 1])
    try:
        raw = zlib_ng.decompressobj().decompress(compressed, expected)
    except zlib_ng.error:
        return None
    if len(raw) != expected:
        return None
    return _InflatedPng(data, width, height, depth, colour, raw, chunks[idats[0]][1], chunks[idats[-1]][2],
                        chunks[-1][2])


def _chunk_parts(kind, payload):
    """A PNG chunk as its four parts: joined with its neighbours, a megabyte payload is copied once."""
    return struct.pack(">I", len(payload)), kind, payload, struct.pack(">I", zlib_ng.crc32(payload, zlib_ng.crc32(kind)))


def _chunk(kind, payload):
    return b"".join(_chunk_parts(kind, payload))


def _stored(png, raw, height=None):
    """The PNG with `raw` (rows of filtered bytes) as its stored image data; `height`
    rows high if given (the header is rewritten)."""
    before = png.before
    if height is not None:
        header = _chunk(b"IHDR", struct.pack(">I", height).join((before[16:20], before[24:29])))
        before = before[:8] + header + before[33:]
    return b"".join((before, *_chunk_parts(b"IDAT", zlib_ng.compress(raw, 0)), png.after))


PNG_RGBA = 6   # the colour type canvases export (with 8 bits: no palette or tRNS to apply)
PNG_SUB, PNG_PAETH = 1, 4   # row filters: 0 none, 1 "sub" (from the left), 2-4 also from the row above


def _decode_stored_png(stored, original):
    """A stored canvas PNG (see stored_png) decoded by libspng, or None where Pillow
    should read it.

    Why: with the data inflated ahead, what is left is undoing the row filters of 1.25 MB,
    which Pillow does a byte at a time in 0.9 ms and libspng with SIMD in 0.1 ms. Only
    8-bit RGBA without EXIF (whose rotation Pillow applies) takes this path; the pixels
    are the same as Pillow's (tests/test_preprocess.py checks, with every row filter).
    """
    pixels = _spng_rgba(stored, original)
    return None if pixels is None else Image.fromarray(pixels)


PNG_ORIENTATION_CHUNKS = (b"eXIf", b"tEXt", b"zTXt", b"iTXt")   # where Pillow finds EXIF or XMP orientation


def _spng_rgba(stored, original):
    """The pixels of a stored PNG, by libspng, if it is a canvas-like one: 8-bit RGBA, no
    bigger than WORKING_SIDE (larger images are shrunk first) and with nothing that could
    say it should be turned (EXIF or XMP, which decode_image applies); else None."""
    width, height, depth, colour = *struct.unpack(">II", stored[16:24]), stored[24], stored[25]
    if (depth != 8 or colour != PNG_RGBA or max(width, height) > WORKING_SIDE
            or any(kind in original for kind in PNG_ORIENTATION_CHUNKS)):
        return None
    try:
        return pyspng.load(stored)
    except Exception:   # anything libspng refuses, Pillow reads or explains
        return None


def _canvas_band(png, data):
    """(the alpha of the rows of a canvas PNG that hold anything, the first such row, the
    image's (width, height)), or None for anything that is not an 8-bit RGBA PNG.
    `png` is `data` inflated (see _inflated_png).

    Why: a drawing fills a band of the canvas; the rows above and below are transparent
    and need not be decoded at all. In the inflated data a row whose filtered bytes are
    all zero is all zero when the row above it is, or when its filter is none or "sub"
    (which do not look at the row above): those rows are left out, provably, not guessed.
    """
    if png is None or png.depth != 8 or png.colour != PNG_RGBA:
        return None
    rows = np.frombuffer(png.raw, np.uint8).reshape(png.height, -1)
    if rows[:, 0].max() > PNG_PAETH:
        return None   # a filter no PNG has: Pillow says the file is damaged
    holding = np.flatnonzero(rows[:, 1:].max(axis=1))
    if holding.size == 0:   # nothing at all: one transparent row says as much
        return np.zeros((1, png.width), np.uint8), 0, (png.width, png.height)
    top, bottom = int(holding[0]), int(holding[-1]) + 1
    # a zero row below ink repeats or predicts from the row above unless its filter ignores it
    while bottom < png.height and rows[bottom, 0] > PNG_SUB:
        bottom += 1
    pixels = _spng_rgba(_stored(png, rows[top:bottom].tobytes(), bottom - top), data)
    if pixels is None:
        return None
    return np.ascontiguousarray(pixels[..., 3]), top, (png.width, png.height)   # contiguous: faster to scan


def read_ink(data, max_pixels=DEFAULT_MAX_PIXELS):
    """Image bytes -> (the ink in its box, (top, left) of the box, (width, height) of the
    image): ink_in_box(decode_image(data)) with the image's size, the same arrays; for a
    canvas export only the rows with something on them are decoded (see _canvas_band)."""
    png = _inflated_png(data, max_pixels)   # inflated once, whichever way it is read
    band = _canvas_band(png, data)
    if band is not None:
        alpha, top, size = band
        if alpha.shape[0] < size[1] or _see_through(alpha):   # rows left out are transparent ones
            ink, (t, left) = _alpha_ink_in_box(alpha)
            return ink, (top + t, left), size
    image = _decode_image(data, max_pixels, png)   # not a canvas, or opaque: its ink is in its colours
    return (*ink_in_box(image), image.size)


def ink_map(image):
    """A PIL image -> float32 array in [0, 1] where 1 is ink and 0 is background.

    Transparent backgrounds (a canvas export: strokes on transparent pixels) take their
    ink from the alpha channel. Opaque images take it from the brightness, the paper being
    whatever the border mostly is, so dark-on-light and light-on-dark both work.
    """
    image, alpha = _drawing_alpha(image)
    if alpha is None:
        return _opaque_ink(image)
    return _contrast(alpha / np.float32(255.0), alpha.max() / np.float32(255.0))


def ink_in_box(image):
    """crop_to_ink(ink_map(image)), the same arrays, with less work for a canvas export:
    its ink's box is found in the alpha channel's bytes, and only that box is converted,
    through a table of what ink_map makes of each of the 256 byte values."""
    image, alpha = _drawing_alpha(image)
    if alpha is None:
        return crop_to_ink(_opaque_ink(image))
    return _alpha_ink_in_box(alpha)


def _alpha_ink_in_box(alpha):
    row_max = alpha.max(axis=1)
    table = _contrast(np.arange(256, dtype=np.uint8) / np.float32(255.0), row_max.max() / np.float32(255.0))
    least = int(np.argmax(table > INK_THRESHOLD))   # the faintest byte ink_mask counts (the table only rises)
    rows = np.flatnonzero(row_max >= least)
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(alpha[top:bottom].max(axis=0) >= least)
    left, right = int(cols[0]), int(cols[-1]) + 1
    return np.take(table, alpha[top:bottom, left:right]), (top, left)


def _drawing_alpha(image):
    """(image, its alpha channel as uint8) if the transparency carries the drawing, else
    (image, None); a palette image comes back as RGBA."""
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        alpha = np.asarray(image.getchannel("A"))
        if _see_through(alpha):   # the strokes are the opaque pixels
            return image, alpha
    return image, None


def _see_through(alpha):
    """Whether some pixels are see-through, so that the transparency carries the drawing
    (a corner is checked first: on a canvas it settles the question at once)."""
    return alpha[0, 0] < SEE_THROUGH or alpha.min() < SEE_THROUGH


def _opaque_ink(image):
    grey = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    background = float(np.median(_border(grey)))
    ink = grey - background if background < 0.5 else background - grey
    return _contrast(np.clip(ink, 0.0, None), ink.max())


def _border(a):
    k = max(1, min(a.shape) // 50)
    return np.concatenate([a[:k].ravel(), a[-k:].ravel(), a[:, :k].ravel(), a[:, -k:].ravel()])


def _strong_enough(strongest):
    if strongest < MIN_CONTRAST:
        raise EmptyDrawing("the drawing is empty: nothing stands out from the background")
    return strongest


def _contrast(ink, strongest):
    """Stretch the ink to full scale and cut what is too faint to be ink (paper grain, JPEG noise)."""
    level = _strong_enough(strongest) * INK_LEVEL
    return np.clip((ink - level) / (strongest - level), 0.0, 1.0).astype(np.float32)


# ---------------------------------------------------------------- the digit
def ink_mask(ink):
    return ink > INK_THRESHOLD


def bounding_box(mask):
    """(top, left, bottom, right) of the True pixels, bottom/right exclusive; None if none."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def drop_specks(pixels, mask):
    """Remove stray dots: small components of `mask` (which pixels are ink) far smaller
    than the drawing around them."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count <= 1:
        return pixels
    areas = np.bincount(labels.ravel())[1:]
    box = bounding_box(mask)
    extent = max(box[2] - box[0], box[3] - box[1])
    slices = ndimage.find_objects(labels)
    keep = np.ones(count + 1, dtype=bool)
    keep[0] = False
    largest = int(np.argmax(areas))
    for i, (area, sl) in enumerate(zip(areas, slices)):
        size = max(sl[0].stop - sl[0].start, sl[1].stop - sl[1].start)
        if i != largest and area < SPECK_FRACTION * areas.sum() and size < SPECK_EXTENT * extent:
            keep[i + 1] = False
    # faint anti-aliased rims belong to their component: grow the kept mask by a pixel
    kept = ndimage.binary_dilation(keep[labels], iterations=2)
    return np.where(kept, pixels, 0).astype(pixels.dtype)


def stroke_width(mask):
    """Mean stroke width in pixels: ink area over half the ink's edge length.

    A stroke of width w and length L covers w*L pixels and has about 2L edge pixels.
    """
    mask = np.pad(mask, 1)  # the image's own edge is an edge of the ink too
    edges = np.count_nonzero(mask[:, 1:] != mask[:, :-1]) + np.count_nonzero(mask[1:] != mask[:-1])
    return 2.0 * np.count_nonzero(mask) / max(edges, 1)


def _to_bytes(a):
    return np.round(np.clip(a, 0.0, 1.0) * 255).astype(np.uint8)


def _to_image(a):
    return Image.fromarray(_to_bytes(a), "L")


def _fit(image, side):
    """Scale so the longer side is `side`, keeping the aspect ratio, anti-aliased."""
    w, h = image.size
    scale = side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def normalise_strokes(image):
    """Thin or thicken the strokes of a digit fitted at OVERSAMPLE x DIGIT_BOX so they
    come out as wide as MNIST's pen, whatever the brush and the size it was drawn at."""
    target = MNIST_STROKE * OVERSAMPLE * DIGIT_BOX / (MNIST_SIZE - 8)
    width = stroke_width(np.asarray(image) >= INK_BYTE)
    radius = min(int(round(abs(width - target) / 2.0)), OVERSAMPLE * DIGIT_BOX // 8)
    if radius == 0 or target / 1.35 <= width <= target * 1.35:
        return image
    pad = radius + 2
    image = ImageOps.expand(image, pad, fill=0)
    if width > target:
        image = image.filter(ImageFilter.MinFilter(2 * radius + 1))
    else:
        image = image.filter(ImageFilter.MaxFilter(2 * radius + 1))
    box = image.getbbox()
    return image.crop(box) if box else image


def crop_to_ink(ink):
    """The ink map cut to its ink's bounding box, and where that box starts (top, left)."""
    box = bounding_box(ink_mask(ink))
    if box is None:
        raise EmptyDrawing("the drawing is empty: draw a digit first")
    top, left, bottom, right = box
    return ink[top:bottom, left:right], (top, left)


def to_mnist(ink):
    """An ink map of one digit -> float32 (28, 28) in [0, 1], white on black, MNIST-style."""
    crop = _to_image(crop_to_ink(ink)[0])
    if max(crop.size) > 2 * SPECK_SIDE:   # find stray dots on a smaller copy: same answer, less work
        crop = _fit(crop, SPECK_SIDE)
    elif max(crop.size) > SPECK_SIDE:     # halved by a box filter, a tenth of a resampling's cost, which
        crop = crop.reduce(2)             # keeps even a 1-pixel pen at half strength: still ink
    pixels = np.asarray(crop)   # from here on 8-bit, as Pillow resamples it
    pixels = drop_specks(pixels, pixels >= INK_BYTE)
    box = bounding_box(pixels >= INK_BYTE)
    if box is None:   # hairlines that fade away when shrunk for the speck search
        raise EmptyDrawing("the drawing is too faint or too thin to read")
    top, left, bottom, right = box
    work = _fit(Image.fromarray(pixels[top:bottom, left:right]), OVERSAMPLE * DIGIT_BOX)
    work = normalise_strokes(work)
    digit = np.asarray(_fit(work, DIGIT_BOX), dtype=np.float32)
    if digit.max() <= 0:
        raise EmptyDrawing("the drawing is too faint to read")
    digit /= digit.max()
    return centre_by_mass(digit)


def centre_by_mass(digit):
    """Place a digit (at most DIGIT_BOX square) in the 28x28 field, centre of mass at the centre."""
    h, w = digit.shape
    total = digit.sum(dtype=np.float64)   # as ndimage.center_of_mass, without its overhead
    cy = digit.sum(axis=1, dtype=np.float64) @ np.arange(h) / total
    cx = digit.sum(axis=0, dtype=np.float64) @ np.arange(w) / total
    top = min(max(int(round(MNIST_CENTRE - cy)), 0), MNIST_SIZE - h)
    left = min(max(int(round(MNIST_CENTRE - cx)), 0), MNIST_SIZE - w)
    field = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float32)
    field[top:top + h, left:left + w] = digit
    return field


def prepare(data, max_pixels=DEFAULT_MAX_PIXELS):
    """Image bytes -> the (28, 28) float32 array the network reads. Raises PreprocessError."""
    return to_mnist(ink_map(decode_image(data, max_pixels)))


def encode_png(pixels):
    """A (28, 28) float array in [0, 1] -> 8-bit greyscale PNG bytes, to show what the
    network saw. Written directly (rows unfiltered, deflated): for 784 pixels, setting up
    Pillow's encoder costs ten times the work."""
    height, width = pixels.shape
    rows = np.zeros((height, width + 1), np.uint8)   # each row: filter type 0, then its bytes
    rows[:, 1:] = _to_bytes(pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)   # 8-bit grey, not interlaced
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib_ng.compress(rows.tobytes(), 6))
            + _chunk(b"IEND", b""))
