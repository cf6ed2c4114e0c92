"""The layers between the RNN's hidden states and the loss.

A many-to-one classifier reads one hidden state per sequence, the last valid
one, and maps it to class scores with an affine (fully connected) layer::

    h_last = h[n, lengths[n] - 1]          # (N, H)  last_state_forward
    logits = h_last @ W_y + B_y            # (N, C)  affine_forward

Each forward function returns its output and a named cache; the matching
backward function takes the upstream gradient and that cache.
"""
from typing import NamedTuple

import numpy as np

from ..utils.validation import (
    as_float_array,
    check_cache,
    check_dim,
    check_finite,
    check_lengths,
    check_ndim,
    check_nonempty,
    result_dtype,
)

__all__ = [
    "AffineCache",
    "LastStateCache",
    "affine_forward",
    "affine_backward",
    "last_state_forward",
    "last_state_backward",
]


class AffineCache(NamedTuple):
    """What `affine_backward` needs from `affine_forward`."""

    x: np.ndarray  #: (..., H) the layer's input
    W: np.ndarray  #: (H, C)


class LastStateCache(NamedTuple):
    """What `last_state_backward` needs from `last_state_forward`."""

    lengths: np.ndarray  #: (N,) number of valid steps of each sequence
    shape: tuple  #: (N, T, H) shape of the hidden states
    dtype: np.dtype  #: dtype of the hidden states


def affine_forward(x, W, B):
    """Fully connected layer ``x @ W + B`` on the last axis.

    Parameters
    ----------
    x : ndarray of shape (N, H) or (N, T, H)
    W : ndarray of shape (H, C)
    B : ndarray of shape (C,)

    Returns
    -------
    out : ndarray of shape (N, C) or (N, T, C)
    cache : AffineCache
    """
    x, W, B = (as_float_array(a, name) for a, name in ((x, "x"), (W, "W"), (B, "B")))
    if x.ndim not in (2, 3):
        raise ValueError(f"x must have shape (N, H) or (N, T, H); got shape {x.shape}")
    check_ndim(W, 2, "W", "H, C")
    check_ndim(B, 1, "B", "C,")
    check_dim(x.shape[-1], W.shape[0], "x's last axis (H) must match W's first axis (H)")
    check_dim(B.shape[0], W.shape[1], "B's length (C) must match W's second axis (C)")
    check_nonempty(x, "x", "N, H" if x.ndim == 2 else "N, T, H")
    check_nonempty(W, "W", "H, C")
    for arr, name in ((x, "x"), (W, "W"), (B, "B")):
        check_finite(arr, name)
    dtype = result_dtype(x, W, B)
    x, W, B = (a.astype(dtype, copy=False) for a in (x, W, B))
    return x @ W + B, AffineCache(x, W)


def affine_backward(dout, cache):
    """Backward pass of `affine_forward`.

    Parameters
    ----------
    dout : ndarray of shape (N, C) or (N, T, C)
    cache : AffineCache

    Returns
    -------
    dx : ndarray of the shape of the input x
    dW : ndarray of shape (H, C)
    dB : ndarray of shape (C,)
    """
    x, W = check_cache(cache, AffineCache, "affine_forward", {"W": "H, C"})
    dout = as_float_array(dout, "dout").astype(x.dtype, copy=False)
    expected = x.shape[:-1] + (W.shape[1],)
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the shape of the forward output {expected}; got {dout.shape}"
        )
    H, C = W.shape
    # Every leading axis (batch, and time if present) is one more row of the product.
    dW = x.reshape(-1, H).T @ dout.reshape(-1, C)
    return dout @ W.T, dW, dout.reshape(-1, C).sum(axis=0)


def last_state_forward(h, lengths=None):
    """Pick each sequence's last valid hidden state.

    Parameters
    ----------
    h : ndarray of shape (N, T, H)
    lengths : ndarray of int, shape (N,), optional
        Valid steps of each sequence, 1 <= lengths[n] <= T; the rest is
        padding. Default: all T steps, so the result is ``h[:, -1]``.

    Returns
    -------
    h_last : ndarray of shape (N, H)
        ``h[n, lengths[n] - 1]``.
    cache : LastStateCache
    """
    h = as_float_array(h, "h")
    check_ndim(h, 3, "h", "N, T, H")
    check_nonempty(h, "h", "N, T, H")
    N, T, _ = h.shape
    lengths = check_lengths(lengths, N, T)
    return h[np.arange(N), lengths - 1], LastStateCache(lengths, h.shape, h.dtype)


def last_state_backward(dh_last, cache):
    """Backward pass of `last_state_forward`: scatter into zeros.

    Parameters
    ----------
    dh_last : ndarray of shape (N, H)
    cache : LastStateCache

    Returns
    -------
    dh : ndarray of shape (N, T, H)
        ``dh_last[n]`` at step ``lengths[n] - 1`` and zero elsewhere; padded
        steps, after the last valid one, get no gradient.
    """
    lengths, shape, dtype = check_cache(cache, LastStateCache, "last_state_forward",
                                        {"lengths": "N"})
    N, T, H = shape
    dh_last = as_float_array(dh_last, "dh_last")
    if dh_last.shape != (N, H):
        raise ValueError(
            f"dh_last must have the shape of the forward output (N, H) = {(N, H)}; "
            f"got {dh_last.shape}"
        )
    dh = np.zeros(shape, dtype=dtype)
    dh[np.arange(N), lengths - 1] = dh_last
    return dh
