"""The MNIST-style preprocessing: the same digit, however it arrives, becomes nearly the
same 28x28 image, and that image looks like MNIST's own."""

import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from training import synth
from webapp.reading import preprocess
from webapp.reading.preprocess import DIGIT_BOX, MNIST_CENTRE, MNIST_SIZE


def png(array, mode=None):
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, "PNG")
    return buffer.getvalue()


def drawn(digit, height=300, brush=24, centre=None):
    """A canvas export: black strokes on transparent pixels."""
    return png(synth.render(digit, height, brush, centre))


@pytest.fixture(scope="module")
def seven(mnist_sample):
    return mnist_sample["x_test"][mnist_sample["y_test"] == 7][0] / 255.0


def similarity(a, b):
    """Cosine similarity of two 28x28 images."""
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def test_output_is_28x28_float_in_unit_range(seven):
    out = preprocess.prepare(drawn(seven))
    assert out.shape == (MNIST_SIZE, MNIST_SIZE) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)


def test_centre_of_mass_at_the_centre(seven):
    out = preprocess.prepare(drawn(seven, centre=(120, 430)))
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - MNIST_CENTRE) <= 0.75 and abs(cx - MNIST_CENTRE) <= 0.75


def test_longer_side_fits_the_20_box_and_aspect_is_kept():
    bar = np.zeros((400, 400), np.uint8)
    bar[50:350, 180:230] = 255   # a tall bar, 300 x 50: aspect 6:1
    out = preprocess.prepare(png(bar))
    rows, cols = np.flatnonzero(out.max(axis=1) > 0.3), np.flatnonzero(out.max(axis=0) > 0.3)
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert DIGIT_BOX - 1 <= height <= DIGIT_BOX + 1
    assert width < height / 3


def test_dark_on_light_and_light_on_dark_agree(seven):
    big = np.asarray(Image.fromarray((seven * 255).astype(np.uint8)).resize((280, 280), Image.BICUBIC))
    light_paper = preprocess.prepare(png(255 - big))
    dark_paper = preprocess.prepare(png(big))
    assert similarity(light_paper, dark_paper) > 0.99


def test_transparent_background_uses_alpha(seven):
    rgba = synth.render(seven, 300, 24)
    assert rgba[..., :3].max() == 0  # black strokes, transparent elsewhere: brightness alone shows nothing
    out = preprocess.prepare(png(rgba))
    assert similarity(out, preprocess.prepare(png(255 - rgba[..., 3]))) > 0.98


@pytest.mark.parametrize("mode", ["RGB", "L", "P", "LA", "I;16"])
def test_image_modes(seven, mode):
    grey = np.asarray(Image.fromarray(255 - (seven * 255).astype(np.uint8)).resize((140, 140), Image.BICUBIC))
    reference = preprocess.prepare(png(grey))
    image = Image.fromarray(grey).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    assert similarity(preprocess.prepare(buffer.getvalue()), reference) > 0.97


def test_jpeg_photo_like_input(seven):
    """Grey paper with noise and a dark pen, as JPEG."""
    rng = np.random.default_rng(0)
    ink = np.asarray(Image.fromarray((seven * 255).astype(np.uint8)).resize((600, 600), Image.BICUBIC)) / 255.0
    paper = 0.78 + rng.normal(0, 0.03, ink.shape)
    photo = np.clip(paper * (1 - 0.8 * ink), 0, 1)
    buffer = io.BytesIO()
    Image.fromarray((photo * 255).astype(np.uint8)).convert("RGB").save(buffer, "JPEG", quality=80)
    reference = preprocess.prepare(drawn(seven))
    assert similarity(preprocess.prepare(buffer.getvalue()), reference) > 0.85


@pytest.mark.parametrize("height,centre", [(40, (60, 60)), (120, (450, 120)), (300, None), (500, None),
                                           (200, (150, 420))])
def test_same_digit_at_any_size_and_place_gives_nearly_the_same_image(seven, height, centre):
    reference = preprocess.prepare(drawn(seven, 300, 24))
    brush = 24 * height / 300
    out = preprocess.prepare(drawn(seven, height, max(brush, 3), centre))
    assert similarity(out, reference) > 0.85


@pytest.mark.parametrize("centre", [(100, 100), (460, 460), (100, 450), (280, 280)])
def test_position_does_not_matter(seven, centre):
    reference = preprocess.prepare(drawn(seven, 150, 12, (300, 250)))
    assert similarity(preprocess.prepare(drawn(seven, 150, 12, centre)), reference) > 0.97


@pytest.mark.parametrize("brush", [3, 8, 45, 80])
def test_thin_and_thick_brushes_are_normalised(mnist_sample, brush):
    similar = []
    for digit in mnist_sample["x_test"][:10] / 255.0:
        reference = preprocess.prepare(drawn(digit, 300, 24))
        out = preprocess.prepare(drawn(digit, 300, brush))
        similar.append(similarity(out, reference))
        width = preprocess.stroke_width(out > 0.5)
        assert 1.0 <= width <= 3.5, width
    assert np.mean(similar) > 0.85 and min(similar) > 0.75, similar


def test_stray_dot_is_ignored(seven):
    rgba = synth.render(seven, 200, 16, centre=(280, 280))
    yy, xx = np.mgrid[:560, :560]
    rgba[..., 3][(yy - 520) ** 2 + (xx - 40) ** 2 <= 64] = 255   # a dot far away, in a corner
    with_dot = preprocess.prepare(png(rgba))
    assert similarity(with_dot, preprocess.prepare(drawn(seven, 200, 16))) > 0.97


def test_tiny_drawing_is_scaled_up():
    dot_line = np.zeros((560, 560), np.uint8)
    dot_line[300:312, 300:303] = 255
    out = preprocess.prepare(png(dot_line))
    assert (out > 0.5).sum() > 15   # stretched to the 20-pixel box, not left as a speck


def test_stroke_width_estimate():
    mask = np.zeros((100, 100), bool)
    mask[10:90, 40:46] = True
    assert preprocess.stroke_width(mask) == pytest.approx(6, rel=0.1)


@pytest.mark.parametrize("image", [
    np.zeros((200, 200), np.uint8),                  # black
    np.full((200, 200), 255, np.uint8),              # white
    np.zeros((200, 200, 4), np.uint8),               # fully transparent canvas
    np.full((200, 200), 128, np.uint8) + np.random.default_rng(0).integers(0, 8, (200, 200)).astype(np.uint8),
])
def test_empty_drawings(image):
    with pytest.raises(preprocess.EmptyDrawing):
        preprocess.prepare(png(image))


def test_not_an_image():
    with pytest.raises(preprocess.NotAnImage):
        preprocess.prepare(b"hello, world")


def test_truncated_image(seven):
    data = drawn(seven)
    with pytest.raises(preprocess.NotAnImage):
        preprocess.prepare(data[: len(data) // 2])


def test_too_many_pixels_refused_before_decoding():
    huge = png(np.zeros((3000, 3000), np.uint8))   # compresses to a few kB
    assert len(huge) < 100_000
    with pytest.raises(preprocess.ImageTooLarge):
        preprocess.prepare(huge, max_pixels=4_000_000)


@pytest.mark.parametrize("kind", ["canvas", "palette", "faint-edged", "grey and alpha"])
def test_ink_in_box_is_crop_to_ink_of_ink_map(seven, kind):
    rgba = synth.render(seven, 260, 20, centre=(200, 330))
    image = {"canvas": lambda: Image.fromarray(rgba),
             "grey and alpha": lambda: Image.fromarray(rgba).convert("LA"),
             "palette": lambda: Image.fromarray(rgba).convert("P"),
             "faint-edged": lambda: Image.fromarray(np.dstack([rgba[..., :3], rgba[..., 3] // 3]))}[kind]()
    ink, offset = preprocess.ink_in_box(image)
    expected, expected_offset = preprocess.crop_to_ink(preprocess.ink_map(image))
    assert offset == expected_offset and ink.dtype == expected.dtype and np.array_equal(ink, expected)


def test_a_hairline_that_fades_when_shrunk_is_an_empty_drawing():
    image = np.zeros((1000, 1000), np.uint8)
    np.fill_diagonal(image, 255)
    with pytest.raises(preprocess.EmptyDrawing):
        preprocess.prepare(png(image))


@pytest.mark.parametrize("side, pen", [(1000, 2), (1400, 3)])
def test_a_ring_drawn_with_a_thin_pen_on_a_big_page_stays_a_ring(side, pen):
    """The copy the stray-dot search works on must not break thin strokes into pieces
    (which it would then drop as dots): a 0 written with a pen on a big scan stays closed."""
    yy, xx = np.mgrid[:side, :side]
    ink = (np.abs(np.hypot(yy - side / 2, (xx - side / 2) / 0.7) - side * 0.4) <= pen / 2).astype(np.float32)
    out = preprocess.to_mnist(ink)
    assert ndimage.label(out > 0.3)[1] == 1   # one stroke
    assert ndimage.label(out < 0.3)[1] == 2   # around it, and the hole inside


def test_ink_in_box_of_an_empty_canvas():
    with pytest.raises(preprocess.EmptyDrawing):
        preprocess.ink_in_box(Image.fromarray(np.zeros((50, 50, 4), np.uint8)))


def test_pngs_libspng_does_not_read_are_read_as_before(seven):
    """Larger than the working side: shrunk. Turned by XMP orientation: turned."""
    big = np.zeros((1400, 1400, 4), np.uint8)
    big[200:1200, 650:700, 3] = 255
    assert preprocess.decode_image(png(big)).size == (1024, 1024)
    assert preprocess.read_ink(png(big))[2] == (1024, 1024)
    from PIL import PngImagePlugin
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
                  '"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:tiff='
                  '"http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')
    buffer = io.BytesIO()
    Image.fromarray(synth.render(seven, 50, 6, centre=(40, 60), canvas=100)[:60]).save(buffer, "PNG", pnginfo=info)
    assert Image.open(io.BytesIO(buffer.getvalue())).size == (100, 60)
    assert preprocess.decode_image(buffer.getvalue()).size == (60, 100)
    assert preprocess.read_ink(buffer.getvalue())[2] == (60, 100)
