"""`ScratchSimpleRNNClassifier`: the seed's class, as a thin layer over the core functions."""
import numpy as np

from ._validation import check_positive_int
from .rnn import rnn_backward, rnn_forward

__all__ = ["ScratchSimpleRNNClassifier"]


class ScratchSimpleRNNClassifier:
    """A simple (Elman) RNN whose weights read like the book's math.

    Parameters
    ----------
    n_nodes : int, default 4
        Hidden units H.
    learning_rate : float, default 0.01
        Step size of the optimizer used by training.
    random_state : int or None, default None
        Seed of ``np.random.default_rng``; resolved when weights are drawn.

    Attributes
    ----------
    W_x : ndarray of shape (D, H)
    W_h : ndarray of shape (H, H)
    B : ndarray of shape (H,)
        The RNN's parameters. They may be set by hand, as the seed does.
    """

    def __init__(self, n_nodes=4, learning_rate=0.01, random_state=None):
        self.n_nodes = n_nodes
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.W_x = None
        self.W_h = None
        self.B = None
        self._cache = None

    def _initialize_weights(self, n_features, rng):
        """Glorot-uniform W_x and W_h and a zero B, drawn from `rng`."""
        H = check_positive_int(self.n_nodes, "n_nodes")
        limit_x = np.sqrt(6.0 / (n_features + H))
        limit_h = np.sqrt(6.0 / (H + H))
        self.W_x = rng.uniform(-limit_x, limit_x, size=(n_features, H))
        self.W_h = rng.uniform(-limit_h, limit_h, size=(H, H))
        self.B = np.zeros(H)

    def forward_propagation(self, X):
        """Hidden states of every sequence at every step, starting from h0 = 0.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)

        Returns
        -------
        H : ndarray of shape (N, T, H)
        """
        if self.W_x is None or self.W_h is None or self.B is None:
            raise ValueError(
                "the weights are not set: call fit(X, y) first, or set W_x (D, H), "
                "W_h (H, H) and B (H,) by hand"
            )
        X = np.asarray(X)
        n = X.shape[0] if X.ndim == 3 else 0
        h0 = np.zeros((n, np.shape(self.W_h)[0]))
        H, self._cache = rnn_forward(X, h0, self.W_x, self.W_h, self.B)
        return H

    def backward_propagation(self, dL_dH):
        """Backpropagation through time from the last `forward_propagation`.

        Unlike the seed, this only computes gradients; updating the weights is
        the optimizer's job during training.

        Parameters
        ----------
        dL_dH : ndarray of shape (N, T, H)
            Gradient of the loss with respect to every hidden state.

        Returns
        -------
        grads : dict
            ``{"W_x": (D, H), "W_h": (H, H), "B": (H,), "X": (N, T, D)}``.
        """
        if self._cache is None:
            raise ValueError("call forward_propagation(X) before backward_propagation")
        dX, _, dW_x, dW_h, dB = rnn_backward(dL_dH, self._cache)
        return {"W_x": dW_x, "W_h": dW_h, "B": dB, "X": dX}
