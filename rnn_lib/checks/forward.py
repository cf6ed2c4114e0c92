"""Graded checks of chapter 1: the forward pass, one step and a whole sequence."""
from ..nn.rnn import rnn_forward
from ._base import Exercise, Report, call_and_unpack, compare_outputs, function_name, never_raises, require_callable
from ._forward_mistakes import (
    FORWARD_MISTAKES,
    FORWARD_REMINDERS,
    STEP_FORWARD_MISTAKES,
    STEP_FORWARD_REMINDERS,
)
from .problems import SEQ_ARGS, STEP_ARGS, rnn_problems, show, sizes_text, step_problem


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
    problems = rnn_problems(0)
    report = Report(f"check_rnn_step_forward({function_name(step_forward)})", len(problems))
    if not require_callable(report, step_forward, "my_rnn_step_forward"):
        return report.result()
    for label, p in problems:
        if report.failed:
            break
        h_ref = rnn_forward(*(p[k] for k in ("x", "h0", "W_x", "W_h", "B")))[0]
        # every step of the problem, each from the right previous state
        for t in range(p["x"].shape[1]):
            inputs = step_problem(p, t)
            del inputs["dh_next"]
            out = call_and_unpack(report, step_forward, [inputs[k] for k in STEP_ARGS],
                                  ("h_next", "cache"), STEP_ARGS)
            if out is None:
                return report.result()
            text = f"{label}, step {t} ({sizes_text(inputs)})"
            if not compare_outputs(report, text, {"h_next": out["h_next"]}, {"h_next": h_ref[:, t]},
                                   inputs, STEP_FORWARD_MISTAKES, STEP_FORWARD_REMINDERS, quiet=True):
                break
        else:
            T = p["x"].shape[1]
            text = f"{label} ({sizes_text(inputs)}): " + (f"all {T} steps right" if T > 1 else "right")
            if label == "seed example":
                text += f"; the last one gives h = {show(h_ref[0, -1])}"
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
    problems = rnn_problems(0)
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
        text = f"{label} ({sizes_text(inputs)})"
        if label == "seed example":
            text += f": h[:, -1] = {show(h_ref[0, -1])}"
        compare_outputs(report, text, {"h": out["h"]}, {"h": h_ref}, inputs,
                        FORWARD_MISTAKES, FORWARD_REMINDERS)
    return report.result()


EXERCISES = {
    "rnn_step_forward": Exercise(check_rnn_step_forward, ("my_rnn_step_forward",), 1,
                                 solves=("rnn_lib.nn.rnn.rnn_step_forward",
                                         "rnn_lib.nn.rnn_reference.rnn_step_forward")),
    "rnn_forward": Exercise(check_rnn_forward, ("my_rnn_forward",), 1,
                            solves=("rnn_lib.nn.rnn.rnn_forward",
                                    "rnn_lib.nn.rnn_reference.rnn_forward")),
}
