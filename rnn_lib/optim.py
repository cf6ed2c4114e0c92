"""Gradient-descent optimizers and gradient clipping.

Every optimizer updates a dict of parameter arrays in place from a dict of
gradients with the same names, and keeps its own state (velocities, running
averages) per parameter name in ``self.state``. With ``g`` a gradient and
``lr`` the learning rate (the argument `learning_rate`; ``lr=`` is accepted
as another name for it), one step of each is::

    SGD       w -= lr * g
    Momentum  v = momentum * v - lr * g;                   w += v
    AdaGrad   s += g**2;                                   w -= lr * g / (sqrt(s) + eps)
    RMSProp   s = rho * s + (1 - rho) * g**2;              w -= lr * g / (sqrt(s) + eps)
    Adam      m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
              w -= lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)
"""
import numpy as np

from .utils.validation import (
    as_float_array,
    check_array_dict,
    check_finite,
    check_fraction,
    check_positive_float,
    inputs_trusted,
)
from .exceptions import DivergenceError

__all__ = ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam", "OPTIMIZERS",
           "make_optimizer", "grad_norm", "clip_grad_norm"]


class SGD:
    """Plain stochastic gradient descent: ``w -= learning_rate * g``.

    Parameters
    ----------
    learning_rate : float, default 0.01
        The step size. ``lr=`` is accepted as another name for it.
    """

    def __init__(self, learning_rate=0.01, *, lr=None):
        name = "learning_rate"
        if lr is not None:  # the short name that other libraries use
            learning_rate, name = lr, "lr"
        self.learning_rate = check_positive_float(learning_rate, name)
        self.state = {}  # parameter name -> dict of that parameter's state arrays

    @property
    def lr(self):
        """Another name for `learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        self.learning_rate = value

    def step(self, params, grads):
        """Update every ``params[name]`` in place from ``grads[name]``.

        Parameters
        ----------
        params : dict of str to ndarray
            Updated in place; each must be a floating array.
        grads : dict of str to ndarray
            Same names and shapes as `params`, finite.
        """
        if not inputs_trusted():  # fit's loop passes its own arrays, checked once
            grads = _checked_grads(params, grads)
        for name, g in grads.items():
            self._update(name, params[name], g)

    def _update(self, name, w, g):
        w -= self.learning_rate * g


class Momentum(SGD):
    """Gradient descent with a velocity: ``v = momentum * v - lr * g; w += v``.

    Parameters
    ----------
    learning_rate : float, default 0.01
    momentum : float, default 0.9
        Fraction of the previous velocity kept at each step.
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, *, lr=None):
        super().__init__(learning_rate, lr=lr)
        self.momentum = check_fraction(momentum, "momentum")

    def _update(self, name, w, g):
        s = self.state.setdefault(name, {"v": np.zeros_like(w)})
        s["v"] *= self.momentum
        s["v"] -= self.learning_rate * g
        w += s["v"]


class AdaGrad(SGD):
    """Per-weight step sizes that shrink with the sum of squared gradients.

    Parameters
    ----------
    learning_rate : float, default 0.01
    eps : float, default 1e-8
        Keeps the division finite while the sum is still 0.
    """

    def __init__(self, learning_rate=0.01, eps=1e-8, *, lr=None):
        super().__init__(learning_rate, lr=lr)
        self.eps = check_positive_float(eps, "eps")

    def _update(self, name, w, g):
        s = self.state.setdefault(name, {"s": np.zeros_like(w)})
        s["s"] += g * g
        w -= self.learning_rate * g / (np.sqrt(s["s"]) + self.eps)


class RMSProp(SGD):
    """AdaGrad with a decaying average of squared gradients instead of a sum.

    Parameters
    ----------
    learning_rate : float, default 0.001
    rho : float, default 0.9
        Decay rate of the running average.
    eps : float, default 1e-8
    """

    def __init__(self, learning_rate=0.001, rho=0.9, eps=1e-8, *, lr=None):
        super().__init__(learning_rate, lr=lr)
        self.rho = check_fraction(rho, "rho")
        self.eps = check_positive_float(eps, "eps")

    def _update(self, name, w, g):
        s = self.state.setdefault(name, {"s": np.zeros_like(w)})
        s["s"] *= self.rho
        s["s"] += (1 - self.rho) * g * g
        w -= self.learning_rate * g / (np.sqrt(s["s"]) + self.eps)


class Adam(SGD):
    """Adam with bias correction, as Algorithm 1 of Kingma & Ba (2015).

    Parameters
    ----------
    learning_rate : float, default 0.001
        The step size alpha.
    beta1, beta2 : float, default 0.9 and 0.999
        Decay rates of the first and second moment estimates.
    eps : float, default 1e-8

    Notes
    -----
    The step count t is kept per parameter, with m and v; it is the same for
    all parameters when every step updates all of them.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8, *, lr=None):
        super().__init__(learning_rate, lr=lr)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.eps = check_positive_float(eps, "eps")

    def _update(self, name, w, g):
        s = self.state.setdefault(name, {"t": 0, "m": np.zeros_like(w), "v": np.zeros_like(w)})
        s["t"] += 1
        t, b1, b2 = s["t"], self.beta1, self.beta2
        s["m"] *= b1
        s["m"] += (1 - b1) * g  # biased first moment
        s["v"] *= b2
        s["v"] += (1 - b2) * g * g  # biased second raw moment
        m_hat = s["m"] / (1 - b1**t)  # bias-corrected: the averages start at 0
        v_hat = s["v"] / (1 - b2**t)
        w -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


def _checked_grads(params, grads):
    """The gradients as float arrays of their parameters' shapes, all finite, else raise."""
    check_array_dict(params, "params")
    check_array_dict(grads, "grads")
    checked = {}  # every gradient is checked before any weight moves
    for name, g in grads.items():
        if name not in params:
            raise KeyError(f"grads has {name!r}, which params does not have")
        w = params[name]
        if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
            # w -= ... on a list or an int array would not update it in place
            got = f"dtype {w.dtype}" if isinstance(w, np.ndarray) else type(w).__name__
            raise TypeError(f"params[{name!r}] must be a float ndarray, updated in "
                            f"place; got {got}")
        g = as_float_array(g, f"grads[{name!r}]")
        if g.shape != w.shape:
            raise ValueError(
                f"grads[{name!r}] must have the shape of params[{name!r}], "
                f"{w.shape}; got {g.shape}"
            )
        check_finite(g, f"grads[{name!r}]")  # one NaN step would ruin every weight
        checked[name] = g
    return checked


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad,
              "rmsprop": RMSProp, "adam": Adam}


def make_optimizer(name, learning_rate):
    """The optimizer called `name` (a key of `OPTIMIZERS`) with `learning_rate`."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}; got {name!r}")
    return OPTIMIZERS[name](learning_rate)


def grad_norm(grads):
    """Global norm of all gradients taken as one vector: ``sqrt(sum of every squared entry)``.

    Parameters
    ----------
    grads : dict of str to ndarray

    Returns
    -------
    norm : float
    """
    check_array_dict(grads, "grads")
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_grad_norm(grads, max_norm):
    """Scale all gradients together, in place, so that their global norm is at most `max_norm`.

    Parameters
    ----------
    grads : dict of str to ndarray
        Modified in place.
    max_norm : float
        Largest allowed norm of all gradients taken as one vector.

    Returns
    -------
    norm : float
        The global norm before clipping.

    Raises
    ------
    DivergenceError
        If the norm is inf or NaN: no scale factor can repair such gradients.
    """
    max_norm = check_positive_float(max_norm, "max_norm")
    norm = grad_norm(grads)
    if not np.isfinite(norm):  # NaN or inf: stop before it reaches the weights
        raise DivergenceError(_non_finite_message(grads, norm))
    if norm > max_norm:
        scale = max_norm / norm  # one factor for all: the direction is kept
        for g in grads.values():
            g *= scale
    return norm


def _non_finite_message(grads, norm):
    """Which gradients are not finite, or that their squares overflow, and what it means."""
    bad = [f"grads[{name!r}] holds {int(np.size(g) - np.isfinite(g).sum())} NaN or inf value(s)"
           for name, g in grads.items() if not np.isfinite(g).all()]
    what = "; ".join(bad) or "the squares of the gradients overflow float64"
    return (f"cannot clip gradients whose global norm is {norm}: {what}. Gradients this "
            "large or not finite mean that the training has diverged (a learning rate "
            "too large?) or that the backward pass has a bug")
