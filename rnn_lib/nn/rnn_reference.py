"""The RNN over a whole sequence, written plainly: the loops a student writes.

The same arguments, results and caches as `rnn_lib.nn.rnn.rnn_forward` and
`rnn_lib.nn.rnn.rnn_backward` (the tests hold them equal), so either backward
pass reads either forward pass's cache. Those two are written for speed (the
book's page "Making it fast" says how); these are the ones the chapters show.
Steps count from 1 in the math (:math:`h_0` is the initial state,
:math:`x_1 .. x_T` the inputs) and from 0 in code: ``x[:, t-1]`` is
:math:`x_t` and ``h[:, t-1]`` is :math:`h_t`.
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
        ``x[:, t-1]`` is the input x_t of step t.
    h0 : ndarray of shape (N, H)
        Initial hidden state.
    W_x : ndarray of shape (D, H)
    W_h : ndarray of shape (H, H)
    B : ndarray of shape (H,)

    Returns
    -------
    h : ndarray of shape (N, T, H)
        ``h[:, t-1]`` is the state h_t after step t; h0 is not part of it.
    cache : RNNCache
    """
    x = as_float_array(x, "x")
    check_ndim(x, 3, "x", "N, T, D")
    check_nonempty(x, "x", "N, T, D")
    N, T, D = x.shape
    h_prev, states = h0, []
    for t in range(T):  # index t holds step t + 1
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, W_x, W_h, B)
        states.append(h_prev)  # (N, H)
    h = np.stack(states, axis=1)  # (N, T, H)
    dtype = h.dtype  # float32 in, float32 out; anything else is float64
    cache = RNNCache(x.astype(dtype, copy=False), np.asarray(h0, dtype), h,
                     np.asarray(W_x, dtype), np.asarray(W_h, dtype))
    return h, cache


def rnn_backward(dh, cache):
    """Backpropagation through time, one `rnn_step_backward` at a time.

    Parameters
    ----------
    dh : ndarray of shape (N, T, H)
        Upstream gradient: ``dh[:, t-1]`` is the direct part of dL/dh_t,
        through the layers above only. What flows back through the
        recurrence is added here, so passing total gradients counts it twice.
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
    from_next = np.zeros_like(h0)  # what step t+1 sends back to h_t; nothing after step T
    for t in range(T, 0, -1):  # the steps T, ..., 1 of the math; x_t is x[:, t-1]
        h_before = h[:, t - 2] if t > 1 else h0  # h_{t-1}; h[:, -1] would be h_T
        step = RNNStepCache(x[:, t - 1], h_before, h[:, t - 1], W_x, W_h)
        dh_t = dh[:, t - 1] + from_next  # the total gradient of h_t: both parts
        dx[:, t - 1], from_next, dW_x_t, dW_h_t, dB_t = rnn_step_backward(dh_t, step)
        dW_x += dW_x_t  # the weights are shared by all steps: their gradients add up
        dW_h += dW_h_t
        dB += dB_t
    return dx, from_next, dW_x, dW_h, dB  # after step 1, from_next is dL/dh_0
