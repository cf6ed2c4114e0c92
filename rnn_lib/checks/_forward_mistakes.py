"""Classic mistakes in the forward-pass exercises (chapter 1), as the outputs they produce.

Each mistake recomputes the RNN the way an implementation with that one
mistake would, from the math; the checks in `rnn_lib.checks` compare the
reader's outputs with these to name what went wrong. With no switch set, the
simulator below computes the right answer (a test holds it to the library),
so every mistake differs from the truth in exactly one way.
"""
import numpy as np

from ._base import Mistake


def _forward_variant(x, h0, W_x, W_h, B, act=np.tanh, transpose_W_h=False, bias=True,
                     recurrent=True, carry=True, bias_outside=False, zero_start=False,
                     first_input=False):
    W = W_h.T if transpose_W_h else W_h
    start = np.zeros_like(h0) if zero_start else h0
    h_prev, hs = start, []
    for t in range(x.shape[1]):
        h_in = h_prev if carry else start
        x_t = x[:, 0] if first_input else x[:, t]
        a_t = x_t @ W_x + (h_in @ W if recurrent else 0) + (B if bias and not bias_outside else 0)
        h_prev = act(a_t) + (B if bias_outside else 0)
        hs.append(h_prev)
    return np.stack(hs, axis=1)  # (N, T, H)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _forward_mistake(key, title, hint, post=None, **switches):
    def apply(x, h0, W_x, W_h, B):
        h = _forward_variant(x, h0, W_x, W_h, B, **switches)
        return {"h": post(h, h0) if post else h}
    return Mistake(key, title, hint, apply)


def one_step(mistake, names):
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
    _forward_mistake("bias-outside-tanh", "bias B added after the tanh",
                     "B belongs inside: `h = np.tanh(x_t @ W_x + h_prev @ W_h + B)`.",
                     bias_outside=True),
    _forward_mistake("sigmoid-not-tanh", "sigmoid used instead of tanh",
                     "The simple RNN squashes with `np.tanh`, into (-1, 1); the sigmoid "
                     "(into (0, 1)) is for the gates of later chapters.",
                     act=_sigmoid),
]
STEP_FORWARD_MISTAKES = [one_step(m, ("h_next",)) for m in _FORWARD_SHARED]
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
    _forward_mistake("initial-state-included", "initial state h0 included in the returned states",
                     "h holds the T states after the steps, h_1 .. h_T, shape (N, T, H); "
                     "h0 is an input, not part of h.",
                     post=lambda h, h0: np.concatenate([h0[:, None], h], axis=1)),
    _forward_mistake("h0-ignored", "h0 ignored: the first step starts from zeros",
                     "Start from the given state, `h_prev = h0`, not from `np.zeros`; "
                     "h0 is zero in the worked example, not in general.",
                     zero_start=True),
    _forward_mistake("same-input-every-step", "the first input x_1 read at every step",
                     "Step t reads its own input, `x[:, t-1]` in code (`x[:, t]` in a loop "
                     "`for t in range(T)`).",
                     first_input=True),
]

STEP_FORWARD_REMINDERS = {"h_next": "`h_next = np.tanh(x @ W_x + h_prev @ W_h + B)`, shape (N, H)."}
FORWARD_REMINDERS = {"h": "start with `h_prev = h0`; for t in range(T): "
                          "`h_t = np.tanh(x[:, t] @ W_x + h_prev @ W_h + B)`, "
                          "`h[:, t] = h_t`, `h_prev = h_t`; h has shape (N, T, H)."}
