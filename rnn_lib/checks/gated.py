"""Graded checks of chapter 5: one LSTM step forward and backward, one GRU step forward.

Every check runs CS231n's LSTM example (all sizes different, built with
`np.linspace`), a small problem with a nonzero cell state, and random problems,
the last of size 1 everywhere so that hard-coded sizes fail. The backward
check compares with the library on the fixed problems (naming a classic
mistake when the answer is what it gives) and with centered differences on
the random ones.
"""
import numpy as np

from ..gradcheck import numerical_gradients
from ..nn.gru import gru_step_forward
from ..nn.lstm import lstm_step_backward, lstm_step_forward
from ._base import (
    Exercise,
    Report,
    call_and_unpack,
    compare_outputs,
    function_name,
    never_raises,
    require_callable,
)
from ._gated_mistakes import (
    GRU_STEP_FORWARD_MISTAKES,
    GRU_STEP_FORWARD_REMINDERS,
    LSTM_STEP_BACKWARD_MISTAKES,
    LSTM_STEP_BACKWARD_REMINDERS,
    LSTM_STEP_FORWARD_MISTAKES,
    LSTM_STEP_FORWARD_REMINDERS,
    LSTM_STEP_GRADS,
    LSTM_STEP_OUTPUTS,
)
from .problems import compare_with_numerical, ramp

LSTM_ARGS = ("x", "h_prev", "c_prev", "W_x", "W_h", "B")
GRU_ARGS = ("x", "h_prev", "W_x", "W_h", "B")

__all__ = ["check_lstm_step_forward", "check_lstm_step_backward", "check_gru_step_forward",
           "gated_problems"]


def _cs231n_problem():
    """The inputs of CS231n's `lstm_step_forward` test (N=3, D=4, H=5)."""
    N, D, H = 3, 4, 5
    return dict(x=ramp(-0.4, 1.2, N, D), h_prev=ramp(-0.3, 0.7, N, H),
                c_prev=ramp(-0.4, 0.9, N, H), W_x=ramp(-2.1, 1.3, D, 4 * H),
                W_h=ramp(-0.7, 2.2, H, 4 * H), B=ramp(0.3, 0.7, 4 * H),
                dh_next=ramp(-1.0, 0.9, N, H) ** 2 - 0.3, dc_next=ramp(0.6, -0.8, N, H))


def _small_problem():
    """Small weights, so that no gate saturates and every mistake shows."""
    N, D, H = 2, 3, 4
    return dict(x=ramp(-1.0, 0.8, N, D), h_prev=ramp(0.5, -0.45, N, H),
                c_prev=ramp(-0.9, 1.1, N, H), W_x=ramp(-0.6, 0.7, D, 4 * H) ** 3,
                W_h=np.sin(ramp(0.0, 9.0, H, 4 * H)) * 0.5, B=ramp(-0.2, 0.3, 4 * H),
                dh_next=ramp(-1.0, 0.9, N, H) ** 2 - 0.3, dc_next=ramp(0.7, -0.4, N, H))


def _random_problem(N, D, H, seed):
    rng = np.random.default_rng(seed)
    return dict(x=rng.standard_normal((N, D)), h_prev=rng.standard_normal((N, H)) * 0.5,
                c_prev=rng.standard_normal((N, H)), W_x=rng.standard_normal((D, 4 * H)) / D**0.5,
                W_h=rng.standard_normal((H, 4 * H)) / H**0.5, B=rng.standard_normal(4 * H) * 0.3,
                dh_next=rng.standard_normal((N, H)), dc_next=rng.standard_normal((N, H)))


def gated_problems(seed=0):
    """(label, problem) pairs; an LSTM problem (4H-wide weights), cut to 3H for the GRU."""
    return [("CS231n's example", _cs231n_problem()), ("small example", _small_problem()),
            ("random problem 1", _random_problem(3, 2, 4, seed)),
            ("random problem 2", _random_problem(1, 1, 1, seed + 1))]


def _gru_inputs(p):
    H = p["h_prev"].shape[1]
    return dict(x=p["x"], h_prev=p["h_prev"], W_x=p["W_x"][:, :3 * H],
                W_h=p["W_h"][:, :3 * H], B=p["B"][:3 * H])


def _sizes(p):
    (N, D), H = p["x"].shape, p["h_prev"].shape[1]
    return f"N={N}, D={D}, H={H}"


@never_raises
def check_lstm_step_forward(step_forward):
    """Check ``step_forward(x, h_prev, c_prev, W_x, W_h, B) -> (h_next, c_next, cache)``.

    Returns
    -------
    CheckResult
    """
    problems = gated_problems(0)
    report = Report(f"check_lstm_step_forward({function_name(step_forward)})", len(problems))
    if not require_callable(report, step_forward, "my_lstm_step_forward"):
        return report.result()
    for label, p in problems:
        inputs = {k: p[k] for k in LSTM_ARGS}
        out = call_and_unpack(report, step_forward, list(inputs.values()),
                              LSTM_STEP_OUTPUTS + ("cache",), LSTM_ARGS)
        if out is None:
            return report.result()
        h, c, _ = lstm_step_forward(**inputs)
        compare_outputs(report, f"{label} ({_sizes(p)})",
                        {k: out[k] for k in LSTM_STEP_OUTPUTS}, {"h_next": h, "c_next": c},
                        inputs, LSTM_STEP_FORWARD_MISTAKES, LSTM_STEP_FORWARD_REMINDERS)
    return report.result()


def _lstm_numerical(p):
    """Centered-difference gradients of ``sum(h_next * dh_next) + sum(c_next * dc_next)``."""
    def both(*args):
        h, c, _ = lstm_step_forward(*args)
        return np.concatenate([h, c], axis=1), None

    upstream = np.concatenate([p["dh_next"], p["dc_next"]], axis=1)
    return dict(zip(LSTM_STEP_GRADS, numerical_gradients(both, [p[k] for k in LSTM_ARGS],
                                                          upstream)))


@never_raises
def check_lstm_step_backward(step_backward, step_forward):
    """Check ``step_backward(dh_next, dc_next, cache) -> (dx, dh_prev, dc_prev, dW_x, dW_h, dB)``.

    The cache comes from the reader's own `step_forward`, in whatever format it has.

    Returns
    -------
    CheckResult
    """
    problems = gated_problems(10)
    report = Report(f"check_lstm_step_backward({function_name(step_backward)}, "
                    f"{function_name(step_forward)})", len(problems))
    if not (require_callable(report, step_backward, "my_lstm_step_backward")
            and require_callable(report, step_forward, "my_lstm_step_forward")):
        return report.result()
    f_name = function_name(step_forward)
    for label, p in problems:
        label = f"{label} ({_sizes(p)})"
        args = [p[k] for k in LSTM_ARGS]
        fwd = call_and_unpack(report, step_forward, args, LSTM_STEP_OUTPUTS + ("cache",),
                              LSTM_ARGS)
        if fwd is None:
            return report.result()
        h, c, cache = lstm_step_forward(*args)
        if not all(fwd[k].shape == v.shape and np.allclose(fwd[k], v, rtol=1e-5, atol=1e-7)
                   for k, v in (("h_next", h), ("c_next", c))):
            report.fail(f"`{f_name}` gives a wrong h_next or c_next on the {label}; the "
                        f"backward check needs a correct forward pass: make "
                        f"`check_lstm_step_forward({f_name})` pass first.")
            return report.result()
        grads = call_and_unpack(report, step_backward, [p["dh_next"], p["dc_next"], fwd["cache"]],
                                LSTM_STEP_GRADS, ("dh_next", "dc_next", "cache"))
        if grads is None:
            return report.result()
        if label.startswith("random"):
            if compare_with_numerical(report, label, grads, _lstm_numerical(p)):
                report.ok(f"{label}: all six gradients match centered differences")
        else:
            want = dict(zip(LSTM_STEP_GRADS, lstm_step_backward(p["dh_next"], p["dc_next"], cache)))
            compare_outputs(report, label, grads, want, p, LSTM_STEP_BACKWARD_MISTAKES,
                            LSTM_STEP_BACKWARD_REMINDERS, ok_text=f"{label}: all six gradients right",
                            strict=True)
    return report.result()


@never_raises
def check_gru_step_forward(step_forward):
    """Check ``step_forward(x, h_prev, W_x, W_h, B, *, reset_after=False) -> (h_next, cache)``.

    Each problem runs with ``reset_after=False`` and with ``reset_after=True``.

    Returns
    -------
    CheckResult
    """
    problems = gated_problems(20)
    report = Report(f"check_gru_step_forward({function_name(step_forward)})", 2 * len(problems))
    if not require_callable(report, step_forward, "my_gru_step_forward"):
        return report.result()
    for label, p in problems:
        for reset_after in (False, True):
            inputs = _gru_inputs(p)
            out = call_and_unpack(report, step_forward, list(inputs.values()),
                                  ("h_next", "cache"), GRU_ARGS,
                                  kwargs={"reset_after": reset_after})
            if out is None:
                return report.result()
            h, _ = gru_step_forward(**inputs, reset_after=reset_after)
            compare_outputs(report, f"{label} ({_sizes(p)}), reset_after={reset_after}",
                            {"h_next": out["h_next"]}, {"h_next": h},
                            dict(inputs, reset_after=reset_after), GRU_STEP_FORWARD_MISTAKES,
                            GRU_STEP_FORWARD_REMINDERS)
    return report.result()


EXERCISES = {
    "lstm_step_forward": Exercise(check_lstm_step_forward, ("my_lstm_step_forward",), 2,
                                  solves=("rnn_lib.nn.lstm.lstm_step_forward",)),
    "lstm_step_backward": Exercise(check_lstm_step_backward,
                                   ("my_lstm_step_backward", "my_lstm_step_forward"), 3,
                                   solves=("rnn_lib.nn.lstm.lstm_step_backward",)),
    "gru_step_forward": Exercise(check_gru_step_forward, ("my_gru_step_forward",), 2,
                                 solves=("rnn_lib.nn.gru.gru_step_forward",)),
}
