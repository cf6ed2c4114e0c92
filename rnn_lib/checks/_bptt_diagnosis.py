"""Two diagnoses of the BPTT checks that no comparison of outputs can make.

A forward pass that writes into arrays it has cached returns right states and
a stale cache, so that even a right backward pass then returns wrong
gradients: `stale_cache` finds out by calling the forward pass again. A
backward pass that clips its gradients returns the right ones scaled or
clipped: `clipped` says so.
"""
import numpy as np

from ._base import Mistake, close, function_name, safe_call
from .problems import SEQ_ARGS, STEP_ARGS, step_problem

__all__ = ["CLIPPED", "STALE_CACHE", "clipped", "stale_cache"]

STALE_CACHE = Mistake(
    "forward-overwrites-cache", "the forward pass overwrites arrays it has cached",
    "Your backward pass may well be right: it reads a cache whose states were changed after "
    "they were stored, so fix the forward pass. Make a new array at every step "
    "(`h_t = np.tanh(a_t)`) instead of writing into one that is already cached "
    "(`h_t[:] = ...`, `np.tanh(a, out=h_t)`, `h_t += ...`), and keep no buffer from one call "
    "to the next.", None)
CLIPPED = Mistake(
    "gradient-clipped-in-backward", "the gradients clipped or rescaled inside the backward pass",
    "The backward pass returns the exact gradient, however large. Clipping is a step of "
    "training, applied to all the parameters' gradients together after the backward pass "
    "(chapter 3).", None)


def _leaves(obj, path=(), depth=0):
    """(path, array) for every NumPy array inside a cache of any format."""
    if isinstance(obj, np.ndarray):
        yield path, obj
        return
    if depth > 6:
        return
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (tuple, list)):
        items = enumerate(obj)
    elif hasattr(obj, "__dict__") and not callable(obj):
        items = vars(obj).items()
    else:
        return
    for key, value in items:
        yield from _leaves(value, path + (key,), depth + 1)


def _early_part(cache, path, a, T):
    """The part of cached array `a` at `path` that belongs to steps before the last (or None)."""
    if a.ndim == 3 and a.shape[1] == T:  # batch first, (N, T, ...)
        return a[:, :-1]
    if a.ndim == 3 and a.shape[0] == T:  # time first
        return a[:-1]
    node = cache
    for key in path[:-1]:  # a list of per-step caches: entries of steps before the last
        if isinstance(node, (tuple, list)) and len(node) == T and isinstance(key, int) \
                and not isinstance(node[0], np.ndarray):
            return a if key < T - 1 else None
        node = node[key] if isinstance(node, (dict, tuple, list)) else vars(node)[key]
    return None


def _cache_of(forward, args, arg_names):
    call = safe_call(forward, args, arg_names)
    value = call.value
    if call.error is not None or not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    return value[1]


def stale_cache(forward, p, step):
    """How the reader's forward pass changes what it cached, or None if it does not."""
    arg_names = STEP_ARGS if step else SEQ_ARGS
    inputs = step_problem(p) if step else p
    args = [inputs[k] for k in arg_names]
    f_name = function_name(forward)
    cache = _cache_of(forward, args, arg_names)
    if cache is None:
        return None
    kept = {path: a.copy() for path, a in _leaves(cache)}
    other = [a * 0.5 + 0.1 if k in ("x", "h0", "h_prev") else a for k, a in zip(arg_names, args)]
    _cache_of(forward, other, arg_names)  # a second call, on other inputs
    if any(not np.array_equal(a, kept[path], equal_nan=True)
           for path, a in _leaves(cache) if path in kept and a.shape == kept[path].shape):
        return (f"`{f_name}` reuses arrays from one call to the next: a second call, on other "
                "inputs, changed the cache that the first call had returned.")
    if step:
        return None
    T = args[0].shape[1]
    changed_x = args[0].copy()
    changed_x[:, -1] += 0.5  # only the last step's input changes
    first = _cache_of(forward, args, arg_names)
    second = _cache_of(forward, [changed_x] + args[1:], arg_names)
    if first is None or second is None:
        return None
    again = dict(_leaves(second))
    for path, a in _leaves(first):
        b = again.get(path)
        if b is None or a.shape != b.shape:
            continue
        early = _early_part(first, path, a, T)
        if early is not None and not np.array_equal(early, _early_part(second, path, b, T),
                                                    equal_nan=True):
            return (f"`{f_name}` changes what it cached for the earlier steps while it runs the "
                    "later ones: changing only the last step's input changed the cache of the "
                    "steps before it.")
    return None


def clipped(grads, want, names):
    """Detail lines when the answer is the right gradient clipped or scaled down, else None."""
    wrong = [n for n in names if not close(grads[n], want[n])]
    if not wrong or any(grads[n].shape != want[n].shape for n in names):
        return None
    got = np.concatenate([grads[n].ravel() for n in wrong])
    right = np.concatenate([want[n].ravel() for n in wrong])
    c = float(got @ right / (right @ right)) if right @ right > 0 else 0.0
    if 0 < c < 1 and all(close(grads[n], c * want[n]) for n in wrong):
        return f"every wrong gradient is the right one times {c:.3g}"
    k = float(np.max(np.abs(got)))
    if k > 0 and all(close(grads[n], np.clip(want[n], -k, k)) for n in wrong):
        return f"the wrong gradients are the right ones with every entry clipped to ±{k:.3g}"
    return None
