"""Initial weights of a recurrent layer, for every cell in `rnn_lib.nn.cells`.

Every gate gets its own Glorot-uniform block (Glorot and Bengio, 2010): the
input block (D, H) drawn from U(-sqrt(6/(D+H)), sqrt(6/(D+H))) and the
recurrent block (H, H) from U(-sqrt(6/(2H)), sqrt(6/(2H))). Since every block
of one matrix has the same limit, one draw of the stacked matrix is that
draw, and for the RNN (one block) it is exactly the classifier's draw. The
biases are zero except the LSTM's forget gate, set to 1: with f = sigmoid(1)
~ 0.73 the cell state starts out remembering instead of halving at every
step (sigmoid(0) = 0.5), so gradients reach far back from the first updates
(Gers, Schmidhuber and Cummins, 2000; Jozefowicz, Zaremba and Sutskever,
2015).
"""
import numpy as np

from ..utils.validation import check_positive_int

__all__ = ["init_recurrent_weights", "orthogonal"]

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # as in rnn_lib.nn.cells.CELLS
_FORGET = {"lstm": 1}  # cells whose forget-gate block (by index) starts at 1


def orthogonal(H, rng):
    """A random orthogonal (H, H) matrix (Saxe et al., 2014): every singular value is 1.

    The Q of a Gaussian matrix's QR decomposition, with the signs of R's
    diagonal folded in so that it is uniformly distributed.
    """
    q, r = np.linalg.qr(rng.standard_normal((H, H)))
    return q * np.sign(np.diag(r))


def init_recurrent_weights(cell, D, H, rng, *, recurrent="glorot"):
    """Draw ``W_x (D, G*H)``, ``W_h (H, G*H)`` and ``B (G*H,)`` for `cell`.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}, or a `rnn_lib.nn.cells.Cell`
    D, H : int
        Input features and hidden units.
    rng : numpy.random.Generator
    recurrent : {"glorot", "orthogonal"}, default "glorot"
        How each H-by-H block of W_h is drawn; "orthogonal" draws W_x as
        before, then one orthogonal block per gate.

    Returns
    -------
    W_x, W_h, B : ndarray (float64)
    """
    cell = getattr(cell, "name", cell)  # a Cell of the registry, or its name
    if cell not in _GATES:
        raise ValueError(f"cell must be one of {sorted(_GATES)}; got {cell!r}")
    if recurrent not in ("glorot", "orthogonal"):
        raise ValueError(
            f"recurrent must be 'glorot' or 'orthogonal'; got {recurrent!r}")
    D = check_positive_int(D, "D")
    H = check_positive_int(H, "H")
    G = _GATES[cell]
    limit_x = np.sqrt(6.0 / (D + H))
    W_x = rng.uniform(-limit_x, limit_x, size=(D, G * H))
    if recurrent == "orthogonal":
        W_h = np.concatenate([orthogonal(H, rng) for _ in range(G)], axis=1)
    else:
        limit_h = np.sqrt(6.0 / (H + H))
        W_h = rng.uniform(-limit_h, limit_h, size=(H, G * H))
    B = np.zeros(G * H)
    if cell in _FORGET:
        k = _FORGET[cell]
        B[k * H:(k + 1) * H] = 1.0
    return W_x, W_h, B
