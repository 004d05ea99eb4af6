"""Drawings that are not digits, as people draw them on the pad: to teach the model the
outside of the ten digits, and to measure how often the app says "not a digit".

Each kind has two makers: TRAIN_KINDS for training, HELD_OUT_KINDS for measuring. The
held-out makers draw the same kinds with other fonts, other constructions and
proportions and another hand, so that rejection measured on them is not a measure of
what training saw. Every maker takes a numpy Generator and returns a canvas export:
RGBA uint8 (560, 560, 4), black ink in the alpha channel on transparent, drawn with the
page's round brush (see pen.py); called with `with_strokes=True`, it returns the
strokes that drew it too, as the page posts them beside the bitmap.
"""

from functools import partial

from training.nondigits import letters, pen, pictures, shapes, writing

# Not counted against the "not a digit" rule, and never drawn here: letters that read as
# a digit (letters.LOOKS_LIKE_A_DIGIT) and the shapes that are one (a circle is a 0).
LOOKS_LIKE_A_DIGIT = letters.LOOKS_LIKE_A_DIGIT | {"circle", "oval", "ring", "dot", "line"}

TRAIN_FONTS = ("DejaVuSans", "DejaVuSerif", "DejaVuSans-Oblique")
HELD_OUT_FONTS = ("DejaVuSansMono", "DejaVuSerif-Italic", "STIXGeneral")
FROM_FONTS = 0.7   # share of letters traced from a font; the rest are stick letters

# The held-out hand is shakier, more tilted and draws over a wider range of sizes.
TRAIN_HAND = pen.Hand()
HELD_OUT_HAND = pen.Hand(size=(0.3, 0.95), aspect=(0.75, 1.3), slant=0.3, tilt=14.0, wobble=0.045,
                         wavelength=(0.4, 1.5), tremor=0.008, misplace=0.04)

SKETCHERS = {
    "heart": shapes.heart, "star": shapes.star, "arrow": shapes.arrow, "cross": shapes.cross,
    "box": shapes.box, "triangle": shapes.triangle, "spiral": shapes.spiral,
    "face": pictures.face, "house": pictures.house, "sun": pictures.sun, "tree": pictures.tree,
    "flower": pictures.flower, "cat": pictures.cat, "car": pictures.car,
    "scribble": writing.scribble, "hatching": writing.hatching,
}
ALPHABETS = {"latin": letters.LATIN, "greek": letters.GREEK, "cyrillic": letters.CYRILLIC}


def _drawn(sketcher, hand, rng, with_strokes=False):
    """A sketch drawn on the pad: RGBA, or (RGBA, the pointer's strokes) `with_strokes`."""
    drawing = pen.draw_with_strokes(sketcher(rng), rng, hand)
    return drawing if with_strokes else drawing[0]


def _kinds(held_out):
    hand, fonts = (HELD_OUT_HAND, HELD_OUT_FONTS) if held_out else (TRAIN_HAND, TRAIN_FONTS)
    stick = dict(stick_width=(0.9, 1.4), round_corners=True) if held_out else \
        dict(stick_width=(0.6, 1.0), round_corners=False)
    kinds = {name: partial(_drawn, letters.alphabet_maker(chars, fonts, FROM_FONTS, **stick), hand)
             for name, chars in ALPHABETS.items()}
    kinds.update({name: partial(_drawn, partial(sketch, held_out=held_out), hand)
                  for name, sketch in SKETCHERS.items()})
    kinds["word"] = partial(_drawn, partial(writing.word, held_out=held_out, fonts=fonts), hand)
    return kinds


TRAIN_KINDS = _kinds(held_out=False)
HELD_OUT_KINDS = _kinds(held_out=True)


def drawings(kinds, rng, per_kind, with_strokes=False):
    """`per_kind` drawings of each kind in `kinds` (name -> maker), the kinds taken in
    turn: yields (kind, rgba), or (kind, (rgba, strokes)) `with_strokes`."""
    for _ in range(per_kind):
        for kind, make in kinds.items():
            yield kind, (make(rng, with_strokes=True) if with_strokes else make(rng))
