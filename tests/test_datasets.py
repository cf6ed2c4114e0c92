"""The digits ship with the package, scaled, split 80/20 by class, the same every time."""
from importlib import resources

import numpy as np

from rnn_lib import load_digit_sequences


def test_shapes_and_dtypes():
    X_train, X_test, y_train, y_test = load_digit_sequences()
    assert X_train.shape == (1438, 8, 8) and X_test.shape == (359, 8, 8)
    assert y_train.shape == (1438,) and y_test.shape == (359,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.intp


def test_pixels_are_scaled_to_unit_interval_in_steps_of_one_sixteenth():
    X_train, X_test, _, _ = load_digit_sequences()
    X = np.concatenate([X_train, X_test])
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))


def test_split_is_stratified_80_20():
    _, _, y_train, y_test = load_digit_sequences()
    counts_train, counts_test = np.bincount(y_train), np.bincount(y_test)
    assert len(counts_train) == len(counts_test) == 10
    fraction = counts_test / (counts_train + counts_test)
    assert np.all(np.abs(fraction - 0.2) < 0.015)


def test_train_and_test_are_disjoint_and_cover_all_1797_images():
    with resources.files("rnn_lib").joinpath("data/digits.npz").open("rb") as f, np.load(f) as d:
        train, test = d["index_train"], d["index_test"]
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(1797))


def test_split_is_fixed():
    X_train, X_test, y_train, y_test = load_digit_sequences()
    # Fingerprints of the shipped file: a changed split or scaling changes them.
    assert int(y_test.sum()) == 1613 and int(y_train.sum()) == 6457
    assert float((X_test * 16).sum()) == 111890.0
    again = load_digit_sequences()
    np.testing.assert_array_equal(again[0], X_train)


def test_rows_are_time_steps():
    # The mean zero, read top to bottom: its middle rows (steps) have ink on
    # both sides of the hole, so step 3 is bright, dark, bright along D.
    X_train, _, y_train, _ = load_digit_sequences()
    zeros = X_train[y_train == 0].mean(axis=0)  # (T, D) mean image
    assert zeros[3, 2] > 0.5 and zeros[3, 4] < 0.1 and zeros[3, 5] > 0.5
    assert zeros[:, 0].max() < 0.05  # the left border column is blank at every step
