"""The embedding layer: token ids in, one learned vector per token out.

A vocabulary of V tokens gets a table ``W_e`` of shape (V, D), one row per
token. The forward pass looks the rows up; the backward pass adds each
step's gradient into the row of the token read at that step::

    out[n, t] = W_e[idx[n, t]]                  # (N, T, D)
    dW_e[v]   = sum of dout[n, t] over every (n, t) with idx[n, t] == v

A token that appears twice in a batch gets both gradients added (a
scatter-add, `np.add.at`); writing ``dW_e[idx] = dout`` would keep only the
last one. With ``W_e`` the identity (D = V), ``out[n, t]`` is the one-hot
vector of the token: one-hot input is the special case of an embedding
whose table is not learned.
"""
from typing import NamedTuple

import numpy as np

from ..utils.validation import (
    as_float_array,
    check_cache,
    check_finite,
    check_ndim,
    check_nonempty,
    inputs_trusted,
)

__all__ = ["EmbeddingCache", "embedding_forward", "embedding_backward", "check_token_ids"]


class EmbeddingCache(NamedTuple):
    """What `embedding_backward` needs from `embedding_forward`."""

    idx: np.ndarray  #: (N, T) the token ids that were looked up
    W_e: np.ndarray  #: (V, D) the table (only its shape and dtype are used)


def check_token_ids(idx, V, name="idx"):
    """Return `idx` as an integer array of values in 0 .. V-1, else raise.

    TypeError for anything but integers (floats such as 3.0 too: an id is
    an index, not a number to round); ValueError for a negative id or one
    of V or more, naming how many are out of range and one of them.
    """
    arr = np.asarray(idx)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer token ids 0 .. V-1 (V = {V}); "
                        f"got dtype {arr.dtype}")
    if arr.size and not inputs_trusted():  # fit checks its ids once
        bad = arr[(arr < 0) | (arr >= V)]
        if bad.size:
            raise ValueError(
                f"{name} must hold token ids in 0 .. {V - 1} (V = {V}, the rows of W_e); "
                f"got {bad.size} outside that range, e.g. {bad[0]}")
    return arr.astype(np.intp, copy=False)


def embedding_forward(idx, W_e):
    """Look up the row of `W_e` of every token id.

    Parameters
    ----------
    idx : ndarray of int, shape (N, T)
        Token ids, 0 <= idx[n, t] < V (any shape works; (N, T) is the usual).
    W_e : ndarray of shape (V, D)
        One row per token of the vocabulary.

    Returns
    -------
    out : ndarray of shape (N, T, D)
        ``W_e[idx]``, a new array (changing it leaves `W_e` alone).
    cache : EmbeddingCache
    """
    W_e = as_float_array(W_e, "W_e")
    check_ndim(W_e, 2, "W_e", "V, D")
    check_nonempty(W_e, "W_e", "V, D")
    check_finite(W_e, "W_e")
    idx = check_token_ids(idx, W_e.shape[0])
    return W_e[idx], EmbeddingCache(idx, W_e)


def embedding_backward(dout, cache):
    """Backward pass of `embedding_forward`: a scatter-add into the table's rows.

    Parameters
    ----------
    dout : ndarray of shape (N, T, D)
        Gradient of the loss with respect to the looked-up vectors.
    cache : EmbeddingCache

    Returns
    -------
    dW_e : ndarray of shape (V, D)
        Row v is the sum of ``dout[n, t]`` over the steps that read token v;
        zero for tokens the batch never read. (The ids get no gradient:
        they are integers, not parameters.)
    """
    idx, W_e, dout = _check_backward(dout, cache)
    dW_e = np.zeros(W_e.shape, dtype=np.result_type(W_e, dout))
    np.add.at(dW_e, idx, dout)  # repeated ids add up; dW_e[idx] = dout would not
    return dW_e


def _check_backward(dout, cache):
    """The cache's idx and W_e, and `dout` checked against them."""
    if type(cache) is tuple and len(cache) == 2 and np.asarray(cache[0]).dtype.kind not in "iu":
        # the (out, cache) pair of embedding_forward also has two items
        raise TypeError("cache must be the EmbeddingCache that embedding_forward returns "
                        "(the second item of its result); got a tuple whose first item "
                        "is not integer ids")
    idx, W_e = check_cache(cache, EmbeddingCache, "embedding_forward", {"W_e": "V, D"})
    dout = as_float_array(dout, "dout")
    expected = np.shape(idx) + (W_e.shape[1],)
    if dout.shape != expected:
        raise ValueError(
            f"dout must have the shape of the forward output (N, T, D) = {expected}; "
            f"got {dout.shape}")
    return idx, W_e, dout
