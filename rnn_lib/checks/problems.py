"""The problems every RNN check runs, and the gradient comparison they share.

A fixed example built with `np.linspace` (all sizes different, nothing
symmetric, so a missing transpose or a swapped axis shows), the chapters'
worked example, and small random problems, the last of size 1 everywhere so
that hard-coded sizes fail. Each problem comes with the one line that
rebuilds it (``fixed_problem()``, ``random_problem(3, 4, 2, 3, seed=1)``), so a
failing check can say how to reproduce its input.
"""
from typing import NamedTuple

import numpy as np

from ..gradcheck import numerical_gradients, relative_error
from ..nn.rnn import rnn_forward

GRAD_TOL = 1e-6  # relative error against centered differences; a right answer gives ~1e-10
STEP_ARGS = ("x", "h_prev", "W_x", "W_h", "B")
SEQ_ARGS = ("x", "h0", "W_x", "W_h", "B")


def worked_example():
    """Chapter 1's worked example: N=1, T=3, D=2, H=4; final h = [0.79494228 ...].

    Its upstream gradient is that of chapter 2's loss, the sum of the last state.
    """
    dh = np.zeros((1, 3, 4))
    dh[:, -1] = 1.0
    return dict(
        x=np.array([[[1, 2], [2, 3], [3, 4]]]) / 100,
        h0=np.zeros((1, 4)),
        W_x=np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100,
        W_h=np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100,
        B=np.array([1, 1, 1, 1]),  # an int array, as chapter 1 writes it
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
    """A random problem of the given sizes, drawn from the random seed `seed`."""
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


def step_problem(p, t=0):
    """The inputs of one step of a sequence problem, with the right state before it.

    `t` is the code's index: ``t = 0`` is the math's step 1 (x_1, h_0 before it).
    """
    h = rnn_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])[0]
    h_prev = p["h0"] if t == 0 else h[:, t - 1]
    return dict(x=p["x"][:, t], h_prev=h_prev, W_x=p["W_x"], W_h=p["W_h"], B=p["B"],
                dh_next=p["dh"][:, t])


def sizes_text(p):
    x, W_x = p["x"], p["W_x"]
    letters = "N, T, D" if x.ndim == 3 else "N, D"
    return ", ".join(f"{k}={v}" for k, v in zip(letters.split(", ") + ["H"], x.shape + W_x.shape[1:]))


class Problem(NamedTuple):
    """One problem of a check: its label, its inputs, and the call that rebuilds them."""

    label: str  #: e.g. "fixed example", shown in the feedback
    inputs: dict  #: x, h0, W_x, W_h, B, dh
    call: str  #: the call of a function of rnn_lib.checks, such as ``fixed_problem()``


def rnn_problem_set(seed_offset):
    """The problems of the RNN checks, as a list of `Problem`.

    The fixed example comes first: all sizes differ and h0 is nonzero, so it
    tells most mistakes apart.
    """
    problems = [Problem("fixed example", fixed_problem(), "fixed_problem()"),
                Problem("worked example", worked_example(), "worked_example()")]
    for i, size in enumerate(RANDOM_SIZES):
        seed = seed_offset + i
        problems.append(Problem(f"random problem {i + 1}", random_problem(*size, seed=seed),
                                f"random_problem({', '.join(map(str, size))}, seed={seed})"))
    return problems


def rnn_problems(seed_offset):
    """The problems of the RNN checks, as (label, inputs) pairs."""
    return [(p.label, p.inputs) for p in rnn_problem_set(seed_offset)]


def reproduce(call, fn_name, arg_names, t=None):
    """One line that rebuilds a problem's inputs and calls the reader's function on them.

    `call` is a `Problem.call`; with `t`, the inputs are those of step index
    `t` of that problem (``step_problem``).
    """
    names = call.split("(")[0] + (", step_problem" if t is not None else "")
    build = call if t is None else f"step_problem({call}, t={t})"
    args = ", ".join(f'p["{k}"]' for k in arg_names)
    return (f"`from rnn_lib.checks import {names}; p = {build}`, "
            f"then `{fn_name}({args})`")



def numerical_grads_by_name(forward, args, upstream, names):
    """Centered-difference gradients of ``sum(forward(*args)[0] * upstream)``, by name."""
    return dict(zip(names, numerical_gradients(forward, args, upstream)))


def compare_with_numerical(report, label, actual, numeric):
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


def show(a):
    return np.array2string(np.asarray(a), precision=8)
