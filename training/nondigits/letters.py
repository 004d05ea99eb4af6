"""Letters of three alphabets as a finger writes them: the centre line of a font's glyph
traced as strokes, or stick letters from a table of strokes.

Letters that could pass for a digit are left out (see LOOKS_LIKE_A_DIGIT).
"""

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage.morphology import skeletonize

from training import synth
from training.nondigits import sketch

# Written, these read as a digit as easily as a letter: a drawing of one is no mistake.
LOOKS_LIKE_A_DIGIT = frozenset(
    "OoQDlIiJjSsZzBbGgqa"          # 0, 1, 5, 2, 8, 6, 9
    "ΟοΘθΙιΖζΒβδσςξ"               # Greek: 0, 1, 2, 8, 6, 5, 3
    "ОоЗзЧчБбВЬьЭэІіЅѕд"           # Cyrillic: 0, 3, 4, 6, 8, 6, 3, 1, 5, 9
)

LATIN = "".join(c for c in "ABCEFHKLMNPRTUVWXYcdefhkmnprtuvwxy" if c not in LOOKS_LIKE_A_DIGIT)
GREEK = "".join(c for c in "ΓΔΛΞΠΣΦΨΩαγεηκλμνπρτφχψω" if c not in LOOKS_LIKE_A_DIGIT)
CYRILLIC = "".join(c for c in "ГДЖИЙЛПУФЦШЩЪЫЮЯгжийклмнптфцшщъыюя" if c not in LOOKS_LIKE_A_DIGIT)

GLYPH_SIZE = 96       # font size glyphs are traced at: strokes about 9 px wide, a clean centre line
SHORTEST_PATH = 5     # traced pieces shorter than this (px) are serif or corner spurs, dropped


def font_path(name):
    import matplotlib  # ships DejaVu and STIX fonts: no system font needed
    return f"{matplotlib.get_data_path()}/fonts/ttf/{name}.ttf"


def trace(line):
    """A one-pixel-wide centre line (bool image) -> polylines (n, 2) of (x, y), end to end."""
    return [np.asarray(path[::3] + [path[-1]], dtype=np.float64)[:, ::-1]
            for path in synth.centre_line_paths(line, SHORTEST_PATH)]


@lru_cache(maxsize=None)
def glyph_strokes(font, char):
    """The centre line of `char` in `font` (a matplotlib font name) as unit-box strokes."""
    size = GLYPH_SIZE * 2
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).text((size / 2, size / 2), char, fill=255, anchor="mm",
                               font=ImageFont.truetype(font_path(font), GLYPH_SIZE))
    paths = trace(skeletonize(np.asarray(image) > 127))
    if not paths:
        return ()
    points = np.concatenate(paths)
    centre, side = (points.min(axis=0) + points.max(axis=0)) / 2, np.ptp(points, axis=0).max() or 1
    return tuple((p - centre) * (2 / side) for p in paths)


def _l(*points):
    return sketch.line(*points)


def _arc(cx, cy, r, start, end):
    return sketch.arc(cx, cy, r, r, start, end)


# Stick letters: strokes in a box 1 wide and 1 tall, y down.
STICK = {
    "A": [_l((0, 1), (0.5, 0), (1, 1)), _l((0.22, 0.6), (0.78, 0.6))],
    "E": [_l((1, 0), (0, 0), (0, 1), (1, 1)), _l((0, 0.5), (0.75, 0.5))],
    "F": [_l((1, 0), (0, 0), (0, 1)), _l((0, 0.5), (0.7, 0.5))],
    "H": [_l((0, 0), (0, 1)), _l((1, 0), (1, 1)), _l((0, 0.5), (1, 0.5))],
    "K": [_l((0, 0), (0, 1)), _l((1, 0), (0, 0.55), (1, 1))],
    "L": [_l((0, 0), (0, 1), (0.8, 1))],
    "M": [_l((0, 1), (0, 0), (0.5, 0.6), (1, 0), (1, 1))],
    "N": [_l((0, 1), (0, 0), (1, 1), (1, 0))],
    "T": [_l((0, 0), (1, 0)), _l((0.5, 0), (0.5, 1))],
    "V": [_l((0, 0), (0.5, 1), (1, 0))],
    "W": [_l((0, 0), (0.25, 1), (0.5, 0.35), (0.75, 1), (1, 0))],
    "X": [_l((0, 0), (1, 1)), _l((1, 0), (0, 1))],
    "Y": [_l((0, 0), (0.5, 0.5), (1, 0)), _l((0.5, 0.5), (0.5, 1))],
    "Γ": [_l((1, 0), (0, 0), (0, 1))],
    "Δ": [sketch.polygon([(0.5, 0), (1, 1), (0, 1)])],
    "Λ": [_l((0, 1), (0.5, 0), (1, 1))],
    "Π": [_l((0, 1), (0, 0), (1, 0), (1, 1))],
    "Σ": [_l((1, 0), (0, 0), (0.55, 0.5), (0, 1), (1, 1))],
    "Ξ": [_l((0, 0), (1, 0)), _l((0.15, 0.5), (0.85, 0.5)), _l((0, 1), (1, 1))],
    "Φ": [sketch.arc(0.5, 0.5, 0.5, 0.3, 0, 1), _l((0.5, 0), (0.5, 1))],
    "Ψ": [_arc(0.5, 0.15, 0.45, 0.0, 0.5), _l((0.5, 0), (0.5, 1))],
    "Ω": [_l((0, 1), (0.3, 1)), _arc(0.5, 0.45, 0.4, 0.33, 1.17), _l((0.7, 1), (1, 1))],
    "π": [_l((0, 0.3), (1, 0.3)), _l((0.3, 0.3), (0.25, 1)), _l((0.7, 0.3), (0.75, 1))],
    "λ": [_l((0.1, 0), (1, 1)), _l((0.55, 0.45), (0, 1))],
    "Д": [_l((0.2, 0.8), (0.35, 0), (0.85, 0), (0.85, 0.8)), _l((0, 1), (0, 0.8), (1, 0.8), (1, 1))],
    "Ж": [_l((0.5, 0), (0.5, 1)), _l((0, 0), (0.5, 0.5), (0, 1)), _l((1, 0), (0.5, 0.5), (1, 1))],
    "И": [_l((0, 0), (0, 1), (1, 0), (1, 1))],
    "Л": [_l((0, 1), (0.3, 0), (1, 0), (1, 1))],
    "П": [_l((0, 1), (0, 0), (1, 0), (1, 1))],
    "Ш": [_l((0, 0), (0, 1), (1, 1), (1, 0)), _l((0.5, 0), (0.5, 1))],
    "Щ": [_l((0, 0), (0, 1), (0.9, 1), (0.9, 0)), _l((0.45, 0), (0.45, 1)), _l((0.9, 1), (1, 1), (1, 1.2))],
    "Ц": [_l((0, 0), (0, 1), (0.85, 1), (0.85, 0)), _l((0.85, 1), (1, 1), (1, 1.2))],
    "Г": [_l((1, 0), (0, 0), (0, 1))],
    "Я": [_l((1, 1), (1, 0), (0.45, 0)), _arc(0.45, 0.25, 0.25, 0.25, 0.75)[::-1], _l((0.45, 0.5), (1, 0.5)),
          _l((0.6, 0.5), (0, 1))],
    "Ф": [sketch.arc(0.5, 0.45, 0.5, 0.28, 0, 1), _l((0.5, 0), (0.5, 1))],
    "Ю": [_l((0, 0), (0, 1)), _l((0, 0.5), (0.35, 0.5)), sketch.arc(0.7, 0.5, 0.3, 0.5, 0, 1)],
}


def stick_strokes(char, width=1.0, round_corners=False):
    """A stick letter from the table, `width` times as wide, corners sharp or rounded."""
    strokes = [np.asarray(s, dtype=np.float64) * (width, 1) for s in STICK[char]]
    return [sketch.smooth(s) for s in strokes] if round_corners else strokes


def alphabet_maker(chars, fonts, from_fonts, stick_width, round_corners):
    """A maker of letters from `chars`: a glyph's centre line from one of `fonts` (share
    `from_fonts`), else a stick letter `stick_width` (low, high) times as wide."""
    chars = [c for c in chars if c not in LOOKS_LIKE_A_DIGIT]
    stick = [c for c in chars if c in STICK]

    def make(rng):
        if rng.random() < from_fonts or not stick:
            while True:
                strokes = glyph_strokes(fonts[rng.integers(len(fonts))], chars[rng.integers(len(chars))])
                if strokes:
                    return list(strokes)
        return stick_strokes(stick[rng.integers(len(stick))], rng.uniform(*stick_width), round_corners)
    return make
