"""Classic mistakes in the gated-cell exercises (chapter 5), as the outputs they produce.

Each simulator computes one LSTM or GRU step the way an implementation with
the given switches would; with no switch set it computes the right answer (a
test holds it to the library), so every mistake differs from the truth by
exactly one thing.
"""
import numpy as np

from ._base import Mistake

LSTM_STEP_OUTPUTS = ("h_next", "c_next")
LSTM_STEP_GRADS = ("dx", "dh_prev", "dc_prev", "dW_x", "dW_h", "dB")
GRU_STEP_OUTPUTS = ("h_next",)


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


_ACTS = {"sigmoid": _sigmoid, "tanh": np.tanh}
_RIGHT_ACTS = {"i": "sigmoid", "f": "sigmoid", "o": "sigmoid", "g": "tanh"}


def lstm_step(x, h_prev, c_prev, W_x, W_h, B, order="ifog", acts=None, c_from="c",
              output="o*tanh(c)"):
    """One LSTM step; returns a dict with the outputs and every intermediate."""
    a = x @ W_x + h_prev @ W_h + B
    blocks = np.split(a, 4, axis=1)
    pre = dict(zip(order, blocks))
    acts = {**_RIGHT_ACTS, **(acts or {})}
    i, f, o, g = (_ACTS[acts[k]](pre[k]) for k in "ifog")
    c_next = f * (c_prev if c_from == "c" else h_prev) + i * g
    h_next = {"o*tanh(c)": lambda: o * np.tanh(c_next),
              "tanh(o*c)": lambda: np.tanh(o * c_next),
              "o*c": lambda: o * c_next}[output]()
    return dict(h_next=h_next, c_next=c_next, pre=pre, i=i, f=f, o=o, g=g)


def _lstm_forward_mistake(key, title, hint, **switches):
    def apply(x, h_prev, c_prev, W_x, W_h, B):
        out = lstm_step(x, h_prev, c_prev, W_x, W_h, B, **switches)
        return {k: out[k] for k in LSTM_STEP_OUTPUTS}
    return Mistake(key, title, hint, apply)


LSTM_STEP_FORWARD_MISTAKES = [
    _lstm_forward_mistake(
        "lstm-activations-swapped", "sigmoid and tanh swapped between the gates",
        "The gates i, f, o are sigmoids (values in (0, 1): how much to let through); only "
        "the candidate g is a tanh (values in (-1, 1): what to write).",
        acts={"i": "tanh", "f": "tanh", "o": "tanh", "g": "sigmoid"}),
    _lstm_forward_mistake(
        "lstm-candidate-sigmoid", "the candidate g computed with a sigmoid",
        "g = tanh(a_g): with a sigmoid the cell could only ever grow.",
        acts={"g": "sigmoid"}),
    _lstm_forward_mistake(
        "lstm-gate-order-torch", "gate blocks read in PyTorch's order (i, f, g, o)",
        "Here the four H-wide blocks of a are i, f, o, g (CS231n's order): "
        "`i, f, o, g = a[:, :H], a[:, H:2*H], a[:, 2*H:3*H], a[:, 3*H:]`.",
        order="ifgo"),
    _lstm_forward_mistake(
        "lstm-gate-order", "gate blocks in the wrong order",
        "The four H-wide blocks of a are, in order, i, f, o, g.", order="fiog"),
    _lstm_forward_mistake(
        "lstm-gate-order", "gate blocks in the wrong order",
        "The four H-wide blocks of a are, in order, i, f, o, g.", order="gifo"),
    _lstm_forward_mistake(
        "lstm-cell-from-h", "the cell state updated from h_prev instead of c_prev",
        "The forget gate scales the previous *cell* state: `c_next = f * c_prev + i * g`.",
        c_from="h"),
    _lstm_forward_mistake(
        "lstm-output-gate-before-tanh", "the output gate applied before tanh(c)",
        "The cell state is squashed first, then gated: `h_next = o * np.tanh(c_next)`.",
        output="tanh(o*c)"),
    _lstm_forward_mistake(
        "lstm-no-tanh-on-c", "tanh of the cell state missing",
        "`h_next = o * np.tanh(c_next)`: c can grow beyond 1, h stays in (-1, 1).",
        output="o*c"),
]
LSTM_STEP_FORWARD_REMINDERS = {
    "c_next": "`c_next = f * c_prev + i * g` with i, f from a sigmoid, g from tanh.",
    "h_next": "`h_next = o * np.tanh(c_next)`, o from a sigmoid.",
}


def lstm_step_grads(x, h_prev, c_prev, W_x, W_h, B, dh_next, dc_next, dc_prev_via_f=True,
                    h_into_c=True, tanh_c_derivative=True, sigmoid_derivative="output",
                    do_from="tanh(c)"):
    """The six gradients of one LSTM step, with the switches of a mistaken backward pass."""
    s = lstm_step(x, h_prev, c_prev, W_x, W_h, B)
    i, f, o, g, c = s["i"], s["f"], s["o"], s["g"], s["c_next"]
    tc = np.tanh(c)
    through_h = dh_next * o * ((1 - tc**2) if tanh_c_derivative else 1)
    dc = dc_next + (through_h if h_into_c else 0)

    def dsig(k, act):  # derivative of a sigmoid gate k, as the student computed it
        if sigmoid_derivative == "pre":
            p = s["pre"][k]
            return p * (1 - p)
        if sigmoid_derivative == "tanh":
            return 1 - act**2
        return act * (1 - act)

    da = np.concatenate([
        dc * g * dsig("i", i), dc * c_prev * dsig("f", f),
        dh_next * (tc if do_from == "tanh(c)" else c) * dsig("o", o), dc * i * (1 - g**2),
    ], axis=1)
    return dict(dx=da @ W_x.T, dh_prev=da @ W_h.T, dc_prev=dc * f if dc_prev_via_f else dc,
                dW_x=x.T @ da, dW_h=h_prev.T @ da, dB=da.sum(axis=0))


def _lstm_backward_mistake(key, title, hint, post=None, **switches):
    def apply(x, h_prev, c_prev, W_x, W_h, B, dh_next, dc_next):
        out = lstm_step_grads(x, h_prev, c_prev, W_x, W_h, B, dh_next, dc_next, **switches)
        return post(out, x) if post else out
    return Mistake(key, title, hint, apply)


LSTM_STEP_BACKWARD_MISTAKES = [
    _lstm_backward_mistake(
        "lstm-dc-prev-without-f", "dc_prev not multiplied by the forget gate",
        "c_next = f * c_prev + ..., so the gradient reaching c_prev passes through f: "
        "`dc_prev = dc * f`, with dc the total gradient of c_next.", dc_prev_via_f=False),
    _lstm_backward_mistake(
        "lstm-no-gradient-from-h-into-c",
        "the gradient from h_next through tanh(c_next) into c_next forgotten",
        "c_next reaches the loss twice: directly (dc_next) and through h_next = o * "
        "tanh(c_next). Add both: `dc = dc_next + dh_next * o * (1 - np.tanh(c_next)**2)`.",
        h_into_c=False),
    _lstm_backward_mistake(
        "lstm-tanh-c-derivative-missing", "the derivative of tanh(c_next) missing",
        "Going from h_next = o * tanh(c_next) back to c_next multiplies by "
        "`o * (1 - np.tanh(c_next)**2)`.", tanh_c_derivative=False),
    _lstm_backward_mistake(
        "lstm-sigmoid-derivative-of-pre-activation",
        "sigmoid derivative taken of the pre-activation (`a * (1 - a)`)",
        "sigmoid'(a) = s * (1 - s) with s = sigmoid(a), the gate's *value*: use i, f and o "
        "from the forward pass, not the pre-activations.", sigmoid_derivative="pre"),
    _lstm_backward_mistake(
        "lstm-tanh-derivative-for-gates", "tanh's derivative `1 - s**2` used for the sigmoid gates",
        "For s = sigmoid(a) the derivative is `s * (1 - s)`; `1 - g**2` is only for the "
        "candidate g.", sigmoid_derivative="tanh"),
    _lstm_backward_mistake(
        "lstm-do-from-c", "the output gate's gradient taken with c_next instead of tanh(c_next)",
        "h_next = o * tanh(c_next), so `do = dh_next * np.tanh(c_next)`.", do_from="c"),
    _lstm_backward_mistake(
        "lstm-dW-transposed", "dW_x and dW_h transposed",
        "`dW_x = x.T @ da` has shape (D, 4H) and `dW_h = h_prev.T @ da` shape (H, 4H).",
        post=lambda o, x: dict(o, dW_x=o["dW_x"].T, dW_h=o["dW_h"].T)),
    _lstm_backward_mistake(
        "lstm-batch-mean", "gradients divided by the batch size",
        "The upstream gradients already carry any 1/N of the loss: sum over the batch.",
        post=lambda o, x: dict(o, **{k: o[k] / x.shape[0] for k in ("dW_x", "dW_h", "dB")})),
]
LSTM_STEP_BACKWARD_REMINDERS = {
    "dc_prev": "`dc_prev = dc * f`, where `dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)`.",
    "dx": "`dx = da @ W_x.T`, da the four gate gradients side by side (i, f, o, g).",
    "dh_prev": "`dh_prev = da @ W_h.T`.",
    "dW_x": "`dW_x = x.T @ da`.",
    "dW_h": "`dW_h = h_prev.T @ da`.",
    "dB": "`dB = da.sum(axis=0)`.",
}


def gru_step(x, h_prev, W_x, W_h, B, reset_after=False, z_swapped=False, order="rzn",
             candidate="tanh", reset_in_mix=False):
    """One GRU step with the switches of a mistaken forward pass."""
    ax = dict(zip(order, np.split(x @ W_x + B, 3, axis=1)))
    W = dict(zip(order, np.split(W_h, 3, axis=1)))
    r = _sigmoid(ax["r"] + h_prev @ W["r"])
    z = _sigmoid(ax["z"] + h_prev @ W["z"])
    if reset_after:
        a_n = ax["n"] + r * (h_prev @ W["n"])
    else:
        a_n = ax["n"] + (r * h_prev) @ W["n"]
    n = _ACTS[candidate](a_n)
    old = r * h_prev if reset_in_mix else h_prev
    h = z * n + (1 - z) * old if z_swapped else (1 - z) * n + z * old
    return dict(h_next=h)


def _gru_mistake(key, title, hint, flip_reset=False, **switches):
    def apply(x, h_prev, W_x, W_h, B, reset_after):
        ra = (not reset_after) if flip_reset else reset_after
        return gru_step(x, h_prev, W_x, W_h, B, reset_after=ra, **switches)
    return Mistake(key, title, hint, apply)


GRU_STEP_FORWARD_MISTAKES = [
    _gru_mistake(
        "gru-z-swapped", "z and 1 - z swapped",
        "Here z is the share of the old state that is kept: "
        "`h_next = (1 - z) * n + z * h_prev` (PyTorch's convention; some texts swap them).",
        z_swapped=True),
    _gru_mistake(
        "gru-reset-wrong-place", "the reset gate applied at the wrong place for the chosen "
        "formulation",
        "With reset_after=False the reset scales the state before the product: "
        "`n = tanh(x @ W_xn + (r * h_prev) @ W_hn + B_n)`; with reset_after=True it scales "
        "the product: `n = tanh(x @ W_xn + B_n + r * (h_prev @ W_hn))`.", flip_reset=True),
    _gru_mistake(
        "gru-gate-order", "gate blocks in the wrong order",
        "The three H-wide blocks of W_x, W_h and B are r, z, n, in that order.", order="zrn"),
    _gru_mistake(
        "gru-candidate-sigmoid", "the candidate n computed with a sigmoid",
        "n = tanh(...): the candidate state lies in (-1, 1), like an RNN's state.",
        candidate="sigmoid"),
    _gru_mistake(
        "gru-reset-in-mix", "the reset gate applied to h_prev in the final mix too",
        "The reset gate only acts inside the candidate; the mix is "
        "`(1 - z) * n + z * h_prev`.", reset_in_mix=True),
]
GRU_STEP_FORWARD_REMINDERS = {
    "h_next": "`h_next = (1 - z) * n + z * h_prev`, r and z sigmoids, n a tanh.",
}
