"""The language model's training loop: truncated BPTT over chunks of one stream.

With ``stateful=True`` (the default) each epoch cuts the stream into
`batch_size` parallel streams (`batching.stream_batches`) and walks through
their chunks in order, the hidden state of one chunk starting the next. The
backward pass ends at the chunk's first step: the carried state is a plain
array here, so no gradient can flow into the previous chunk (what PyTorch
needs ``detach()`` for). With ``stateful=False`` the chunks are shuffled and
each starts from a zero state.
"""
import numpy as np

from ..exceptions import DivergenceError
from ..optim import clip_grad_norm, grad_norm, make_optimizer
from ..utils.validation import trusted_inputs
from .batching import sequence_batches, stream_batches

__all__ = ["train", "learning_rate_at"]


def learning_rate_at(schedule, learning_rate, step, n_steps):
    """The step size of step `step` (0-based) of `n_steps`.

    "one_cycle" (fast.ai's ``fit_one_cycle``): half a cosine up from
    ``learning_rate / 25`` to `learning_rate` over the first quarter of
    training, then half a cosine down to ``learning_rate / 1e5``; "cosine":
    from `learning_rate` down to 0; "constant": `learning_rate` throughout.
    """
    if schedule == "constant":
        return learning_rate
    progress = step / max(n_steps, 1)
    if schedule == "cosine":
        return learning_rate * 0.5 * (1 + np.cos(np.pi * progress))
    warm = 0.25
    if progress < warm:
        low = learning_rate / 25
        return low + (learning_rate - low) * 0.5 * (1 - np.cos(np.pi * progress / warm))
    low = learning_rate / 1e5
    rest = (progress - warm) / (1 - warm)
    return low + (learning_rate - low) * 0.5 * (1 + np.cos(np.pi * rest))


def _set_lr(optimizer, value):
    # The optimizers keep their step size as `lr` (or `learning_rate`).
    setattr(optimizer, "learning_rate" if hasattr(optimizer, "learning_rate") else "lr", value)


def _batches(model, ids, rng):
    if model.stateful:
        return stream_batches(ids, model.batch_size, model.seq_len)
    return sequence_batches(ids, model.batch_size, model.seq_len, rng)


def train(model, ids, validation_ids, rng, verbose, callback=None):
    """Fit `model` on checked ids: initialize, then `n_epochs` epochs; return it."""
    model._initialize_weights(rng)
    model.optimizer_ = make_optimizer(model.optimizer, model.learning_rate)
    model.loss_curve_, model.grad_norms_ = [], []
    model.validation_loss_curve_, model.validation_accuracy_curve_ = [], []
    n_batches = len(_batches(model, ids, np.random.default_rng(0)))
    n_steps, step, epoch = model.n_epochs * n_batches, 0, 0
    params = model._params()  # the optimizer updates these arrays in place
    try:
        with trusted_inputs(), np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(model.n_epochs):
                state, total, count = None, 0.0, 0
                for x, y in _batches(model, ids, rng):
                    if not model.stateful or state is None or state[0].shape[0] != len(x):
                        state = model._zero_state(len(x))
                    loss, grads, state = model.loss_and_grads(x, y, state)
                    if not np.isfinite(loss):
                        raise DivergenceError(f"the training loss became {loss}")
                    norm = (grad_norm(grads) if model.clip_norm is None
                            else clip_grad_norm(grads, model.clip_norm))
                    model.grad_norms_.append(norm)
                    _set_lr(model.optimizer_, learning_rate_at(
                        model.lr_schedule, model.learning_rate, step, n_steps))
                    model.optimizer_.step(params, grads)
                    step += 1
                    total, count = total + loss * y.size, count + y.size
                if not all(np.isfinite(w).all() for w in params.values()):
                    raise DivergenceError("a weight became inf or NaN")
                model.loss_curve_.append(total / count)
                line = f"epoch {epoch + 1:3d}/{model.n_epochs}  loss {total / count:.4f}"
                if validation_ids is not None:
                    val_loss, val_acc = model._evaluate(validation_ids)
                    model.validation_loss_curve_.append(val_loss)
                    model.validation_accuracy_curve_.append(val_acc)
                    line += f"  val loss {val_loss:.4f}  val accuracy {100 * val_acc:.1f}%"
                if verbose:
                    print(line)
                if callback is not None:
                    callback(model, epoch + 1)
    except DivergenceError as exc:
        model._forget_fit()
        raise DivergenceError(
            f"training diverged in epoch {epoch + 1} of {model.n_epochs}, after {step} of "
            f"{n_steps} steps: {exc}. Settings: optimizer={model.optimizer!r}, "
            f"learning_rate={model.learning_rate:g}, clip_norm={model.clip_norm}; try a "
            "learning_rate 10 times smaller. The model is left unfitted; loss_curve_ and "
            "grad_norms_ show the steps before.") from None
    model.n_iter_ = model.n_epochs
    return model
