"""Graded checks for the exercises of the book: call one on your function.

>>> from rnn_lib.checks import check_rnn_forward
>>> check_rnn_forward(my_rnn_forward)            # doctest: +SKIP

Each check runs your function on the seed's worked example, on a fixed
example built with `np.linspace` (non-symmetric weights, a nonzero initial
state, N, T, D and H all different, so a missing transpose or a swapped axis
shows), and on small random problems; backward checks also compare with
centered differences. It returns a `CheckResult`: ``passed`` and feedback
that names the output that is wrong and, when the answer is what a classic
mistake gives, that mistake. A check never raises.

`EXERCISES` lists every graded exercise for the grader:
name -> (check, names of the notebook functions it takes, points).
"""
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from ._checkbase import (
    CheckResult,
    Mistake,
    Report,
    compare_outputs,
    function_name,
    require_callable,
    safe_call,
    unpack,
)
from .gradcheck import numerical_gradient_array, relative_error
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

__all__ = [
    "CheckResult",
    "EXERCISES",
    "Exercise",
    "check_rnn_backward",
    "check_rnn_forward",
    "check_rnn_step_backward",
    "check_rnn_step_forward",
]

GRAD_TOL = 1e-6  # relative error against centered differences; a right answer gives ~1e-10
STEP_GRADS = ("dx", "dh_prev", "dW_x", "dW_h", "dB")
SEQ_GRADS = ("dx", "dh0", "dW_x", "dW_h", "dB")


# ---------------------------------------------------------------- problems
def seed_problem():
    """The seed's worked example: N=1, T=3, D=2, H=4; final h = [0.79494228 ...]."""
    return dict(
        x=np.array([[[1, 2], [2, 3], [3, 4]]]) / 100,
        h0=np.zeros((1, 4)),
        W_x=np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100,
        W_h=np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100,
        B=np.array([1, 1, 1, 1]),  # an int array, as in the seed
    )


def fixed_problem(N=2, T=3, D=4, H=5):
    """A deterministic problem with every size different and nothing symmetric."""
    def ramp(lo, hi, *shape):
        return np.linspace(lo, hi, int(np.prod(shape))).reshape(shape)

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
                dh_next=p["dh"][:, t] if "dh" in p else None)


def _sizes(p):
    x, W_x = p["x"], p["W_x"]
    letters = "N, T, D" if x.ndim == 3 else "N, D"
    return ", ".join(f"{k}={v}" for k, v in zip(letters.split(", ") + ["H"], x.shape + W_x.shape[1:]))


# ---------------------------------------------------------------- mistakes
# Each mistake recomputes the RNN the way an implementation with that one
# mistake would, from the math; the checks compare the reader's outputs with
# these. With no switch set, both functions compute the right answer (a test
# holds them to the library).
def _forward_variant(x, h0, W_x, W_h, B, act=np.tanh, transpose_W_h=False, bias=True,
                     recurrent=True, carry=True):
    W = W_h.T if transpose_W_h else W_h
    h_prev, hs = h0, []
    for t in range(x.shape[1]):
        h_in = h_prev if carry else h0
        a_t = x[:, t] @ W_x + (h_in @ W if recurrent else 0) + (B if bias else 0)
        h_prev = act(a_t)
        hs.append(h_prev)
    return np.stack(hs, axis=1)  # (N, T, H)


def _bptt_variant(x, h0, W_x, W_h, B, dh, dtanh=lambda h, a: 1 - h**2, transpose_W_h=True,
                  carry=True, all_upstream=True, dW_h_states="prev"):
    """BPTT step by step, keeping every intermediate a mistake may need."""
    T = x.shape[1]
    a, h, h_prev = [], [], h0
    for t in range(T):
        a.append(x[:, t] @ W_x + h_prev @ W_h + B)
        h_prev = np.tanh(a[-1])
        h.append(h_prev)
    W_back = W_h.T if transpose_W_h else W_h
    da, dh_total, g = [None] * T, [None] * T, np.zeros_like(h0)
    for t in reversed(range(T)):
        upstream = dh[:, t] if all_upstream or t == T - 1 else np.zeros_like(g)
        dh_total[t] = upstream + g if carry else upstream
        da[t] = dh_total[t] * dtanh(h[t], a[t])
        g = da[t] @ W_back
    states = [h0] + h[:-1] if dW_h_states == "prev" else h
    return SimpleNamespace(x=x, W_x=W_x, da=da, states=states, dh_total=dh_total, dh0=g)


def _grads(v, steps=None):
    """The five gradients of a `_bptt_variant`, weight gradients summed over `steps` (all)."""
    steps = range(len(v.da)) if steps is None else steps
    return dict(
        dx=np.stack([d @ v.W_x.T for d in v.da], axis=1),
        dh0=v.dh0,
        dW_x=sum(v.x[:, t].T @ v.da[t] for t in steps),
        dW_h=sum(v.states[t].T @ v.da[t] for t in steps),
        dB=sum(v.da[t].sum(axis=0) for t in steps),
    )


def _forward_mistake(key, title, hint, post=None, **switches):
    def apply(x, h0, W_x, W_h, B):
        h = _forward_variant(x, h0, W_x, W_h, B, **switches)
        return {"h": post(h, h0) if post else h}
    return Mistake(key, title, hint, apply)


def _bptt_mistake(key, title, hint, post=None, steps=None, **switches):
    def apply(x, h0, W_x, W_h, B, dh):
        v = _bptt_variant(x, h0, W_x, W_h, B, dh, **switches)
        out = _grads(v, steps(len(v.da)) if steps else None)
        return post(out, v) if post else out
    return Mistake(key, title, hint, apply)


def _one_step(mistake, names):
    """The same mistake made by a one-step function: T = 1, `h0` is `h_prev`."""
    def apply(x, h_prev, W_x, W_h, B, dh_next=None):
        kw = dict(x=x[:, None], h0=h_prev, W_x=W_x, W_h=W_h, B=B)
        out = mistake.apply(**kw) if dh_next is None else mistake.apply(**kw, dh=dh_next[:, None])
        out = {("h_next" if k == "h" else "dh_prev" if k == "dh0" else k): v for k, v in out.items()}
        for k in ("h_next", "dx"):  # drop the time axis of length 1
            if k in out and out[k].ndim == 3:
                out[k] = out[k][:, 0]
        return {k: out[k] for k in names}
    return mistake._replace(apply=apply)


_FORWARD_SHARED = [
    _forward_mistake("tanh-missing", "tanh missing",
                     "The new state is `h = np.tanh(a)`, not the pre-activation a itself.",
                     act=lambda a: a),
    _forward_mistake("bias-missing", "bias B missing", "`a = x_t @ W_x + h_prev @ W_h + B`.",
                     bias=False),
    _forward_mistake("W_h-transposed", "W_h transposed in the forward pass",
                     "The recurrent term is `h_prev @ W_h`, with W_h as given (no `.T`).",
                     transpose_W_h=True),
    _forward_mistake("recurrent-term-missing", "recurrent term `h_prev @ W_h` missing",
                     "Every step adds the previous state: `a = x_t @ W_x + h_prev @ W_h + B`.",
                     recurrent=False),
]
STEP_FORWARD_MISTAKES = [_one_step(m, ("h_next",)) for m in _FORWARD_SHARED]
FORWARD_MISTAKES = _FORWARD_SHARED + [
    _forward_mistake("state-not-carried", "hidden state not carried from step to step",
                     "After each step set `h_prev = h_t`, so the next step reads it.", carry=False),
    _forward_mistake("time-axis", "time axis in the wrong place",
                     "h must be (N, T, H), batch first: fill `h[:, t]` (or `np.stack(hs, axis=1)`).",
                     post=lambda h, h0: h.transpose(1, 0, 2)),
    _forward_mistake("last-state-only", "only the last hidden state returned",
                     "Return every state, shape (N, T, H); the last one is `h[:, -1]`.",
                     post=lambda h, h0: h[:, -1]),
    _forward_mistake("states-shifted", "states stored one step late (h[:, t] holds h_{t-1})",
                     "Store the state after step t, `h[:, t] = h_t`, not the one before it.",
                     post=lambda h, h0: np.concatenate([h0[:, None], h[:, :-1]], axis=1)),
]

_BACKWARD_SHARED = [
    _bptt_mistake("tanh-derivative-missing", "tanh derivative missing",
                  "Going back through `h = tanh(a)` multiplies by tanh's derivative: "
                  "`da = dh * (1 - h**2)`.", dtanh=lambda h, a: np.ones_like(h)),
    _bptt_mistake("tanh-derivative-of-a",
                  "tanh derivative taken of the wrong quantity (`1 - a**2`, a the pre-activation)",
                  "tanh'(a) = 1 - tanh(a)**2 = `1 - h**2`: square the output h, not a.",
                  dtanh=lambda h, a: 1 - a**2),
    _bptt_mistake("tanh-derivative-of-h",
                  "tanh derivative taken of the wrong quantity (`1 - tanh(h)**2`, tanh applied twice)",
                  "h is already tanh(a), so tanh'(a) = `1 - h**2`.",
                  dtanh=lambda h, a: 1 - np.tanh(h) ** 2),
    _bptt_mistake("sigmoid-derivative", "sigmoid's derivative `h * (1 - h)` used for tanh",
                  "For h = tanh(a) the derivative is `1 - h**2`.", dtanh=lambda h, a: h * (1 - h)),
    _bptt_mistake("W_h-not-transposed", "W_h not transposed for dh_prev",
                  "a = ... + h_prev @ W_h, so the gradient for h_prev is `da @ W_h.T`.",
                  transpose_W_h=False),
    _bptt_mistake("dW_h-with-new-state", "dW_h computed with the new state h_t instead of h_prev",
                  "W_h multiplies the state *before* the step: `dW_h = h_prev.T @ da`.",
                  dW_h_states="new"),
    _bptt_mistake("dW_x-transposed", "dW_x transposed", "`dW_x = x.T @ da` has shape (D, H).",
                  post=lambda o, v: dict(o, dW_x=o["dW_x"].T)),
    _bptt_mistake("dW_h-transposed", "dW_h transposed",
                  "`dW_h = h_prev.T @ da`, not `da.T @ h_prev`.",
                  post=lambda o, v: dict(o, dW_h=o["dW_h"].T)),
    _bptt_mistake("dB-not-summed-over-batch", "dB not summed over the batch",
                  "B is added to every row of the batch, so `dB = da.sum(axis=0)`, shape (H,).",
                  post=lambda o, v: dict(o, dB=sum(v.da))),
    _bptt_mistake("dB-wrong-axis", "dB summed over the wrong axis",
                  "Sum over the batch (axis 0): `dB = da.sum(axis=0)`, shape (H,).",
                  post=lambda o, v: dict(o, dB=sum(d.sum(axis=1) for d in v.da))),
    _bptt_mistake("batch-mean", "gradients divided by the batch size",
                  "The upstream gradient already carries any 1/N of the loss: sum over the "
                  "batch, don't average.",
                  post=lambda o, v: dict(o, **{k: o[k] / v.x.shape[0] for k in ("dW_x", "dW_h", "dB")})),
]
STEP_BACKWARD_MISTAKES = [_one_step(m, STEP_GRADS) for m in _BACKWARD_SHARED]
BACKWARD_MISTAKES = _BACKWARD_SHARED + [
    _bptt_mistake("gradient-from-next-step-not-added", "the gradient from step t+1 not added",
                  "dL/dh_t has two parts: `dh[:, t]` from above plus `da_{t+1} @ W_h.T` from the "
                  "next step. Carry the second one backward and add it.", carry=False),
    _bptt_mistake("last-step-gradient-only", "only the last step's gradient used",
                  "Every h_t receives `dh[:, t]` from above: add it at every step, not only at t = T-1.",
                  all_upstream=False),
    _bptt_mistake("weights-not-accumulated", "weight gradients not accumulated over time",
                  "W_x, W_h and B are shared by all steps: add every step's part, "
                  "e.g. `dW_x += x[:, t].T @ da_t`.", steps=lambda T: [0]),
    _bptt_mistake("weights-not-accumulated", "weight gradients not accumulated over time",
                  "W_x, W_h and B are shared by all steps: add every step's part, "
                  "e.g. `dW_x += x[:, t].T @ da_t`.", steps=lambda T: [T - 1]),
    _bptt_mistake("time-axis", "time axis in the wrong place",
                  "dx must be (N, T, D), batch first: fill `dx[:, t]` (or stack with `axis=1`).",
                  post=lambda o, v: dict(o, dx=o["dx"].transpose(1, 0, 2))),
    _bptt_mistake("dh0-one-step-late", "dh0 is the gradient of h_1, not of h0",
                  "After the loop, dh0 is what the first step sends back: `da_0 @ W_h.T`.",
                  post=lambda o, v: dict(o, dh0=v.dh_total[0])),
]

STEP_FORWARD_REMINDERS = {"h_next": "`h_next = np.tanh(x @ W_x + h_prev @ W_h + B)`, shape (N, H)."}
FORWARD_REMINDERS = {"h": "for t in range(T): `h_t = np.tanh(x[:, t] @ W_x + h_prev @ W_h + B)`, "
                          "`h[:, t] = h_t`, `h_prev = h_t`; h has shape (N, T, H)."}
STEP_BACKWARD_REMINDERS = {
    "dx": "`dx = da @ W_x.T` with `da = dh_next * (1 - h_next**2)`.",
    "dh_prev": "`dh_prev = da @ W_h.T`.",
    "dW_x": "`dW_x = x.T @ da`.",
    "dW_h": "`dW_h = h_prev.T @ da`.",
    "dB": "`dB = da.sum(axis=0)`.",
}
BACKWARD_REMINDERS = {
    "dx": "`dx[:, t] = da_t @ W_x.T`, with `da_t = (dh[:, t] + g) * (1 - h[:, t]**2)` and g "
          "the gradient coming back from step t+1.",
    "dh0": "the gradient the first step sends back, `da_0 @ W_h.T`.",
    "dW_x": "the sum over t of `x[:, t].T @ da_t`.",
    "dW_h": "the sum over t of `h_prev.T @ da_t`, where h_prev is h[:, t-1] (h0 for t = 0).",
    "dB": "the sum over t of `da_t.sum(axis=0)`.",
}


# ---------------------------------------------------------------- helpers
def _call(report, fn, args, names):
    """Call the reader's `fn`, unpack its outputs; on any failure add a line and return None."""
    call = safe_call(fn, *args)
    if call.error is None:
        outputs, error = unpack(call.value, names, function_name(fn))
        if error is None:
            return outputs
    else:
        error = call.error
        report.not_implemented |= call.not_implemented
    report.fail(error)
    return None


def _numerical_grads(forward, args, upstream, names):
    """Centered-difference gradients of ``sum(forward(*args)[0] * upstream)`` for every arg."""
    grads = {}
    for i, name in enumerate(names):
        def f(v, i=i):
            return forward(*args[:i], v, *args[i + 1:])[0]
        grads[name] = numerical_gradient_array(f, args[i].astype(np.float64), upstream)
    return grads


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
def _problems(seed_offset, with_seed):
    problems = [("fixed example", fixed_problem())]
    if with_seed:
        problems.append(("seed example", seed_problem()))
    problems += [(f"random problem {i + 1}", random_problem(*size, seed=seed_offset + i))
                 for i, size in enumerate(RANDOM_SIZES)]
    return problems


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
    problems = _problems(0, with_seed=True)
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
            out = _call(report, step_forward, list(inputs.values()), ("h_next", "cache"))
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
    problems = _problems(0, with_seed=True)
    report = Report(f"check_rnn_forward({function_name(forward)})", len(problems))
    if not require_callable(report, forward, "my_rnn_forward"):
        return report.result()
    for label, p in problems:
        if report.failed:
            break
        inputs = {k: p[k] for k in ("x", "h0", "W_x", "W_h", "B")}
        out = _call(report, forward, list(inputs.values()), ("h", "cache"))
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
        inputs = _step(p) if step else p
        args = [inputs[k] for k in (("x", "h_prev") if step else ("x", "h0"))] + [
            p["W_x"], p["W_h"], p["B"]]
        dh = inputs["dh_next"] if step else p["dh"]
        label = f"{label} ({_sizes(inputs)})"
        fwd = _call(report, forward, args, ("h_next" if step else "h", "cache"))
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
        grads = _call(report, backward, [dh, fwd["cache"]], names)
        if grads is None:
            return
        if label.startswith("fixed"):
            want = dict(zip(names, lib_backward(dh, cache)))
            compare_outputs(report, label, grads, want, inputs,
                            STEP_BACKWARD_MISTAKES if step else BACKWARD_MISTAKES,
                            STEP_BACKWARD_REMINDERS if step else BACKWARD_REMINDERS,
                            ok_text=f"{label}: all five gradients right")
        else:
            numeric = _numerical_grads(lib_forward, args, dh, names)
            if _compare_with_numerical(report, label, grads, numeric):
                report.ok(f"{label}: all five gradients match centered differences")


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
    problems = _problems(10, with_seed=False)
    report = Report(f"check_rnn_step_backward({function_name(step_backward)}, "
                    f"{function_name(step_forward)})", len(problems))
    if (require_callable(report, step_backward, "my_rnn_step_backward")
            and require_callable(report, step_forward, "my_rnn_step_forward")):
        _check_backward(report, step_backward, step_forward, problems, step=True)
    return report.result()


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
    problems = _problems(20, with_seed=False)
    report = Report(f"check_rnn_backward({function_name(backward)}, {function_name(forward)})",
                    len(problems))
    if (require_callable(report, backward, "my_rnn_backward")
            and require_callable(report, forward, "my_rnn_forward")):
        _check_backward(report, backward, forward, problems, step=False)
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
}
