"""Classic mistakes of a first many-to-one model and of its training epoch, as their outputs.

As in the other catalogues, each mistake recomputes the answer the way code
with that one slip would; `rnn_lib.checks.model` compares the reader's
outputs with these to name what went wrong. With no switch set, each
simulator gives the right answer (a test holds `loss_and_grads_variant` to
``ScratchSimpleRNNClassifier.loss_and_grads`` and `epoch_variant` to the
library's clipping and optimizer step).
"""
import numpy as np

from ..nn.rnn import rnn_backward, rnn_forward
from ._base import Mistake

PARAM_NAMES = ("W_x", "W_h", "B", "W_y", "B_y")
GRAD_OUTPUTS = tuple("d" + name for name in PARAM_NAMES)


# ---------------------------------------------------------------- loss_and_grads
def loss_and_grads_variant(params, X, y, lengths, *, read_last="lengths", grad_at="lengths",
                           output_grads=True, loss_scale="mean", extra_divide=False,
                           dB_y_mean=False):
    """``{"loss", "dW_x", ...}`` of a many-to-one RNN written with the given slips.

    `read_last` / `grad_at`: which step the forward reads and the backward
    writes to ("lengths": ``lengths - 1``, "padded": ``T - 1``, "every": all).
    """
    W_x, W_h, B, W_y, B_y = (np.asarray(params[k], dtype=np.float64) for k in PARAM_NAMES)
    N, T, _ = X.shape
    rows = np.arange(N)
    last = {"lengths": lengths - 1, "padded": np.full(N, T - 1)}
    h, cache = rnn_forward(X, np.zeros((N, W_h.shape[0])), W_x, W_h, B)  # (N, T, H)
    h_last = h[rows, last[read_last]]  # (N, H)
    logits = h_last @ W_y + B_y  # (N, C)
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    Y = np.eye(W_y.shape[1])[y]
    scale = 1.0 if loss_scale == "sum" else 1.0 / N
    loss = -log_p[rows, y].sum() * scale
    dlogits = (np.exp(log_p) - Y) * scale  # (N, C)
    if extra_divide:  # the mean taken a second time
        dlogits = dlogits / N
    dh_last = dlogits @ W_y.T  # (N, H)
    dh = np.zeros_like(h)
    if grad_at == "every":
        dh[:] = dh_last[:, None, :]
    else:
        dh[rows, last[grad_at]] = dh_last
    _, _, dW_x, dW_h, dB = rnn_backward(dh, cache)
    dW_y = h_last.T @ dlogits
    dB_y = dlogits.mean(axis=0) if dB_y_mean else dlogits.sum(axis=0)
    if not output_grads:
        dW_y, dB_y = np.zeros_like(W_y), np.zeros_like(B_y)
    return {"loss": np.asarray(loss), "dW_x": dW_x, "dW_h": dW_h, "dB": dB,
            "dW_y": dW_y, "dB_y": dB_y}


def _model_mistake(key, title, hint, **switches):
    def apply(params, X, y, lengths):
        return loss_and_grads_variant(params, X, y, lengths, **switches)
    return Mistake(key, title, hint, apply)


MODEL_MISTAKES = [
    _model_mistake(
        "last-state-from-padding", "the last state read at step T (h[:, -1]), in the padding",
        "Read each sequence's last valid state, `h[np.arange(N), lengths - 1]`, and send "
        "the gradient back to that same step.", read_last="padded", grad_at="padded"),
    _model_mistake(
        "gradient-at-padded-step",
        "the gradient of the last state put at step T (dh[:, -1]) instead of at lengths - 1",
        "The forward pass read `h[np.arange(N), lengths - 1]`: put `dh_last` there, "
        "`dh[np.arange(N), lengths - 1] = dh_last`, in an array of zeros.", grad_at="padded"),
    _model_mistake(
        "gradient-at-every-step", "the gradient of the last state put at every step",
        "The loss reads one state per sequence: `dh` is zero everywhere except at "
        "`lengths - 1`; BPTT itself carries the gradient to the earlier steps.",
        grad_at="every"),
    _model_mistake(
        "output-layer-gradient-missing", "the output layer's gradients dW_y and dB_y left at 0",
        "The output layer is trained too: `dW_y = h_last.T @ dlogits`, "
        "`dB_y = dlogits.sum(axis=0)`.", output_grads=False),
    _model_mistake(
        "averaged-twice", "gradients divided by N twice",
        "`dlogits = (P - Y) / N` already holds the 1/N of the mean: the products "
        "`h_last.T @ dlogits` and `dlogits.sum(axis=0)` must not divide again.",
        extra_divide=True),
    _model_mistake(
        "dB_y-averaged", "dB_y averaged over the batch instead of summed",
        "`dlogits` already holds the 1/N of the mean: `dB_y = dlogits.sum(axis=0)`.",
        dB_y_mean=True),
    _model_mistake(
        "loss-summed", "loss (and its gradients) summed over the batch instead of averaged",
        "The loss is the mean over the N sequences; its gradient `(P - Y) / N` has the 1/N.",
        loss_scale="sum"),
]

MODEL_REMINDERS = {
    "loss": "`loss` is the mean cross-entropy of the softmax of `h_last @ W_y + B_y`, with "
            "`h_last = h[np.arange(N), lengths - 1]` and `h` from `rnn_forward` with h0 = 0.",
    "dW_y": "`dW_y = h_last.T @ dlogits`, with `dlogits = (P - Y) / N`.",
    "dB_y": "`dB_y = dlogits.sum(axis=0)`.",
    "dW_x": "`dh` is zero except `dh[np.arange(N), lengths - 1] = dlogits @ W_y.T`; "
            "`rnn_backward(dh, cache)` gives dW_x, dW_h and dB.",
    "dW_h": "`rnn_backward(dh, cache)` gives dW_h, with `dh` zero except at "
            "`lengths - 1`, where it is `dlogits @ W_y.T`.",
    "dB": "`rnn_backward(dh, cache)` gives dB, with `dh` zero except at `lengths - 1`.",
}


# ---------------------------------------------------------------- one training epoch
class RecordingOptimizer:
    """An SGD that remembers the global norm of every gradient it is given.

    It keeps the gradient arrays too: clipping them in place after the step
    shows in their norms at the end of the epoch.
    """

    learning_rate = 0.1

    def __init__(self):
        self.norms, self.received = [], []

    def step(self, params, grads):
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise TypeError("optimizer.step takes (params, grads), two dicts of arrays; got "
                            f"({type(params).__name__}, {type(grads).__name__})")
        if set(grads) != set(params):
            raise KeyError(f"optimizer.step got gradients for {sorted(grads)}; the "
                           f"parameters are {sorted(params)}")
        self.norms.append(_norm(grads.values()))
        self.received.append(list(grads.values()))
        for name, g in grads.items():
            params[name] -= self.learning_rate * np.asarray(g, dtype=np.float64)


class RecordingModel:
    """A stand-in for `loss_and_grads` that records every batch it is given.

    Example n of the data has ``X[n, 0, 0] == n``, so the batches tell the
    order of the examples; the loss and gradients depend on the batch and on
    the parameters, with gradient norms mostly above the clipping threshold.
    """

    def __init__(self):
        self.seen, self.labels, self.lengths = [], [], []

    def __call__(self, params, X, y, lengths):
        X, y, lengths = np.asarray(X), np.asarray(y), np.asarray(lengths)
        if X.ndim != 3 or y.shape != X.shape[:1] or lengths.shape != X.shape[:1]:
            raise ValueError("loss_and_grads takes (params, X_batch (B, T, D), y_batch (B,), "
                             f"lengths_batch (B,)); got shapes {X.shape}, {y.shape}, "
                             f"{lengths.shape}")
        idx = np.rint(X[:, 0, 0]).astype(int)
        self.seen.append(idx)
        self.labels.append(y.astype(float))
        self.lengths.append(lengths.astype(float))
        w, b = params["w"], params["b"]
        k = (idx + 1.0) * (y + 2.0) / 4.0  # (B,)
        loss = float(np.mean(k) + np.sum(w * w) / 10 + b[0] * 0.1)
        grads = {"w": np.outer(np.cos(k), np.arange(1.0, 4.0)).sum(axis=0) + w / 5,
                 "b": np.array([np.sum(np.sin(k)) * 2.0 + 0.1])}
        return loss, grads


def _norm(arrays):
    return float(np.sqrt(sum(float(np.sum(np.asarray(g, dtype=np.float64) ** 2))
                             for g in arrays)))


def epoch_problem_data(N, T, n_classes, seed):
    """X (N, T, 2) with X[n, 0, 0] = n, labels and lengths that differ from the index."""
    rng = np.random.default_rng(seed)
    X = np.zeros((N, T, 2))
    X[:, :, 0] = np.arange(N)[:, None]
    X[:, :, 1] = rng.standard_normal((N, T))
    y = rng.integers(0, n_classes, size=N)
    lengths = rng.integers(1, T + 1, size=N)
    return X, y, lengths


def initial_params():
    return {"w": np.array([0.5, -1.0, 2.0]), "b": np.array([0.3])}


def _clip(grads, clip_norm, how):
    norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
    if how == "global" and norm > clip_norm:
        return {k: g * (clip_norm / norm) for k, g in grads.items()}
    if how == "always":
        return {k: g * (clip_norm / norm) for k, g in grads.items()}
    if how == "each":
        return {k: g * min(1.0, clip_norm / np.sqrt(np.sum(g * g))) for k, g in grads.items()}
    return grads


def epoch_variant(X, y, lengths, seed, batch_size, clip_norm, *, shuffle="rng",
                  shuffle_y=True, shuffle_lengths=True, clip="before", clip_how="global",
                  drop_last=False, loss_mean="weighted"):
    """The record of one epoch written with the given slips (see `run_epoch_record`)."""
    rng = np.random.default_rng(seed)
    N = X.shape[0]
    order = rng.permutation(N) if shuffle == "rng" else np.arange(N)
    model, optimizer, params = RecordingModel(), RecordingOptimizer(), initial_params()
    total, losses, sizes = 0.0, [], []
    stop = N - N % batch_size if drop_last else N
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        y_idx = idx if shuffle_y else np.arange(N)[start:start + batch_size]
        l_idx = idx if shuffle_lengths else np.arange(N)[start:start + batch_size]
        loss, grads = model(params, X[idx], y[y_idx], lengths[l_idx])
        if clip_norm is not None and clip == "before":
            grads = _clip(grads, clip_norm, clip_how)
        optimizer.step(params, grads)
        if clip_norm is not None and clip == "after":  # in place, too late
            clipped = _clip(grads, clip_norm, clip_how)
            for name in grads:
                grads[name][...] = clipped[name]
        losses.append(loss)
        sizes.append(len(idx))
        total += loss * len(idx)
    if not losses:  # the last batch dropped, and it was the only one
        mean = np.nan
    else:
        mean = {"weighted": total / N, "unweighted": np.mean(losses), "last": losses[-1],
                "sum": np.sum(losses)}[loss_mean]
    return epoch_record(model, optimizer, params, mean, rng)


def epoch_record(model, optimizer, params, loss, rng):
    """The outputs the epoch check compares, as float arrays."""
    def cat(parts):
        return np.concatenate(parts).astype(float) if parts else np.zeros(0)
    return {
        "loss": np.asarray(loss, dtype=float),
        "order of the examples": cat(model.seen),
        "labels of the batches": cat(model.labels),
        "lengths of the batches": cat(model.lengths),
        "batch sizes": np.array([len(s) for s in model.seen], dtype=float),
        "gradient norms at each step": np.array(optimizer.norms),
        "gradient norms after the epoch": np.array([_norm(g) for g in optimizer.received]),
        "weights after the epoch": np.concatenate([params["w"], params["b"]]),
        "next random number": np.asarray(rng.random()),
    }


def _epoch_mistake(key, title, hint, **switches):
    def apply(X, y, lengths, seed, batch_size, clip_norm):
        return epoch_variant(X, y, lengths, seed, batch_size, clip_norm, **switches)
    return Mistake(key, title, hint, apply)


EPOCH_MISTAKES = [
    _epoch_mistake("no-shuffle", "the examples not shuffled",
                   "Start the epoch with `order = rng.permutation(N)` and take the batches "
                   "from `X[order]`, `y[order]` and `lengths[order]`.", shuffle="none"),
    _epoch_mistake("X-shuffled-without-y", "X shuffled but y left in its order",
                   "Index X, y and lengths with the same `idx = order[start:start + batch_size]`: "
                   "every image must keep its own label.", shuffle_y=False),
    _epoch_mistake("lengths-not-shuffled", "lengths left in their order while X is shuffled",
                   "Index lengths with the same `idx` as X and y.", shuffle_lengths=False),
    _epoch_mistake("clipped-after-the-step", "gradients clipped after the optimizer step",
                   "Clip first, then step: the optimizer must receive the clipped gradients.",
                   clip="after"),
    _epoch_mistake("no-clipping", "gradients not clipped before the step",
                   "Before each step, scale all gradients together so that their global norm "
                   "is at most clip_norm (e.g. `clip_grad_norm(grads, clip_norm)`), then "
                   "pass the clipped gradients to `optimizer.step`.", clip="none"),
    _epoch_mistake("clipped-per-parameter", "each gradient clipped on its own",
                   "Clip by the global norm of all gradients taken together, with one factor "
                   "for all: the direction of the step is kept.", clip_how="each"),
    _epoch_mistake("always-rescaled", "gradients scaled to norm clip_norm even when smaller",
                   "Only gradients whose global norm exceeds clip_norm are scaled down.",
                   clip_how="always"),
    _epoch_mistake("last-batch-dropped", "the last, smaller batch left out",
                   "`range(0, N, batch_size)` covers every example; the last batch may be smaller.",
                   drop_last=True),
    _epoch_mistake("loss-mean-of-batch-means",
                   "the epoch's loss the plain mean of the batch losses",
                   "The last batch may be smaller: weight each batch's mean loss by its size, "
                   "`total += loss * len(idx)`, and divide by N.", loss_mean="unweighted"),
    _epoch_mistake("loss-of-last-batch", "the loss of the last batch returned",
                   "Return the mean loss of the whole epoch: `total / N`, with "
                   "`total += loss * len(idx)` for every batch.", loss_mean="last"),
    _epoch_mistake("loss-summed", "the batch losses summed, not averaged",
                   "Weight each batch's loss by its size and divide by N.", loss_mean="sum"),
]

EPOCH_REMINDERS = {
    "loss": "Return `total / N`, with `total += loss * len(idx)` after each batch.",
    "order of the examples": "The batches are `order[start:start + batch_size]` for start in "
                             "`range(0, N, batch_size)`, with `order = rng.permutation(N)`, "
                             "drawn once at the start from the `rng` passed in.",
    "labels of the batches": "Each batch takes `y[idx]` with the same `idx` as `X[idx]`.",
    "lengths of the batches": "Each batch takes `lengths[idx]` with the same `idx` as `X[idx]`.",
    "batch sizes": "Batches of batch_size examples; only the last may be smaller.",
    "gradient norms at each step": "Per batch: `loss, grads = loss_and_grads(params, ...)`, "
                                   "then clip the global norm to clip_norm (unless it is None), "
                                   "then `optimizer.step(params, grads)`, once.",
    "gradient norms after the epoch": "Clip before the step, never after it.",
    "weights after the epoch": "One `optimizer.step(params, grads)` per batch, with the "
                               "clipped gradients.",
    "next random number": "Draw from `rng` only once per epoch: `order = rng.permutation(N)`.",
}
