"""Time-major rows: the layout the backward passes' weight-gradient products read.

After the loop over time, every layer's weight gradients are single products
over all steps and the whole batch: ``x_rows.T @ da_rows`` with both arrays
laid out as (T N, features), step after step. These helpers give that layout,
free when the array already has it (as the caches the forward passes make
often do), otherwise as a copy in a buffer that stays alive between calls
(`rnn_lib.nn._scratch`).
"""
from ._scratch import scratch

__all__ = ["contiguous", "time_major_rows", "input_gradients"]


def contiguous(name, a, axes):
    """``a.transpose(axes)`` as a C-contiguous array, for reading only.

    The view itself when it is contiguous already; otherwise a copy in the
    buffer `name`, which the next call for `name` in this thread overwrites:
    never return it, or anything that is a view of it.
    """
    view = a.transpose(axes)
    if view.flags.c_contiguous:
        return view
    buf = scratch(name, view.shape, view.dtype)
    buf[...] = view
    return buf


def time_major_rows(name, a):
    """`a` of shape (N, T, F) as rows of shape (T N, F), step after step (see `contiguous`)."""
    N, T, F = a.shape
    return contiguous(name, a, (1, 0, 2)).reshape(T * N, F)


def input_gradients(da_rows, x, W_x, name):
    """The gradients a layer's input projection ``x @ W_x + B`` receives.

    Parameters
    ----------
    da_rows : ndarray of shape (T N, G)
        Every step's gradient of the pre-activations, time-major rows.
    x : ndarray of shape (N, T, D)
    W_x : ndarray of shape (D, G)
    name : str
        The buffer for `x`'s rows, when they need a copy.

    Returns
    -------
    dx : ndarray of shape (N, T, D)
    dW_x : ndarray of shape (D, G)
    dB : ndarray of shape (G,)
    """
    N, T, D = x.shape
    dW_x = time_major_rows(name, x).T @ da_rows
    dx = (da_rows @ W_x.T).reshape(T, N, D).transpose(1, 0, 2)
    return dx, dW_x, da_rows.sum(axis=0)
