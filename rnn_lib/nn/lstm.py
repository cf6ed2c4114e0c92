"""The LSTM layer: forward and backward passes, one step and a whole sequence.

The recurrence, with the gates stacked in the order i, f, o, g (as in
CS231n's assignment; `rnn_lib.nn.convert` converts from and to PyTorch's
i, f, g, o)::

    a_t = x_t @ W_x + h_{t-1} @ W_h + B          # (N, 4H)
    i_t, f_t, o_t = sigmoid(a_t[:, :3H])         # input, forget, output gates
    g_t = tanh(a_t[:, 3H:])                      # candidate
    c_t = f_t * c_{t-1} + i_t * g_t              # cell state: an additive path
    h_t = o_t * tanh(c_t)                        # what the cell shows

Each forward function returns its output and a named cache; the matching
backward function takes the upstream gradient and that cache. Only the loop
over time is Python: one product projects every step's input for all four
gates, and the weight gradients are single products over all steps.
"""
from typing import NamedTuple

import numpy as np

from ..utils.validation import check_cache
from ._gated import check_upstream, prepare, sigmoid
from ._rows import contiguous, input_gradients, time_major_rows
from ._scratch import scratch

__all__ = [
    "LSTMStepCache",
    "LSTMCache",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
]

_ORDER = "i, f, o, g"


class LSTMStepCache(NamedTuple):
    """What `lstm_step_backward` needs from `lstm_step_forward`."""

    x: np.ndarray  #: (N, D) input of this step
    h_prev: np.ndarray  #: (N, H)
    c_prev: np.ndarray  #: (N, H)
    gates: np.ndarray  #: (N, 4H) i, f, o after the sigmoid, g after tanh
    tanh_c: np.ndarray  #: (N, H) tanh(c_next)
    W_x: np.ndarray  #: (D, 4H)
    W_h: np.ndarray  #: (H, 4H)


class LSTMCache(NamedTuple):
    """What `lstm_backward` needs from `lstm_forward`."""

    x: np.ndarray  #: (N, T, D)
    h0: np.ndarray  #: (N, H)
    c0: np.ndarray  #: (N, H)
    gates: np.ndarray  #: (N, T, 4H) every step's activated gates
    c: np.ndarray  #: (N, T, H) every cell state
    tanh_c: np.ndarray  #: (N, T, H)
    h: np.ndarray  #: (N, T, H) every hidden state
    W_x: np.ndarray  #: (D, 4H)
    W_h: np.ndarray  #: (H, 4H)


_STEP_CACHE_AXES = {"x": "N, D", "h_prev": "N, H", "c_prev": "N, H", "gates": "N, G",
                    "tanh_c": "N, H", "W_x": "D, G", "W_h": "H, G"}
_CACHE_AXES = {"x": "N, T, D", "h0": "N, H", "c0": "N, H", "gates": "N, T, G",
               "c": "N, T, H", "tanh_c": "N, T, H", "h": "N, T, H", "W_x": "D, G",
               "W_h": "H, G"}


def lstm_step_forward(x, h_prev, c_prev, W_x, W_h, B):
    """Run one time step of the LSTM.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    h_prev, c_prev : ndarray of shape (N, H)
        Hidden state and cell state of the previous step.
    W_x : ndarray of shape (D, 4H)
    W_h : ndarray of shape (H, 4H)
    B : ndarray of shape (4H,)
        Blocks in the order i, f, o, g.

    Returns
    -------
    h_next, c_next : ndarray of shape (N, H)
    cache : LSTMStepCache
    """
    x, (h_prev, c_prev), W_x, W_h, B = prepare(
        x, {"h_prev": h_prev, "c_prev": c_prev}, W_x, W_h, B, 4, _ORDER, "N, D")
    H = h_prev.shape[1]
    a = x @ W_x + h_prev @ W_h + B
    gates = np.concatenate([sigmoid(a[:, :3 * H]), np.tanh(a[:, 3 * H:])], axis=1)
    i, f, o, g = np.split(gates, 4, axis=1)
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    return h_next, c_next, LSTMStepCache(x, h_prev, c_prev, gates, tanh_c, W_x, W_h)


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of one LSTM step.

    Parameters
    ----------
    dh_next, dc_next : ndarray of shape (N, H)
        Gradients of the loss with respect to ``h_next`` and ``c_next``.
    cache : LSTMStepCache

    Returns
    -------
    dx : ndarray of shape (N, D)
    dh_prev, dc_prev : ndarray of shape (N, H)
    dW_x : ndarray of shape (D, 4H)
    dW_h : ndarray of shape (H, 4H)
    dB : ndarray of shape (4H,)
    """
    x, h_prev, c_prev, gates, tanh_c, W_x, W_h = check_cache(
        cache, LSTMStepCache, "lstm_step_forward", _STEP_CACHE_AXES)
    dh_next = check_upstream(dh_next, tanh_c.shape, "dh_next", "N, H", tanh_c.dtype)
    dc_next = check_upstream(dc_next, tanh_c.shape, "dc_next", "N, H", tanh_c.dtype)
    i, f, o, g = np.split(gates, 4, axis=1)
    # c_next reaches the loss directly and through h_next = o * tanh(c_next).
    dc = dc_next + dh_next * o * (1 - tanh_c * tanh_c)
    da = np.concatenate([
        dc * g * i * (1 - i),  # i: sigmoid' = i (1 - i), from the output
        dc * c_prev * f * (1 - f),  # f
        dh_next * tanh_c * o * (1 - o),  # o
        dc * i * (1 - g * g),  # g: tanh' = 1 - g**2
    ], axis=1)
    return (da @ W_x.T, da @ W_h.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0))


def lstm_forward(x, h0, W_x, W_h, B, *, c0=None):
    """Run the LSTM over a whole batch of sequences.

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    h0 : ndarray of shape (N, H)
        Initial hidden state.
    W_x : ndarray of shape (D, 4H)
    W_h : ndarray of shape (H, 4H)
    B : ndarray of shape (4H,)
    c0 : ndarray of shape (N, H), optional
        Initial cell state; zero when not given (as in CS231n).

    Returns
    -------
    h : ndarray of shape (N, T, H)
        Hidden state after every step.
    cache : LSTMCache
        Holds every cell state too: ``cache.c[:, -1]`` is the last one.

    Notes
    -----
    Inside, every array is stored time-major and transposed, (T, features,
    N): each gate of a step is then one contiguous block, and NumPy works on
    contiguous blocks in one call instead of one call per row. What is
    returned are (N, T, ...) views of those blocks.
    """
    states = {"h0": h0} if c0 is None else {"h0": h0, "c0": c0}
    x, states, W_x, W_h, B = prepare(x, states, W_x, W_h, B, 4, _ORDER, "N, T, D")
    h0 = states[0]
    c0 = states[1] if c0 is not None else np.zeros_like(h0)
    N, T, D = x.shape
    H = h0.shape[1]
    # sigmoid(a) = (1 + tanh(a / 2)) / 2: with the i, f, o rows halved (exact,
    # a power of two), one tanh over each step's contiguous block serves all
    # four gates, and nothing overflows.
    half = np.ones((4 * H, 1), dtype=x.dtype)
    half[:3 * H] = 0.5
    xT = np.ascontiguousarray(x.transpose(1, 2, 0))  # (T, D, N)
    gates = np.matmul(W_x.T * half, xT)  # (T, 4H, N): every step's input at once
    gates += B[:, None] * half
    W_hT = np.ascontiguousarray(W_h.T * half)
    c, tanh_c, h = (np.empty((T, H, N), dtype=x.dtype) for _ in range(3))
    rec = np.empty((4 * H, N), dtype=x.dtype)  # reused each step
    ig = np.empty((H, N), dtype=x.dtype)
    h_prev, c_prev = h0.T, c0.T
    for t in range(T):
        a = gates[t]
        a += np.matmul(W_hT, h_prev, out=rec)
        np.tanh(a, out=a)  # overwrite a with the gates in place
        ifo = a[:3 * H]
        ifo *= 0.5
        ifo += 0.5
        i, f, o, g = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        c_prev = np.multiply(f, c_prev, out=c[t])
        c_prev += np.multiply(i, g, out=ig)
        np.tanh(c_prev, out=tanh_c[t])
        h_prev = np.multiply(o, tanh_c[t], out=h[t])
    bf = (2, 0, 1)  # batch-first views of the (T, features, N) blocks
    cache = LSTMCache(xT.transpose(bf), h0, c0, gates.transpose(bf), c.transpose(bf),
                      tanh_c.transpose(bf), h.transpose(bf), W_x, W_h)
    return h.transpose(bf), cache


def lstm_backward(dh, cache, *, return_dc0=False):
    """Backpropagation through time for the LSTM.

    Parameters
    ----------
    dh : ndarray of shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : LSTMCache
    return_dc0 : bool, default False
        Also return the gradient of the initial cell state, last.

    Returns
    -------
    dx : ndarray of shape (N, T, D)
    dh0 : ndarray of shape (N, H)
    dW_x : ndarray of shape (D, 4H)
    dW_h : ndarray of shape (H, 4H)
    dB : ndarray of shape (4H,)
    dc0 : ndarray of shape (N, H), only with `return_dc0`

    Notes
    -----
    Each step's gradients are computed from that step's (4H, N) block of the
    cache, which stays in the processor's cache while it is used:
    ``dL/dc_t`` gathers the gradient from ``c_{t+1}`` (multiplied by
    ``f_{t+1}`` only: no ``W_h``, no ``tanh'``) and from ``h_t`` through
    ``tanh(c_t)``; then ``da_i = dL/dc_t g i (1 - i)``, ``da_f = dL/dc_t
    c_{t-1} f (1 - f)``, ``da_o = dL/dh_t tanh(c_t) o (1 - o)``, ``da_g =
    dL/dc_t i (1 - g**2)``. The weight gradients are single products over all
    steps after the loop.
    """
    x, h0, c0, gates, c, tanh_c, h, W_x, W_h = check_cache(
        cache, LSTMCache, "lstm_forward", _CACHE_AXES)
    N, T, H = h.shape
    dh = check_upstream(dh, h.shape, "dh", "N, T, H", h.dtype)
    fm = (1, 2, 0)  # (T, features, N), free when the cache came from lstm_forward
    g_fm, c_fm, tc_fm = (np.ascontiguousarray(a.transpose(fm)) for a in (gates, c, tanh_c))
    dh_fm = contiguous("lstm.dh", dh, fm)  # kept between calls: nothing returned is a view of it
    # Each step's da is worked out in a (4H, N) block that stays in the
    # processor's cache, then stored as that step's rows of da_rows, (T N,
    # 4H): the layout the weight gradients' products read as they are, so
    # no array the size of da is allocated twice.
    da_rows = scratch("lstm.da", (T, N, 4 * H), h.dtype)
    d = np.empty((4 * H, N), dtype=h.dtype)
    da_i, da_f, da_o, da_g = d[:H], d[H:2 * H], d[2 * H:3 * H], d[3 * H:]
    W_h = np.ascontiguousarray(W_h)
    gh = np.zeros((H, N), dtype=h.dtype)  # gradient flowing back into h_t
    gc = np.zeros((H, N), dtype=h.dtype)  # gradient flowing back into c_t
    dh_t = np.empty_like(gh)
    tmp = np.empty_like(gh)
    for t in range(T - 1, -1, -1):
        a = g_fm[t]
        i, f, o, g = a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:]
        tc = tc_fm[t]
        np.add(dh_fm[t], gh, out=dh_t)
        np.multiply(tc, tc, out=tmp)  # c_t also reaches the loss through h_t
        np.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= dh_t
        gc += tmp  # now dL/dc_t
        np.subtract(1, o, out=da_o)  # in place, factor by factor: no temporaries
        da_o *= o
        da_o *= tc
        da_o *= dh_t
        np.subtract(1, i, out=da_i)
        da_i *= i
        da_i *= g
        da_i *= gc
        np.subtract(1, f, out=da_f)
        da_f *= f
        da_f *= c_fm[t - 1] if t else c0.T
        da_f *= gc
        np.multiply(g, g, out=da_g)
        np.subtract(1, da_g, out=da_g)
        da_g *= i
        da_g *= gc
        gc *= f  # dL/dc_{t-1} = dL/dc_t * f_t
        np.matmul(W_h, d, out=gh)
        da_rows[t] = d.T
    # The weight gradients: one product over all steps and the batch.
    da_rows = da_rows.reshape(T * N, 4 * H)
    dx, dW_x, dB = input_gradients(da_rows, x, W_x, "lstm.x")
    dW_h = h0.T @ da_rows[:N]
    if T > 1:
        dW_h += time_major_rows("lstm.h", h[:, :-1]).T @ da_rows[N:]
    out = (dx, np.ascontiguousarray(gh.T), dW_x, dW_h, dB)
    return out + (np.ascontiguousarray(gc.T),) if return_dc0 else out


# The LSTM behind `rnn_lib.nn.cells`'s interface: the state is (h, c).
def lstm_cell_forward(x, state0, W_x, W_h, B):
    h0, c0 = state0
    return lstm_forward(x, h0, W_x, W_h, B, c0=c0)


def lstm_cell_backward(dh, cache):
    dx, dh0, dW_x, dW_h, dB, dc0 = lstm_backward(dh, cache, return_dc0=True)
    return dx, (dh0, dc0), dW_x, dW_h, dB


def lstm_final_state(cache):
    return cache.h[:, -1], cache.c[:, -1]
