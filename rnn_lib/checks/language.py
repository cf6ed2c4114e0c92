"""Graded checks of chapter 4: embedding backward, per-step loss, stream batches, sampling step."""
import numpy as np

from ..gradcheck import numerical_gradient
from ..models.batching import stream_batches
from ..models.sampling import next_token_probabilities
from ..nn.embedding import embedding_backward, embedding_forward
from ..nn.losses import temporal_softmax_cross_entropy
from ._base import (
    Exercise,
    Report,
    call_and_unpack,
    compare_outputs,
    function_name,
    never_raises,
    require_callable,
    safe_call,
)
from ._language_mistakes import (
    EMBEDDING_MISTAKES,
    EMBEDDING_REMINDERS,
    SAMPLING_MISTAKES,
    SAMPLING_REMINDERS,
    STREAM_MISTAKES,
    TEMPORAL_CE_MISTAKES,
    TEMPORAL_CE_REMINDERS,
)
from .problems import compare_with_numerical, ramp

__all__ = ["check_embedding_backward", "check_temporal_cross_entropy",
           "check_stream_batches", "check_next_token_probabilities"]


def embedding_problems():
    """(label, dout, idx, V) of the embedding check, in the order it runs them."""
    problems = [
        # token 2 read three times, token 4 never: both cases show
        ("fixed example", ramp(-1.0, 1.2, 2, 4, 3) ** 2 - 0.4,
         np.array([[2, 0, 2, 1], [3, 2, 1, 0]]), 5),
        ("one token at every step", ramp(0.5, -0.7, 1, 5, 2), np.zeros((1, 5), dtype=int), 3),
    ]
    for i, (N, T, V, D) in enumerate([(3, 4, 6, 2), (1, 1, 2, 1)]):
        rng = np.random.default_rng(60 + i)
        problems.append((f"random problem {i + 1}", rng.standard_normal((N, T, D)),
                         rng.integers(0, V, size=(N, T)), V))
    return problems


@never_raises
def check_embedding_backward(embedding_backward_fn):
    """Check ``my_embedding_backward(dout, idx, V) -> dW_e`` (shape (V, D)).

    Parameters
    ----------
    embedding_backward_fn : callable
        `dout` (N, T, D), integer `idx` (N, T) and the vocabulary size V in;
        the gradient of the embedding table out.

    Returns
    -------
    CheckResult
    """
    problems = embedding_problems()
    report = Report(f"check_embedding_backward({function_name(embedding_backward_fn)})",
                    len(problems))
    if not require_callable(report, embedding_backward_fn, "my_embedding_backward"):
        return report.result()
    for label, dout, idx, V in problems:
        if report.failed:
            break
        out = call_and_unpack(report, embedding_backward_fn, [dout, idx, V], ("dW_e",),
                              ("dout", "idx", "V"))
        if out is None:
            break
        W_e = np.zeros((V, dout.shape[-1]))
        want = {"dW_e": embedding_backward(dout, embedding_forward(idx, W_e)[1])}
        N, T, D = dout.shape
        text = f"{label} (N={N}, T={T}, V={V}, D={D})"
        repeats = int(len(idx.ravel()) - len(np.unique(idx)))
        compare_outputs(report, text, out, want, dict(dout=dout, idx=idx, V=V),
                        EMBEDDING_MISTAKES, EMBEDDING_REMINDERS, strict=True,
                        ok_text=f"{text}: dW_e right ({repeats} repeated reads added up)")
    return report.result()


def temporal_ce_problems():
    """(label, logits, y, mask) of the per-step loss check, in the order it runs them."""
    N, T, V = 2, 3, 4
    logits = ramp(-1.5, 2.0, N, T, V) ** 2 - ramp(0.0, 1.0, N, T, V)
    y = np.array([[3, 0, 2], [1, 1, 0]])
    padded = np.array([[True, True, True], [True, False, False]])  # y there is arbitrary
    huge = 1000 + ramp(0.0, 5.0, 1, 2, 3)
    problems = [
        ("fixed example, no padding", logits, y, np.ones((N, T), dtype=bool)),
        ("fixed example, the second row padded after step 1", logits, y, padded),
        ("logits of 1000 and more", huge, np.array([[2, 0]]), np.ones((1, 2), dtype=bool)),
    ]
    for i, (N, T, V) in enumerate([(3, 4, 5), (1, 1, 2)]):
        rng = np.random.default_rng(70 + i)
        mask = rng.random((N, T)) < 0.7
        mask[0, 0] = True  # at least one valid step
        problems.append((f"random problem {i + 1}", rng.standard_normal((N, T, V)) * 2,
                         rng.integers(0, V, size=(N, T)), mask))
    return problems


@never_raises
def check_temporal_cross_entropy(cross_entropy):
    """Check ``my_temporal_cross_entropy(logits, y, mask) -> (loss, dlogits)``.

    Parameters
    ----------
    cross_entropy : callable
        `logits` (N, T, V), integer targets `y` (N, T) and a boolean `mask`
        (N, T) in; the mean loss over the valid steps and `dlogits`
        (N, T, V) out.

    Returns
    -------
    CheckResult
    """
    problems = temporal_ce_problems()
    report = Report(f"check_temporal_cross_entropy({function_name(cross_entropy)})",
                    len(problems))
    if not require_callable(report, cross_entropy, "my_temporal_cross_entropy"):
        return report.result()
    for label, logits, y, mask in problems:
        if report.failed:
            break
        out = call_and_unpack(report, cross_entropy, [logits, y, mask], ("loss", "dlogits"),
                              ("logits", "y", "mask"), finite=False)
        if out is None:
            break
        if out["loss"].size == 1:
            out["loss"] = out["loss"].reshape(())
        loss, dlogits = temporal_softmax_cross_entropy(logits, y, mask)
        N, T, V = logits.shape
        text = f"{label} (N={N}, T={T}, V={V}, {int(mask.sum())} valid steps)"
        inputs = dict(logits=logits, y=y, mask=mask)
        want = {"loss": np.asarray(loss), "dlogits": dlogits}
        if not compare_outputs(report, text, out, want, inputs, TEMPORAL_CE_MISTAKES,
                               TEMPORAL_CE_REMINDERS, quiet=True, strict=True):
            break
        if label.startswith("random"):
            numeric = numerical_gradient(
                lambda z: temporal_softmax_cross_entropy(z, y, mask)[0], logits.copy())
            if compare_with_numerical(report, text, {"dlogits": out["dlogits"]},
                                      {"dlogits": numeric}):
                report.ok(f"{text}: loss right, dlogits matches centered differences")
        else:
            report.ok(f"{text}: loss = {loss:.6f}, dlogits right")
    return report.result()


def stream_problems():
    """(label, ids, batch_size, seq_len) of the batching check."""
    rng = np.random.default_rng(80)
    return [
        ("ids 0 .. 22 in 3 streams of chunks of 4", np.arange(23), 3, 4),
        ("ids 0 .. 24 in 4 streams of chunks of 3 (3 divides 6)", np.arange(25), 4, 3),
        ("random token ids with repeats", rng.integers(0, 5, size=40), 2, 5),
        ("one stream, chunks of 1", np.arange(5), 1, 1),
    ]


def _as_batches(value, name):
    """The reader's result as a list of (x, y) int arrays, or an error message."""
    if not isinstance(value, (list, tuple)) or not value:
        return None, (f"`{name}` returned {type(value).__name__}; it must return a non-empty "
                      "list of (x, y) pairs")
    out = []
    for k, pair in enumerate(value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            return None, f"`{name}`: item {k} of the list is not an (x, y) pair"
        x, y = (np.asarray(a) for a in pair)
        if x.ndim != 2 or y.ndim != 2:
            return None, (f"`{name}`: batch {k + 1} has x of shape {x.shape} and y of shape "
                          f"{y.shape}; both must be (batch_size, steps)")
        out.append((x, y))
    return out, None


def _same(a, b):
    return len(a) == len(b) and all(
        x.shape == xe.shape and y.shape == ye.shape and np.array_equal(x, xe)
        and np.array_equal(y, ye) for (x, y), (xe, ye) in zip(a, b))


def _rows(a):
    """An int array on one line: [[0 1 2] [7 8 9]]."""
    return " ".join(np.array2string(a, separator=" ").split())


def _first_difference(actual, expected):
    for k, ((x, y), (xe, ye)) in enumerate(zip(actual, expected)):
        for name, a, e in (("x", x, xe), ("y", y, ye)):
            if a.shape != e.shape:
                return k, f"batch {k + 1}: {name} has shape {a.shape}, expected {e.shape}"
            if not np.array_equal(a, e):
                return k, (f"batch {k + 1}: {name} is wrong; expected {_rows(e)}, "
                           f"got {_rows(a)}")
    return min(len(actual), len(expected)), (f"{len(actual)} batches returned, expected "
                                              f"{len(expected)}")


@never_raises
def check_stream_batches(batches_fn):
    """Check ``my_stream_batches(ids, batch_size, seq_len) -> list of (x, y)``.

    Parameters
    ----------
    batches_fn : callable
        Cuts a 1-D array of ids into `batch_size` streams and returns their
        consecutive chunks of `seq_len` steps (the last may be shorter), each
        as inputs x and targets y of shape (batch_size, steps).

    Returns
    -------
    CheckResult
    """
    problems = stream_problems()
    report = Report(f"check_stream_batches({function_name(batches_fn)})", len(problems))
    if not require_callable(report, batches_fn, "my_stream_batches"):
        return report.result()
    for label, ids, N, T in problems:
        call = safe_call(batches_fn, [ids, N, T], ["ids", "batch_size", "seq_len"])
        if call.error is not None:
            report.not_implemented |= call.not_implemented
            report.fail(call.error)
            break
        actual, error = _as_batches(call.value, function_name(batches_fn))
        if error:
            report.fail(error)
            break
        expected = stream_batches(ids, N, T)
        text = f"{label} (len(ids)={len(ids)}, batch_size={N}, seq_len={T})"
        if _same(actual, expected):
            report.ok(f"{text}: {len(expected)} batches, streams line up")
            continue
        k, detail = _first_difference(actual, expected)
        details = [detail]
        for mistake in STREAM_MISTAKES:
            variant = mistake.apply(ids=ids, batch_size=N, seq_len=T)
            if _same(actual, variant) or (k < len(variant) and k < len(actual)
                                          and _same(actual[k:k + 1], variant[k:k + 1])):
                report.mistakes.append(mistake.key)
                details.append(f"Looks like: {mistake.title}. {mistake.hint}")
                break
        else:
            details.append("Reminder: n = (len(ids) - 1) // batch_size; x = ids[:N*n]."
                           "reshape(N, n), y = ids[1:N*n + 1].reshape(N, n); batch k is "
                           "columns k*seq_len .. (k+1)*seq_len - 1 of both")
        report.fail(f"{text}: the batches are wrong", details)
        break
    return report.result()


def sampling_problems():
    """(label, logits, temperature) of the sampling-step check."""
    z = ramp(-1.0, 2.0, 2, 5) ** 2 - ramp(0.0, 1.5, 2, 5)
    rng = np.random.default_rng(90)
    return [
        ("fixed example, temperature 0.5", z, 0.5),
        ("fixed example, temperature 2", z, 2.0),
        ("fixed example, temperature 1", z, 1.0),
        ("fixed example, temperature 0 (greedy)", z, 0.0),
        ("one row of logits (V,), temperature 0.7", z[1], 0.7),
        ("logits of 1000 and more, temperature 0.5", 1000 + ramp(0.0, 3.0, 2, 3), 0.5),
        ("random problem", rng.standard_normal((3, 6)) * 3, 1.3),
    ]


@never_raises
def check_next_token_probabilities(probabilities_fn):
    """Check ``my_next_token_probabilities(logits, temperature) -> p``.

    Parameters
    ----------
    probabilities_fn : callable
        `logits` of shape (V,) or (N, V) and a temperature >= 0 in; the
        distribution of the next token (same shape, rows summing to 1) out.

    Returns
    -------
    CheckResult
    """
    problems = sampling_problems()
    report = Report(f"check_next_token_probabilities({function_name(probabilities_fn)})",
                    len(problems))
    if not require_callable(report, probabilities_fn, "my_next_token_probabilities"):
        return report.result()
    for label, logits, temperature in problems:
        out = call_and_unpack(report, probabilities_fn, [logits, temperature], ("p",),
                              ("logits", "temperature"), finite=False)
        if out is None:
            break
        want = {"p": next_token_probabilities(logits, temperature)}
        mistakes = [m for m in SAMPLING_MISTAKES
                    if logits.ndim == 2 or m.key != "sampling-wrong-axis"]
        if not compare_outputs(report, f"{label}, logits {logits.shape}", out, want,
                               dict(logits=logits, temperature=temperature), mistakes,
                               SAMPLING_REMINDERS):
            break
    return report.result()


EXERCISES = {
    "embedding_backward": Exercise(check_embedding_backward, ("my_embedding_backward",), 1,
                                   solves=("rnn_lib.nn.embedding.embedding_backward",)),
    "temporal_cross_entropy": Exercise(
        check_temporal_cross_entropy, ("my_temporal_cross_entropy",), 1,
        solves=("rnn_lib.nn.losses.temporal_softmax_cross_entropy",)),
    "stream_batches": Exercise(check_stream_batches, ("my_stream_batches",), 1,
                               solves=("rnn_lib.models.batching.stream_batches",)),
    "next_token_probabilities": Exercise(
        check_next_token_probabilities, ("my_next_token_probabilities",), 1,
        solves=("rnn_lib.models.sampling.next_token_probabilities",)),
}
