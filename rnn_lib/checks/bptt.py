"""Graded checks of chapter 2: backpropagation through time, one step and a whole sequence.

Every problem a check tries gets its own line, passing or failing: the fixed
example, the chapter's worked example, the fixed example again with an
upstream gradient a hundred times larger (gradients as large as early in
training, so that clipping inside the backward pass shows), and small random
problems checked against centered differences. A failing line says how to
rebuild its inputs.

When the gradients are wrong, the check first asks whether the reader's
forward pass kept its cache intact (a forward pass that writes into arrays it
has cached gives right states and a stale cache, and then even a right
backward pass returns wrong gradients); only then does it compare with the
catalogued mistakes of the backward pass.
"""
import numpy as np

from ..nn.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from . import problems as _problems
from ._base import (
    Exercise,
    Report,
    call_and_unpack,
    close,
    compare_outputs,
    function_name,
    never_raises,
    require_callable,
)
from ._bptt_diagnosis import CLIPPED, STALE_CACHE, clipped, stale_cache
from ._bptt_mistakes import (
    BACKWARD_MISTAKES,
    BACKWARD_REMINDERS,
    SEQ_GRADS,
    STEP_BACKWARD_MISTAKES,
    STEP_BACKWARD_REMINDERS,
    STEP_GRADS,
)
from .problems import (
    RANDOM_SIZES,
    SEQ_ARGS,
    STEP_ARGS,
    compare_with_numerical,
    numerical_grads_by_name,
    rnn_problems,
    sizes_text,
    step_problem,
)

LARGE = 100.0  # the factor of the large-gradient problem's upstream gradient

def _worked_call():
    """The call that builds the worked example (its function's name in `problems`)."""
    return "worked_example()" if hasattr(_problems, "worked_example") else "seed_problem()"


def _backward_problems(seed_offset):
    """(kind, label, problem, call that builds it) for every problem a backward check tries."""
    out, n_random = [], 0
    for label, p in rnn_problems(seed_offset):
        if label.startswith("random"):
            size = ", ".join(map(str, RANDOM_SIZES[n_random]))
            out.append(("random", label, p, f"random_problem({size}, seed={seed_offset + n_random})"))
            n_random += 1
        elif label.startswith("fixed"):
            out.append(("fixed", label, p, "fixed_problem()"))
            out.append(("large", "fixed example with a large upstream gradient",
                        dict(p, dh=p["dh"] * LARGE), "fixed_problem()"))
        else:
            out.append(("worked", label, p, _worked_call()))
    kinds = {"fixed": 0, "worked": 1, "large": 2, "random": 3}
    return sorted(out, key=lambda item: kinds[item[0]])


def _reproduce(kind, call, t, forward, backward, step):
    """One line that rebuilds a problem and runs the reader's two functions on it."""
    names = call.split("(")[0] + (", step_problem" if step else "")
    build = f"step_problem({call}, t={t})" if step else call
    up = "dh_next" if step else "dh"
    scale = f'; p["{up}"] = {LARGE:.0f} * p["{up}"]' if kind == "large" else ""
    args = ", ".join(f'p["{k}"]' for k in (STEP_ARGS if step else SEQ_ARGS))
    out = "h_next" if step else "h"
    return (f"Reproduce: `from rnn_lib.checks.problems import {names}; p = {build}{scale}`, "
            f"then `{out}, cache = {function_name(forward)}({args})` and "
            f"`{function_name(backward)}(p[\"{up}\"], cache)`")


def _add_details(report, before, details):
    """Append `details` to the failing line the last problem added, if it added one."""
    if len(report.lines) > before and not report.lines[-1].ok:
        line = report.lines[-1]
        report.lines[-1] = line._replace(details=line.details + tuple(details))


def _check_backward(report, backward, forward, problems, step):
    """The loop shared by both backward checks; `step` says which of the two it is."""
    names = STEP_GRADS if step else SEQ_GRADS
    arg_names = STEP_ARGS if step else SEQ_ARGS
    lib_forward, lib_backward = ((rnn_step_forward, rnn_step_backward) if step
                                 else (rnn_forward, rnn_backward))
    f_name = function_name(forward)
    stale = []  # the forward pass's diagnosis, made once, at the first wrong gradient
    for kind, label, p, call in problems:
        before = len(report.lines)
        worked = kind == "worked"
        t = p["x"].shape[1] - 1 if worked else 0  # the step a step check tries (code index)
        inputs = step_problem(p, t=t) if step else p
        args = [inputs[k] for k in arg_names]
        dh = inputs["dh_next"] if step else inputs["dh"]
        label = f"{label} ({sizes_text(inputs)}{', loss = sum of the last state' if worked else ''})"
        reproduce = [_reproduce(kind, call, t, forward, backward, step)]
        fwd = call_and_unpack(report, forward, args, ("h_next" if step else "h", "cache"),
                              arg_names)
        if fwd is None:
            if report.not_implemented:  # a stub: one line says it all
                return
            _add_details(report, before, reproduce)
            continue
        h, cache = lib_forward(*args)
        h_got = fwd["h_next" if step else "h"]
        if not (h_got.shape == h.shape and np.allclose(h_got, h, rtol=1e-5, atol=1e-7)):
            check = "check_rnn_step_forward" if step else "check_rnn_forward"
            report.fail(f"{label}: `{f_name}` gives wrong hidden states; the backward check "
                        f"needs a correct forward pass: make `{check}({f_name})` pass first.",
                        reproduce)
            continue
        grads = call_and_unpack(report, backward, [dh, fwd["cache"]], names,
                                ("dh_next" if step else "dh", "cache"))
        if grads is None:
            if report.not_implemented:
                return
            _add_details(report, before, reproduce)
            continue
        if kind == "random":
            want = numerical_grads_by_name(lib_forward, args, dh, names)
            right = compare_with_numerical(Report(""), label, grads, want)
        else:
            want = dict(zip(names, lib_backward(dh, cache)))
            right = all(close(grads[n], want[n]) for n in names)
        if right:
            report.ok(f"{label}: all five gradients "
                      + ("match centered differences" if kind == "random" else "right"))
            continue
        if not stale:
            stale.append(stale_cache(forward, problems[0][2], step))
        if stale[0]:
            wrong = [n for n in names if grads[n].shape != want[n].shape
                     or not close(grads[n], want[n])]
            seen = STALE_CACHE.key in report.mistakes
            if not seen:
                report.mistakes.append(STALE_CACHE.key)
            report.fail(f"{label}: {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong",
                        [f"Looks like: {STALE_CACHE.title}" + (
                            " (see above)." if seen else f". {stale[0]} {STALE_CACHE.hint}")]
                        + reproduce)
            continue
        if kind == "random":
            compare_with_numerical(report, label, grads, want)
        else:
            found = len(report.mistakes)
            compare_outputs(report, label, grads, want, inputs,
                            STEP_BACKWARD_MISTAKES if step else BACKWARD_MISTAKES,
                            STEP_BACKWARD_REMINDERS if step else BACKWARD_REMINDERS)
            how = clipped(grads, want, names) if len(report.mistakes) == found else None
            if how:
                seen = CLIPPED.key in report.mistakes
                if not seen:
                    report.mistakes.append(CLIPPED.key)
                line = report.lines[-1]  # drop the reminders: the cause is known
                report.lines[-1] = line._replace(details=tuple(
                    d for d in line.details if not d.startswith("Reminder")) + (
                    f"Looks like: {CLIPPED.title}" + (
                        " (see above)." if seen else f": {how}. {CLIPPED.hint}"),))
        _add_details(report, before, reproduce)
    # A forward pass whose cache a later call overwrites can still pass every problem above
    # (each backward call directly follows its forward call) and break any real use.
    if STALE_CACHE.key not in report.mistakes and all(line.ok for line in report.lines):
        how = stale[0] if stale else stale_cache(forward, problems[0][2], step)
        if how:
            report.mistakes.append(STALE_CACHE.key)
            report.fail(f"the cache of `{f_name}`: the gradients above are right, but a later "
                        "call changes what an earlier one cached",
                        [f"Looks like: {STALE_CACHE.title}. {how} {STALE_CACHE.hint}"])


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
    problems = _backward_problems(10)
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
    problems = _backward_problems(20)
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
