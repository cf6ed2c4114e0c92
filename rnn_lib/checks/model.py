"""Graded checks of chapter 3's model exercises: the many-to-one loss and gradients, one epoch."""
import numpy as np

from ._base import (
    Exercise,
    Report,
    close,
    compare_outputs,
    function_name,
    never_raises,
    require_callable,
    safe_call,
)
from ._model_mistakes import (
    EPOCH_MISTAKES,
    EPOCH_REMINDERS,
    MODEL_MISTAKES,
    MODEL_REMINDERS,
    PARAM_NAMES,
    RecordingModel,
    RecordingOptimizer,
    epoch_problem_data,
    epoch_record,
    epoch_variant,
    initial_params,
    loss_and_grads_variant,
)
from .problems import ramp


def _explaining(mistakes, out, inputs, names):
    """The mistakes that give exactly what came back, in every output."""
    found = []
    for mistake in mistakes:
        variant = mistake.apply(**inputs)
        if variant and all(n in out and close(out[n], variant[n]) for n in names):
            found.append(mistake)
    return found


# ---------------------------------------------------------------- loss_and_grads
def model_problems():
    """(label, params, X, y, lengths) of the loss_and_grads check, in the order it runs them."""
    N, T, D, H, C = 3, 4, 2, 5, 3  # every size different
    fixed = dict(W_x=ramp(-0.6, 0.7, D, H), W_h=ramp(-0.5, 0.45, H, H), B=ramp(-0.2, 0.3, H),
                 W_y=ramp(0.8, -0.7, H, C) ** 3, B_y=ramp(-0.1, 0.2, C))
    X = np.sin(ramp(0.0, 7.0, N, T, D)) * 1.5
    problems = [("fixed example", fixed, X, np.array([2, 0, 1]), np.array([4, 2, 3]))]
    for i, (N, T, D, H, C) in enumerate([(4, 5, 3, 4, 3), (1, 1, 1, 1, 2)]):
        rng = np.random.default_rng(50 + i)
        params = dict(W_x=rng.standard_normal((D, H)), W_h=rng.standard_normal((H, H)) / 2,
                      B=rng.standard_normal(H) * 0.1, W_y=rng.standard_normal((H, C)),
                      B_y=rng.standard_normal(C) * 0.1)
        problems.append((f"random problem {i + 1}", params, rng.standard_normal((N, T, D)),
                         rng.integers(0, C, size=N), rng.integers(1, T + 1, size=N)))
    return problems


def _unpack_model_output(value, name):
    """{"loss", "dW_x", ...} as float arrays from ``(loss, grads)``, or (None, message)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got = f"{len(value)} values" if isinstance(value, (tuple, list)) else \
            f"a {type(value).__name__}"
        return None, f"`{name}` returned {got}; it must return two: `return loss, grads`"
    loss, grads = value
    if not isinstance(grads, dict):
        return None, (f"`{name}` returned grads as a {type(grads).__name__}; it must be a "
                      f"dict with the keys {', '.join(PARAM_NAMES)}")
    missing = [k for k in PARAM_NAMES if k not in grads]
    if missing:
        return None, (f"`{name}`: grads has no {', '.join(map(repr, missing))}; it needs one "
                      f"gradient per parameter, under the parameter's name ({', '.join(PARAM_NAMES)})")
    out = {}
    for key, v in [("loss", loss)] + [("d" + k, grads[k]) for k in PARAM_NAMES]:
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            return None, f"`{name}`: {key} is not an array of numbers ({exc})"
        out[key] = arr.reshape(()) if key == "loss" and arr.size == 1 else arr
    return out, None


@never_raises
def check_loss_and_grads(loss_and_grads):
    """Check ``loss_and_grads(params, X, y, lengths) -> (loss, grads)`` of the many-to-one RNN.

    Parameters
    ----------
    loss_and_grads : callable
        The reader's function: `params` a dict of W_x (D, H), W_h (H, H), B (H,),
        W_y (H, C) and B_y (C,); `X` (N, T, D); `y` (N,) class indices;
        `lengths` (N,) valid steps. It returns the mean cross-entropy and a
        dict of gradients under the parameters' names.

    Returns
    -------
    CheckResult
    """
    problems = model_problems()
    name = function_name(loss_and_grads)
    report = Report(f"check_loss_and_grads({name})", len(problems))
    if not require_callable(report, loss_and_grads, "my_loss_and_grads"):
        return report.result()
    for label, params, X, y, lengths in problems:
        N, T, D = X.shape
        H, C = params["W_y"].shape
        text = f"{label} (N={N}, T={T}, D={D}, H={H}, C={C}, lengths={lengths.tolist()})"
        given = {k: v.copy() for k, v in params.items()}
        call = safe_call(loss_and_grads, [given, X, y, lengths], ["params", "X", "y", "lengths"])
        if call.error is None:
            changed = [k for k in PARAM_NAMES if not np.array_equal(given[k], params[k])]
            out, error = _unpack_model_output(call.value, name)
            if changed:
                error = (f"`{name}` changed params[{changed[0]!r}] in place; compute new "
                         "arrays instead")
        else:
            error = call.error
            report.not_implemented |= call.not_implemented
        if error is not None:
            report.fail(f"{text}: {error}")
            if call.not_implemented:
                break
            continue
        want = loss_and_grads_variant(params, X, y, lengths)
        inputs = dict(params=params, X=X, y=y, lengths=lengths)
        mistakes = _explaining(MODEL_MISTAKES, out, inputs, want)
        compare_outputs(report, text, out, want, inputs, mistakes, MODEL_REMINDERS,
                        ok_text=f"{text}: loss = {float(want['loss']):.6f}, "
                                "all five gradients right", strict=True)
    return report.result()


# ---------------------------------------------------------------- one epoch
def epoch_problems():
    """(label, X, y, lengths, seed, batch_size, clip_norm) of the epoch check."""
    X, y, lengths = epoch_problem_data(10, 3, 3, seed=60)
    X2, y2, lengths2 = epoch_problem_data(7, 2, 4, seed=61)
    return [
        ("fixed example", X, y, lengths, 0, 4, 5.0),  # batches of 4, 4 and 2
        ("clip_norm=None", X, y, lengths, 1, 4, None),
        ("one batch of all", X2, y2, lengths2, 2, 8, 3.0),
    ]


def _epoch_text(label, X, batch_size, clip_norm):
    return f"{label} (N={X.shape[0]}, batch_size={batch_size}, clip_norm={clip_norm})"


@never_raises
def check_train_epoch(train_epoch):
    """Check ``train_epoch(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size,
    clip_norm) -> mean loss``.

    The check passes a `loss_and_grads` and an `optimizer` of its own that
    record what they are given: the order of the examples, their labels and
    lengths, the size of each batch and the gradients of each step.

    Returns
    -------
    CheckResult
    """
    problems = epoch_problems()
    name = function_name(train_epoch)
    report = Report(f"check_train_epoch({name})", len(problems))
    if not require_callable(report, train_epoch, "my_train_epoch"):
        return report.result()
    for label, X, y, lengths, seed, batch_size, clip_norm in problems:
        text = _epoch_text(label, X, batch_size, clip_norm)
        model, optimizer, params = RecordingModel(), RecordingOptimizer(), initial_params()
        rng = np.random.default_rng(seed)
        call = safe_call(train_epoch, [params, X, y, lengths, model, optimizer, rng],
                         ["params", "X", "y", "lengths", "loss_and_grads", "optimizer", "rng"],
                         kwargs=dict(batch_size=batch_size, clip_norm=clip_norm),
                         may_change=("params",))
        if call.error is not None:
            report.not_implemented |= call.not_implemented
            report.fail(f"{text}: {call.error}")
            if call.not_implemented:
                break
            continue
        try:
            loss = np.asarray(call.value, dtype=np.float64)
            if loss.size != 1:
                raise ValueError(f"shape {loss.shape}")
        except (TypeError, ValueError) as exc:
            report.fail(f"{text}: `{name}` must return the mean loss of the epoch, one "
                        f"number; got {type(call.value).__name__} ({exc})")
            continue
        out = epoch_record(model, optimizer, params, loss.reshape(()), rng)
        inputs = dict(X=X, y=y, lengths=lengths, seed=seed, batch_size=batch_size,
                      clip_norm=clip_norm)
        want = epoch_variant(**inputs)
        n = len(want["batch sizes"])
        ok = f"{text}: {n} batch{'es' if n > 1 else ''}, clipped, loss right"
        if clip_norm is None:
            ok = ok.replace("clipped", "none clipped")
        mistakes = _explaining(EPOCH_MISTAKES, out, inputs, want)
        if not compare_outputs(report, text, out, want, inputs, mistakes, EPOCH_REMINDERS,
                               ok_text=ok, strict=True):
            _explain_other_shuffle(report, out, want)
    return report.result()


def _explain_other_shuffle(report, out, want):
    """A shuffle that is right in kind but drawn elsewhere than from `rng`."""
    order, right = out["order of the examples"], want["order of the examples"]
    if (order.shape == right.shape and not np.array_equal(order, right)
            and np.array_equal(np.sort(order), np.sort(right))
            and not np.array_equal(order, np.sort(order))
            and "no-shuffle" not in report.mistakes):
        line = report.lines[-1]
        report.lines[-1] = line._replace(details=line.details + (
            "Looks like: shuffled, but not with `order = rng.permutation(N)` from the `rng` "
            "passed in (np.random.shuffle, or a generator of your own?). The same rng must "
            "give the same training.",))
        report.mistakes.append("other-random-generator")


EXERCISES = {
    "loss_and_grads": Exercise(
        check_loss_and_grads, ("my_loss_and_grads",), 2,
        solves=("rnn_lib.models.classifier.ScratchSimpleRNNClassifier.loss_and_grads",
                "rnn_lib.nn.layers.last_state_forward", "rnn_lib.nn.layers.last_state_backward")),
    "train_epoch": Exercise(
        check_train_epoch, ("my_train_epoch",), 2,
        solves=("rnn_lib.models.training.train_epoch",
                "rnn_lib.models.training.minibatch_epoch")),
}
