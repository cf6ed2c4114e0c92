"""What every estimator of the package shares: the recurrent layer and model files.

`RecurrentModel` holds the RNN's weights ``W_x (D, H)``, ``W_h (H, H)`` and
``B (H,)`` under the book's names, draws them, runs the forward and backward
pass over a batch of sequences, and saves a fitted model without pickle.
"""
import numpy as np

from ..nn.rnn import rnn_backward, rnn_forward
from ..nn.init import init_recurrent_weights
from ..utils.validation import as_float_array, check_positive_int, check_random_state
from . import persistence
from ._inputs import check_fitted, rnn_weights, validate_X

__all__ = ["RecurrentModel"]


class RecurrentModel:
    """Base class: the recurrent layer's weights, its passes, and model files."""

    def _initialize_weights(self, n_features, rng=None):
        """Draw W_x and W_h from `rng` (by ``init``) and set a zero B.

        W_x is Glorot-uniform, U(-a, a) with ``a = sqrt(6 / (D + H))``; W_h is
        Glorot-uniform too (``init="glorot"``, the default) or a random
        orthogonal matrix (``init="orthogonal"``), whose singular values are
        all 1. Without `rng`, one is made from ``random_state``, so that
        ``model._initialize_weights(n_features)`` works on its own.
        """
        n_features = check_positive_int(n_features, "n_features")
        H = check_positive_int(self.n_nodes, "n_nodes")
        init = check_init(getattr(self, "init", "glorot"))
        if rng is None:
            rng = np.random.default_rng(check_random_state(self.random_state))
        cell = getattr(self, "cell", "rnn")
        if cell != "rnn":  # one block per gate (rnn_lib.nn.init)
            self.W_x, self.W_h, self.B = init_recurrent_weights(
                cell, n_features, H, rng, recurrent=init)
            return
        limit_x = np.sqrt(6.0 / (n_features + H))
        self.W_x = rng.uniform(-limit_x, limit_x, size=(n_features, H))
        if init == "orthogonal":
            self.W_h = _random_orthogonal(H, rng)
        else:
            limit_h = np.sqrt(6.0 / (H + H))
            self.W_h = rng.uniform(-limit_h, limit_h, size=(H, H))
        self.B = np.zeros(H)

    def forward_propagation(self, X):
        """Hidden states of every sequence at every step, starting from h0 = 0.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)

        Returns
        -------
        h : ndarray of shape (N, T, H)
            ``h[:, t-1]`` is the state after step t; ``h[:, -1]`` the last one.
        """
        W_x, W_h, B = rnn_weights(self)
        X, _ = validate_X(X, None, W_x.shape[0], "W_x's first axis (D)")
        h0 = np.zeros((X.shape[0], W_h.shape[0]))
        h, self._cache = rnn_forward(X, h0, W_x, W_h, B)
        return h

    def backward_propagation(self, dL_dH):
        """Backpropagation through time from the last `forward_propagation`.

        It only computes gradients; updating the weights is the optimizer's
        job during training.

        Parameters
        ----------
        dL_dH : ndarray of shape (N, T, H)
            The direct part of the gradient of the loss with respect to each
            hidden state, through the layers above only (chapter 2's ``dh``).
            What flows back through the recurrence is added here; passing
            the total gradient would count that part twice.

        Returns
        -------
        grads : dict
            ``{"W_x": (D, H), "W_h": (H, H), "B": (H,), "X": (N, T, D)}``.
        """
        if self._cache is None:
            raise ValueError("call forward_propagation(X) before backward_propagation")
        dL_dH = as_float_array(dL_dH, "dL_dH")
        if dL_dH.shape != self._cache.h.shape:
            raise ValueError(
                "dL_dH must have the shape of the hidden states the last forward_propagation "
                f"returned, (N, T, H) = {self._cache.h.shape}; got {dL_dH.shape}"
            )
        dX, _, dW_x, dW_h, dB = rnn_backward(dL_dH, self._cache)
        return {"W_x": dW_x, "W_h": dW_h, "B": dB, "X": dX}

    def save(self, path):
        """Write the fitted model to the file `path`, as an .npz archive of plain arrays.

        The file holds the settings, the weights, ``classes_`` and the training
        record, and no pickled object; `load` reads it back. It is written at
        exactly `path` (no ".npz" is appended) and replaces an existing file
        there, as ``open(path, "wb")`` would (through a symlink, keeping the
        file's permissions); the old file stays intact until the new one is
        complete, so a failed save loses nothing.

        Parameters
        ----------
        path : str or os.PathLike
        """
        check_fitted(self)
        persistence.save_model(self, path)

    @classmethod
    def load(cls, path):
        """Read a model written by `save`; never unpickles anything.

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        model : an instance of the class `load` is called on
            Predicts exactly as the saved model did.

        Raises
        ------
        ModelFileError
            A ValueError, if the file is not a model written by `save`: another
            kind of file, another program's .npz, a newer format, or a
            truncated or damaged file.
        """
        return persistence.load_model(cls, path)


INITS = ("glorot", "orthogonal")


def check_init(init):
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"init must be one of {list(INITS)}; got {init!r}")
    return init


def _random_orthogonal(H, rng):
    """An (H, H) orthogonal matrix drawn uniformly (Haar), from the QR of a Gaussian."""
    q, r = np.linalg.qr(rng.standard_normal((H, H)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)  # the signs make the draw uniform
