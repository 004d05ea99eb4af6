"""webapp/reading/png.py: the fast PNG reading (inflated ahead, libspng, only the drawn rows) gives
Pillow's pixels exactly, refuses what Pillow refuses, and writes PNGs Pillow reads."""

import io
import zlib

import numpy as np
import pytest
from PIL import Image

from training import synth
from webapp.reading import png, preprocess
from webapp.reading.preprocess import MNIST_SIZE


def pillow_png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def drawn(digit, height=300, brush=24, centre=None):
    return synth.png_bytes(synth.render(digit, height, brush, centre))


@pytest.fixture(scope="module")
def seven(mnist_sample):
    return mnist_sample["x_test"][mnist_sample["y_test"] == 7][0] / 255.0


def stored_png(data):
    return png.stored_png(data, preprocess.DEFAULT_MAX_PIXELS)


def test_encode_png_round_trip(seven):
    out = preprocess.prepare(drawn(seven))
    back = np.asarray(Image.open(io.BytesIO(preprocess.to_png(out))))
    assert back.shape == (MNIST_SIZE, MNIST_SIZE)
    assert np.abs(back / 255.0 - out).max() <= 1 / 255 + 1e-6


@pytest.mark.parametrize("mode", ["RGBA", "RGB", "L", "LA", "P", "1", "I;16"])
def test_png_inflated_ahead_decodes_to_the_same_pixels(seven, mode):
    image = Image.fromarray(synth.render(seven, 300, 24)).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    stored = stored_png(buffer.getvalue())
    assert stored is not None and len(stored) > len(buffer.getvalue())   # the pixels are stored, not deflated
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(stored))), np.asarray(image))


def test_png_inflated_ahead_only_where_it_is_safe(seven):
    data = drawn(seven)
    interlaced = data[:8] + png.chunk(b"IHDR", data[16:28] + b"\x01") + data[33:]   # Pillow cannot write one
    large = pillow_png(np.zeros((2000, 2000), np.uint8))
    jpeg = io.BytesIO()
    Image.fromarray((seven * 255).astype(np.uint8)).save(jpeg, "JPEG")
    for other in (data[: len(data) // 2], interlaced, jpeg.getvalue(), b"hello",
                  pillow_png(np.zeros((3000, 3000), np.uint8))):   # larger than a canvas: Pillow's to read
        assert stored_png(other) is None
    assert png.stored_png(large, 3_000_000) is None   # never inflated past the limit
    assert stored_png(large) is not None


def filtered_png(pixels):
    """A PNG of uint8 (H, W, C) pixels whose rows use each of PNG's five filters in turn,
    as browsers' encoders mix them; written here so that every filter is surely used."""
    height, width, channels = pixels.shape
    raw = pixels.reshape(height, width * channels).astype(np.int16)
    rows = []
    for y in range(height):
        row, up = raw[y], raw[y - 1] if y else np.zeros_like(raw[0])
        left = np.concatenate([np.zeros(channels, np.int16), row[:-channels]])
        up_left = np.concatenate([np.zeros(channels, np.int16), up[:-channels]])
        p = left + up - up_left
        pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - up_left)
        paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
        kind = y % 5
        predicted = [0, left, up, (left + up) // 2, paeth][kind]
        rows.append(bytes([kind]) + ((row - predicted) % 256).astype(np.uint8).tobytes())
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    return (png.SIGNATURE + png.header(width, height, colour) + png.chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + png.chunk(b"IEND", b""))


@pytest.mark.parametrize("mode", ["RGBA", "LA", "RGB", "L"])
def test_canvas_png_decodes_to_its_pixels_with_every_row_filter(seven, mode):
    image = Image.fromarray(synth.render(seven, 300, 24, centre=(250, 290))).convert(mode)
    rgba = np.asarray(image)
    pixels = rgba if rgba.ndim == 3 else rgba[..., None]
    data = filtered_png(pixels)
    assert Image.open(io.BytesIO(data)).mode == mode
    fast = png.rgba(stored_png(data), data, preprocess.WORKING_SIDE)
    assert (fast is not None) == (mode == "RGBA")   # canvases' format takes libspng's path
    decoded = preprocess.decode_image(data)
    assert decoded.mode == mode and np.array_equal(np.asarray(decoded), rgba)


@pytest.mark.parametrize("centre", [(280, 280), (60, 300), (500, 200), (280, 40)])
@pytest.mark.parametrize("encoder", ["pillow", "every filter"])
def test_read_ink_decodes_only_the_drawn_rows_to_the_same_ink(seven, centre, encoder):
    rgba = synth.render(seven, 220, 18, centre=centre)
    data = pillow_png(rgba) if encoder == "pillow" else filtered_png(rgba)
    ink, offset, size = preprocess.read_ink(data)
    expected, expected_offset = preprocess.ink_in_box(preprocess.decode_image(data))
    assert size == (560, 560) and offset == expected_offset and np.array_equal(ink, expected)
    alpha, top, _ = png.canvas_band(png.inflate(data, preprocess.DEFAULT_MAX_PIXELS), data,
                                      preprocess.WORKING_SIDE)
    assert 0 < len(alpha) < 560 and top <= offset[0]   # the blank rows were not decoded


def test_read_ink_of_canvases_without_blank_rows_and_without_ink():
    full = np.zeros((560, 560, 4), np.uint8)
    full[:, 270:290, 3] = 255   # a line from the top edge to the bottom edge
    ink, offset, size = preprocess.read_ink(filtered_png(full))
    assert offset == (0, 270) and ink.shape == (560, 20) and ink.min() == 1.0
    opaque = np.full((560, 560, 4), 255, np.uint8)
    opaque[200:300, 250:262, :3] = 0   # black ink on opaque white: its ink is in its colours
    ink, offset, _ = preprocess.read_ink(filtered_png(opaque))
    assert offset == (200, 250) and ink.shape == (100, 12)
    with pytest.raises(preprocess.EmptyDrawing):
        preprocess.read_ink(filtered_png(np.zeros((560, 560, 4), np.uint8)))


def test_a_png_with_a_filter_no_png_has_is_refused(seven):
    rows = [bytes([7 if y == 3 else 0]) + bytes(560 * 4) for y in range(560)]
    data = (png.SIGNATURE + png.header(560, 560, png.RGBA)
            + png.chunk(b"IDAT", zlib.compress(b"".join(rows))) + png.chunk(b"IEND", b""))
    with pytest.raises(preprocess.PreprocessError):
        preprocess.read_ink(data)


def crafted_png(width, height, depth=8, colour=6, idat=b"", between=b""):
    return png.SIGNATURE + png.header(width, height, colour, depth) + idat + between + png.chunk(b"IEND", b"")


@pytest.mark.parametrize("name, data", [
    ("no pixels, no data", crafted_png(1, 0)),
    ("no width, a stream of zeros", crafted_png(0, 300_000_000, idat=png.chunk(b"IDAT", zlib.compress(bytes(10**6))))),
    ("no height, a stream of zeros", crafted_png(100, 0, idat=png.chunk(b"IDAT", zlib.compress(bytes(10**6))))),
    ("a bit depth no PNG has", crafted_png(1500, 1500, depth=255, idat=png.chunk(b"IDAT", zlib.compress(bytes(10**6))))),
    ("no image data", crafted_png(10, 10)),
    ("image data split by another chunk", crafted_png(
        4, 4, idat=png.chunk(b"IDAT", zlib.compress(bytes(68))[:10]),
        between=png.chunk(b"tEXt", b"a\x00b") + png.chunk(b"IDAT", zlib.compress(bytes(68))[10:]))),
])
def test_hostile_png_headers_are_refused_cheaply_and_cleanly(name, data):
    assert stored_png(data) is None, name   # nothing inflated ahead on such a header
    with pytest.raises(preprocess.PreprocessError):
        preprocess.prepare(data)
