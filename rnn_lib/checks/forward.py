"""Graded checks for the exercises of the book: call one on your function.

>>> from rnn_lib.checks import check_rnn_forward
>>> check_rnn_forward(my_rnn_forward)            # doctest: +SKIP

Each check runs your function on a fixed example built with `np.linspace`
(non-symmetric, all sizes different, so a missing transpose or a swapped axis
shows), on the worked example of its chapter, on the cases that break a naive
version (logits of 1000 for the cross-entropy, tiny gradients and unusual
settings for Adam), and on small random problems; gradients are also compared
with centered differences. It returns a `CheckResult`: ``passed`` and
feedback that names the output that is wrong and, when the answer is what a
classic mistake gives, that mistake. A check never raises.

`EXERCISES` lists every graded exercise for the grader:
name -> (check, names of the notebook functions it takes, points).
"""
from typing import NamedTuple

import numpy as np

from ._checkbase import (
    CheckResult,
    Report,
    call_and_unpack,
    compare_outputs,
    function_name,
    never_raises,
    require_callable,
)
from ._rnn_mistakes import (
    BACKWARD_MISTAKES,
    BACKWARD_REMINDERS,
    FORWARD_MISTAKES,
    FORWARD_REMINDERS,
    SEQ_GRADS,
    STEP_BACKWARD_MISTAKES,
    STEP_BACKWARD_REMINDERS,
    STEP_FORWARD_MISTAKES,
    STEP_FORWARD_REMINDERS,
    STEP_GRADS,
)
from ._training_mistakes import (
    ADAM_DEFAULTS,
    ADAM_MISTAKES,
    ADAM_REMINDERS,
    CE_MISTAKES,
    CE_OVERFLOW_MISTAKES,
    CE_REMINDERS,
    CE_UNDERFLOW_MISTAKES,
)
from .gradcheck import numerical_gradient, numerical_gradients, relative_error
from .losses import softmax_cross_entropy
from .optim import Adam
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "CheckResult",
    "EXERCISES",
    "Exercise",
    "check_adam_step",
    "check_rnn_backward",
    "check_rnn_forward",
    "check_rnn_step_backward",
    "check_rnn_step_forward",
    "check_softmax_cross_entropy",
]

GRAD_TOL = 1e-6  # relative error against centered differences; a right answer gives ~1e-10


# ---------------------------------------------------------------- problems
def seed_problem():
    """The seed's worked example: N=1, T=3, D=2, H=4; final h = [0.79494228 ...].

    Its upstream gradient is that of chapter 2's loss, the sum of the last state.
    """
    dh = np.zeros((1, 3, 4))
    dh[:, -1] = 1.0
    return dict(
        x=np.array([[[1, 2], [2, 3], [3, 4]]]) / 100,
        h0=np.zeros((1, 4)),
        W_x=np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100,
        W_h=np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100,
        B=np.array([1, 1, 1, 1]),  # an int array, as in the seed
        dh=dh,
    )


def ramp(lo, hi, *shape):
    """Evenly spaced values from `lo` to `hi`, in an array of `shape`."""
    return np.linspace(lo, hi, int(np.prod(shape))).reshape(shape)


def fixed_problem(N=2, T=3, D=4, H=5):
    """A deterministic problem with every size different and nothing symmetric."""
    return dict(
        x=ramp(-1.0, 0.8, N, T, D),
        h0=ramp(-0.45, 0.5, N, H),  # nonzero, so h0's terms count
        W_x=ramp(-0.6, 0.7, D, H),
        W_h=ramp(-0.5, 0.55, H, H),  # W_h.T != W_h
        B=ramp(-0.2, 0.3, H),
        dh=ramp(-1.0, 0.9, N, T, H) ** 2 - 0.3,  # squared: no linear pattern across steps
    )


def random_problem(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    return dict(
        x=rng.standard_normal((N, T, D)),
        h0=rng.standard_normal((N, H)) * 0.5,
        W_x=rng.standard_normal((D, H)) / np.sqrt(D),
        W_h=rng.standard_normal((H, H)) / np.sqrt(H),
        B=rng.standard_normal(H) * 0.1,
        dh=rng.standard_normal((N, T, H)),
    )


RANDOM_SIZES = [(3, 4, 2, 3), (1, 1, 1, 1)]  # (N, T, D, H); the second catches hard-coded sizes


def _step(p, t=0):
    """Step t of a sequence problem, with the reference state before it."""
    h = rnn_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])[0]
    h_prev = p["h0"] if t == 0 else h[:, t - 1]
    return dict(x=p["x"][:, t], h_prev=h_prev, W_x=p["W_x"], W_h=p["W_h"], B=p["B"],
                dh_next=p["dh"][:, t])


def _sizes(p):
    x, W_x = p["x"], p["W_x"]
    letters = "N, T, D" if x.ndim == 3 else "N, D"
    return ", ".join(f"{k}={v}" for k, v in zip(letters.split(", ") + ["H"], x.shape + W_x.shape[1:]))


# ---------------------------------------------------------------- helpers
def _numerical_grads(forward, args, upstream, names):
    """Centered-difference gradients of ``sum(forward(*args)[0] * upstream)``, by name."""
    return dict(zip(names, numerical_gradients(forward, args, upstream)))


def _compare_with_numerical(report, label, actual, numeric):
    problems = []
    for name, want in numeric.items():
        got = actual[name]
        if got.shape != want.shape:
            problems.append(f"{name}: expected shape {want.shape}, got {got.shape}")
            continue
        err = relative_error(got, want)
        if not err < GRAD_TOL:
            problems.append(f"{name}: relative error {err:.1e} against centered differences "
                            f"(a right answer gives below {GRAD_TOL:.0e})")
    if problems:
        report.fail(f"{label}: gradient check failed", problems)
    return not problems


def _show(a):
    return np.array2string(np.asarray(a), precision=8)


# ---------------------------------------------------------------- checks
# The fixed example comes first: all sizes differ and h0 is nonzero, so it
# tells most mistakes apart. A check stops at the first problem that fails.
STEP_ARGS = ("x", "h_prev", "W_x", "W_h", "B")
SEQ_ARGS = ("x", "h0", "W_x", "W_h", "B")


def _problems(seed_offset):
    problems = [("fixed example", fixed_problem()), ("seed example", seed_problem())]
    problems += [(f"random problem {i + 1}", random_problem(*size, seed=seed_offset + i))
                 for i, size in enumerate(RANDOM_SIZES)]
    return problems


@never_raises
def check_rnn_step_forward(step_forward):
    """Check ``step_forward(x, h_prev, W_x, W_h, B) -> (h_next, cache)``.

    Parameters
    ----------
    step_forward : callable
        The reader's one-step forward pass; ``h_next`` of shape (N, H), any cache.

    Returns
    -------
    CheckResult
    """
    problems = _problems(0)
    report = Report(f"check_rnn_step_forward({function_name(step_forward)})", len(problems))
    if not require_callable(report, step_forward, "my_rnn_step_forward"):
        return report.result()
    for label, p in problems:
        if report.failed:
            break
        h_ref = rnn_forward(*(p[k] for k in ("x", "h0", "W_x", "W_h", "B")))[0]
        # every step of the problem, each from the right previous state
        for t in range(p["x"].shape[1]):
            inputs = _step(p, t)
            del inputs["dh_next"]
            out = call_and_unpack(report, step_forward, [inputs[k] for k in STEP_ARGS],
                                  ("h_next", "cache"), STEP_ARGS)
            if out is None:
                return report.result()
            text = f"{label}, step {t} ({_sizes(inputs)})"
            if not compare_outputs(report, text, {"h_next": out["h_next"]}, {"h_next": h_ref[:, t]},
                                   inputs, STEP_FORWARD_MISTAKES, STEP_FORWARD_REMINDERS, quiet=True):
                break
        else:
            T = p["x"].shape[1]
            text = f"{label} ({_sizes(inputs)}): " + (f"all {T} steps right" if T > 1 else "right")
            if label == "seed example":
                text += f"; the last one gives h = {_show(h_ref[0, -1])}"
            report.ok(text)
    return report.result()


@never_raises
def check_rnn_forward(forward):
    """Check ``forward(x, h0, W_x, W_h, B) -> (h, cache)``.

    Parameters
    ----------
    forward : callable
        The reader's forward pass over a sequence; ``h`` of shape (N, T, H), any cache.

    Returns
    -------
    CheckResult
    """
    problems = _problems(0)
    report = Report(f"check_rnn_forward({function_name(forward)})", len(problems))
    if not require_callable(report, forward, "my_rnn_forward"):
        return report.result()
    for label, p in problems:
        if report.failed:
            break
        inputs = {k: p[k] for k in SEQ_ARGS}
        out = call_and_unpack(report, forward, list(inputs.values()), ("h", "cache"), SEQ_ARGS)
        if out is None:
            return report.result()
        h_ref = rnn_forward(**inputs)[0]
        text = f"{label} ({_sizes(inputs)})"
        if label == "seed example":
            text += f": h[:, -1] = {_show(h_ref[0, -1])}"
        compare_outputs(report, text, {"h": out["h"]}, {"h": h_ref}, inputs,
                        FORWARD_MISTAKES, FORWARD_REMINDERS)
    return report.result()


def _check_backward(report, backward, forward, problems, step):
    """The loop shared by both backward checks; `step` says which of the two it is."""
    names = STEP_GRADS if step else SEQ_GRADS
    f_name = function_name(forward)
    for label, p in problems:
        if report.failed:
            break
        seed = label == "seed example"
        inputs = _step(p, t=p["x"].shape[1] - 1 if seed else 0) if step else p
        arg_names = STEP_ARGS if step else SEQ_ARGS
        args = [inputs[k] for k in arg_names]
        dh = inputs["dh_next"] if step else p["dh"]
        label = f"{label} ({_sizes(inputs)}{', loss = sum of the last state' if seed else ''})"
        fwd = call_and_unpack(report, forward, args, ("h_next" if step else "h", "cache"), arg_names)
        if fwd is None:
            return
        lib_forward, lib_backward = (rnn_step_forward, rnn_step_backward) if step else (
            rnn_forward, rnn_backward)
        h, cache = lib_forward(*args)
        h_got = fwd["h_next" if step else "h"]
        if not (h_got.shape == h.shape and np.allclose(h_got, h, rtol=1e-5, atol=1e-7)):
            check = "check_rnn_step_forward" if step else "check_rnn_forward"
            report.fail(f"`{f_name}` gives wrong hidden states on the {label}; the backward check "
                        f"needs a correct forward pass: make `{check}({f_name})` pass first.")
            return
        grads = call_and_unpack(report, backward, [dh, fwd["cache"]], names,
                                ("dh_next" if step else "dh", "cache"))
        if grads is None:
            return
        if not label.startswith("random"):
            want = dict(zip(names, lib_backward(dh, cache)))
            compare_outputs(report, label, grads, want, inputs,
                            STEP_BACKWARD_MISTAKES if step else BACKWARD_MISTAKES,
                            STEP_BACKWARD_REMINDERS if step else BACKWARD_REMINDERS,
                            ok_text=f"{label}: all five gradients right")
        else:
            numeric = _numerical_grads(lib_forward, args, dh, names)
            if _compare_with_numerical(report, label, grads, numeric):
                report.ok(f"{label}: all five gradients match centered differences")


@never_raises
def check_rnn_step_backward(step_backward, step_forward):
    """Check ``step_backward(dh_next, cache) -> (dx, dh_prev, dW_x, dW_h, dB)``.

    The cache comes from the reader's own `step_forward`, in whatever format it has.

    Parameters
    ----------
    step_backward : callable
    step_forward : callable
        The forward pass whose cache `step_backward` reads.

    Returns
    -------
    CheckResult
    """
    problems = _problems(10)
    report = Report(f"check_rnn_step_backward({function_name(step_backward)}, "
                    f"{function_name(step_forward)})", len(problems))
    if (require_callable(report, step_backward, "my_rnn_step_backward")
            and require_callable(report, step_forward, "my_rnn_step_forward")):
        _check_backward(report, step_backward, step_forward, problems, step=True)
    return report.result()


@never_raises
def check_rnn_backward(backward, forward):
    """Check ``backward(dh, cache) -> (dx, dh0, dW_x, dW_h, dB)``.

    The cache comes from the reader's own `forward`, in whatever format it has.

    Parameters
    ----------
    backward : callable
    forward : callable
        The forward pass whose cache `backward` reads.

    Returns
    -------
    CheckResult
    """
    problems = _problems(20)
    report = Report(f"check_rnn_backward({function_name(backward)}, {function_name(forward)})",
                    len(problems))
    if (require_callable(report, backward, "my_rnn_backward")
            and require_callable(report, forward, "my_rnn_forward")):
        _check_backward(report, backward, forward, problems, step=False)
    return report.result()


# ---------------------------------------------------------------- training: cross-entropy
def cross_entropy_problems():
    """(label, logits, y, mistakes) of the cross-entropy check, in the order it runs them."""
    fixed = ramp(-2.0, 2.5, 4, 5) ** 2 * 1.5 - ramp(0.0, 3.0, 4, 5)  # (N, C) = (4, 5), no pattern
    # exp overflows in every row, but no probability underflows to 0
    huge = np.array([[1000.0, 999.0, 800.0, 997.0], [998.0, 1001.0, 1000.5, 850.0],
                     [1000.0, 760.0, 900.0, 1000.0]])
    problems = [
        ("fixed example", fixed, np.array([3, 0, 4, 1]), CE_MISTAKES),
        ("the chapter's example", np.array([[1.0, 2.0, 3.0]]), np.array([2]), CE_MISTAKES),
        ("logits of 1000 and more", huge, np.array([1, 2, 3]), CE_OVERFLOW_MISTAKES),
        ("a correct class 800 below the others", np.array([[2.0, -800.0, 1.0], [0.5, 3.0, -1.0]]),
         np.array([1, 0]), CE_UNDERFLOW_MISTAKES),
    ]
    for i, (N, C) in enumerate([(5, 4), (1, 2)]):  # the second catches hard-coded sizes
        rng = np.random.default_rng(30 + i)
        problems.append((f"random problem {i + 1}", rng.standard_normal((N, C)) * 3,
                         rng.integers(0, C, size=N), CE_MISTAKES))
    return problems


@never_raises
def check_softmax_cross_entropy(cross_entropy):
    """Check ``cross_entropy(logits, y) -> (loss, dlogits)``.

    Parameters
    ----------
    cross_entropy : callable
        The reader's mean softmax cross-entropy: `logits` of shape (N, C) and
        integer labels `y` of shape (N,) in, a float `loss` and `dlogits` of
        shape (N, C) out.

    Returns
    -------
    CheckResult
    """
    problems = cross_entropy_problems()
    report = Report(f"check_softmax_cross_entropy({function_name(cross_entropy)})", len(problems))
    if not require_callable(report, cross_entropy, "my_softmax_cross_entropy"):
        return report.result()
    for label, logits, y, mistakes in problems:
        if report.failed:
            break
        out = call_and_unpack(report, cross_entropy, [logits, y], ("loss", "dlogits"),
                              ("logits", "y"), finite=False)
        if out is None:
            break
        if out["loss"].size == 1:  # a loss of shape (1,) is one number too
            out["loss"] = out["loss"].reshape(())
        loss, dlogits = softmax_cross_entropy(logits, y)
        want = {"loss": np.asarray(loss), "dlogits": dlogits}
        text = f"{label} (N={logits.shape[0]}, C={logits.shape[1]})"
        inputs = dict(logits=logits, y=y)
        if not label.startswith("random"):
            overflow = mistakes is CE_OVERFLOW_MISTAKES  # the loss there says nothing to a reader
            ok = "finite, and right" if overflow else f"loss = {loss:.6f}, dlogits right"
            compare_outputs(report, text, out, want, inputs, mistakes, CE_REMINDERS,
                            ok_text=f"{text}: {ok}", strict=True)
        elif compare_outputs(report, text, {"loss": out["loss"]}, {"loss": want["loss"]}, inputs,
                             mistakes, CE_REMINDERS, quiet=True, strict=True):
            numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], logits.copy())
            if _compare_with_numerical(report, text, {"dlogits": out["dlogits"]}, {"dlogits": numeric}):
                report.ok(f"{text}: loss right, dlogits matches centered differences")
    return report.result()


# ---------------------------------------------------------------- training: Adam
ADAM_STEPS = 3


def adam_problems():
    """(label, w, grads of the steps, settings) of the Adam check, in the order it runs them."""
    rng = np.random.default_rng(40)
    return [
        # signs change from step to step, and one entry is so small that eps matters
        ("fixed example", ramp(-0.5, 0.6, 2, 3), _fixed_gradients(), dict(learning_rate=0.1)),
        ("the chapter's example", np.array([1.0]), np.array([[0.5], [-1.0], [2.0]]),
         dict(learning_rate=0.1)),
        ("other settings", ramp(0.3, -0.4, 3, 2), np.sin(ramp(0.0, 9.0, ADAM_STEPS, 3, 2)) * 0.05,
         dict(learning_rate=0.05, beta1=0.8, beta2=0.99, eps=1e-3)),
        ("random problem", rng.standard_normal(4), rng.standard_normal((ADAM_STEPS, 4)),
         dict(learning_rate=0.01)),
    ]


def _fixed_gradients():
    """Three gradients of shape (2, 3) with mixed signs, and one entry so small
    (|g| ~ 1e-4, so g**2 ~ eps) that where eps goes shows."""
    g = np.moveaxis(ramp(-1.5, 2.0, 2, 3, ADAM_STEPS) ** 3, -1, 0)  # (steps, 2, 3)
    g[:, 0, 2] = [2e-4, -1e-4, 3e-4]
    return g


def _adam_reference(w, grads, settings):
    """w after each step of `rnn_lib.optim.Adam` with `settings`."""
    s = dict(settings)
    adam = Adam(lr=s.pop("learning_rate"), **s)
    params, out = {"w": np.array(w, dtype=np.float64)}, []
    for g in grads:
        adam.step(params, {"w": g})
        out.append(params["w"].copy())
    return out


def _settings_text(w, settings):
    shown = ", ".join(f"{k}={v:g}" for k, v in settings.items())
    return f"w of shape {w.shape}, {shown}"


@never_raises
def check_adam_step(adam_step):
    """Check ``adam_step(w, g, state, learning_rate, beta1, beta2, eps) -> new w``.

    The check makes three steps in a row with one `state` dict, empty at the
    first, and compares each new w with `rnn_lib.optim.Adam`.

    Parameters
    ----------
    adam_step : callable
        The reader's Adam step for one parameter array `w` with gradient `g`
        (same shape); it keeps m, v and t in `state`, in a format of its own.

    Returns
    -------
    CheckResult
    """
    problems = adam_problems()
    report = Report(f"check_adam_step({function_name(adam_step)})", len(problems))
    if not require_callable(report, adam_step, "my_adam_step"):
        return report.result()
    for label, w0, grads, settings in problems:
        if report.failed:
            break
        text = f"{label} ({_settings_text(w0, settings)})"
        full = dict(ADAM_DEFAULTS, **settings)
        reference = _adam_reference(w0, grads, settings)
        state, w = {}, w0
        for step, g in enumerate(grads):
            out = call_and_unpack(report, adam_step, [w, g, state], ("w",), ("w", "g", "state"),
                                  kwargs=settings, may_change=("w",), finite=False)
            if out is None:
                return report.result()
            inputs = dict(w=w, grads=grads, step=step, **full)
            if not compare_outputs(report, f"{text}, step {step + 1}", out, {"w": reference[step]},
                                   inputs, ADAM_MISTAKES, ADAM_REMINDERS, quiet=True):
                break
            w = reference[step]
        else:
            done = f"{text}: all {len(grads)} steps right"
            if label == "the chapter's example":
                done += "; w = " + ", ".join(f"{r[0]:.6f}" for r in reference)
            report.ok(done)
    return report.result()


class Exercise(NamedTuple):
    """A graded exercise: its check, the notebook functions it takes (in order), its points."""

    check: object
    functions: tuple
    points: int


EXERCISES = {
    "rnn_step_forward": Exercise(check_rnn_step_forward, ("my_rnn_step_forward",), 1),
    "rnn_forward": Exercise(check_rnn_forward, ("my_rnn_forward",), 1),
    "rnn_step_backward": Exercise(check_rnn_step_backward,
                                  ("my_rnn_step_backward", "my_rnn_step_forward"), 2),
    "rnn_backward": Exercise(check_rnn_backward, ("my_rnn_backward", "my_rnn_forward"), 2),
    "softmax_cross_entropy": Exercise(check_softmax_cross_entropy, ("my_softmax_cross_entropy",), 1),
    "adam_step": Exercise(check_adam_step, ("my_adam_step",), 1),
}
