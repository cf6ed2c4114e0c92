"""A many-to-one regressor: a recurrent layer of any cell, read out from its last state.

The model of chapter 5's adding problem::

    h = cell(x)                 # (N, T, H), any cell of rnn_lib.nn.cells
    y_hat = h[:, -1] @ W_y + B_y   # (N,)
    loss = mean((y_hat - y)**2)

Trained with Adam on mini-batches, the global gradient norm clipped.
"""
import numpy as np

from ..nn.cells import get_cell
from ..nn.init import init_recurrent_weights
from ..optim import Adam, clip_grad_norm
from ..utils.validation import (
    as_float_array,
    check_ndim,
    check_positive_float,
    check_positive_int,
    check_random_state,
    trusted_inputs,
)
from ..exceptions import NotFittedError

__all__ = ["ScratchSequenceRegressor"]


class ScratchSequenceRegressor:
    """Predict one number per sequence from the last hidden state.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}, default "lstm"
    n_nodes : int, default 32
        Hidden units H.
    learning_rate : float, default 0.01
        Adam's step size.
    batch_size : int, default 64
    n_epochs : int, default 10
    clip_norm : float, default 1.0
        Largest global gradient norm of a step.
    recurrent_init : {"glorot", "orthogonal"}, default "glorot"
        How the H-by-H blocks of W_h are drawn (`rnn_lib.nn.init`).
    random_state : int or None
        Seed of the initial weights and of the shuffling, resolved in `fit`.
    """

    def __init__(self, cell="lstm", n_nodes=32, learning_rate=0.01, batch_size=64,
                 n_epochs=10, clip_norm=1.0, recurrent_init="glorot", random_state=None):
        self.cell = cell
        self.n_nodes = n_nodes
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.clip_norm = clip_norm
        self.recurrent_init = recurrent_init
        self.random_state = random_state

    def _check_X(self, X, name="X"):
        X = as_float_array(X, name)
        check_ndim(X, 3, name, "N, T, D")
        if hasattr(self, "W_x_") and X.shape[2] != self.W_x_.shape[0]:
            raise ValueError(f"{name} must have D = {self.W_x_.shape[0]} features per step, "
                             f"as in fit; got {X.shape[2]}")
        return X

    def _forward(self, X):
        cell = get_cell(self.cell)
        state0 = tuple(np.zeros((X.shape[0], self.n_nodes)) for _ in range(cell.n_states))
        h, cache = cell.forward(X, state0, self.W_x_, self.W_h_, self.B_)
        return h[:, -1] @ self.W_y_[:, 0] + self.B_y_[0], h, cache

    def loss_and_grads(self, X, y):
        """Mean squared error on (X, y) and its gradient for every parameter."""
        y_hat, h, cache = self._forward(X)
        N = X.shape[0]
        err = y_hat - y
        d_yhat = 2 * err / N  # (N,)
        dh = np.zeros_like(h)
        dh[:, -1] = np.outer(d_yhat, self.W_y_[:, 0])  # only the last state is read out
        _, _, dW_x, dW_h, dB = get_cell(self.cell).backward(dh, cache)
        grads = {"W_x_": dW_x, "W_h_": dW_h, "B_": dB,
                 "W_y_": (h[:, -1].T @ d_yhat)[:, None], "B_y_": np.array([d_yhat.sum()])}
        return float(np.mean(err**2)), grads

    def fit(self, X, y, validation_data=None):
        """Train from scratch; returns self. `loss_curve_` holds each epoch's mean training loss."""
        get_cell(self.cell)
        X = self._check_X(X)
        y = as_float_array(y, "y")
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape (N,) = ({X.shape[0]},); got {y.shape}")
        H = check_positive_int(self.n_nodes, "n_nodes")
        batch = check_positive_int(self.batch_size, "batch_size")
        n_epochs = check_positive_int(self.n_epochs, "n_epochs")
        clip = check_positive_float(self.clip_norm, "clip_norm")
        rng = np.random.default_rng(check_random_state(self.random_state))
        for name in ("W_x_", "W_y_"):  # a refit starts from scratch
            self.__dict__.pop(name, None)
        self.W_x_, self.W_h_, self.B_ = init_recurrent_weights(
            self.cell, X.shape[2], H, rng, recurrent=self.recurrent_init)
        self.W_y_ = rng.uniform(-np.sqrt(6 / (H + 1)), np.sqrt(6 / (H + 1)), size=(H, 1))
        self.B_y_ = np.zeros(1)
        params = {k: getattr(self, k) for k in ("W_x_", "W_h_", "B_", "W_y_", "B_y_")}
        optimizer = Adam(check_positive_float(self.learning_rate, "learning_rate"))
        self.loss_curve_, self.validation_loss_curve_ = [], []
        with trusted_inputs():  # checked once above; the loop reuses the same arrays
            for _ in range(n_epochs):
                order = rng.permutation(X.shape[0])
                losses = []
                for start in range(0, X.shape[0], batch):
                    idx = order[start:start + batch]
                    loss, grads = self.loss_and_grads(X[idx], y[idx])
                    clip_grad_norm(grads, clip)
                    optimizer.step(params, grads)
                    losses.append(loss)
                self.loss_curve_.append(float(np.mean(losses)))
                if validation_data is not None:
                    self.validation_loss_curve_.append(self.mse(*validation_data))
        return self

    def predict(self, X):
        """One prediction per sequence, shape (N,)."""
        if not hasattr(self, "W_y_"):
            raise NotFittedError("this ScratchSequenceRegressor is not fitted yet; call fit first")
        return self._forward(self._check_X(X))[0]

    def mse(self, X, y):
        """Mean squared error of the predictions on (X, y)."""
        return float(np.mean((self.predict(X) - as_float_array(y, "y")) ** 2))
