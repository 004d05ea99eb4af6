"""MNIST digits changed into the ways the world writes them: the added stroke is where
the style puts it, and the digit stays an MNIST-style input."""

import numpy as np
import pytest

from training import styles


def first(mnist_sample, label):
    x = mnist_sample["x_train"].astype(np.float32) / 255.0
    return x[np.flatnonzero(mnist_sample["y_train"] == label)[:20]]


def assert_mnist_style(digit):
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.min() >= 0 and digit.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(digit > 0.05)
    assert rows.max() - rows.min() < 21 and cols.max() - cols.min() < 21   # fits the 20x20 box


def test_a_seven_gets_a_bar_across_its_stem(mnist_sample):
    """Below the 7's top, its widest row grows by the bar (most sevens: some already
    have a wide row where the bar lands)."""
    rng = np.random.default_rng(0)
    growth = []
    for seven in first(mnist_sample, 7):
        barred = styles.barred_seven(seven, rng)
        assert_mnist_style(barred)
        below_top = slice(12, 22)
        growth.append((barred[below_top] > 0.3).sum(axis=1).max() - (seven[below_top] > 0.3).sum(axis=1).max())
    assert np.median(growth) >= 4


def test_a_one_gets_a_flag_left_of_its_top(mnist_sample):
    rng = np.random.default_rng(1)
    for one in first(mnist_sample, 1):
        flagged = styles.flagged_one(one, rng, foot=False)
        assert_mnist_style(flagged)
        top_rows = slice(0, 14)
        assert (flagged[top_rows] > 0.3).sum() > (one[top_rows] > 0.3).sum()
        assert (flagged > 0.3).sum() >= (one > 0.3).sum() + 3


def test_a_zero_gets_a_slash_or_a_dot_through_its_hole(mnist_sample):
    rng = np.random.default_rng(2)
    for zero in first(mnist_sample, 0):
        slashed = styles.slashed_zero(zero, rng)
        assert_mnist_style(slashed)
        assert slashed[12:17, 12:17].max() > 0.5 > zero[12:17, 12:17].max() or zero[12:17, 12:17].max() > 0.5


def test_styled_changes_a_share_of_each_styled_digit(mnist_sample):
    x = mnist_sample["x_train"].astype(np.float32) / 255.0
    y = mnist_sample["y_train"]
    out, labels = styles.styled(x, y, np.random.default_rng(3), share=0.5)
    assert set(labels) == {0, 1, 7}
    for label in (0, 1, 7):
        assert (labels == label).sum() == int((y == label).sum() * 0.5)
    assert out.shape == (len(labels), 28, 28)
