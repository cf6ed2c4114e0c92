"""Classic mistakes in chapter 4's exercises, as the outputs they produce.

Each simulator recomputes an answer the way an implementation with the given
slips would; with no switch set it gives the right answer (a test holds it
to the library). The checks in `rnn_lib.checks.language` compare a reader's
outputs with these to name what went wrong. Overflow is part of some
mistakes, so the simulators run with NumPy's warnings off.
"""
import numpy as np

from ._base import Mistake


# ------------------------------------------------------------ embedding backward
def embedding_backward_variant(dout, idx, V, *, combine="add", transpose=False):
    """dW_e (V, D) with the rows of repeated tokens combined by `combine`."""
    dout = np.asarray(dout, dtype=np.float64)
    D = dout.shape[-1]
    flat_idx, flat = np.asarray(idx).ravel(), dout.reshape(-1, D)
    dW = np.zeros((V, D))
    if combine == "add":
        np.add.at(dW, flat_idx, flat)
    elif combine == "overwrite":
        for i, row in zip(flat_idx, flat):  # what dW[idx] = dout does: the last one stays
            dW[i] = row
    elif combine == "mean":
        np.add.at(dW, flat_idx, flat)
        counts = np.bincount(flat_idx, minlength=V)
        dW /= np.maximum(counts, 1)[:, None]
    elif combine == "sum-all":
        dW[np.unique(flat_idx)] = flat.sum(axis=0)
    return {"dW_e": dW.T if transpose else dW}


def _emb(key, title, hint, **switches):
    return Mistake(key, title, hint,
                   lambda dout, idx, V: embedding_backward_variant(dout, idx, V, **switches))


EMBEDDING_MISTAKES = [
    _emb("embedding-overwrite", "dW_e[idx] = dout overwrites: a repeated token keeps only its "
         "last gradient",
         "A token read at several steps gets the sum of their gradients. Fancy-index "
         "assignment keeps one of them; `np.add.at(dW_e, idx, dout)` adds every one.",
         combine="overwrite"),
    _emb("embedding-mean", "gradients of a repeated token averaged instead of added",
         "The loss depends on the row W_e[v] once per step that reads v, so the gradients add "
         "up: no division by the count.", combine="mean"),
    _emb("embedding-sum-all", "every read row got the sum of all gradients",
         "Row v collects only the steps whose token is v: `np.add.at(dW_e, idx, dout)`.",
         combine="sum-all"),
    _emb("embedding-transposed", "dW_e transposed: shape (D, V) instead of (V, D)",
         "dW_e has the shape of W_e, one row per token: (V, D).", transpose=True),
]
EMBEDDING_REMINDERS = {"dW_e": "dW_e[v] = sum of dout[n, t] over every (n, t) with idx[n, t] == v; "
                               "zero for a token never read"}


# ------------------------------------------------------------ per-step loss
def temporal_ce_variant(logits, y, mask, *, divide="valid", mask_loss=True, mask_grad=True,
                        shift=True, onehot=True):
    """``{"loss", "dlogits"}`` of a masked per-step cross-entropy with the given slips.

    `divide` is what the loss and its gradient are divided by: "valid" (the
    number of True entries of the mask), "N", "NT" or "none".
    """
    z = np.asarray(logits, dtype=np.float64)
    N, T, V = z.shape
    mask = np.asarray(mask, dtype=bool)
    with np.errstate(all="ignore"):
        m = z.max(axis=-1, keepdims=True) if shift else 0.0
        e = np.exp(z - m)
        p = e / e.sum(axis=-1, keepdims=True)
        log_p = (z - m) - np.log(e.sum(axis=-1, keepdims=True)) if shift else np.log(p)
        picked = np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]  # (N, T)
        count = {"valid": mask.sum(), "N": N, "NT": N * T, "none": 1}[divide]
        loss = -(picked * (mask if mask_loss else 1)).sum() / count
        Y = np.zeros_like(z)
        np.put_along_axis(Y, y[..., None], 1.0, axis=-1)
        d = (p - Y if onehot else p) / count
        if mask_grad:
            d = d * mask[..., None]
    return {"loss": np.asarray(loss), "dlogits": d}


def _ce(key, title, hint, **switches):
    return Mistake(key, title, hint,
                   lambda logits, y, mask: temporal_ce_variant(logits, y, mask, **switches))


TEMPORAL_CE_MISTAKES = [
    _ce("per-step-divided-by-N", "loss and gradient divided by N instead of by the number of "
        "valid steps", "The loss is a mean over every valid (n, t), N*T of them without "
        "padding: divide by `mask.sum()`, not by the batch size.", divide="N"),
    _ce("per-step-divided-by-NT-with-padding", "divided by N*T although padded steps do not "
        "count", "Only the steps where mask is True are averaged: divide by `mask.sum()`.",
        divide="NT"),
    _ce("per-step-not-divided", "loss and gradient summed, not averaged",
        "Divide the sum over valid steps (and the gradient) by `mask.sum()`.", divide="none"),
    _ce("mask-forgotten", "mask forgotten: padded steps counted as if they were real",
        "Multiply the per-step losses and the gradient by the mask, and divide by "
        "`mask.sum()`.", divide="NT", mask_loss=False, mask_grad=False),
    _ce("mask-forgotten-in-gradient", "mask applied to the loss but not to dlogits",
        "Padded steps are not part of the loss, so their logits get zero gradient: "
        "`dlogits *= mask[..., None]`.", mask_grad=False),
    _ce("per-step-one-hot-not-subtracted", "one-hot target not subtracted from the softmax",
        "dlogits = (softmax - onehot) / mask.sum() at valid steps.", onehot=False),
    _ce("per-step-no-max-shift", "softmax without the max-shift: overflow for large logits",
        "Subtract each row's maximum, `z - z.max(axis=-1, keepdims=True)`, before exp.",
        shift=False),
]
TEMPORAL_CE_REMINDERS = {
    "loss": "loss = -(log_softmax(logits)[n, t, y[n, t]] summed over valid steps) / mask.sum()",
    "dlogits": "dlogits = (softmax(logits) - onehot(y)) * mask[..., None] / mask.sum()",
}


# ------------------------------------------------------------ stream batches
def stream_batches_variant(ids, batch_size, seq_len, *, layout="streams", shift=1,
                           drop_last=False):
    """The (x, y) chunks of a batching with the given slips.

    `layout`: "streams" (row b is the b-th contiguous stretch, right),
    "interleaved" (``reshape(n, N).T``: row b holds every N-th id), or
    "batch-by-batch" (each batch cut straight from the stream).
    """
    ids = np.asarray(ids)
    N, T = batch_size, seq_len
    n = (len(ids) - 1) // N
    if layout == "batch-by-batch":
        out = []
        for s in range(0, N * n, N * T):
            width = min(T, (N * n - s) // N)
            if width == 0 or drop_last and width < T:
                break
            x = ids[s:s + N * width].reshape(N, width)
            y = ids[s + shift:s + shift + N * width].reshape(N, width)
            out.append((x, y))
        return out
    if layout == "interleaved":
        x = ids[:N * n].reshape(n, N).T
        y = ids[shift:N * n + shift].reshape(n, N).T
    else:
        x = ids[:N * n].reshape(N, n)
        y = ids[shift:N * n + shift].reshape(N, n)
    out = [(x[:, s:s + T], y[:, s:s + T]) for s in range(0, n, T)]
    if drop_last and out and out[-1][0].shape[1] < T:
        out = out[:-1]
    return out


def _sb(key, title, hint, **switches):
    return Mistake(key, title, hint, lambda ids, batch_size, seq_len: stream_batches_variant(
        ids, batch_size, seq_len, **switches))


STREAM_MISTAKES = [
    _sb("streams-do-not-line-up", "each batch cut straight from the stream: row b of the next "
        "batch does not continue row b", "Cut the stream into batch_size rows first, "
        "`ids[:N*n].reshape(N, n)`, then take columns s .. s+seq_len of every row.",
        layout="batch-by-batch"),
    _sb("streams-interleaved", "streams interleaved: reshape(n, N).T puts every N-th id in a "
        "row", "Row b must be a contiguous stretch of the text: `ids[:N*n].reshape(N, n)` "
        "(row-major), not `reshape(n, N).T`.", layout="interleaved"),
    _sb("targets-not-shifted", "targets equal the inputs (not shifted by one)",
        "The target of ids[i] is ids[i + 1]: y comes from `ids[1:N*n + 1]`.", shift=0),
    _sb("last-chunk-dropped", "the last, shorter chunk dropped",
        "Keep it: when seq_len does not divide n, the last chunk has n % seq_len steps.",
        drop_last=True),
]


# ------------------------------------------------------------ sampling step
def next_token_probabilities_variant(logits, temperature, *, divide="logits",
                                     normalize=True, shift=True, axis=-1, greedy=True):
    """The distribution of one sampling step written with the given slips."""
    z = np.asarray(logits, dtype=np.float64)
    with np.errstate(all="ignore"):
        if temperature == 0 and greedy:
            p = np.zeros_like(z)
            np.put_along_axis(p, z.argmax(axis=-1)[..., None], 1.0, axis=-1)
            return {"p": p}
        scaled = {"logits": z / temperature, "multiply": z * temperature,
                  "probabilities": z, "renormalized": z}[divide]
        m = scaled.max(axis=axis, keepdims=True) if shift else 0.0
        e = np.exp(scaled - m)
        p = e / e.sum(axis=axis, keepdims=True) if normalize else e
        if divide == "probabilities":
            p = p / temperature
    return {"p": p}


def _nt(key, title, hint, **switches):
    return Mistake(key, title, hint, lambda logits, temperature: next_token_probabilities_variant(
        logits, temperature, **switches))


SAMPLING_MISTAKES = [
    _nt("probabilities-divided", "the probabilities divided by the temperature, not the "
        "logits", "Temperature scales the logits: `softmax(logits / temperature)`. Dividing "
        "p by it gives no distribution (it no longer sums to 1).", divide="probabilities"),
    _nt("probabilities-divided-renormalized", "temperature has no effect (probabilities divided, "
        "then renormalized)", "Dividing p by a constant and renormalizing gives p back; divide "
        "the logits instead.", divide="renormalized"),
    _nt("not-renormalized", "exp(logits / temperature) not divided by its sum",
        "Normalize: each row of p must sum to 1.", normalize=False),
    _nt("temperature-multiplied", "logits multiplied by the temperature instead of divided",
        "A temperature above 1 flattens the distribution: `logits / temperature`.",
        divide="multiply"),
    _nt("sampling-no-max-shift", "softmax without the max-shift: overflow for large logits",
        "Subtract each row's maximum before exp.", shift=False),
    _nt("temperature-zero-not-greedy", "temperature 0 not handled: division by zero",
        "At temperature 0 put all the probability on the arg max (greedy decoding).",
        greedy=False),
    _nt("sampling-wrong-axis", "softmax over the wrong axis (over the batch)",
        "Each row is one distribution over the V tokens: normalize over the last axis.",
        axis=0),
]
SAMPLING_REMINDERS = {"p": "p = softmax(logits / temperature) over the last axis; at "
                           "temperature 0, one-hot at the arg max"}
