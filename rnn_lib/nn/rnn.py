"""The vanilla RNN layer: forward and backward passes, one step and a whole sequence.

The recurrence, with the book's symbols::

    a_t = x_t @ W_x + h_{t-1} @ W_h + B
    h_t = tanh(a_t)

Each forward function returns its output and a named cache; the matching
backward function takes the upstream gradient and that cache. Only the loop
over time is Python; everything else is one NumPy call over all steps.
"""
from typing import NamedTuple

import numpy as np

from ..utils.validation import (
    as_float_array,
    check_cache,
    check_dim,
    check_finite,
    check_ndim,
    check_nonempty,
    check_rnn_weights,
    result_dtype,
)
from ._rows import input_gradients
from ._scratch import scratch

__all__ = [
    "RNNStepCache",
    "RNNCache",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
]


class RNNStepCache(NamedTuple):
    """What `rnn_step_backward` needs from `rnn_step_forward`."""

    x: np.ndarray  #: (N, D) input of this step
    h_prev: np.ndarray  #: (N, H) hidden state before the step
    h_next: np.ndarray  #: (N, H) tanh(a_t); its derivative is 1 - h_next**2
    W_x: np.ndarray  #: (D, H)
    W_h: np.ndarray  #: (H, H)


class RNNCache(NamedTuple):
    """What `rnn_backward` needs from `rnn_forward`."""

    x: np.ndarray  #: (N, T, D) the input sequence
    h0: np.ndarray  #: (N, H) initial hidden state
    h: np.ndarray  #: (N, T, H) every hidden state
    W_x: np.ndarray  #: (D, H)
    W_h: np.ndarray  #: (H, H)


# The axes of each cache field, so that a cache built by hand is checked too.
_STEP_CACHE_AXES = {"x": "N, D", "h_prev": "N, H", "h_next": "N, H", "W_x": "D, H", "W_h": "H, H"}
_CACHE_AXES = {"x": "N, T, D", "h0": "N, H", "h": "N, T, H", "W_x": "D, H", "W_h": "H, H"}


def _prepare(x, h_prev, W_x, W_h, B, x_letters, h_name):
    """Validate the forward arguments and cast them to one floating dtype."""
    W_x, W_h, B, D, H = check_rnn_weights(W_x, W_h, B)
    x = as_float_array(x, "x")
    h_prev = as_float_array(h_prev, h_name)
    check_ndim(x, len(x_letters.split(",")), "x", x_letters)
    check_nonempty(x, "x", x_letters)
    check_dim(x.shape[-1], D, f"x's last axis (D) must match W_x's first axis (D = {D})")
    check_ndim(h_prev, 2, h_name, "N, H")
    if h_prev.shape != (x.shape[0], H):
        raise ValueError(
            f"{h_name} must have shape (N, H) = ({x.shape[0]}, {H}), N taken from x "
            f"and H from W_x; got {h_name} of shape {h_prev.shape}"
        )
    # NaN or inf would spread silently through every later step; say so up front.
    for arr, name in ((x, "x"), (h_prev, h_name), (W_x, "W_x"), (W_h, "W_h"), (B, "B")):
        check_finite(arr, name)
    dtype = result_dtype(x, h_prev, W_x, W_h, B)
    return [a.astype(dtype, copy=False) for a in (x, h_prev, W_x, W_h, B)]


def rnn_step_forward(x, h_prev, W_x, W_h, B):
    """Run one time step of the RNN.

    Parameters
    ----------
    x : ndarray of shape (N, D)
        Input at this step.
    h_prev : ndarray of shape (N, H)
        Hidden state of the previous step.
    W_x : ndarray of shape (D, H)
    W_h : ndarray of shape (H, H)
    B : ndarray of shape (H,)

    Returns
    -------
    h_next : ndarray of shape (N, H)
        ``tanh(x @ W_x + h_prev @ W_h + B)``.
    cache : RNNStepCache
    """
    x, h_prev, W_x, W_h, B = _prepare(x, h_prev, W_x, W_h, B, "N, D", "h_prev")
    h_next = np.tanh(x @ W_x + h_prev @ W_h + B)
    return h_next, RNNStepCache(x, h_prev, h_next, W_x, W_h)


def rnn_step_backward(dh_next, cache):
    """Backward pass of one RNN step.

    Parameters
    ----------
    dh_next : ndarray of shape (N, H)
        The total gradient of the loss with respect to this step's output
        ``h_next``: from the layers above plus what the next step sends back.
    cache : RNNStepCache
        From `rnn_step_forward`.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dh_prev : ndarray of shape (N, H)
    dW_x : ndarray of shape (D, H)
    dW_h : ndarray of shape (H, H)
    dB : ndarray of shape (H,)
    """
    x, h_prev, h_next, W_x, W_h = check_cache(
        cache, RNNStepCache, "rnn_step_forward", _STEP_CACHE_AXES)
    dh_next = _check_upstream(dh_next, h_next.shape, "dh_next", "N, H", h_next.dtype)
    da = dh_next * (1 - h_next * h_next)  # tanh' from the cached output, not from a
    return da @ W_x.T, da @ W_h.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, W_x, W_h, B):
    """Run the RNN over a whole batch of sequences.

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    h0 : ndarray of shape (N, H)
        Initial hidden state.
    W_x : ndarray of shape (D, H)
    W_h : ndarray of shape (H, H)
    B : ndarray of shape (H,)

    Returns
    -------
    h : ndarray of shape (N, T, H)
        Hidden state after every step; ``h[:, -1]`` is the last one.
    cache : RNNCache
    """
    x, h0, W_x, W_h, B = _prepare(x, h0, W_x, W_h, B, "N, T, D", "h0")
    N, T, D = x.shape
    # Time-major storage makes every per-step slice one contiguous block.
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, N, D)
    h_tm = (x_tm.reshape(T * N, D) @ W_x).reshape(T, N, -1)  # one product projects every step's input
    h_tm += B
    a_t = np.empty_like(h0)  # reused each step: no allocation inside the loop
    h_prev = h0
    for t in range(T):
        np.matmul(h_prev, W_h, out=a_t)
        a_t += h_tm[t]
        h_prev = np.tanh(a_t, out=h_tm[t])  # overwrite x_t @ W_x + B in place
    h = h_tm.transpose(1, 0, 2)  # (N, T, H) view of the time-major block
    # The cache keeps x as an (N, T, D) view of the time-major copy, so that
    # the backward pass gets it time-major for free.
    return h, RNNCache(x_tm.transpose(1, 0, 2), h0, h, W_x, W_h)


def rnn_backward(dh, cache):
    """Backpropagation through time over a whole sequence.

    Parameters
    ----------
    dh : ndarray of shape (N, T, H)
        Upstream gradient: ``dh[:, t-1]`` is the direct part of dL/dh_t,
        through the layers above only. What flows back through the
        recurrence is added here, so passing total gradients counts it twice.
    cache : RNNCache
        From `rnn_forward` (this one or `rnn_lib.nn.rnn_reference`'s).

    Returns
    -------
    dx : ndarray of shape (N, T, D)
    dh0 : ndarray of shape (N, H)
    dW_x : ndarray of shape (D, H)
    dW_h : ndarray of shape (H, H)
    dB : ndarray of shape (H,)

    Notes
    -----
    Steps count from 1 (h_0 is the initial state, x_t is ``x[:, t-1]``).
    Going back in time, ``dL/dh_t`` is the upstream ``dh[:, t-1]`` plus what
    flows back from step t+1, ``da_{t+1} @ W_h.T``. With
    ``da_t = dL/dh_t * (1 - h_t**2)``, the weight gradients are sums over
    all steps: ``dW_x = sum_t x_t.T @ da_t``, ``dW_h = sum_t h_{t-1}.T @ da_t``.
    The ``da_t`` go into a (T, N, H) scratch buffer that the calling thread
    keeps and reuses for as long as the shape stays the same. The book's
    page "Making it fast" explains each trick used here.
    """
    x, h0, h, W_x, W_h = check_cache(cache, RNNCache, "rnn_forward", _CACHE_AXES)
    N, T, H = h.shape
    dh = _check_upstream(dh, h.shape, "dh", "N, T, H", h.dtype)
    h_tm = np.ascontiguousarray(h.transpose(1, 0, 2))  # free when h came from rnn_forward
    dh_tm = dh.transpose(1, 0, 2)
    W_hT = np.ascontiguousarray(W_h.T)
    da_tm = scratch("rnn.da", h_tm.shape, h_tm.dtype)  # nothing returned is a view of it
    g = np.zeros((N, H), dtype=h.dtype)  # dL/dh_t, built up going back in time
    tmp = np.empty_like(g)
    for t in range(T - 1, -1, -1):
        g += dh_tm[t]  # gradient from above plus the one from step t+1
        # da_t = g * (1 - h_t**2), as g - g*h_t*h_t so that no temporary is allocated
        np.multiply(h_tm[t], h_tm[t], out=tmp)
        tmp *= g
        da_t = np.subtract(g, tmp, out=da_tm[t])
        np.matmul(da_t, W_hT, out=g)
    da = da_tm.reshape(T * N, H)
    dx, dW_x, dB = input_gradients(da, x, W_x, "rnn.x")  # x's rows: free from rnn_forward
    # h_{t-1} for t >= 1 is h_tm[:-1]; the first step reads h0.
    dW_h = h0.T @ da_tm[0]
    dW_h += h_tm[:-1].reshape((T - 1) * N, H).T @ da[N:]
    return dx, g, dW_x, dW_h, dB


def _check_upstream(grad, shape, name, letters, dtype):
    """Validate an upstream gradient against the shape the forward pass produced."""
    grad = as_float_array(grad, name)
    if grad.shape != shape:
        raise ValueError(
            f"{name} must have the shape of the forward output ({letters}) = "
            f"{shape}; got {grad.shape}"
        )
    # The forward pass fixed the dtype: a float32 layer keeps computing in float32.
    return grad.astype(dtype, copy=False)
