"""One step of sampling from a language model: scores to probabilities, with a temperature.

With logits ``z`` over the V tokens and a temperature ``tau > 0``::

    p = softmax(z / tau)        # tau < 1 sharpens, tau > 1 flattens

The logits are divided, not the probabilities: dividing ``p`` by ``tau``
and renormalizing gives ``p`` back, and without renormalizing the result is
no distribution at all. At ``tau = 0`` the limit is greedy decoding: all the
probability on the highest score (the first, when several tie).
"""
import numpy as np

from ..nn.losses import softmax
from ..utils.validation import as_float_array, check_finite, check_nonempty

__all__ = ["next_token_probabilities", "check_temperature"]


def check_temperature(temperature):
    """`temperature` as a float >= 0 (0: greedy), else raise."""
    if isinstance(temperature, (bool, np.bool_)) or not isinstance(
            temperature, (int, float, np.integer, np.floating)):
        raise TypeError(f"temperature must be a number >= 0; got {temperature!r}")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0 (0: always the most "
                         f"probable token); got {temperature}")
    return float(temperature)


def next_token_probabilities(logits, temperature=1.0):
    """The distribution to draw the next token from.

    Parameters
    ----------
    logits : ndarray of shape (V,) or (N, V)
        Unnormalized scores of the next token.
    temperature : float >= 0, default 1.0
        0: greedy (a one-hot vector at the arg max).

    Returns
    -------
    p : ndarray of the shape of `logits`
        Non-negative, each row summing to 1.
    """
    logits = as_float_array(logits, "logits")
    if logits.ndim not in (1, 2):
        raise ValueError(f"logits must have shape (V,) or (N, V); "
                         f"got shape {logits.shape}")
    check_nonempty(logits, "logits", "V" if logits.ndim == 1 else "N, V")
    check_finite(logits, "logits")
    temperature = check_temperature(temperature)
    if temperature == 0:  # the limit tau -> 0: everything on the best score
        p = np.zeros_like(logits)
        np.put_along_axis(p, logits.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return p
    return softmax(logits / temperature)
