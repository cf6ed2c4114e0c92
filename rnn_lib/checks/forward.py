"""Graded checks of chapter 1: the forward pass, one step and a whole sequence.

Both checks try every problem and give each its own line, passing or
failing; a failing line names the wrong output, the classic mistake that
gives it when there is one, and the line that rebuilds its input. Steps are
named as in the math: "step 1" is code index 0.
"""
from ..nn.rnn import rnn_forward
from ._base import Exercise, Report, call_and_unpack, compare_outputs, function_name, never_raises, require_callable
from ._forward_mistakes import (
    FORWARD_MISTAKES,
    FORWARD_REMINDERS,
    STEP_FORWARD_MISTAKES,
    STEP_FORWARD_REMINDERS,
)
from .problems import SEQ_ARGS, STEP_ARGS, reproduce, rnn_problem_set, show, sizes_text, step_problem


def _check_steps(report, step_forward, problem):
    """Every step of one problem, each from the right previous state; one line in all.

    Returns False when the reader's function is still a stub.
    """
    p, name = problem.inputs, function_name(step_forward)
    h_ref = rnn_forward(*(p[k] for k in SEQ_ARGS))[0]
    T = p["x"].shape[1]
    for t in range(T):
        inputs = step_problem(p, t)
        del inputs["dh_next"]
        again = reproduce(problem.call, name, STEP_ARGS, t=t)
        text = f"{problem.label}, step {t + 1} of {T} ({sizes_text(inputs)})"
        out = call_and_unpack(report, step_forward, [inputs[k] for k in STEP_ARGS],
                              ("h_next", "cache"), STEP_ARGS, label=text, reproduce=again)
        if out is None:
            return not report.not_implemented
        if not compare_outputs(report, text, {"h_next": out["h_next"]}, {"h_next": h_ref[:, t]},
                               inputs, STEP_FORWARD_MISTAKES, STEP_FORWARD_REMINDERS, quiet=True,
                               reproduce=again):
            return True
    text = f"{problem.label} ({sizes_text(inputs)}): " + (f"all {T} steps right" if T > 1 else "right")
    if problem.label == "worked example":
        text += f"; the last one gives h = {show(h_ref[0, -1])}"
    report.ok(text)
    return True


@never_raises
def check_rnn_step_forward(step_forward):
    """Check ``step_forward(x, h_prev, W_x, W_h, B) -> (h_next, cache)``.

    Each problem's steps run in order, each from the right previous state; the
    first wrong step of a problem is its line. Arguments must not change.

    Parameters
    ----------
    step_forward : callable
        The reader's one-step forward pass; ``h_next`` of shape (N, H), any cache.

    Returns
    -------
    CheckResult
    """
    problems = rnn_problem_set(0)
    report = Report(f"check_rnn_step_forward({function_name(step_forward)})", len(problems))
    if require_callable(report, step_forward, "my_rnn_step_forward"):
        for problem in problems:
            if not _check_steps(report, step_forward, problem):
                break  # a stub: the other problems would say the same
    return report.result()


@never_raises
def check_rnn_forward(forward):
    """Check ``forward(x, h0, W_x, W_h, B) -> (h, cache)``; arguments must not change.

    Parameters
    ----------
    forward : callable
        The reader's forward pass over a sequence; ``h`` of shape (N, T, H), any cache.

    Returns
    -------
    CheckResult
    """
    problems = rnn_problem_set(0)
    name = function_name(forward)
    report = Report(f"check_rnn_forward({name})", len(problems))
    if not require_callable(report, forward, "my_rnn_forward"):
        return report.result()
    for problem in problems:
        inputs = {k: problem.inputs[k] for k in SEQ_ARGS}
        text = f"{problem.label} ({sizes_text(inputs)})"
        again = reproduce(problem.call, name, SEQ_ARGS)
        out = call_and_unpack(report, forward, list(inputs.values()), ("h", "cache"), SEQ_ARGS,
                              label=text, reproduce=again)
        if out is None:
            if report.not_implemented:
                break  # a stub: the other problems would say the same
            continue
        h_ref = rnn_forward(**inputs)[0]
        ok_text = text
        if problem.label == "worked example":
            ok_text += f": h[:, -1] = {show(h_ref[0, -1])}"
        compare_outputs(report, text, {"h": out["h"]}, {"h": h_ref}, inputs,
                        FORWARD_MISTAKES, FORWARD_REMINDERS, ok_text=ok_text, reproduce=again)
    return report.result()


EXERCISES = {
    "rnn_step_forward": Exercise(check_rnn_step_forward, ("my_rnn_step_forward",), 1,
                                 solves=("rnn_lib.nn.rnn.rnn_step_forward",
                                         "rnn_lib.nn.rnn_reference.rnn_step_forward")),
    "rnn_forward": Exercise(check_rnn_forward, ("my_rnn_forward",), 1,
                            solves=("rnn_lib.nn.rnn.rnn_forward",
                                    "rnn_lib.nn.rnn_reference.rnn_forward")),
}
