"""The PNG reading and writing the server does itself, where Pillow is slow for what the
page sends: a 560x560 RGBA canvas export, mostly transparent, squeezed into a few KB.

- inflate(): the image data inflated in one zlib-ng call (0.1 ms; Pillow's zlib, a row
  at a time, 2.5 ms), with the header and the chunks around it.
- stored(): the same PNG with that data stored uncompressed, for Pillow or libspng to read.
- rgba(): libspng undoes the row filters with SIMD (0.1 ms; Pillow 0.9 ms).
- canvas_band(): only the rows that hold anything are decoded at all.
- encode(): an image written directly (the 28x28 input the network saw): for 784 pixels
  setting up Pillow's encoder costs ten times the work.

Only a valid header of a canvas-sized image is trusted to say how much to inflate;
everything else comes back None, for Pillow to read or refuse.
"""

import struct

import numpy as np
import pyspng
from zlib_ng import zlib_ng

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}   # by colour type: grey, RGB, palette, grey+alpha, RGBA
DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
GREY, RGBA = 0, 6   # colour types; RGBA is what canvases export (8 bits: no palette or tRNS to apply)
STORED_MAX_BYTES = 8 * 1024 * 1024   # inflate ahead only canvas-sized images (560x560 RGBA: 1.25 MB)
FILTER_SUB, FILTER_PAETH = 1, 4      # row filters: 0 none, 1 "sub" (from the left), 2-4 also from the row above
ORIENTATION_CHUNKS = (b"eXIf", b"tEXt", b"zTXt", b"iTXt")   # where Pillow finds EXIF or XMP orientation


class Inflated:
    """A PNG's header fields, its image data inflated (each row: a filter byte, then the
    row's bytes), and the chunks around the image data."""

    def __init__(self, data, width, height, depth, colour, raw, first, last, end):
        self.width, self.height, self.depth, self.colour, self.raw = width, height, depth, colour, raw
        self.before, self.after = data[:first], data[last:end]   # chunks before and after the image data


def inflate(data, max_pixels):
    """The PNG in `data` inflated (see Inflated), or None where that does not apply: not a
    PNG, interlaced, damaged, more than `max_pixels` or too large to be a canvas."""
    if not data.startswith(SIGNATURE):
        return None
    chunks, pos = [], len(SIGNATURE)
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
    if (interlace or colour not in CHANNELS or depth not in DEPTHS[colour]
            or width < 1 or height < 1 or width * height > max_pixels):
        return None
    expected = height * (1 + (width * CHANNELS[colour] * depth + 7) // 8)
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
    return Inflated(data, width, height, depth, colour, raw, chunks[idats[0]][1], chunks[idats[-1]][2],
                    chunks[-1][2])


def _chunk_parts(kind, payload):
    """A PNG chunk as its four parts: joined with its neighbours, a megabyte payload is copied once."""
    return struct.pack(">I", len(payload)), kind, payload, struct.pack(">I", zlib_ng.crc32(payload, zlib_ng.crc32(kind)))


def chunk(kind, payload):
    """A PNG chunk: length, kind, payload, CRC."""
    return b"".join(_chunk_parts(kind, payload))


def header(width, height, colour, depth=8):
    """The IHDR chunk of a non-interlaced image."""
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))


def stored(png, raw=None, height=None):
    """The PNG with `raw` (rows of filtered bytes; by default its own) as its image data,
    stored uncompressed; `height` rows high if given (the header is rewritten)."""
    before = png.before
    if height is not None:
        before = before[:8] + chunk(b"IHDR", struct.pack(">I", height).join((before[16:20], before[24:29]))) + before[33:]
    return b"".join((before, *_chunk_parts(b"IDAT", zlib_ng.compress(png.raw if raw is None else raw, 0)), png.after))


def stored_png(data, max_pixels):
    """stored(inflate(data)): the PNG Pillow then reads without inflating; None where not a canvas-like PNG."""
    png = inflate(data, max_pixels)
    return None if png is None else stored(png)


def rgba(stored_data, original, max_side):
    """The pixels of a stored PNG, by libspng, if it is a canvas-like one: 8-bit RGBA, no
    side above `max_side` and with nothing that could say it should be turned (EXIF or
    XMP, which Pillow applies); else None. The pixels are Pillow's, bit for bit (tested
    with every row filter)."""
    width, height = struct.unpack(">II", stored_data[16:24])
    depth, colour = stored_data[24], stored_data[25]
    if (depth != 8 or colour != RGBA or max(width, height) > max_side
            or any(kind in original for kind in ORIENTATION_CHUNKS)):
        return None
    try:
        return pyspng.load(stored_data)
    except Exception:   # anything libspng refuses, Pillow reads or explains
        return None


def canvas_band(png, data, max_side):
    """(the alpha of the rows of a canvas PNG that hold anything, the first such row, the
    image's (width, height)), or None for anything that is not an 8-bit RGBA PNG.
    `png` is `data` inflated (see inflate).

    Why: a drawing fills a band of the canvas; the rows above and below are transparent
    and need not be decoded at all. In the inflated data a row whose filtered bytes are
    all zero is all zero when the row above it is, or when its filter is none or "sub"
    (which do not look at the row above): those rows are left out, provably, not guessed.
    """
    if png is None or png.depth != 8 or png.colour != RGBA:
        return None
    rows = np.frombuffer(png.raw, np.uint8).reshape(png.height, -1)
    if rows[:, 0].max() > FILTER_PAETH:
        return None   # a filter no PNG has: Pillow says the file is damaged
    holding = np.flatnonzero(rows[:, 1:].max(axis=1))
    if holding.size == 0:   # nothing at all: one transparent row says as much
        return np.zeros((1, png.width), np.uint8), 0, (png.width, png.height)
    top, bottom = int(holding[0]), int(holding[-1]) + 1
    # a zero row below ink repeats or predicts from the row above unless its filter ignores it
    while bottom < png.height and rows[bottom, 0] > FILTER_SUB:
        bottom += 1
    pixels = rgba(stored(png, rows[top:bottom].tobytes(), bottom - top), data, max_side)
    if pixels is None:
        return None
    return np.ascontiguousarray(pixels[..., 3]), top, (png.width, png.height)   # contiguous: faster to scan


def encode(pixels, level=6):
    """uint8 (height, width) grey or (height, width, 4) RGBA -> PNG bytes, rows unfiltered."""
    height, width = pixels.shape[:2]
    colour = RGBA if pixels.ndim == 3 else GREY
    rows = np.zeros((height, 1 + pixels[0].size), np.uint8)   # each row: filter type 0, then its bytes
    rows[:, 1:] = pixels.reshape(height, -1)
    return (SIGNATURE + header(width, height, colour) + chunk(b"IDAT", zlib_ng.compress(rows.tobytes(), level))
            + chunk(b"IEND", b""))
