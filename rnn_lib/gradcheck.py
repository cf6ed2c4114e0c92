"""Numerical gradients by centered differences, and the error measure to compare them.

A centered difference ``(f(x + eps) - f(x - eps)) / (2 eps)`` has error of
order ``eps**2``; with ``eps = 1e-6`` in float64 an exact analytic gradient
agrees to a relative error around 1e-10, a wrong one to 1e-2 or worse.
"""
import numpy as np

__all__ = [
    "numerical_gradient",
    "numerical_gradient_array",
    "numerical_gradients",
    "relative_error",
]


def numerical_gradient(f, x, eps=1e-6):
    """Gradient of a scalar function by centered differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with `x` itself, perturbed in place
        one entry at a time and restored after each entry.
    x : ndarray of any shape, floating
    eps : float, default 1e-6

    Returns
    -------
    grad : ndarray of the shape of `x`
    """
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = float(f(x))
        x[idx] = old - eps
        minus = float(f(x))
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def numerical_gradient_array(f, x, df, eps=1e-6):
    """Gradient of ``sum(f(x) * df)`` by centered differences.

    This is what a backward pass returns for an array-valued `f` given the
    upstream gradient `df`.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` of the shape of `df`.
    x : ndarray, floating
        Perturbed in place one entry at a time, then restored.
    df : ndarray
        Upstream gradient.
    eps : float, default 1e-6

    Returns
    -------
    grad : ndarray of the shape of `x`
    """
    return numerical_gradient(lambda v: np.sum(f(v) * df), x, eps)


def numerical_gradients(forward, args, dout, eps=1e-6):
    """Gradients of ``sum(forward(*args)[0] * dout)`` with respect to every argument.

    What a backward pass returns for a forward function of the book's shape
    ``forward(*args) -> (out, cache)``, given the upstream gradient `dout`.

    Parameters
    ----------
    forward : callable
        ``forward(*args) -> (out, cache)``, `out` of the shape of `dout`.
    args : sequence of ndarray
        The arguments; each is perturbed as a float64 copy, never in place.
    dout : ndarray
    eps : float, default 1e-6

    Returns
    -------
    grads : list of ndarray
        One gradient per argument, in the order of `args`.
    """
    args = list(args)
    grads = []
    for i in range(len(args)):
        def f(v, i=i):
            return forward(*args[:i], v, *args[i + 1:])[0]

        grads.append(numerical_gradient_array(f, np.array(args[i], dtype=np.float64), dout, eps))
    return grads


def relative_error(a, b):
    """Norm-wise relative error ``||a - b|| / (||a|| + ||b||)``; 0 when both are 0.

    Unlike an entry-wise ratio, this does not blow up on entries that are
    zero up to rounding in both arrays.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
