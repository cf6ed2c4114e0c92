"""Classic mistakes in the BPTT exercises (chapter 2), as the gradients they produce.

Each mistake recomputes backpropagation through time the way an
implementation with that one mistake would; with no switch set, the simulator
computes the right answer (a test holds it to the library).
"""
from types import SimpleNamespace

import numpy as np

from ._base import Mistake
from ._forward_mistakes import one_step

STEP_GRADS = ("dx", "dh_prev", "dW_x", "dW_h", "dB")
SEQ_GRADS = ("dx", "dh0", "dW_x", "dW_h", "dB")


def _bptt_variant(x, h0, W_x, W_h, B, dh, dtanh=lambda h, a: 1 - h**2, transpose_W_h=True,
                  carry=True, all_upstream=True, dW_h_states="prev", dtanh_of_prev=False):
    """BPTT step by step, keeping every intermediate a mistake may need.

    Lists are indexed from 0: entry i belongs to step t = i + 1 of the math.
    """
    T = x.shape[1]
    a, h, h_prev = [], [], h0
    for t in range(T):
        a.append(x[:, t] @ W_x + h_prev @ W_h + B)
        h_prev = np.tanh(a[-1])
        h.append(h_prev)
    before = [h0] + h[:-1]  # the state each step reads
    W_back = W_h.T if transpose_W_h else W_h
    da, dh_total, g = [None] * T, [None] * T, np.zeros_like(h0)
    for t in reversed(range(T)):
        upstream = dh[:, t] if all_upstream or t == T - 1 else np.zeros_like(g)
        dh_total[t] = upstream + g if carry else upstream
        state = before[t] if dtanh_of_prev else h[t]
        da[t] = dh_total[t] * dtanh(state, a[t])
        g = da[t] @ W_back
    states = {"prev": before, "new": h, "wrapped": [h[-1]] + h[:-1]}[dW_h_states]
    return SimpleNamespace(x=x, W_x=W_x, da=da, states=states, dh_total=dh_total, dh0=g, dh=dh)


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


def _bptt_mistake(key, title, hint, post=None, steps=None, **switches):
    def apply(x, h0, W_x, W_h, B, dh):
        v = _bptt_variant(x, h0, W_x, W_h, B, dh, **switches)
        out = _grads(v, steps(len(v.da)) if steps else None)
        return post(out, v) if post else out
    return Mistake(key, title, hint, apply)


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
    _bptt_mistake("tanh-derivative-of-previous-state",
                  "tanh derivative taken of the state before the step (`1 - h_prev**2`)",
                  "The tanh that step t goes back through made h_t, so multiply by "
                  "`1 - h_t**2` with h_t the step's own output, not its input h_{t-1}.",
                  dtanh_of_prev=True),
    _bptt_mistake("batch-mean", "gradients divided by the batch size",
                  "The upstream gradient already carries any 1/N of the loss: sum over the "
                  "batch, don't average.",
                  post=lambda o, v: dict(o, **{k: o[k] / v.x.shape[0] for k in ("dW_x", "dW_h", "dB")})),
]
STEP_BACKWARD_MISTAKES = [one_step(m, STEP_GRADS) for m in _BACKWARD_SHARED]
BACKWARD_MISTAKES = _BACKWARD_SHARED + [
    _bptt_mistake("gradient-from-next-step-not-added", "the gradient from step t+1 not added",
                  "dL/dh_t has two parts: `dh[:, t-1]` from above plus `da_{t+1} @ W_h.T` from the "
                  "next step. Carry the second one backward and add it.", carry=False),
    _bptt_mistake("last-step-gradient-only", "only the last step's gradient used",
                  "Every h_t receives `dh[:, t-1]` from above: add it at every step, not only at t = T.",
                  all_upstream=False),
    _bptt_mistake("weights-not-accumulated", "weight gradients not accumulated over time",
                  "W_x, W_h and B are shared by all steps: add every step's part, "
                  "e.g. `dW_x += x[:, t-1].T @ da_t`.", steps=lambda T: [0]),
    _bptt_mistake("weights-not-accumulated", "weight gradients not accumulated over time",
                  "W_x, W_h and B are shared by all steps: add every step's part, "
                  "e.g. `dW_x += x[:, t-1].T @ da_t`.", steps=lambda T: [T - 1]),
    _bptt_mistake("time-axis", "time axis in the wrong place",
                  "dx must be (N, T, D), batch first: fill `dx[:, t-1]` (or stack with `axis=1`).",
                  post=lambda o, v: dict(o, dx=o["dx"].transpose(1, 0, 2))),
    _bptt_mistake("dh0-one-step-late", "dh0 is the gradient of h_1, not of h0",
                  "After the loop, dh0 is what step 1 sends back: `da_1 @ W_h.T`.",
                  post=lambda o, v: dict(o, dh0=v.dh_total[0])),
    _bptt_mistake("h-prev-wraps-around",
                  "the state before step 1 taken as `h[:, -1]` (the last state) instead of h0",
                  "Python's index -1 wraps around: `h[:, t-2]` at t = 1 is h_T. Step 1 reads "
                  "the initial state: `h_prev = h0 if t == 1 else h[:, t-2]`.",
                  dW_h_states="wrapped"),
    _bptt_mistake("dh0-with-wrapped-upstream",
                  "dh0 has `dh[:, -1]` added (the last step's upstream gradient)",
                  "An index that wraps around: h0 gets no upstream gradient from the layers "
                  "above, so dh0 is only what step 1 sends back, `da_1 @ W_h.T`.",
                  post=lambda o, v: dict(o, dh0=v.dh0 + v.dh[:, -1])),
    _bptt_mistake("loop-skips-first-step", "the loop stops before step 1",
                  "Go back through every step, down to step 1: `range(T, 0, -1)` over the "
                  "steps, or `reversed(range(T))` over the indices. `range(T - 1, 0, -1)` "
                  "misses one.",
                  steps=lambda T: range(1, T),
                  post=lambda o, v: dict(o, dh0=v.dh_total[0] - v.dh[:, 0],
                                         dx=np.concatenate([0 * o["dx"][:, :1], o["dx"][:, 1:]],
                                                           axis=1))),
]

STEP_BACKWARD_REMINDERS = {
    "dx": "`dx = da @ W_x.T` with `da = dh_next * (1 - h_next**2)`.",
    "dh_prev": "`dh_prev = da @ W_h.T`.",
    "dW_x": "`dW_x = x.T @ da`.",
    "dW_h": "`dW_h = h_prev.T @ da`.",
    "dB": "`dB = da.sum(axis=0)`.",
}
# Steps t = 1..T as in the book: x_t is x[:, t-1], h_t is h[:, t-1], h_0 is h0.
BACKWARD_REMINDERS = {
    "dx": "`dx[:, t-1] = da_t @ W_x.T`, with `da_t = (dh[:, t-1] + g) * (1 - h_t**2)` and g "
          "the gradient coming back from step t+1.",
    "dh0": "dh0 is the gradient step 1 sends back, `da_1 @ W_h.T`.",
    "dW_x": "dW_x is the sum over t of `x_t.T @ da_t`, with x_t = `x[:, t-1]`.",
    "dW_h": "dW_h is the sum over t of `h_{t-1}.T @ da_t`, where h_{t-1} is `h[:, t-2]` (h0 for t = 1).",
    "dB": "dB is the sum over t of `da_t.sum(axis=0)`.",
}
