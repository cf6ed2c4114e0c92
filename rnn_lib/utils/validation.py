"""Argument checks shared by every public entry point.

Each check runs once at the boundary of a public function, never inside the
loop over time, so validation costs a few microseconds per call and the hot
loop stays free of it. Every error names the argument, what was expected and
what came in.

A loop that feeds data it has checked once through public functions again
and again (`fit`, batch after batch) runs inside `trusted_inputs()`. There
the checks that scan the data (NaN and inf, index ranges) and the re-checks
of arrays the loop made itself (caches, gradients, fitted weights) are
skipped; the few O(1) shape checks at the top of each public function stay.
"""
import contextlib
import contextvars
import functools
import numbers

import numpy as np

_TRUSTED = contextvars.ContextVar("rnn_lib_trusted_inputs", default=False)


@contextlib.contextmanager
def trusted_inputs():
    """Skip the data scans and re-checks inside this block: for data checked once already."""
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def inputs_trusted():
    """True inside `trusted_inputs()`."""
    return _TRUSTED.get()


def as_float_array(value, name):
    """Return `value` as a floating ndarray; integers and bools become float64.

    Raises TypeError for non-numeric data (strings, objects, complex numbers).
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{name} must be a numeric array; got {type(value).__name__} "
            f"that NumPy cannot turn into an array ({exc})"
        ) from None
    if arr.dtype.kind in "biu":
        # The seed's bias is an int array; integer math would truncate.
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must hold real numbers (float or int); got dtype {arr.dtype}"
        )
    return arr


def check_ndim(arr, ndim, name, letters, hint=""):
    """Raise ValueError unless `arr` has `ndim` axes, named `letters` in the message.

    `hint`, if given, is appended to the message (say, how to fix a common mistake).
    """
    if arr.ndim != ndim:
        raise ValueError(
            f"{name} must have shape ({letters}) with {ndim} axes; "
            f"got shape {tuple(arr.shape)} with {arr.ndim}" + (f"; {hint}" if hint else "")
        )


def check_finite(arr, name):
    """Raise ValueError when `arr` holds NaN or inf (not checked inside `trusted_inputs()`)."""
    if _TRUSTED.get():
        return
    if not np.isfinite(arr).all():
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} must be finite; got {bad} NaN or inf value(s) "
            f"out of {arr.size}"
        )


def check_nonempty(arr, name, letters):
    """Raise ValueError when any axis of `arr` has length 0."""
    if arr.size == 0:
        raise ValueError(
            f"{name} must not be empty; got shape {tuple(arr.shape)} ({letters})"
        )


def check_dim(actual, expected, what):
    """Raise ValueError when a size does not match the one fixed elsewhere."""
    if actual != expected:
        raise ValueError(f"{what}: expected {expected}, got {actual}")


def result_dtype(*arrays):
    """The floating dtype a computation over `arrays` runs in (float32 stays float32)."""
    return np.result_type(*arrays, np.float32)


def check_rnn_weights(W_x, W_h, B):
    """Validate the three RNN parameters and return them as float arrays with D, H."""
    W_x = as_float_array(W_x, "W_x")
    W_h = as_float_array(W_h, "W_h")
    B = as_float_array(B, "B")
    check_ndim(W_x, 2, "W_x", "D, H")
    check_ndim(W_h, 2, "W_h", "H, H")
    D, H = W_x.shape
    if W_h.shape != (H, H):
        raise ValueError(
            f"W_h must be square with shape (H, H) = ({H}, {H}), H taken from "
            f"W_x of shape {W_x.shape}; got W_h of shape {W_h.shape}"
        )
    if B.shape != (H,):
        raise ValueError(
            f"B must have shape (H,) = ({H},), H taken from W_x of shape "
            f"{W_x.shape}; got B of shape {B.shape}"
        )
    return W_x, W_h, B, D, H


def check_positive_int(value, name, minimum=1):
    """Return `value` as int if it is an integer >= minimum, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_positive_float(value, name):
    """Return `value` as float if it is a finite number > 0, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number; got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number; got {value}")
    return float(value)


def check_class_indices(y, shape, n_classes, name="y", letters="N", valid=None):
    """Return `y` as an int array of `shape` with values in [0, C), else raise.

    Raises TypeError for non-integer labels and ValueError for a wrong shape
    or an index outside ``0 .. n_classes - 1``. Where the boolean array
    `valid` is False (padding), any value is accepted.
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer class indices 0 .. C-1; got dtype {y.dtype}"
        )
    if y.shape != tuple(shape):
        raise ValueError(
            f"{name} must have shape ({letters}) = {tuple(shape)}; got {y.shape}"
        )
    if _TRUSTED.get():
        return y.astype(np.intp, copy=False)
    checked = y if valid is None else y[valid]
    bad = checked[(checked < 0) | (checked >= n_classes)]
    if bad.size:
        raise ValueError(
            f"{name} must hold class indices in 0 .. {n_classes - 1} (C = {n_classes}); "
            f"got {bad.size} outside that range, e.g. {bad[0]}"
        )
    return y.astype(np.intp, copy=False)


def check_lengths(lengths, n, T, name="lengths"):
    """Return `lengths` as an int array of shape (N,) with 1 <= lengths[n] <= T, else raise.

    ``None`` means every sequence uses all T steps.
    """
    if lengths is None:
        return np.full(n, T, dtype=np.intp)
    arr = np.asarray(lengths)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer sequence lengths; got dtype {arr.dtype}"
        )
    if arr.shape != (n,):
        raise ValueError(
            f"{name} must have shape (N,) = ({n},), one length per sequence; "
            f"got shape {arr.shape}"
        )
    if arr.size and not _TRUSTED.get() and (arr.min() < 1 or arr.max() > T):
        raise ValueError(
            f"{name} must be between 1 and T = {T} (the padded length); "
            f"got values from {arr.min()} to {arr.max()}"
        )
    return arr.astype(np.intp, copy=False)


def check_nonnegative_float(value, name):
    """Return `value` as float if it is a finite number >= 0, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0; got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value}")
    return float(value)


def check_fraction(value, name):
    """Return `value` as float if it is a number with 0 <= value < 1, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1); got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1); got {value}")
    return float(value)


def check_random_state(value, name="random_state"):
    """Return `value` if it is None or an integer >= 0 (a seed for np.random.default_rng), else raise."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be None or an integer >= 0 (a seed); got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be None or an integer >= 0 (a seed); got {value}")
    return int(value)


def check_array_dict(value, name):
    """Raise TypeError unless `value` is a dict of arrays, such as params or grads."""
    if not isinstance(value, dict):
        raise TypeError(
            f"{name} must be a dict mapping parameter names to arrays, "
            f"e.g. {{'W_x': ..., 'W_h': ...}}; got {type(value).__name__}"
        )


def check_cache(cache, cache_type, producer, axes):
    """Return `cache` as a `cache_type` whose arrays agree in shape, else raise.

    `cache_type` is a NamedTuple; a plain tuple of its fields in order is
    accepted too. `axes` maps each array field to its letters, e.g.
    ``{"x": "N, D", "W_x": "D, H"}``; one letter must mean one size in every
    field. Raises TypeError for anything else (say, the ``(h, cache)`` pair a
    forward function returns) and ValueError for disagreeing shapes.
    """
    if type(cache) is tuple and len(cache) == len(cache_type._fields):
        cache = cache_type(*cache)
    if not isinstance(cache, cache_type):
        got = (f"a tuple of {len(cache)} items" if type(cache) is tuple
               else type(cache).__name__)
        raise TypeError(
            f"cache must be the {cache_type.__name__} that {producer} returns "
            f"(the second item of its result); got {got}"
        )
    if _TRUSTED.get():
        return cache
    sizes = {}  # letter -> size
    for field, letters in axes.items():
        shape = np.shape(getattr(cache, field))
        letters = _split_letters(letters)
        if len(shape) != len(letters):
            raise ValueError(
                f"cache.{field} must have shape ({', '.join(letters)}) with "
                f"{len(letters)} axes; got shape {shape}"
            )
        for letter, size in zip(letters, shape):
            if sizes.setdefault(letter, size) != size:
                where = next(f for f, ls in axes.items() if letter in _split_letters(ls))
                raise ValueError(
                    f"cache.{field} has shape {shape}, but {letter} = {sizes[letter]} "
                    f"in cache.{where}; the fields of a cache must come from one "
                    f"forward call"
                )
    return cache


@functools.lru_cache(maxsize=None)
def _split_letters(letters):
    """("N, T, D") -> ("N", "T", "D"), parsed once per spelling."""
    return tuple(s.strip() for s in letters.split(","))
