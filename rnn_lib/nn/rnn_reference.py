"""The RNN over a whole sequence, written plainly: the loops a student writes.

The same arguments, results and caches as `rnn_lib.nn.rnn.rnn_forward` and
`rnn_lib.nn.rnn.rnn_backward` (the tests hold them equal), so either backward
pass reads either forward pass's cache. Those two are written for speed (the
book's page "Making it fast" says how); these are the ones the chapters show.
Steps count from 1 in the math and from 0 in code: ``x[:, t]`` is
:math:`x_{t+1}` and ``h[:, t]`` is :math:`h_{t+1}`.
"""
import numpy as np

from ..utils.validation import as_float_array, check_cache, check_ndim, check_nonempty
from .rnn import RNNCache, RNNStepCache, rnn_step_backward, rnn_step_forward

__all__ = ["rnn_forward", "rnn_backward", "rnn_step_forward", "rnn_step_backward"]

_CACHE_AXES = {"x": "N, T, D", "h0": "N, H", "h": "N, T, H", "W_x": "D, H", "W_h": "H, H"}


def rnn_forward(x, h0, W_x, W_h, B):
    """Run the RNN over every step, one `rnn_step_forward` at a time.

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
    x = as_float_array(x, "x")
    check_ndim(x, 3, "x", "N, T, D")
    check_nonempty(x, "x", "N, T, D")
    N, T, D = x.shape
    h_prev, steps = h0, []
    for t in range(T):
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, W_x, W_h, B)  # (N, H)
        steps.append(h_prev)
    h = np.stack(steps, axis=1)  # (N, T, H)
    x = x.astype(h.dtype, copy=False)
    h0 = np.asarray(h0, dtype=h.dtype)
    return h, RNNCache(x, h0, h, np.asarray(W_x, dtype=h.dtype), np.asarray(W_h, dtype=h.dtype))


def rnn_backward(dh, cache):
    """Backpropagation through time, one `rnn_step_backward` at a time.

    Parameters
    ----------
    dh : ndarray of shape (N, T, H)
        Upstream gradient of the loss with respect to every hidden state (the
        direct part only: what flows back through the recurrence is added here).
    cache : RNNCache
        From `rnn_forward` (this one or the fast one).

    Returns
    -------
    dx : ndarray of shape (N, T, D)
    dh0 : ndarray of shape (N, H)
    dW_x : ndarray of shape (D, H)
    dW_h : ndarray of shape (H, H)
    dB : ndarray of shape (H,)
    """
    x, h0, h, W_x, W_h = check_cache(cache, RNNCache, "rnn_forward", _CACHE_AXES)
    dh = as_float_array(dh, "dh")
    if dh.shape != h.shape:
        raise ValueError(f"dh must have the shape of the forward output (N, T, H) = "
                         f"{h.shape}; got {dh.shape}")
    N, T, H = h.shape
    dx = np.zeros_like(x)
    dW_x, dW_h = np.zeros_like(W_x), np.zeros_like(W_h)
    dB = np.zeros(H, dtype=h.dtype)
    dh_prev = np.zeros_like(h0)  # what step t+1 sends back to h_t; nothing after the last
    for t in reversed(range(T)):
        h_before = h0 if t == 0 else h[:, t - 1]
        step = RNNStepCache(x[:, t], h_before, h[:, t], W_x, W_h)
        dx[:, t], dh_prev, dW_x_t, dW_h_t, dB_t = rnn_step_backward(dh[:, t] + dh_prev, step)
        dW_x += dW_x_t  # the weights are shared by all steps: their gradients add up
        dW_h += dW_h_t
        dB += dB_t
    return dx, dh_prev, dW_x, dW_h, dB
