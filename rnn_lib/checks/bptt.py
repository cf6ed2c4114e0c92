"""Graded checks of chapter 2: backpropagation through time, one step and a whole sequence."""
import numpy as np

from ..nn.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from ._base import Exercise, Report, call_and_unpack, compare_outputs, function_name, never_raises, require_callable
from ._bptt_mistakes import (
    BACKWARD_MISTAKES,
    BACKWARD_REMINDERS,
    SEQ_GRADS,
    STEP_BACKWARD_MISTAKES,
    STEP_BACKWARD_REMINDERS,
    STEP_GRADS,
)
from .problems import (
    SEQ_ARGS,
    STEP_ARGS,
    compare_with_numerical,
    numerical_grads_by_name,
    rnn_problems,
    sizes_text,
    step_problem,
)


def _check_backward(report, backward, forward, problems, step):
    """The loop shared by both backward checks; `step` says which of the two it is."""
    names = STEP_GRADS if step else SEQ_GRADS
    f_name = function_name(forward)
    for label, p in problems:
        if report.failed:
            break
        seed = label == "seed example"
        inputs = step_problem(p, t=p["x"].shape[1] - 1 if seed else 0) if step else p
        arg_names = STEP_ARGS if step else SEQ_ARGS
        args = [inputs[k] for k in arg_names]
        dh = inputs["dh_next"] if step else p["dh"]
        label = f"{label} ({sizes_text(inputs)}{', loss = sum of the last state' if seed else ''})"
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
            numeric = numerical_grads_by_name(lib_forward, args, dh, names)
            if compare_with_numerical(report, label, grads, numeric):
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
    problems = rnn_problems(10)
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
    problems = rnn_problems(20)
    report = Report(f"check_rnn_backward({function_name(backward)}, {function_name(forward)})",
                    len(problems))
    if (require_callable(report, backward, "my_rnn_backward")
            and require_callable(report, forward, "my_rnn_forward")):
        _check_backward(report, backward, forward, problems, step=False)
    return report.result()


EXERCISES = {
    "rnn_step_backward": Exercise(check_rnn_step_backward,
                                  ("my_rnn_step_backward", "my_rnn_step_forward"), 2,
                                  solves=("rnn_lib.nn.rnn.rnn_step_backward",
                                          "rnn_lib.nn.rnn_reference.rnn_step_backward")),
    "rnn_backward": Exercise(check_rnn_backward, ("my_rnn_backward", "my_rnn_forward"), 2,
                             solves=("rnn_lib.nn.rnn.rnn_backward",
                                     "rnn_lib.nn.rnn_reference.rnn_backward")),
}
