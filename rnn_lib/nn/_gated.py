"""What the LSTM and the GRU share: argument checks and the sigmoid.

The weights of a gated cell stack one H-wide block per gate along the last
axis: ``W_x (D, G * H)``, ``W_h (H, G * H)``, ``B (G * H,)`` with G = 4 for
the LSTM (i, f, o, g) and G = 3 for the GRU (r, z, n).
"""
import numpy as np

from ..utils.validation import (
    as_float_array,
    check_dim,
    check_finite,
    check_ndim,
    check_nonempty,
    result_dtype,
)


def sigmoid(a, out=None):
    """The logistic function ``1 / (1 + exp(-a))``, written as ``(1 + tanh(a/2)) / 2``.

    The tanh form never overflows (``exp(-a)`` does for a < -709) and costs
    one transcendental call, like the exp form.
    """
    out = np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def check_gated_weights(W_x, W_h, B, gates, order):
    """Validate the stacked weights of a cell with `gates` blocks; return them with D, H.

    `order` names the blocks for the messages, e.g. ``"i, f, o, g"``.
    """
    W_x = as_float_array(W_x, "W_x")
    W_h = as_float_array(W_h, "W_h")
    B = as_float_array(B, "B")
    G = gates
    check_ndim(W_x, 2, "W_x", f"D, {G}H")
    check_ndim(W_h, 2, "W_h", f"H, {G}H")
    D, GH = W_x.shape
    if GH % G or GH == 0:
        raise ValueError(
            f"W_x must have shape (D, {G}H), one H-wide block per gate ({order}); "
            f"got W_x of shape {W_x.shape}, whose {GH} columns are not {G} blocks"
        )
    H = GH // G
    if W_h.shape != (H, G * H):
        raise ValueError(
            f"W_h must have shape (H, {G}H) = ({H}, {G * H}), H taken from W_x "
            f"of shape {W_x.shape}; got W_h of shape {W_h.shape}"
        )
    if B.shape != (G * H,):
        raise ValueError(
            f"B must have shape ({G}H,) = ({G * H},), H taken from W_x of shape "
            f"{W_x.shape}; got B of shape {B.shape}"
        )
    return W_x, W_h, B, D, H


def prepare(x, states, W_x, W_h, B, gates, order, x_letters):
    """Validate a forward call and cast everything to one floating dtype.

    `states` maps each state's name (``"h_prev"``, ``"c0"``, ...) to its
    value; every state must be (N, H). Returns ``x, [states...], W_x, W_h, B``.
    """
    W_x, W_h, B, D, H = check_gated_weights(W_x, W_h, B, gates, order)
    x = as_float_array(x, "x")
    check_ndim(x, len(x_letters.split(",")), "x", x_letters)
    check_nonempty(x, "x", x_letters)
    check_dim(x.shape[-1], D, f"x's last axis (D) must match W_x's first axis (D = {D})")
    arrays = []
    for name, value in states.items():
        value = as_float_array(value, name)
        check_ndim(value, 2, name, "N, H")
        if value.shape != (x.shape[0], H):
            raise ValueError(
                f"{name} must have shape (N, H) = ({x.shape[0]}, {H}), N taken "
                f"from x and H from W_x; got {name} of shape {value.shape}"
            )
        arrays.append(value)
    # NaN or inf would spread silently through every later step; say so up front.
    for arr, name in zip([x, *arrays, W_x, W_h, B], ["x", *states, "W_x", "W_h", "B"]):
        check_finite(arr, name)
    dtype = result_dtype(x, *arrays, W_x, W_h, B)
    x, W_x, W_h, B = (a.astype(dtype, copy=False) for a in (x, W_x, W_h, B))
    return x, [a.astype(dtype, copy=False) for a in arrays], W_x, W_h, B


def check_upstream(grad, shape, name, letters, dtype):
    """Validate an upstream gradient against the shape the forward pass produced."""
    grad = as_float_array(grad, name)
    if grad.shape != shape:
        raise ValueError(
            f"{name} must have the shape of the forward output ({letters}) = "
            f"{shape}; got {grad.shape}"
        )
    # The forward pass fixed the dtype: a float32 layer keeps computing in float32.
    return grad.astype(dtype, copy=False)
