"""Graded checks of chapter 3: the softmax cross-entropy and one Adam step."""
import numpy as np

from ..gradcheck import numerical_gradient
from ..nn.losses import softmax_cross_entropy
from ..optim import Adam
from ._base import Exercise, Report, call_and_unpack, compare_outputs, function_name, never_raises, require_callable
from ._training_mistakes import (
    ADAM_DEFAULTS,
    ADAM_MISTAKES,
    ADAM_REMINDERS,
    CE_MISTAKES,
    CE_OVERFLOW_MISTAKES,
    CE_REMINDERS,
    CE_GLOBAL_SHIFT_MISTAKES,
    CE_UNDERFLOW_MISTAKES,
)
from .problems import compare_with_numerical, ramp


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
        ("rows whose maxima are far apart", np.array([[1000.0, 998.0, 999.5],
                                                      [-1000.0, -1001.0, -999.0]]),
         np.array([0, 1]), CE_GLOBAL_SHIFT_MISTAKES),
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
        out = call_and_unpack(report, cross_entropy, [logits, y], ("loss", "dlogits"),
                              ("logits", "y"), finite=False)
        if out is None:
            if report.not_implemented:
                break
            continue
        if out["loss"].size == 1:  # a loss of shape (1,) is one number too
            out["loss"] = out["loss"].reshape(())
        loss, dlogits = softmax_cross_entropy(logits, y)
        want = {"loss": np.asarray(loss), "dlogits": dlogits}
        text = f"{label} (N={logits.shape[0]}, C={logits.shape[1]})"
        inputs = dict(logits=logits, y=y)
        if not label.startswith("random"):
            # the loss there says nothing to a reader
            overflow = mistakes in (CE_OVERFLOW_MISTAKES, CE_GLOBAL_SHIFT_MISTAKES)
            ok = "finite, and right" if overflow else f"loss = {loss:.6f}, dlogits right"
            compare_outputs(report, text, out, want, inputs, mistakes, CE_REMINDERS,
                            ok_text=f"{text}: {ok}", strict=True)
        elif compare_outputs(report, text, {"loss": out["loss"]}, {"loss": want["loss"]}, inputs,
                             mistakes, CE_REMINDERS, quiet=True, strict=True):
            numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], logits.copy())
            if compare_with_numerical(report, text, {"dlogits": out["dlogits"]}, {"dlogits": numeric}):
                report.ok(f"{text}: loss right, dlogits matches centered differences")
    return report.result()


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
    adam = Adam(learning_rate=s.pop("learning_rate"), **s)
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
    steps_before = 0  # steps of the problems passed: a count outside `state` goes on from there
    for label, w0, grads, settings in problems:
        text = f"{label} ({_settings_text(w0, settings)})"
        full = dict(ADAM_DEFAULTS, **settings)
        reference = _adam_reference(w0, grads, settings)
        state, w = {}, w0
        for step, g in enumerate(grads):
            out = call_and_unpack(report, adam_step, [w, g, state], ("w",), ("w", "g", "state"),
                                  kwargs=settings, may_change=("w",), finite=False)
            if out is None:
                if report.not_implemented:
                    return report.result()
                break
            inputs = dict(w=w, grads=grads, step=step, steps_before=steps_before, **full)
            if not compare_outputs(report, f"{text}, step {step + 1}", out, {"w": reference[step]},
                                   inputs, ADAM_MISTAKES, ADAM_REMINDERS, quiet=True):
                break
            w = reference[step]
        else:
            steps_before += len(grads)
            done = f"{text}: all {len(grads)} steps right"
            if label == "the chapter's example":
                done += "; w = " + ", ".join(f"{r[0]:.6f}" for r in reference)
            report.ok(done)
    return report.result()


EXERCISES = {
    "softmax_cross_entropy": Exercise(check_softmax_cross_entropy, ("my_softmax_cross_entropy",), 1,
                                      solves=("rnn_lib.nn.losses.softmax_cross_entropy",)),
    "adam_step": Exercise(check_adam_step, ("my_adam_step",), 1,
                          solves=("rnn_lib.optim.Adam._update",)),
}
