"""Make rnn_lib/data/digits.npz: the 8x8 digits as uint8 pixels and a fixed split.

This is how the shipped file was made; rnn_lib never runs it and never needs
scikit-learn. It reads the copy of the UCI "Optical Recognition of Handwritten
Digits" test set that scikit-learn distributes (1,797 images, pixels 0..16),
splits it 80/20, stratified by class, with a seeded NumPy generator, and
writes the result compressed.

Run once, from the repository root, with scikit-learn installed:
    python tools/make_digits_npz.py
"""
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

SEED = 0  # the split is fixed by this seed
TEST_FRACTION = 0.2
OUT = Path(__file__).resolve().parents[1] / "rnn_lib" / "data" / "digits.npz"


def stratified_split(y, test_fraction, rng):
    """Indices of train and test, each class split in the same proportion."""
    train, test = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = int(round(test_fraction * idx.size))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def main():
    digits = load_digits()
    images = digits.images.astype(np.uint8)  # (1797, 8, 8), values 0..16
    assert np.array_equal(images, digits.images), "pixels are integers 0..16"
    labels = digits.target.astype(np.uint8)
    train, test = stratified_split(labels, TEST_FRACTION, np.random.default_rng(SEED))
    np.savez_compressed(
        OUT,
        images_train=images[train], labels_train=labels[train],
        images_test=images[test], labels_test=labels[test],
        index_train=train.astype(np.int16), index_test=test.astype(np.int16),
    )
    print(f"wrote {OUT}: {train.size} train, {test.size} test, "
          f"{OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
