"""Hostile requests for POST /api/predict, and how long the server takes over each.

    .venv/bin/python bench/hostile.py          # the slowest inputs, in-process server time

The corpus (corpus()) is what an attacker or a broken client sends: specks, bars and
noise that make thousands of separate marks, every image mode Pillow writes, truncated
and bit-flipped files, headers declaring huge sizes, decompression bombs, and JSON built
to cost work. The tests (tests/webapp/web/test_hostile.py) check each is answered with a 2xx
or a 4xx; this script times them (each once to warm up, then the median of three).
"""

import base64
import io
import json
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp.reading import png  # noqa: E402

SIDE = 1024
MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBa", "CMYK", "YCbCr", "LAB", "HSV",
         "I", "I;16", "I;16B", "I;16L", "F")
# Where each mode can be written: the first format listed that Pillow saves it in.
FORMATS_FOR_MODE = ("PNG", "TIFF", "WEBP", "GIF", "BMP", "JPEG")


def _encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _grey_png(pixels):
    return _encode(Image.fromarray(pixels.astype(np.uint8), "L"), "PNG")


def marks(rng):
    """Images of many separate marks: specks, bars, dots, noise."""
    white = np.full((SIDE, SIDE), 255, np.uint8)
    specks = white.copy()
    specks[rng.random((SIDE, SIDE)) < 0.03] = 0
    yield "specks-3%", _grey_png(specks)
    dense = white.copy()
    dense[rng.random((SIDE, SIDE)) < 0.3] = 0
    yield "specks-30%", _grey_png(dense)
    bars = white.copy()
    for k, x in enumerate(range(2, 2 + 2 * 460, 2)):   # one-pixel bars of stepped heights
        bars[100 + k % 37 * 3: 400 + k % 53 * 7, x] = 0
    yield "bars-460", _grey_png(bars)
    short = white.copy()
    for k, x in enumerate(range(2, SIDE - 2, 2)):   # short bars beside a tall one: fragments to join
        short[500: 500 + 5 + k % 9, x] = 0
    short[100:900, 1020] = 0
    yield "short-bars", _grey_png(short)
    dots = white.copy()
    dots[::2, ::2] = 0   # 262,144 one-pixel components
    yield "dot-grid", _grey_png(dots)
    staircase = white.copy()
    for k in range(300):   # small blocks each in its own columns, each at its own height
        staircase[k * 3 % 900: k * 3 % 900 + 40, k * 3: k * 3 + 2] = 0
    yield "staircase", _grey_png(staircase)
    yield "noise-grey", _grey_png(rng.integers(0, 256, (SIDE, SIDE)))
    yield "noise-rgb", _encode(Image.fromarray(rng.integers(0, 256, (SIDE, SIDE, 3)).astype(np.uint8)), "PNG")
    canvas = np.zeros((560, 560, 4), np.uint8)
    canvas[..., 3][rng.random((560, 560)) < 0.05] = 255
    yield "canvas-specks", png.encode(canvas)
    from PIL import ImageDraw
    rings = Image.new("L", (SIDE, 200), 255)   # one wide mark of touching rings: the most cutting
    draw = ImageDraw.Draw(rings)
    for k in range(14):
        draw.ellipse((k * 72, 20, k * 72 + 90, 180), outline=0, width=9)
    yield "touching-rings", _encode(rings, "PNG")
    comb = Image.new("L", (560, 560), 255)   # teeth side by side joined at the foot, with their strokes
    draw = ImageDraw.Draw(comb)
    for k in range(47):
        draw.line([(6 + k * 11, 40), (6 + k * 11, 520)], fill=0, width=4)
    draw.line([(6, 520), (512, 520)], fill=0, width=4)
    yield "comb", _encode(comb, "PNG")


def a_digit():
    """A plain drawn 7, dark on light, in L mode: the start of every mode and file trick."""
    image = Image.new("L", (200, 200), 255)
    from PIL import ImageDraw
    draw = ImageDraw.Draw(image)
    draw.line([(50, 40), (150, 40), (90, 170)], fill=0, width=14)
    return image


def every_mode():
    """The digit in every mode, in the first format that holds it."""
    base = a_digit()
    for mode in MODES:
        try:
            image = base.convert("RGBA").convert(mode) if mode in ("RGBa", "La", "PA") else base.convert(mode)
        except (ValueError, OSError):
            image = Image.frombytes(mode, base.size, bytes(len(base.tobytes()) * 4)) if mode == "F" else None
        if image is None:
            continue
        for fmt in FORMATS_FOR_MODE:
            try:
                yield f"mode-{mode}-{fmt}", _encode(image, fmt)
            except (OSError, ValueError, KeyError):
                continue
            break
    yield "mode-LAB-TIFF-deflate", _encode(base.convert("LAB"), "TIFF", compression="tiff_adobe_deflate")
    yield "mode-CMYK-JPEG", _encode(base.convert("CMYK"), "JPEG")
    yield "mode-I16-PNG", _encode(base.convert("I;16"), "PNG")
    frames = [base, base.transpose(Image.Transpose.ROTATE_90)]
    for fmt in ("GIF", "WEBP", "PNG"):
        yield f"animated-{fmt}", _encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100)
    exif = Image.Exif()
    exif[0x0112] = 6   # orientation: turn 90 degrees
    turned = base.convert("RGB").transpose(Image.Transpose.ROTATE_90)   # stored on its side, shown upright
    yield "exif-rotated-JPEG", _encode(turned, "JPEG", exif=exif)


def broken(rng):
    """Valid files cut short and with bits flipped."""
    base = a_digit()
    files = {fmt: _encode(base.convert("RGB"), fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")}
    for fmt, data in files.items():
        for cut in (8, 30, len(data) // 2, len(data) - 1):
            yield f"truncated-{fmt}-{cut}", data[:cut]
        for k in range(4):
            flipped = bytearray(data)
            for at in rng.integers(0, len(data), size=1 + k * 3):
                flipped[at] ^= 1 << int(rng.integers(0, 8))
            yield f"bitflip-{fmt}-{k}", bytes(flipped)


def _png_declaring(width, height, data=b"", colour=0):
    return png.SIGNATURE + png.header(width, height, colour) + png.chunk(b"IDAT", data) + png.chunk(b"IEND", b"")


def bombs():
    """Headers declaring huge sizes, and small files that inflate to a lot."""
    yield "png-declares-100000x100000", _png_declaring(100_000, 100_000, zlib.compress(b"\0" * 1000))
    yield "png-declares-2^31", _png_declaring(2 ** 31 - 1, 2 ** 31 - 1)
    yield "png-declares-1x25M", _png_declaring(1, 25_000_000, zlib.compress(b"\0" * 1000))
    side = 4900   # just within the pixel limit, all of it blank but one digit-sized box
    rows = b"".join(b"\0" + b"\xff" * side for _ in range(side))
    yield "png-bomb-4900x4900", _png_declaring(side, side, zlib.compress(rows, 9))
    yield "png-bomb-rgba-4900x4900", _png_declaring(side, side, zlib.compress(b"".join(
        b"\0" + b"\0" * 4 * side for _ in range(side)), 9), colour=6)
    yield "png-rgba-6M", _encode(Image.new("RGBA", (2449, 2449), (255, 255, 255, 255)), "PNG")
    yield "png-text-bomb", (png.SIGNATURE + png.header(8, 8, 0) + png.chunk(b"zTXt", b"k\0\0" + zlib.compress(b"a" * 50_000_000, 9))
                            + png.chunk(b"IDAT", zlib.compress(b"\0" * 72)) + png.chunk(b"IEND", b""))
    gif = bytearray(_encode(a_digit().convert("P"), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    yield "gif-declares-65535", bytes(gif)
    bmp = bytearray(_encode(a_digit().convert("RGB"), "BMP"))
    bmp[18:26] = struct.pack("<ii", 100_000, 100_000)
    yield "bmp-declares-100000", bytes(bmp)
    jpeg = bytearray(_encode(a_digit().convert("RGB"), "JPEG"))
    at = jpeg.index(b"\xff\xc0")
    jpeg[at + 5:at + 9] = struct.pack(">HH", 65000, 65000)
    yield "jpeg-declares-65000", bytes(jpeg)
    yield "tiff-declares-huge", _encode(Image.new("L", (1, 1)), "TIFF").replace(
        struct.pack("<HHII", 256, 4, 1, 1), struct.pack("<HHII", 256, 4, 1, 1_000_000), 1)


def requests(rng):
    """(name, content type, body) of every hostile request: images as raw bodies, then JSON."""
    for source in (marks(rng), every_mode(), broken(rng), bombs()):
        for name, data in source:
            yield name, "image/png", data
    canvas = png.encode(np.pad(np.full((40, 8, 4), 255, np.uint8), ((260, 260), (276, 276), (0, 0))))
    image = "data:image/png;base64," + base64.b64encode(canvas).decode()
    yield "json-1M-empty-strokes", "application/json", b'{"image": "%s", "strokes": [%s]}' % (
        image.encode(), b",".join([b"[]"] * 1_000_000))
    yield "json-20k-point-strokes", "application/json", json.dumps(
        {"image": image, "strokes": [[[float(x % 560), float(x // 560)] for x in range(20_000)]]}).encode()
    yield "json-100k-point-strokes", "application/json", json.dumps(
        {"image": image, "strokes": [[[float(x % 560), float(x // 560)] for x in range(100_000)]]}).encode()
    yield "json-48-crossing-strokes", "application/json", json.dumps(
        {"image": image, "strokes": [[[x, 0], [560 - x, 560]] for x in range(0, 480, 10)]}).encode()
    comb = dict(marks(rng))["comb"]
    yield "json-comb-with-strokes", "application/json", json.dumps(
        {"image": "data:image/png;base64," + base64.b64encode(comb).decode(),
         "strokes": [[[6 + k * 11, 40], [6 + k * 11, 520]] for k in range(47)] + [[[6, 520], [512, 520]]]}).encode()
    bars = np.zeros((560, 560, 4), np.uint8)   # eight 1s side by side, and strokes on their ink
    for k in range(8):
        bars[150:400, 30 + 65 * k:40 + 65 * k] = 255
    bars_image = "data:image/png;base64," + base64.b64encode(png.encode(bars)).decode()
    yield "json-bars-20k-one-point-strokes", "application/json", json.dumps(
        {"image": bars_image,
         "strokes": [[[35.0 + 65 * (i % 8), 150.0 + (i // 8) % 250]] for i in range(20_000)]}).encode()
    yield "json-bars-48-strokes-of-400-points", "application/json", json.dumps(
        {"image": bars_image, "strokes": [[[35.0 + 65 * (i % 8), 150.0 + j * 0.6] for j in range(400)]
                                          for i in range(48)]}).encode()
    yield "json-deep-nesting", "application/json", b"[" * 100_000 + b"]" * 100_000
    yield "json-as-text-plain", "text/plain", json.dumps({"image": image}).encode()
    yield "json-huge-number", "application/json", b'{"image": "%s", "strokes": [[[1e999, 1]]]}' % image.encode()


def corpus(seed=17):
    """Every hostile request, made afresh: [(name, content type, body)]."""
    return list(requests(np.random.default_rng(seed)))


def server_ms(client, content_type, body, repeats=3):
    """Median time in ms the app takes over one request, and its status."""
    client.post("/api/predict", data=body, content_type=content_type)   # warm up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        status = client.post("/api/predict", data=body, content_type=content_type).status_code
        times.append((time.perf_counter() - started) * 1000)
    return float(np.median(times)), status


def main():
    from webapp import create_app
    client = create_app().test_client()   # not TESTING: a failure answers 500, as served
    timed = []
    for name, content_type, body in corpus():
        ms, status = server_ms(client, content_type, body)
        timed.append((ms, name, status, len(body)))
    timed.sort(reverse=True)
    print(f"{len(timed)} hostile requests; statuses {sorted({t[2] for t in timed})}")
    print("slowest (median of 3, ms, in-process server time):")
    for ms, name, status, size in timed[:8]:
        print(f"  {ms:8.1f} ms  {status}  {name} ({size:,} bytes)")
    over = [t for t in timed if t[0] > 250]
    print(f"over 250 ms: {len(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
