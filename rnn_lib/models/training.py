"""The classifier's training loop: shuffled mini-batches, clipping, an optimizer step.

`train` runs the epochs of `ScratchSimpleRNNClassifier.fit` once fit has
checked every argument; `train_epoch` is one pass over the data, made by
`minibatch_epoch`, the epoch of any model given as a `loss_and_grads`. A loss or a
weight that becomes inf or NaN stops training with `DivergenceError`, and the
model is left unfitted, with no NaN weight behind.
"""
import numpy as np

from ..exceptions import DivergenceError
from ..optim import clip_grad_norm, grad_norm, make_optimizer
from ..utils.validation import trusted_inputs

__all__ = ["minibatch_epoch", "train", "train_epoch"]


def train(model, X, y, lengths, n_epochs, rng, validation_data=None, verbose=False):
    """Fit `model` for `n_epochs` on checked data; `y` holds class indices 0 .. C-1."""
    model._initialize_weights(X.shape[2], rng)
    model._initialize_output(len(model.classes_), rng)
    model.optimizer_ = make_optimizer(model.optimizer, model.learning_rate)
    model.loss_curve_, model.validation_scores_, model.grad_norms_ = [], [], []
    valid = np.arange(X.shape[1]) < lengths[:, None]  # (N, T): False on padding
    with np.errstate(over="ignore"):  # _std handles an overflow
        model._noise_std = model.input_noise * _std(X[valid])
    model._n_steps = n_epochs * -(-X.shape[0] // model.batch_size)  # batches in all
    model._step = 0
    epoch = 0
    try:
        # inf and NaN are reported by DivergenceError, not by NumPy's warnings.
        with trusted_inputs(), np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(n_epochs):
                model.loss_curve_.append(train_epoch(model, X, y, lengths, rng))
                if not all(np.isfinite(w).all() for w in model._params().values()):
                    raise DivergenceError("a weight became inf or NaN")
                line = f"epoch {epoch + 1:3d}/{n_epochs}  loss {model.loss_curve_[-1]:.4f}"
                if validation_data is not None:
                    model.validation_scores_.append(model.score(*validation_data))
                    line += f"  val accuracy {100 * model.validation_scores_[-1]:.1f}%"
                if verbose:
                    print(line)
    except DivergenceError as exc:
        _forget_fit(model)
        raise DivergenceError(_divergence_message(model, exc, epoch, n_epochs)) from None
    model.n_iter_ = n_epochs
    return model


def minibatch_epoch(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size=32,
                    clip_norm=5.0, grad_norms=None):
    """One pass over the data in shuffled mini-batches, for any model; the mean loss.

    Parameters
    ----------
    params : dict of str to ndarray
        Updated in place by ``optimizer.step(params, grads)``.
    X : ndarray of shape (N, T, D)
    y, lengths : ndarray of shape (N,)
    loss_and_grads : callable
        ``loss_and_grads(params, X_batch, y_batch, lengths_batch) -> (loss, grads)``.
    optimizer : object with a ``step(params, grads)`` method
    rng : numpy.random.Generator
        Draws the order of the examples, once per epoch.
    batch_size : int, default 32
    clip_norm : float or None, default 5.0
        Largest global gradient norm before the step; None: no clipping.
    grad_norms : list, optional
        Receives the global gradient norm of every step, before clipping.

    Returns
    -------
    loss : float
        Mean loss over the N examples (each batch's mean weighted by its size).
    """
    N = X.shape[0]
    order = rng.permutation(N)  # X, y and lengths are shuffled together
    total = 0.0
    for start in range(0, N, batch_size):
        idx = order[start:start + batch_size]  # the last batch may be smaller
        loss, grads = loss_and_grads(params, X[idx], y[idx], lengths[idx])
        if clip_norm is None:
            norm = grad_norm(grads) if grad_norms is not None else None
        else:  # before the step: the optimizer sees the clipped gradients
            norm = clip_grad_norm(grads, clip_norm)
        if grad_norms is not None:
            grad_norms.append(norm)
        optimizer.step(params, grads)
        total += loss * len(idx)
    return total / N


class _Scheduled:
    """The classifier's optimizer, with the learning rate of its schedule set at each step."""

    def __init__(self, model):
        self.model = model

    def step(self, params, grads):
        model = self.model
        if model.lr_schedule == "cosine":  # from learning_rate down to 0 over training
            progress = model._step / model._n_steps
            model.optimizer_.learning_rate = (model.learning_rate * 0.5
                                              * (1 + np.cos(np.pi * progress)))
        model.optimizer_.step(params, grads)
        model._step += 1


def train_epoch(model, X, y, lengths, rng):
    """One epoch of the classifier: `minibatch_epoch` with input noise and a schedule."""
    def noisy_loss_and_grads(params, X_batch, y_batch, lengths_batch):
        if model._noise_std > 0:  # a fresh noisy copy of the batch every time
            X_batch = X_batch + model._noise_std * rng.standard_normal(X_batch.shape)
        loss, grads = model.loss_and_grads(X_batch, y_batch, lengths_batch)
        if not np.isfinite(loss):  # diverged: stop before NaN reaches the weights
            raise DivergenceError(f"the training loss became {loss}")
        return loss, grads

    return minibatch_epoch(model._params(), X, y, lengths, noisy_loss_and_grads,
                           _Scheduled(model), rng, model.batch_size, model.clip_norm,
                           model.grad_norms_)


def _divergence_message(model, exc, epoch, n_epochs):
    """What went wrong in which step, which settings were in use, and what to try."""
    advice = f"try a learning_rate 10 times smaller than {model.learning_rate:g}"
    if model.clip_norm is None:
        advice += ", or clip the gradients with clip_norm=5.0"
    else:
        advice += f", or a smaller clip_norm than {model.clip_norm:g}"
    return (
        f"training diverged in epoch {epoch + 1} of {n_epochs}, after {model._step} of "
        f"{model._n_steps} steps: {exc}. Settings: optimizer={model.optimizer!r}, "
        f"learning_rate={model.learning_rate:g}, clip_norm={model.clip_norm}; {advice}. "
        "The model is left unfitted; loss_curve_ and grad_norms_ show the steps before."
    )


def _forget_fit(model):
    """Remove what fit learned, so that no NaN weight is left behind."""
    model.W_x = model.W_h = model.B = None
    model._cache = None
    for name in ("W_y", "B_y", "classes_", "n_features_in_", "n_iter_", "optimizer_"):
        vars(model).pop(name, None)


def _std(values):
    """Standard deviation of `values`, also when their squares would overflow."""
    std = float(values.std())
    if not np.isfinite(std):  # |values| above ~1e154: scale first
        scale = float(np.abs(values).max())
        std = scale * float((values / scale).std())
    return std
