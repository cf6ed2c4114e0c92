"""Weights of the LSTM and GRU from and to PyTorch's layout.

PyTorch's ``torch.nn.LSTM`` stores ``weight_ih_l0 (4H, D)``,
``weight_hh_l0 (4H, H)`` and two biases ``bias_ih_l0``, ``bias_hh_l0``
(4H,), with the gate blocks in the order i, f, g, o; rnn_lib stores
``W_x (D, 4H)``, ``W_h (H, 4H)`` and one ``B (4H,)`` in the order i, f, o,
g (CS231n's). So: transpose, swap the last two blocks, add the two biases.
``torch.nn.GRU`` has rnn_lib's order r, z, n; its n block computes
``tanh(W_in x + b_in + r * (W_hn h + b_hn))``, which is
``gru_forward(..., reset_after=True)`` only when ``b_hn`` is zero (rnn_lib's
B has no term inside the reset). Every function takes and returns NumPy
arrays (``tensor.detach().numpy()`` turns a parameter into one); the dicts
are keyed by PyTorch's parameter names, ready for ``load_state_dict`` after
``torch.from_numpy``.
"""
import numpy as np

from ._gated import check_gated_weights

__all__ = ["lstm_from_torch", "lstm_to_torch", "gru_from_torch", "gru_to_torch"]

_LSTM_SWAP = [0, 1, 3, 2]  # i, f, g, o <-> i, f, o, g (its own inverse)


def _blocks(a, order, axis=0):
    H = a.shape[axis] // len(order)
    return np.concatenate([np.take(a, range(k * H, (k + 1) * H), axis=axis)
                           for k in order], axis=axis)


def _torch_arrays(weight_ih, weight_hh, bias_ih, bias_hh, G):
    weight_ih = np.asarray(weight_ih)
    weight_hh = np.asarray(weight_hh)
    GH = weight_ih.shape[0] if weight_ih.ndim == 2 else 0
    zeros = np.zeros(GH, dtype=weight_ih.dtype)
    bias_ih = zeros if bias_ih is None else np.asarray(bias_ih)
    bias_hh = zeros if bias_hh is None else np.asarray(bias_hh)
    # rnn_lib's checks name the shapes; transposed, they are rnn_lib's.
    check_gated_weights(weight_ih.T, weight_hh.T, bias_ih, G, "PyTorch's")
    check_gated_weights(weight_ih.T, weight_hh.T, bias_hh, G, "PyTorch's")
    return weight_ih, weight_hh, bias_ih, bias_hh


def lstm_from_torch(weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """``torch.nn.LSTM``'s parameters (i, f, g, o) as rnn_lib's ``W_x, W_h, B`` (i, f, o, g).

    Parameters
    ----------
    weight_ih : ndarray of shape (4H, D)
    weight_hh : ndarray of shape (4H, H)
    bias_ih, bias_hh : ndarray of shape (4H,), optional (zero)

    Returns
    -------
    W_x (D, 4H), W_h (H, 4H), B (4H,) : ndarray
    """
    w_ih, w_hh, b_ih, b_hh = _torch_arrays(weight_ih, weight_hh, bias_ih, bias_hh, 4)
    return (_blocks(w_ih, _LSTM_SWAP).T.copy(), _blocks(w_hh, _LSTM_SWAP).T.copy(),
            _blocks(b_ih + b_hh, _LSTM_SWAP))


def lstm_to_torch(W_x, W_h, B):
    """rnn_lib's LSTM weights as ``torch.nn.LSTM``'s parameters (``bias_hh_l0`` zero).

    Returns
    -------
    dict with ``weight_ih_l0 (4H, D)``, ``weight_hh_l0 (4H, H)``,
    ``bias_ih_l0 (4H,)`` and ``bias_hh_l0 (4H,)``
    """
    W_x, W_h, B, _, _ = check_gated_weights(W_x, W_h, B, 4, "i, f, o, g")
    return {"weight_ih_l0": _blocks(W_x.T, _LSTM_SWAP),
            "weight_hh_l0": _blocks(W_h.T, _LSTM_SWAP),
            "bias_ih_l0": _blocks(B, _LSTM_SWAP), "bias_hh_l0": np.zeros_like(B)}


def gru_from_torch(weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """``torch.nn.GRU``'s parameters as rnn_lib's, for ``reset_after=True``.

    Raises ValueError when the n block of `bias_hh` is not zero: that bias
    sits inside the reset, ``r * (W_hn h + b_hn)``, where rnn_lib has none.

    Returns
    -------
    W_x (D, 3H), W_h (H, 3H), B (3H,) : ndarray
    """
    w_ih, w_hh, b_ih, b_hh = _torch_arrays(weight_ih, weight_hh, bias_ih, bias_hh, 3)
    H = w_hh.shape[1]
    if np.any(b_hh[2 * H:] != 0):
        raise ValueError(
            "bias_hh's n block (bias_hh[2H:]) must be zero: PyTorch multiplies it "
            "by the reset gate, and rnn_lib's GRU has no bias there; got "
            f"{np.count_nonzero(b_hh[2 * H:])} nonzero value(s)")
    B = b_ih + b_hh  # the r and z blocks add up; the n block of b_hh is zero
    return w_ih.T.copy(), w_hh.T.copy(), B


def gru_to_torch(W_x, W_h, B):
    """rnn_lib's GRU weights as ``torch.nn.GRU``'s (same r, z, n order, ``bias_hh_l0`` zero).

    Matches ``gru_forward(..., reset_after=True)``.
    """
    W_x, W_h, B, _, _ = check_gated_weights(W_x, W_h, B, 3, "r, z, n")
    return {"weight_ih_l0": W_x.T.copy(), "weight_hh_l0": W_h.T.copy(),
            "bias_ih_l0": B.copy(), "bias_hh_l0": np.zeros_like(B)}
