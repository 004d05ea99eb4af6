"""Non-digit drawings: canvas exports of every kind, held-out makers apart from training's."""

import numpy as np

from training import nondigits
from training.nondigits import letters


def test_every_kind_draws_a_canvas_export_with_ink():
    rng = np.random.default_rng(0)
    assert list(nondigits.TRAIN_KINDS) == list(nondigits.HELD_OUT_KINDS)
    for kinds in (nondigits.TRAIN_KINDS, nondigits.HELD_OUT_KINDS):
        for kind, make in kinds.items():
            rgba = make(rng)
            assert rgba.shape == (560, 560, 4) and rgba.dtype == np.uint8, kind
            assert not rgba[..., :3].any(), kind                      # black ink ...
            assert 0.002 < (rgba[..., 3] > 0).mean() < 0.5, kind      # ... on transparent


def test_drawings_takes_the_kinds_in_turn():
    kinds = list(nondigits.drawings(nondigits.TRAIN_KINDS, np.random.default_rng(1), per_kind=2))
    names = list(nondigits.TRAIN_KINDS)
    assert [k for k, _ in kinds] == names + names


def test_held_out_makers_are_not_the_training_ones():
    assert not set(nondigits.TRAIN_FONTS) & set(nondigits.HELD_OUT_FONTS)
    assert nondigits.TRAIN_HAND != nondigits.HELD_OUT_HAND
    same_seed = [kinds[kind](np.random.default_rng(2)) for kinds in (nondigits.TRAIN_KINDS, nondigits.HELD_OUT_KINDS)
                 for kind in ("star",)]
    assert not np.array_equal(*same_seed)


def test_letters_that_read_as_digits_are_never_drawn():
    for chars in nondigits.ALPHABETS.values():
        assert not set(chars) & nondigits.LOOKS_LIKE_A_DIGIT
    assert {"O", "l", "I", "S", "Z", "B", "b", "g", "q", "circle"} <= nondigits.LOOKS_LIKE_A_DIGIT
    assert all(letters.glyph_strokes(font, "Ж") for font in nondigits.TRAIN_FONTS + nondigits.HELD_OUT_FONTS)
