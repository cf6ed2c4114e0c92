"""`ScratchSimpleRNNClassifier`: the seed's class, trained for real, as a thin layer over the core functions.

The model, with the book's symbols::

    h = rnn(x)                          # (N, T, H)  rnn_forward, h0 = 0
    h_last = h[n, lengths[n] - 1]       # (N, H)     last_state_forward
    logits = h_last @ W_y + B_y         # (N, C)     affine_forward
    loss = cross-entropy(softmax(logits), y)

Training is mini-batch gradient descent: shuffle, and for each batch run the
forward pass, the loss, the backward pass (BPTT) and one optimizer step.
"""
import numpy as np

from . import _persistence
from ._validation import (
    as_float_array,
    check_dim,
    check_finite,
    check_lengths,
    check_ndim,
    check_nonempty,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_random_state,
    check_rnn_weights,
    inputs_trusted,
    trusted_inputs,
)
from .exceptions import DivergenceError, NotFittedError
from .layers import affine_backward, affine_forward, last_state_backward, last_state_forward
from .losses import softmax, softmax_cross_entropy
from .optim import OPTIMIZERS, clip_grad_norm, grad_norm, make_optimizer
from .rnn import rnn_backward, rnn_forward

__all__ = ["ScratchSimpleRNNClassifier"]


class ScratchSimpleRNNClassifier:
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

    Attributes
    ----------
    W_x : ndarray of shape (D, H)
    W_h : ndarray of shape (H, H)
    B : ndarray of shape (H,)
        The RNN's parameters. They may be set by hand, as the seed does.
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
                 input_noise=0.5):
        self.n_nodes = n_nodes
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.clip_norm = clip_norm
        self.input_noise = input_noise
        self.W_x = None
        self.W_h = None
        self.B = None
        self._cache = None

    # ----------------------------------------------------------------- weights
    def _initialize_weights(self, n_features, rng=None):
        """Glorot-uniform W_x and W_h and a zero B, drawn from `rng`.

        Without `rng`, one is made from ``random_state`` (as the seed's call
        ``model._initialize_weights(n_features)`` expects).
        """
        n_features = check_positive_int(n_features, "n_features")
        H = check_positive_int(self.n_nodes, "n_nodes")
        if rng is None:
            rng = np.random.default_rng(check_random_state(self.random_state))
        limit_x = np.sqrt(6.0 / (n_features + H))
        limit_h = np.sqrt(6.0 / (H + H))
        self.W_x = rng.uniform(-limit_x, limit_x, size=(n_features, H))
        self.W_h = rng.uniform(-limit_h, limit_h, size=(H, H))
        self.B = np.zeros(H)

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

    # ------------------------------------------------------- the seed's methods
    def forward_propagation(self, X):
        """Hidden states of every sequence at every step, starting from h0 = 0.

        Parameters
        ----------
        X : ndarray of shape (N, T, D)

        Returns
        -------
        H : ndarray of shape (N, T, H)
        """
        W_x, W_h, B = self._rnn_weights()
        X, _ = self._validate_X(X, None, W_x.shape[0], "W_x's first axis (D)")
        h0 = np.zeros((X.shape[0], W_h.shape[0]))
        H, self._cache = rnn_forward(X, h0, W_x, W_h, B)
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
        dL_dH = as_float_array(dL_dH, "dL_dH")
        if dL_dH.shape != self._cache.h.shape:
            raise ValueError(
                "dL_dH must have the shape of the hidden states the last forward_propagation "
                f"returned, (N, T, H) = {self._cache.h.shape}; got {dL_dH.shape}"
            )
        dX, _, dW_x, dW_h, dB = rnn_backward(dL_dH, self._cache)
        return {"W_x": dW_x, "W_h": dW_h, "B": dB, "X": dX}

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
        X, lengths = self._validate_X(X, lengths, n_features=self._check_fitted())
        h0 = np.zeros((X.shape[0], self.W_h.shape[0]))
        h, rnn_cache = rnn_forward(X, h0, self.W_x, self.W_h, self.B)  # (N, T, H)
        h_last, last_cache = last_state_forward(h, lengths)  # (N, H)
        logits, out_cache = affine_forward(h_last, self.W_y, self.B_y)  # (N, C)
        loss, dlogits = softmax_cross_entropy(logits, y)  # (softmax - onehot) / N
        dh_last, dW_y, dB_y = affine_backward(dlogits, out_cache)
        dh = last_state_backward(dh_last, last_cache)  # zero except at the last valid step
        _, _, dW_x, dW_h, dB = rnn_backward(dh, rnn_cache)
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
        # the loop over mini-batches then skips the checks of data (see _validation).
        X, lengths = self._validate_X(X, lengths)
        y = self._validate_y(y, X.shape[0])
        n_epochs = check_positive_int(n_epochs, "n_epochs")
        self._validate_settings()
        classes, y_idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("y must hold at least 2 different classes to learn to tell "
                             f"apart; got only {classes[0].item()!r}, {len(y)} times")
        if validation_data is not None:
            validation_data = self._validate_validation_data(validation_data, X.shape[2], classes)
        self.classes_ = classes
        y_idx = y_idx.reshape(-1)  # numpy 2.0.0 gave it y's shape
        self.n_features_in_ = X.shape[2]
        rng = np.random.default_rng(self.random_state)  # resolved here: refits are identical
        self._initialize_weights(X.shape[2], rng)
        self._initialize_output(len(self.classes_), rng)
        self.optimizer_ = make_optimizer(self.optimizer, self.learning_rate)
        self.loss_curve_, self.validation_scores_, self.grad_norms_ = [], [], []
        valid = np.arange(X.shape[1]) < lengths[:, None]  # (N, T): False on padding
        with np.errstate(over="ignore"):  # _std handles an overflow
            self._noise_std = self.input_noise * _std(X[valid])
        self._n_steps = n_epochs * -(-X.shape[0] // self.batch_size)  # batches in all
        self._step = 0
        epoch = 0
        try:
            # inf and NaN are reported by DivergenceError, not by NumPy's warnings.
            with trusted_inputs(), np.errstate(over="ignore", invalid="ignore"):
                for epoch in range(n_epochs):
                    self.loss_curve_.append(self._train_epoch(X, y_idx, lengths, rng))
                    if not all(np.isfinite(w).all() for w in self._params().values()):
                        raise DivergenceError("a weight became inf or NaN")
                    line = f"epoch {epoch + 1:3d}/{n_epochs}  loss {self.loss_curve_[-1]:.4f}"
                    if validation_data is not None:
                        self.validation_scores_.append(self.score(*validation_data))
                        line += f"  val accuracy {100 * self.validation_scores_[-1]:.1f}%"
                    if verbose:
                        print(line)
        except DivergenceError as exc:
            self._forget_fit()
            raise DivergenceError(self._divergence_message(exc, epoch, n_epochs)) from None
        self.n_iter_ = n_epochs
        return self

    def _train_epoch(self, X, y, lengths, rng):
        """One pass over the data in shuffled mini-batches; returns the mean loss."""
        N = X.shape[0]
        params = self._params()  # the optimizer updates these arrays in place
        order = rng.permutation(N)
        total = 0.0
        for start in range(0, N, self.batch_size):
            idx = order[start:start + self.batch_size]
            X_batch = X[idx]
            if self._noise_std > 0:  # a fresh noisy copy of the batch every time
                X_batch = X_batch + self._noise_std * rng.standard_normal(X_batch.shape)
            loss, grads = self.loss_and_grads(X_batch, y[idx], lengths[idx])
            if not np.isfinite(loss):  # diverged: stop before NaN reaches the weights
                raise DivergenceError(f"the training loss became {loss}")
            if self.clip_norm is None:
                self.grad_norms_.append(grad_norm(grads))
            else:  # the norm before clipping
                self.grad_norms_.append(clip_grad_norm(grads, self.clip_norm))
            if self.lr_schedule == "cosine":  # from learning_rate down to 0 over training
                progress = self._step / self._n_steps
                self.optimizer_.lr = self.learning_rate * 0.5 * (1 + np.cos(np.pi * progress))
            self.optimizer_.step(params, grads)
            self._step += 1
            total += loss * len(idx)
        return total / N

    def _divergence_message(self, exc, epoch, n_epochs):
        """What went wrong in which step, which settings were in use, and what to try."""
        advice = f"try a learning_rate 10 times smaller than {self.learning_rate:g}"
        if self.clip_norm is None:
            advice += ", or clip the gradients with clip_norm=5.0"
        else:
            advice += f", or a smaller clip_norm than {self.clip_norm:g}"
        return (
            f"training diverged in epoch {epoch + 1} of {n_epochs}, after {self._step} of "
            f"{self._n_steps} steps: {exc}. Settings: optimizer={self.optimizer!r}, "
            f"learning_rate={self.learning_rate:g}, clip_norm={self.clip_norm}; {advice}. "
            "The model is left unfitted; loss_curve_ and grad_norms_ show the steps before."
        )

    def _forget_fit(self):
        """Remove what fit learned, so that no NaN weight is left behind."""
        self.W_x = self.W_h = self.B = None
        self._cache = None
        for name in ("W_y", "B_y", "classes_", "n_features_in_", "n_iter_", "optimizer_"):
            vars(self).pop(name, None)

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
        X, lengths = self._validate_X(X, lengths, n_features=self._check_fitted())
        h0 = np.zeros((X.shape[0], self.W_h.shape[0]))
        h, _ = rnn_forward(X, h0, self.W_x, self.W_h, self.B)
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
        y = self._validate_y(y, y_pred.shape[0])
        _check_label_kind(y, self.classes_, "y")
        return float(np.mean(y_pred == y))

    # ------------------------------------------------------------ save and load
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
        self._check_fitted()
        _persistence.save_model(self, path)

    @classmethod
    def load(cls, path):
        """Read a model written by `save`; never unpickles anything.

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        model : ScratchSimpleRNNClassifier
            Predicts exactly as the saved model did.

        Raises
        ------
        ModelFileError
            A ValueError, if the file is not a model written by `save`: another
            kind of file, another program's .npz, a newer format, or a
            truncated or damaged file.
        """
        return _persistence.load_model(cls, path)

    # --------------------------------------------------------------- validation
    def _rnn_weights(self):
        """W_x, W_h and B as checked float arrays; NotFittedError if they are not set."""
        if self.W_x is None or self.W_h is None or self.B is None:
            raise NotFittedError(
                "the weights are not set: call fit(X, y) first, or set W_x (D, H), "
                "W_h (H, H) and B (H,) by hand"
            )
        W_x, W_h, B, _, _ = check_rnn_weights(self.W_x, self.W_h, self.B)
        return W_x, W_h, B

    def _check_fitted(self):
        """Raise NotFittedError before fit; check learned arrays set by hand; return D."""
        if inputs_trusted():  # inside fit, which made them
            return self.n_features_in_
        if getattr(self, "classes_", None) is None or getattr(self, "W_y", None) is None:
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(X, y) first"
            )
        W_x, W_h, B = self._rnn_weights()
        D, H = W_x.shape
        check_dim(D, self.n_features_in_,
                  "W_x's first axis (D) must match n_features_in_, the D that fit saw")
        C = len(self.classes_)
        for arr, name, shape in ((self.W_y, "W_y", (H, C)), (self.B_y, "B_y", (C,))):
            if np.shape(arr) != shape:
                letters = "(H, C)" if name == "W_y" else "(C,)"
                raise ValueError(
                    f"{name} must have shape {letters} = {shape}, with H from W_x and "
                    f"C = len(classes_); got {name} of shape {np.shape(arr)}"
                )
        return D

    def _validate_settings(self):
        """Check the constructor's settings; fit calls this before touching any weight."""
        check_positive_int(self.n_nodes, "n_nodes")
        check_positive_float(self.learning_rate, "learning_rate")
        check_random_state(self.random_state)
        check_positive_int(self.batch_size, "batch_size")
        if not isinstance(self.optimizer, str) or self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}; "
                             f"got {self.optimizer!r}")
        if self.lr_schedule not in ("cosine", "constant"):
            raise ValueError("lr_schedule must be 'cosine' or 'constant'; "
                             f"got {self.lr_schedule!r}")
        if self.clip_norm is not None:
            check_positive_float(self.clip_norm, "clip_norm")
        check_nonnegative_float(self.input_noise, "input_noise")

    def _validate_X(self, X, lengths, n_features=None, source="the data fit was called with",
                    names=("X", "lengths")):
        """X as a finite float array (N, T, D) and lengths as ints (N,); D checked if given."""
        name, lengths_name = names
        X = as_float_array(X, name)
        check_ndim(X, 3, name, "N, T, D",
                   hint=f"for one sequence of shape (T, D) pass {name}[np.newaxis]"
                   if X.ndim == 2 else "")
        check_nonempty(X, name, "N, T, D")
        check_finite(X, name)
        if n_features is not None:
            check_dim(X.shape[2], n_features, f"{name}'s last axis (D) must match {source}")
        return X, check_lengths(lengths, X.shape[0], X.shape[1], lengths_name)

    def _validate_y(self, y, n, name="y"):
        """y as a 1-D array of labels (numbers or strings), one per sequence."""
        y = np.asarray(y)
        if y.dtype == object:  # e.g. strings from pandas: kept, as a plain unicode array
            y = np.array(y.tolist())
        if y.dtype.kind not in "biufUS":
            raise TypeError(f"{name} must hold class labels, numbers or strings; "
                            f"got dtype {y.dtype}")
        if y.shape != (n,):
            hint = ""
            if y.shape == (n, 1):
                hint = f"; for a column vector use {name}.ravel()"
            elif y.ndim == 2 and y.shape[0] == n:
                hint = f"; for one-hot rows use {name}.argmax(axis=1)"
            raise ValueError(
                f"{name} must have shape (N,) = ({n},), one label per sequence in X; "
                f"got shape {y.shape}{hint}"
            )
        if y.dtype.kind == "f":
            check_finite(y, name)
        return y

    def _validate_validation_data(self, validation_data, n_features, classes):
        """(X_val, y_val, lengths_val), checked like fit's own arguments."""
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            got = (f"a {type(validation_data).__name__} of {len(validation_data)} items"
                   if isinstance(validation_data, (tuple, list))
                   else type(validation_data).__name__)
            raise TypeError("validation_data must be a tuple (X_val, y_val) or "
                            f"(X_val, y_val, lengths_val); got {got}")
        X_val, y_val, *rest = validation_data
        X_val, lengths_val = self._validate_X(
            X_val, rest[0] if rest else None, n_features, "the X passed to fit",
            names=("X_val", "lengths_val"))
        y_val = self._validate_y(y_val, X_val.shape[0], "y_val")
        _check_label_kind(y_val, classes, "y_val")
        return X_val, y_val, lengths_val


def _std(values):
    """Standard deviation of `values`, also when their squares would overflow."""
    std = float(values.std())
    if not np.isfinite(std):  # |values| above ~1e154: scale first
        scale = float(np.abs(values).max())
        std = scale * float((values / scale).std())
    return std


def _check_label_kind(y, classes, name):
    """Raise TypeError when labels in `y` could never equal any of `classes` (str vs number)."""
    def kind(a):
        return {"U": "strings", "S": "bytes"}.get(a.dtype.kind, "numbers")

    if kind(y) != kind(classes):
        raise TypeError(
            f"{name} holds {kind(y)}, but the model's classes are {kind(classes)} "
            f"({np.array2string(classes[:5], separator=', ')}"
            f"{', ...' if len(classes) > 5 else ''}): no label could ever match"
        )
