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
        """Glorot-uniform W_x and W_h and a zero B, drawn from `rng`.

        Without `rng`, one is made from ``random_state``, so that
        ``model._initialize_weights(n_features)`` works on its own.
        """
        n_features = check_positive_int(n_features, "n_features")
        H = check_positive_int(self.n_nodes, "n_nodes")
        if rng is None:
            rng = np.random.default_rng(check_random_state(self.random_state))
        # For the RNN exactly the draws above; one Glorot block per gate otherwise.
        self.W_x, self.W_h, self.B = init_recurrent_weights(
            getattr(self, "cell", "rnn"), n_features, H, rng)

    def forward_propagation(self, X):
        """Hidden states of every sequence at every step, starting from h0 = 0.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)

        Returns
        -------
        H : ndarray of shape (N, T, H)
        """
        W_x, W_h, B = rnn_weights(self)
        X, _ = validate_X(X, None, W_x.shape[0], "W_x's first axis (D)")
        h0 = np.zeros((X.shape[0], W_h.shape[0]))
        H, self._cache = rnn_forward(X, h0, W_x, W_h, B)
        return H

    def backward_propagation(self, dL_dH):
        """Backpropagation through time from the last `forward_propagation`.

        It only computes gradients; updating the weights is the optimizer's
        job during training.

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
