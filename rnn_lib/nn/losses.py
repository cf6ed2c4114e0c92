"""Softmax and the cross-entropy loss, with the gradient the backward pass starts from.

For logits ``z`` of shape (N, C) and integer labels ``y`` of shape (N,)::

    p = softmax(z)                      # each row sums to 1
    L = -mean_n log p[n, y[n]]
    dL/dz = (p - onehot(y)) / N

Both functions shift each row by its maximum before exponentiating, so huge
logits neither overflow nor lose the answer.
"""
import numpy as np

from ..utils.validation import (
    as_float_array,
    check_class_indices,
    check_finite,
    check_ndim,
    check_nonempty,
)

__all__ = ["softmax", "log_softmax", "softmax_cross_entropy",
           "temporal_softmax_cross_entropy"]


def log_softmax(logits):
    """Logarithm of the softmax over the last axis, computed stably.

    Parameters
    ----------
    logits : ndarray of shape (..., C)

    Returns
    -------
    log_p : ndarray of the shape of `logits`
        ``z - logsumexp(z)``; the shift by the row maximum leaves the value
        unchanged and keeps ``exp`` from overflowing.
    """
    logits = _check_logits(logits, "..., C")  # finite floats, at least one class
    z = logits - logits.max(axis=-1, keepdims=True)  # largest entry of each row is 0
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax(logits):
    """Class probabilities: ``exp(z) / sum(exp(z))`` over the last axis, computed stably.

    Parameters
    ----------
    logits : ndarray of shape (..., C)

    Returns
    -------
    p : ndarray of the shape of `logits`, each row summing to 1
    """
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of a softmax classifier and its gradient.

    Parameters
    ----------
    logits : ndarray of shape (N, C)
        Unnormalised class scores.
    y : ndarray of int, shape (N,)
        The correct class of each example, 0 <= y[n] < C.

    Returns
    -------
    loss : float
        ``-mean_n log softmax(logits)[n, y[n]]``.
    dlogits : ndarray of shape (N, C)
        ``(softmax(logits) - onehot(y)) / N``.
    """
    logits = _check_logits(logits, "N, C")
    N, C = logits.shape
    y = check_class_indices(y, (N,), C, "y", "N,")
    log_p = log_softmax(logits)  # (N, C)
    rows = np.arange(N)
    loss = -log_p[rows, y].mean()
    dlogits = np.exp(log_p)  # softmax
    dlogits[rows, y] -= 1  # minus the one-hot target
    dlogits /= N
    return float(loss), dlogits


def temporal_softmax_cross_entropy(logits, y, mask=None):
    """Cross-entropy at every valid time step, for sequence labelling.

    Parameters
    ----------
    logits : ndarray of shape (N, T, C)
    y : ndarray of int, shape (N, T)
        Correct class at each step; ignored (any value) where `mask` is False.
    mask : ndarray of bool, shape (N, T), optional
        True at the steps that count. Default: every step.

    Returns
    -------
    loss : float
        Mean of ``-log softmax(logits)[n, t, y[n, t]]`` over the valid steps.
    dlogits : ndarray of shape (N, T, C)
        ``(softmax - onehot) / n_valid`` at valid steps, 0 at padded ones.
    """
    logits = _check_logits(logits, "N, T, C")
    N, T, C = logits.shape
    if mask is None:
        mask = np.ones((N, T), dtype=bool)
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != (N, T):
        raise ValueError(
            f"mask must be a boolean array of shape (N, T) = {(N, T)}; "
            f"got dtype {mask.dtype} and shape {mask.shape}"
        )
    n_valid = int(mask.sum())
    if n_valid == 0:
        raise ValueError("mask must mark at least one valid step; got all False")
    y = check_class_indices(y, (N, T), C, "y", "N, T", valid=mask)
    y = np.where(mask, y, 0)  # padded labels may be anything, e.g. -1
    log_p = log_softmax(logits)  # (N, T, C)
    picked = np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]  # (N, T)
    loss = -(picked * mask).sum() / n_valid
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, y[..., None],
                      np.take_along_axis(dlogits, y[..., None], axis=-1) - 1, axis=-1)
    dlogits *= mask[..., None] / n_valid  # padded steps get no gradient
    return float(loss), dlogits


def _check_logits(logits, letters):
    """Logits as a finite float array with the axes named in `letters` ("..., C": any number)."""
    logits = as_float_array(logits, "logits")
    if not letters.startswith("..."):
        check_ndim(logits, len(letters.split(",")), "logits", letters)
    elif logits.ndim == 0:
        raise ValueError(f"logits must have shape ({letters}), with C on the last axis; "
                         f"got a scalar, shape ()")
    check_nonempty(logits, "logits", letters)
    check_finite(logits, "logits")
    return logits
