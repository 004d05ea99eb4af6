"""Turn a drawing, photo or scan into the 28x28 image the network expects.

MNIST was made this way: each digit's bounding box was fitted into a 20x20 box, keeping
its aspect ratio and anti-aliasing, then placed in a 28x28 field so that its centre of
mass sits at the centre. Doing exactly that to a user's drawing is what makes a model
trained on MNIST read it. On top of that, what people do and MNIST writers did not:
stray dots, brushes much thinner or thicker than a pen, transparent canvas exports,
light ink on dark paper.

Pure numpy, SciPy and Pillow (webapp/reading/png.py reads canvas PNGs faster). One path from
image bytes to the network's input, read_ink then to_mnist, serves the server, the CLI
and the evaluation.
"""

import io
import warnings

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from scipy import ndimage

from webapp.reading import png

# The geometry of MNIST: the one place these numbers live.
MNIST_SIZE = 28          # side of the network's input
DIGIT_BOX = 20           # the digit's longer side is fitted into this
MNIST_CENTRE = 14.0      # where MNIST puts the centre of mass (row and column index)
MNIST_STROKE = 2.0       # MNIST's typical stroke width in the 28x28 grid (see stroke_width)

DEFAULT_MAX_PIXELS = 25_000_000   # larger images are refused before they are decoded
# Only JPEG can be decoded at a reduced scale (draft); other formats are decoded whole,
# which for 25 million RGBA pixels takes half a second. Above this they are refused too.
FULL_DECODE_MAX_PIXELS = 6_000_000
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
    return _decode_image(data, max_pixels, png.inflate(data, max_pixels))


def _decode_image(data, max_pixels, inflated):
    """decode_image, given the PNG already inflated (see png.inflate; None if not one).
    A canvas-like PNG is decoded by libspng (see png.rgba), anything else by Pillow."""
    stored = None if inflated is None else png.stored(inflated)
    if stored is not None and (pixels := png.rgba(stored, data, WORKING_SIDE)) is not None:
        return Image.fromarray(pixels)
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
    if image.format != "JPEG" and width * height > min(max_pixels, FULL_DECODE_MAX_PIXELS):
        raise ImageTooLarge(f"the image is {width}x{height}; the limit is {FULL_DECODE_MAX_PIXELS:,} pixels "
                            f"(or {max_pixels:,} for a JPEG)")
    try:
        if max(width, height) > WORKING_SIDE:
            image.draft(image.mode, (WORKING_SIDE, WORKING_SIDE))  # JPEG decodes at a reduced scale
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        if max(image.size) > WORKING_SIDE:
            image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.BOX)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise NotAnImage("the image is damaged or truncated and cannot be decoded") from None
    return image


def read_ink(data, max_pixels=DEFAULT_MAX_PIXELS):
    """Image bytes -> (the ink in its box, (top, left) of the box, (width, height) of the
    image): ink_in_box(decode_image(data)) with the image's size, the same arrays; for a
    canvas export only the rows with something on them are decoded (see png.canvas_band)."""
    inflated = png.inflate(data, max_pixels)   # inflated once, whichever way it is read
    band = png.canvas_band(inflated, data, WORKING_SIDE)
    if band is not None:
        alpha, top, size = band
        if alpha.shape[0] < size[1] or _see_through(alpha):   # rows left out are transparent ones
            ink, (t, left) = _alpha_ink_in_box(alpha)
            return ink, (top + t, left), size
    image = _decode_image(data, max_pixels, inflated)   # not a canvas, or opaque: its ink is in its colours
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
        alpha = np.asarray(image.getchannel(len(image.getbands()) - 1))   # "A", or "a" when premultiplied
        if _see_through(alpha):   # the strokes are the opaque pixels
            return image, alpha
    return image, None


def _see_through(alpha):
    """Whether some pixels are see-through, so that the transparency carries the drawing
    (a corner is checked first: on a canvas it settles the question at once)."""
    return alpha[0, 0] < SEE_THROUGH or alpha.min() < SEE_THROUGH


def _opaque_ink(image):
    grey = _grey(image)
    background = float(np.median(_border(grey)))
    ink = grey - background if background < 0.5 else background - grey
    return _contrast(np.clip(ink, 0.0, None), ink.max())


def _grey(image):
    """An opaque image's brightness as float32 in [0, 1], whatever its mode: 8-bit modes
    through Pillow, LAB by its lightness, and 16-bit, 32-bit and float pixels by their
    own range (their full scale is not written in the file)."""
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        values = np.nan_to_num(np.asarray(image, dtype=np.float64), posinf=0.0, neginf=0.0)
        low, high = values.min(), values.max()
        return ((values - low) / (high - low) if high > low else np.zeros_like(values)).astype(np.float32)
    if image.mode == "LAB":
        image = image.getchannel("L")
    elif image.mode == "La":   # premultiplied: Pillow converts it only to LA
        image = image.convert("LA")
    elif image.mode not in ("1", "L", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "LA", "RGBa"):
        image = image.convert("RGB")   # HSV and the rest: Pillow turns them into grey through RGB
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


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
    """Image bytes -> the (28, 28) float32 array the network reads, as the server reads a
    drawing of one digit. Raises PreprocessError."""
    return to_mnist(read_ink(data, max_pixels)[0])


def to_png(pixels):
    """A (28, 28) float array in [0, 1] -> 8-bit greyscale PNG bytes, to show what the network saw."""
    return png.encode(_to_bytes(pixels))
