"""The machinery behind the graded checks: results, safe calls, output comparison, hints.

A check calls the reader's function on fixed inputs, compares what comes back
with the library's values, and writes one feedback line per test into a
`Report`. When an output is wrong, every known `Mistake` is asked what an
implementation with that mistake returns on the same inputs; a match names
the mistake and says how to fix it. Nothing here raises because of the
reader's code, and every text it produces is the same on every machine
(formatted numbers only), so notebooks can store check results as outputs.

A new check follows the pattern of `rnn_lib.checks`: it tries every
problem and gives each its own line, passing or failing, and a failing line
says how to rebuild its input in one line (``reproduce``)::

    @never_raises
    def check_thing(thing):
        report = Report(f"check_thing({function_name(thing)})", planned=2)
        if require_callable(report, thing, "my_thing"):
            for label, inputs, again in problems:  # again: "`p = ...`"
                out = call_and_unpack(report, thing, inputs, ("y", "cache"),
                                      label=label, reproduce=again)
                if out is None:
                    if report.not_implemented:
                        break  # a stub: nothing more to learn
                    continue
                compare_outputs(report, label, out, expected, inputs, MISTAKES,
                                reproduce=again)
        return report.result()
"""
import functools
import os
import re
import traceback
import warnings
from typing import Callable, NamedTuple

import numpy as np

from ..utils.validation import as_float_array, check_finite
from ._result import CheckResult, Line, Report  # noqa: F401  (re-exported: checks import them from here)

__all__ = [
    "CheckResult",
    "Exercise",
    "Mistake",
    "Report",
    "call_and_unpack",
    "compare_outputs",
    "function_name",
    "never_raises",
    "reminder",
    "require_callable",
    "safe_call",
    "unpack",
]

# A correct float64 implementation agrees to ~1e-15; float32 work to ~1e-6.
RTOL, ATOL = 1e-5, 1e-7
# Tracebacks shown to the reader skip frames inside rnn_lib and NumPy: the line that matters is theirs.
_SKIP_DIRS = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(np.__file__))


class Exercise(NamedTuple):
    """A graded exercise: its check, the notebook functions it takes (in order), its points.

    `solves` names the library functions (dotted paths) that answer the
    exercise; the grader makes them useless to a graded submission.
    """

    check: Callable
    functions: tuple
    points: int
    solves: tuple = ()


class Mistake(NamedTuple):
    """A classic mistake, described by what an implementation making it returns."""

    key: str  #: stable id, e.g. "W_h-not-transposed" (tests and the grader use it)
    title: str  #: named in the feedback, e.g. "W_h not transposed for dh_prev"
    hint: str  #: how to get it right
    apply: Callable[..., dict]  #: inputs (as keywords) -> {output name: array}


def function_name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


def require_callable(report, fn, role):
    """Add a failure and return False unless `fn` is callable."""
    if callable(fn):
        return True
    report.fail(f"expected {role} as a function; got {type(fn).__name__}. "
                "Run the cell that defines it, then pass the function itself (no parentheses).")
    return False


class Call(NamedTuple):
    value: object
    error: str  #: None when the call returned
    not_implemented: bool


def safe_call(fn, args, arg_names=None, kwargs=None, may_change=()):
    """Call ``fn(*args, **kwargs)`` with copies of the array arguments; never raises.

    Warnings are silenced (NaN and inf in the result are reported instead).
    An argument the function changed in place is reported as an error, by
    its name in `arg_names`, unless that name is in `may_change`.
    """
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    kept = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in args]
    arg_names = arg_names or [f"number {i + 1}" for i in range(len(args))]
    name = function_name(fn)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = fn(*copies, **(kwargs or {}))
    except NotImplementedError:
        return Call(None, f"`{name}` is not implemented yet: replace the line "
                          "`raise NotImplementedError` with your code, run that cell, then this one.", True)
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # the reader's code may raise anything, even SystemExit
        return Call(None, f"`{name}` raised {type(exc).__name__}: {_short(exc)}{_where(exc)}", False)
    for arg, copy, orig in zip(arg_names, copies, kept):
        if orig is not None and arg not in may_change and (
                copy.shape != orig.shape or not np.array_equal(copy, orig, equal_nan=True)):
            return Call(value, f"`{name}` changed its argument {arg} in place; compute new "
                               "arrays instead (e.g. `a = a + b`, not `a += b`).", False)
    return Call(value, None, False)


def _short(exc, limit=300):
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _where(exc):
    """The reader's line that raised: the last frame outside NumPy and rnn_lib."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(_SKIP_DIRS)]
    if not frames or not frames[-1].line:
        return ""
    return f" (in `{frames[-1].name}`, at `{frames[-1].line.strip()}`)"


def unpack(value, names, fn_name, finite=True):
    """Split a function's return value into named float arrays.

    Returns ``(outputs, error)``: a dict name -> value (arrays for every name
    except ``"cache"``, which may be anything), or None and a message. With
    ``finite=False``, NaN and inf are let through, for a check that compares
    them with what a classic mistake gives (an overflow, say).
    """
    n = len(names)
    expected = ", ".join(names)
    if value is None:
        return None, f"`{fn_name}` returned None: did you forget `return {expected}`?"
    if n == 1:
        if isinstance(value, tuple):
            return None, f"`{fn_name}` returned {len(value)} values; it must return one: `return {expected}`"
        value = (value,)
    elif isinstance(value, np.ndarray):
        return None, (f"`{fn_name}` returned one array of shape {value.shape}; "
                      f"it must return {n} values: `return {expected}`")
    elif not isinstance(value, (tuple, list)):
        return None, (f"`{fn_name}` returned a {type(value).__name__}; "
                      f"it must return {n} values in this order: `return {expected}`")
    if len(value) != n:
        return None, (f"`{fn_name}` returned {len(value)} values; "
                      f"it must return {n} in this order: `return {expected}`")
    outputs = {}
    for name, v in zip(names, value):
        if name == "cache":  # the reader's own format: anything goes
            outputs[name] = v
            continue
        if v is None:
            return None, f"`{fn_name}` returned None for {name}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = as_float_array(v, name).astype(np.float64)
            if finite:
                check_finite(arr, name)
        except (TypeError, ValueError) as exc:
            order = (f"; are the values in this order: `return {expected}`?"
                     if n > 1 and isinstance(v, (tuple, list, dict)) else "")
            return None, f"`{fn_name}`: {exc}{order}"
        except Exception as exc:  # an odd object whose conversion fails in its own way
            return None, f"`{fn_name}`: {name} is not an array ({type(exc).__name__}: {_short(exc)})"
        outputs[name] = arr
    return outputs, None


def call_and_unpack(report, fn, args, names, arg_names=None, kwargs=None, may_change=(),
                    finite=True, label=None, reproduce=None):
    """Call the reader's `fn` and unpack its outputs; on any failure add a line, return None.

    `kwargs` and `may_change` go to `safe_call`, `finite` to `unpack`. With
    `label`, the failing line starts with the problem's name (and says "the
    same error" when the previous problem failed with the same message);
    `reproduce` goes to `Report.fail`.
    """
    call = safe_call(fn, args, arg_names, kwargs, may_change)
    if call.error is None:
        outputs, error = unpack(call.value, names, function_name(fn), finite)
        if error is None:
            return outputs
    else:
        error = call.error
        report.not_implemented |= call.not_implemented
    text = error
    if label is not None:
        same = error == report.last_error
        text = f"{label}: {'the same error as above' if same else error}"
        report.last_error = error
    report.fail(text, reproduce=reproduce)
    return None


def never_raises(check):
    """Make a check return a failed `CheckResult` instead of raising, whatever happens."""
    @functools.wraps(check)
    def guarded(*functions):
        try:
            return check(*functions)
        except (KeyboardInterrupt, GeneratorExit):
            raise
        except BaseException as exc:  # a bug in the check itself, or something truly odd
            title = f"{check.__name__}({', '.join(function_name(f) for f in functions)})"
            return CheckResult(title, [Line(False, f"the check itself failed: "
                                                   f"{type(exc).__name__}: {_short(exc)}")])
    return guarded


def close(actual, expected):
    """Same shape, NaN or inf in the same places, and the other values close.

    NaN and inf count as one: whether mistaken code that overflows ends with
    one or the other depends on how it is written, not on the mistake.
    """
    if actual.shape != expected.shape:
        return False
    finite = np.isfinite(actual)
    return bool(np.array_equal(finite, np.isfinite(expected))
                and np.allclose(actual[finite], expected[finite], rtol=RTOL, atol=ATOL))


def describe(name, actual, expected):
    """One line on how `actual` differs from `expected`."""
    if actual.shape != expected.shape:
        return f"{name}: expected shape {expected.shape}, got {actual.shape}"
    if actual.ndim == 0:  # one number, e.g. a loss
        return f"{name}: expected {float(expected):.6f}, got {float(actual):.6f}"
    bad = actual.size - int(np.count_nonzero(np.isfinite(actual)))
    if bad:
        text = (f"{name}: shape {actual.shape} is right, but {bad} of its {actual.size} values "
                "are NaN or inf")
    else:
        err = float(np.max(np.abs(actual - expected)))
        text = f"{name}: shape {actual.shape} is right, values are not (max abs error {err:.1e})"
    if actual.size <= 8:
        show = lambda a: np.array2string(a.ravel(), precision=6, suppress_small=True)  # noqa: E731
        text += f"; expected {show(expected)}, got {show(actual)}"
    return text


def compare_outputs(report, label, actual, expected, inputs=None, mistakes=(), reminders=None,
                    quiet=False, ok_text=None, strict=False, reproduce=None):
    """Compare named outputs with their expected values; add a line to `report`.

    When some are wrong, each mistake in `mistakes` is applied to `inputs`;
    a mistake is named when it changes a wrong output exactly into what came
    back. With `strict`, only when it accounts for every output it changes,
    and not when earlier mistakes explained all of those already. Without a
    match, `reminders` (name -> formula) say how each wrong output is
    computed; each reminder names its output. Success adds the line `ok_text`
    (default: `label`), or none with `quiet`. A failing line ends with
    `reproduce` (how to rebuild the inputs, see `Report.fail`). Returns True
    when everything matched.
    """
    wrong = [n for n in expected if not close(actual[n], expected[n])]
    if not wrong:
        if not quiet:
            report.ok(ok_text or label)
        return True
    details = [describe(n, actual[n], expected[n]) for n in wrong]
    explained = set()
    for mistake in mistakes:
        variant = mistake.apply(**inputs)
        changed = [n for n in expected if n in variant and not close(variant[n], expected[n])]
        hits = [n for n in changed if n in wrong and close(actual[n], variant[n])]
        if not hits or strict and (hits != changed or explained.issuperset(hits)):
            continue
        explained.update(hits)
        if mistake.key in report.mistakes:
            details.append(f"Looks like: {mistake.title} (see above).")
            continue
        report.mistakes.append(mistake.key)
        details.append(f"Looks like: {mistake.title}. {mistake.hint}")
    for n in wrong:
        if n not in explained and reminders and n in reminders:
            details.append(reminder(n, reminders[n]))
    report.fail(f"{label}: {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong", details,
                reproduce)
    return False


def reminder(name, text):
    """The line reminding how output `name` is computed; it always names the output.

    A formula for the output names it already (``"`dx = da @ W_x.T`"``);
    any other text gets the name in front.
    """
    if re.match(rf"`{re.escape(name)}\b", text):
        return f"Reminder: {text}"
    return f"Reminder for {name}: {text}"
