"""`ScratchSimpleRNNClassifier`: a many-to-one RNN classifier, a thin layer over the core functions.

The model, with the book's symbols::

    h = rnn(x)                          # (N, T, H)  rnn_forward, h0 = 0
    h_last = h[n, lengths[n] - 1]       # (N, H)     last_state_forward
    logits = h_last @ W_y + B_y         # (N, C)     affine_forward
    loss = cross-entropy(softmax(logits), y)

Training is mini-batch gradient descent: shuffle, and for each batch run the
forward pass, the loss, the backward pass (BPTT) and one optimizer step.
"""
import numpy as np

from ..nn.layers import affine_backward, affine_forward, last_state_backward, last_state_forward
from ..nn.losses import softmax, softmax_cross_entropy
from ..nn.cells import get_cell
from ..utils.validation import check_positive_int
from . import training
from ._inputs import (
    check_fitted,
    check_label_kind,
    validate_settings,
    validate_validation_data,
    validate_X,
    validate_y,
)
from .base import RecurrentModel, check_init

__all__ = ["ScratchSimpleRNNClassifier"]


class ScratchSimpleRNNClassifier(RecurrentModel):
    """A simple (Elman) RNN classifier whose weights read like the book's math.

    Parameters
    ----------
    n_nodes : int, default 4
        Hidden units H.
    learning_rate : float, default 0.01
        Step size of the optimizer.
    random_state : int or None, default None
        Seed of ``np.random.default_rng``, resolved in `fit`: it draws the
        initial weights and shuffles the mini-batches.
    batch_size : int, default 32
        Sequences per gradient step (the last batch of an epoch may be smaller).
    optimizer : {"adam", "rmsprop", "adagrad", "momentum", "sgd"}, default "adam"
    lr_schedule : {"cosine", "constant"}, default "cosine"
        "cosine" lowers the step size from `learning_rate` to 0 over training.
    clip_norm : float or None, default 5.0
        Largest global gradient norm; larger gradients are scaled down. None: no clipping.
    input_noise : float, default 0.5
        Gaussian noise added to each training batch, its standard deviation a
        fraction of the training data's; a regularizer for data whose label a
        small change does not alter (images). 0 turns it off.
    init : {"glorot", "orthogonal"}, default "glorot"
        How W_h is drawn: Glorot-uniform like W_x and W_y, or a random
        orthogonal matrix (all singular values 1), which keeps the gradient's
        size over many steps in check at the start of training.
    cell : {"rnn", "lstm", "gru"}, default "rnn"
        The recurrent layer (`rnn_lib.nn.cells`). With a gated cell, W_x is
        (D, G*H), W_h (H, G*H) and B (G*H,), G = 4 (LSTM) or 3 (GRU).

    Attributes
    ----------
    W_x : ndarray of shape (D, H)
    W_h : ndarray of shape (H, H)
    B : ndarray of shape (H,)
        The RNN's parameters. They may be set by hand (chapter 1 does).
    W_y : ndarray of shape (H, C)
    B_y : ndarray of shape (C,)
        The output layer, set in `fit`.
    classes_ : ndarray of shape (C,)
    n_features_in_ : int
    loss_curve_ : list of float
        Mean training loss of each epoch (on the batches as trained, noise included).
    grad_norms_ : list of float
        Global gradient norm of every training step, before clipping.

    Notes
    -----
    Every public method checks its arguments and raises ValueError or
    TypeError (`NotFittedError` before `fit`) naming the argument, what was
    expected and what came in. `save` and `load` store a fitted model in an
    .npz file without pickle.
    """

    def __init__(self, n_nodes=4, learning_rate=0.01, random_state=None, *,
                 batch_size=32, optimizer="adam", lr_schedule="cosine", clip_norm=5.0,
                 input_noise=0.5, init="glorot", cell="rnn"):
        self.n_nodes = n_nodes
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.clip_norm = clip_norm
        self.input_noise = input_noise
        self.init = init
        self.cell = cell
        self.W_x = None
        self.W_h = None
        self.B = None
        self._cache = None

    def _initialize_output(self, n_classes, rng):
        """Glorot-uniform W_y (H, C) and a zero B_y (C,)."""
        H = self.W_h.shape[0]
        limit = np.sqrt(6.0 / (H + n_classes))
        self.W_y = rng.uniform(-limit, limit, size=(H, n_classes))
        self.B_y = np.zeros(n_classes)

    def _params(self):
        """The trainable arrays by name; the optimizer updates them in place."""
        return {"W_x": self.W_x, "W_h": self.W_h, "B": self.B,
                "W_y": self.W_y, "B_y": self.B_y}

    def _run_cell(self, X):
        """The recurrent layer over X from a zero state: (h (N, T, H), cache)."""
        cell = get_cell(self.cell)
        state0 = tuple(np.zeros((X.shape[0], self.W_h.shape[0])) for _ in range(cell.n_states))
        return cell.forward(X, state0, self.W_x, self.W_h, self.B)

    # ----------------------------------------------------------------- training
    def loss_and_grads(self, X, y, lengths=None):
        """Mean cross-entropy on one batch and its gradient for every parameter.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)
        y : ndarray of int, shape (N,)
            Class indices 0 .. C-1.
        lengths : ndarray of int, shape (N,), optional

        Returns
        -------
        loss : float
        grads : dict of str to ndarray
            Same names and shapes as the parameters.
        """
        X, lengths = validate_X(X, lengths, n_features=check_fitted(self))
        h, rnn_cache = self._run_cell(X)  # (N, T, H)
        h_last, last_cache = last_state_forward(h, lengths)  # (N, H)
        logits, out_cache = affine_forward(h_last, self.W_y, self.B_y)  # (N, C)
        loss, dlogits = softmax_cross_entropy(logits, y)  # (softmax - onehot) / N
        dh_last, dW_y, dB_y = affine_backward(dlogits, out_cache)
        dh = last_state_backward(dh_last, last_cache)  # zero except at the last valid step
        _, _, dW_x, dW_h, dB = get_cell(self.cell).backward(dh, rnn_cache)
        return loss, {"W_x": dW_x, "W_h": dW_h, "B": dB, "W_y": dW_y, "B_y": dB_y}

    def fit(self, X, y, n_epochs=40, verbose=False, *, lengths=None, validation_data=None):
        """Train on labelled sequences with shuffled mini-batches; return self.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)
        y : array-like of shape (N,)
            Labels of any kind (ints, strings), at least two different ones;
            `predict` returns the same ones.
        n_epochs : int, default 40
            Passes over the training data.
        verbose : bool, default False
            Print one line per epoch: mean loss, and accuracy on `validation_data`.
        lengths : ndarray of int, shape (N,), optional
            Valid steps of each sequence; the rest of ``X[n]`` is padding.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, lengths_val), optional
            Scored after each epoch into ``validation_scores_``.

        Returns
        -------
        self

        Raises
        ------
        DivergenceError
            If the loss or the gradients become inf or NaN (a learning rate
            too large). The model is then left unfitted, with no NaN weights
            behind; ``loss_curve_`` and ``grad_norms_`` show the way there.
        """
        # Every argument is checked here, once, before any attribute changes;
        # the loop over mini-batches then skips the checks of data (utils.validation).
        X, lengths = validate_X(X, lengths)
        y = validate_y(y, X.shape[0])
        n_epochs = check_positive_int(n_epochs, "n_epochs")
        validate_settings(self)
        check_init(self.init)
        classes, y_idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("y must hold at least 2 different classes to learn to tell "
                             f"apart; got only {classes[0].item()!r}, {len(y)} times")
        if validation_data is not None:
            validation_data = validate_validation_data(validation_data, X.shape[2], classes)
        self.classes_ = classes
        self.n_features_in_ = X.shape[2]
        rng = np.random.default_rng(self.random_state)  # resolved here: refits are identical
        y_idx = y_idx.reshape(-1)  # numpy 2.0.0 gave it y's shape
        return training.train(self, X, y_idx, lengths, n_epochs, rng, validation_data, verbose)

    # --------------------------------------------------------------- prediction
    def predict_proba(self, X, lengths=None):
        """Class probabilities from each sequence's last valid hidden state.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)
        lengths : ndarray of int, shape (N,), optional

        Returns
        -------
        proba : ndarray of shape (N, C)
            Columns in the order of ``classes_``; each row sums to 1.
        """
        X, lengths = validate_X(X, lengths, n_features=check_fitted(self))
        h, _ = self._run_cell(X)
        h_last, _ = last_state_forward(h, lengths)
        logits, _ = affine_forward(h_last, self.W_y, self.B_y)
        return softmax(logits)

    def predict(self, X, lengths=None):
        """The most probable class of each sequence, as one of ``classes_``.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)
        lengths : ndarray of int, shape (N,), optional

        Returns
        -------
        y_pred : ndarray of shape (N,)
        """
        proba = self.predict_proba(X, lengths)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, lengths=None):
        """Accuracy: the fraction of sequences whose predicted label equals `y`.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)
        y : array-like of shape (N,)
            Labels of the kind `fit` saw (strings if those were strings).
        lengths : ndarray of int, shape (N,), optional

        Returns
        -------
        accuracy : float
        """
        y_pred = self.predict(X, lengths)
        y = validate_y(y, y_pred.shape[0])
        check_label_kind(y, self.classes_, "y")
        return float(np.mean(y_pred == y))
