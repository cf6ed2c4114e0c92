"""The GRU layer: forward and backward passes, one step and a whole sequence.

The gates are stacked in the order r, z, n (reset, update, candidate), as in
PyTorch, and the new state keeps a share z of the old one::

    r_t = sigmoid(x_t @ W_xr + h_{t-1} @ W_hr + B_r)
    z_t = sigmoid(x_t @ W_xz + h_{t-1} @ W_hz + B_z)
    n_t = tanh(x_t @ W_xn + (r_t * h_{t-1}) @ W_hn + B_n)   # reset_after=False
    n_t = tanh(x_t @ W_xn + B_n + r_t * (h_{t-1} @ W_hn))   # reset_after=True
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

``reset_after=False`` is the GRU of Cho et al. (2014) and of d2l;
``reset_after=True`` is the one cuDNN and PyTorch use (Keras's switch of
that name); it equals ``torch.nn.GRU`` when its hidden bias of the n block,
``bias_hh_l0[2H:]``, is zero. The two give different models: the reset gate
scales the state before the product in one and the product in the other.
"""
from typing import NamedTuple

import numpy as np

from ..utils.validation import check_cache
from ._gated import check_upstream, prepare, sigmoid
from ._rows import contiguous, input_gradients, time_major_rows
from ._scratch import scratch

__all__ = [
    "GRUStepCache",
    "GRUCache",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
]

_ORDER = "r, z, n"


class GRUStepCache(NamedTuple):
    """What `gru_step_backward` needs from `gru_step_forward`."""

    x: np.ndarray  #: (N, D)
    h_prev: np.ndarray  #: (N, H)
    gates: np.ndarray  #: (N, 3H) r, z after the sigmoid, n after tanh
    u: np.ndarray  #: (N, H) r * h_prev (reset before), or h_prev @ W_hn (after)
    W_x: np.ndarray  #: (D, 3H)
    W_h: np.ndarray  #: (H, 3H)
    reset_after: bool


class GRUCache(NamedTuple):
    """What `gru_backward` needs from `gru_forward`."""

    x: np.ndarray  #: (N, T, D)
    h0: np.ndarray  #: (N, H)
    gates: np.ndarray  #: (N, T, 3H)
    u: np.ndarray  #: (N, T, H) every step's `GRUStepCache.u`
    h: np.ndarray  #: (N, T, H)
    W_x: np.ndarray  #: (D, 3H)
    W_h: np.ndarray  #: (H, 3H)
    reset_after: bool


_STEP_CACHE_AXES = {"x": "N, D", "h_prev": "N, H", "gates": "N, G", "u": "N, H",
                    "W_x": "D, G", "W_h": "H, G"}
_CACHE_AXES = {"x": "N, T, D", "h0": "N, H", "gates": "N, T, G", "u": "N, T, H",
               "h": "N, T, H", "W_x": "D, G", "W_h": "H, G"}


def _check_reset_after(reset_after):
    if not isinstance(reset_after, (bool, np.bool_)):
        raise TypeError(f"reset_after must be True or False; got {reset_after!r}")
    return bool(reset_after)


def gru_step_forward(x, h_prev, W_x, W_h, B, *, reset_after=False):
    """Run one time step of the GRU.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    h_prev : ndarray of shape (N, H)
    W_x : ndarray of shape (D, 3H)
    W_h : ndarray of shape (H, 3H)
    B : ndarray of shape (3H,)
        Blocks in the order r, z, n.
    reset_after : bool, default False
        Apply the reset gate after the recurrent product (PyTorch, cuDNN)
        instead of before it (Cho et al., d2l).

    Returns
    -------
    h_next : ndarray of shape (N, H)
    cache : GRUStepCache
    """
    reset_after = _check_reset_after(reset_after)
    x, (h_prev,), W_x, W_h, B = prepare(
        x, {"h_prev": h_prev}, W_x, W_h, B, 3, _ORDER, "N, D")
    H = h_prev.shape[1]
    a = x @ W_x + B
    rz = sigmoid(a[:, :2 * H] + h_prev @ W_h[:, :2 * H])
    r, z = rz[:, :H], rz[:, H:]
    if reset_after:
        u = h_prev @ W_h[:, 2 * H:]
        n = np.tanh(a[:, 2 * H:] + r * u)
    else:
        u = r * h_prev
        n = np.tanh(a[:, 2 * H:] + u @ W_h[:, 2 * H:])
    h_next = (1 - z) * n + z * h_prev
    gates = np.concatenate([rz, n], axis=1)
    return h_next, GRUStepCache(x, h_prev, gates, u, W_x, W_h, reset_after)


def gru_step_backward(dh_next, cache):
    """Backward pass of one GRU step.

    Parameters
    ----------
    dh_next : ndarray of shape (N, H)
    cache : GRUStepCache

    Returns
    -------
    dx : ndarray of shape (N, D)
    dh_prev : ndarray of shape (N, H)
    dW_x : ndarray of shape (D, 3H)
    dW_h : ndarray of shape (H, 3H)
    dB : ndarray of shape (3H,)
    """
    x, h_prev, gates, u, W_x, W_h, reset_after = check_cache(
        cache, GRUStepCache, "gru_step_forward", _STEP_CACHE_AXES)
    dh = check_upstream(dh_next, h_prev.shape, "dh_next", "N, H", h_prev.dtype)
    H = h_prev.shape[1]
    r, z, n = np.split(gates, 3, axis=1)
    W_hn = W_h[:, 2 * H:]
    da_n = dh * (1 - z) * (1 - n * n)
    da_z = dh * (h_prev - n) * z * (1 - z)
    dh_prev = dh * z  # the direct path, through z * h_prev
    if reset_after:  # n = tanh(... + r * u), u = h_prev @ W_hn
        da_r = da_n * u * r * (1 - r)
        du = da_n * r
        dh_prev = dh_prev + du @ W_hn.T
        dW_hn = h_prev.T @ du
    else:  # n = tanh(... + u @ W_hn), u = r * h_prev
        du = da_n @ W_hn.T
        da_r = du * h_prev * r * (1 - r)
        dh_prev = dh_prev + du * r
        dW_hn = u.T @ da_n
    da_rz = np.concatenate([da_r, da_z], axis=1)
    da = np.concatenate([da_rz, da_n], axis=1)
    dh_prev = dh_prev + da_rz @ W_h[:, :2 * H].T
    dW_h = np.concatenate([h_prev.T @ da_rz, dW_hn], axis=1)
    return da @ W_x.T, dh_prev, x.T @ da, dW_h, da.sum(axis=0)


def gru_forward(x, h0, W_x, W_h, B, *, reset_after=False):
    """Run the GRU over a whole batch of sequences.

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    h0 : ndarray of shape (N, H)
    W_x : ndarray of shape (D, 3H)
    W_h : ndarray of shape (H, 3H)
    B : ndarray of shape (3H,)
    reset_after : bool, default False
        See `gru_step_forward`.

    Returns
    -------
    h : ndarray of shape (N, T, H)
    cache : GRUCache

    Notes
    -----
    As in `rnn_lib.nn.lstm.lstm_forward`, the arrays inside are stored
    (T, features, N), so that every gate of a step is one contiguous block.
    """
    reset_after = _check_reset_after(reset_after)
    x, (h0,), W_x, W_h, B = prepare(x, {"h0": h0}, W_x, W_h, B, 3, _ORDER, "N, T, D")
    N, T, D = x.shape
    H = h0.shape[1]
    # sigmoid(a) = (1 + tanh(a / 2)) / 2, with the r and z rows halved (exact).
    half = np.ones((3 * H, 1), dtype=x.dtype)
    half[:2 * H] = 0.5
    xT = np.ascontiguousarray(x.transpose(1, 2, 0))  # (T, D, N)
    gates = np.matmul(W_x.T * half, xT)  # (T, 3H, N): every step's input at once
    gates += B[:, None] * half
    W_hT = np.ascontiguousarray(W_h.T * half)
    W_hrzT, W_hnT = W_hT[:2 * H], W_hT[2 * H:]  # contiguous row blocks
    u, h = (np.empty((T, H, N), dtype=x.dtype) for _ in range(2))
    rec = np.empty((3 * H, N), dtype=x.dtype)  # buffers reused each step
    rec2 = np.empty((2 * H, N), dtype=x.dtype)
    rec1 = np.empty((H, N), dtype=x.dtype)
    h_prev = h0.T
    for t in range(T):
        a = gates[t]
        rz = a[:2 * H]
        if reset_after:
            np.matmul(W_hT, h_prev, out=rec)
            rz += rec[:2 * H]
            u[t] = rec[2 * H:]
        else:
            rz += np.matmul(W_hrzT, h_prev, out=rec2)
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z, n = a[:H], a[H:2 * H], a[2 * H:]
        if reset_after:
            n += np.multiply(r, u[t], out=rec1)
        else:
            np.multiply(r, h_prev, out=u[t])
            n += np.matmul(W_hnT, u[t], out=rec1)
        np.tanh(n, out=n)
        h_t = np.subtract(h_prev, n, out=h[t])  # h_t = n + z * (h_prev - n)
        h_t *= z
        h_prev = np.add(h_t, n, out=h_t)
    bf = (2, 0, 1)  # batch-first views of the (T, features, N) blocks
    cache = GRUCache(xT.transpose(bf), h0, gates.transpose(bf), u.transpose(bf),
                     h.transpose(bf), W_x, W_h, reset_after)
    return h.transpose(bf), cache


def gru_backward(dh, cache):
    """Backpropagation through time for the GRU.

    Parameters
    ----------
    dh : ndarray of shape (N, T, H)
    cache : GRUCache

    Returns
    -------
    dx : ndarray of shape (N, T, D)
    dh0 : ndarray of shape (N, H)
    dW_x : ndarray of shape (D, 3H)
    dW_h : ndarray of shape (H, 3H)
    dB : ndarray of shape (3H,)

    Notes
    -----
    Each step's gradients are computed from that step's (3H, N) block of the
    cache, which stays in the processor's cache while it is used: ``da_z =
    dL/dh_t (h_{t-1} - n_t) z_t (1 - z_t)``, ``da_n = dL/dh_t (1 - z_t) (1 -
    n_t**2)``, and ``da_r = r_t (1 - r_t)`` times ``u_t da_n`` (reset after
    the product, ``u_t = h_{t-1} W_hn``) or ``h_{t-1} (da_n W_hn^T)`` (reset
    before). The weight gradients are single products over all steps after
    the loop.
    """
    x, h0, gates, u, h, W_x, W_h, reset_after = check_cache(
        cache, GRUCache, "gru_forward", _CACHE_AXES)
    N, T, H = h.shape
    dh = check_upstream(dh, h.shape, "dh", "N, T, H", h.dtype)
    fm = (1, 2, 0)  # (T, features, N), free when the cache came from gru_forward
    g_fm, u_fm, h_fm = (np.ascontiguousarray(a.transpose(fm)) for a in (gates, u, h))
    dh_fm = contiguous("gru.dh", dh, fm)  # kept between calls: nothing returned is a view of it
    W_hrz = np.ascontiguousarray(W_h[:, :2 * H])
    W_hn = np.ascontiguousarray(W_h[:, 2 * H:])
    # Each step's da is worked out in a (3H, N) block that stays in the
    # processor's cache, then stored as that step's rows of da_rows, (T N,
    # 3H): the layout the weight gradients' products read as they are.
    da_rows = scratch("gru.da", (T, N, 3 * H), h.dtype)
    d = np.empty((3 * H, N), dtype=h.dtype)
    da_r, da_z, da_n = d[:H], d[H:2 * H], d[2 * H:]
    # With reset after, W_hn multiplies h_{t-1}, and its gradient is da_n * r.
    dah_rows = scratch("gru.dah", (T, N, H), h.dtype) if reset_after else None
    g = np.zeros((H, N), dtype=h.dtype)  # gradient flowing back into h_t
    dh_t = np.empty_like(g)
    one_minus_z = np.empty_like(g)
    tmp = np.empty_like(g)
    dah = np.empty_like(g)
    for t in range(T - 1, -1, -1):
        a = g_fm[t]
        r, z, n = a[:H], a[H:2 * H], a[2 * H:]
        h_prev = h_fm[t - 1] if t else h0.T
        np.add(dh_fm[t], g, out=dh_t)
        np.subtract(1, z, out=one_minus_z)
        np.subtract(h_prev, n, out=da_z)  # in place, factor by factor: no temporaries
        da_z *= z
        da_z *= one_minus_z
        da_z *= dh_t
        np.multiply(n, n, out=da_n)
        np.subtract(1, da_n, out=da_n)
        da_n *= one_minus_z
        da_n *= dh_t
        np.multiply(dh_t, z, out=g)  # the direct path, through z * h_{t-1}
        np.subtract(1, r, out=da_r)
        da_r *= r
        if reset_after:
            da_r *= u_fm[t]
            da_r *= da_n
            np.multiply(da_n, r, out=dah)
            dah_rows[t] = dah.T
            g += np.matmul(W_hn, dah, out=tmp)
        else:
            du = np.matmul(W_hn, da_n, out=tmp)  # dL/du_t, u_t = r_t * h_{t-1}
            da_r *= h_prev
            da_r *= du
            du *= r
            g += du
        g += np.matmul(W_hrz, d[:2 * H], out=tmp)
        da_rows[t] = d.T
    # The weight gradients: one product over all steps and the batch.
    da_rows = da_rows.reshape(T * N, 3 * H)
    dx, dW_x, dB = input_gradients(da_rows, x, W_x, "gru.x")
    h_prev_rows = scratch("gru.h", (T, N, H), h.dtype)
    h_prev_rows[0] = h0
    h_prev_rows[1:] = h[:, :-1].transpose(1, 0, 2)
    h_prev_rows = h_prev_rows.reshape(T * N, H)
    dW_h = np.empty_like(W_h)
    dW_h[:, :2 * H] = h_prev_rows.T @ da_rows[:, :2 * H]
    if reset_after:
        dW_h[:, 2 * H:] = h_prev_rows.T @ dah_rows.reshape(T * N, H)
    else:
        dW_h[:, 2 * H:] = time_major_rows("gru.u", u).T @ da_rows[:, 2 * H:]
    return dx, np.ascontiguousarray(g.T), dW_x, dW_h, dB


# The GRU behind `rnn_lib.nn.cells`'s interface, with gru_forward's default
# formulation (reset before the product); the state is (h,).
def gru_cell_forward(x, state0, W_x, W_h, B):
    (h0,) = state0
    return gru_forward(x, h0, W_x, W_h, B)


def gru_cell_backward(dh, cache):
    dx, dh0, dW_x, dW_h, dB = gru_backward(dh, cache)
    return dx, (dh0,), dW_x, dW_h, dB


def gru_final_state(cache):
    return (cache.h[:, -1],)
