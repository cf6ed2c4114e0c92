"""The handwritten digits as sequences: a small real data set that ships inside the package."""
from importlib import resources

import numpy as np

__all__ = ["load_digit_sequences"]


def load_digit_sequences():
    """The 8x8 handwritten digits, each image read row by row as a sequence.

    1,797 images of the digits 0-9 (UCI "Optical Recognition of Handwritten
    Digits", the copy distributed with scikit-learn; data CC BY 4.0, Alpaydin
    and Kaynak 1998, scikit-learn's copy BSD-3-Clause). Image row t is time
    step t: T = 8 steps of D = 8 pixels, scaled from 0..16 to [0, 1]. The
    80/20 split, stratified by digit, is fixed (see rnn_lib/data/README.md).

    Returns
    -------
    X_train : ndarray of shape (1438, 8, 8), float64
    X_test : ndarray of shape (359, 8, 8), float64
    y_train : ndarray of shape (1438,), platform index type (np.intp)
    y_test : ndarray of shape (359,), platform index type (np.intp)
        Digits 0 to 9, usable as indices everywhere (``np.bincount``
        included), also where the index type is 32-bit (in the browser).
    """
    with resources.files("rnn_lib").joinpath("data/digits.npz").open("rb") as f:
        with np.load(f) as data:
            arrays = {k: data[k] for k in data.files}
    X_train = arrays["images_train"] / 16.0  # (N, T, D): rows are time steps
    X_test = arrays["images_test"] / 16.0
    # np.intp, not int64: NumPy indexes with it, and it is 32-bit in the browser.
    return (X_train, X_test,
            arrays["labels_train"].astype(np.intp), arrays["labels_test"].astype(np.intp))
