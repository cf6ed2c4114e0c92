"""Chapter 4's graded checks: right answers pass, classic mistakes fail by name, nothing raises.

The "student" implementations are written independently of rnn_lib and of
the mistake simulators, the way a reader would write the exercises.
"""
import numpy as np
import pytest

from rnn_lib import checks
from rnn_lib.checks import (
    EXERCISES,
    check_embedding_backward,
    check_next_token_probabilities,
    check_stream_batches,
    check_temporal_cross_entropy,
)
from rnn_lib.checks import _language_mistakes as mistakes
from rnn_lib.checks import language
from rnn_lib.models.batching import stream_batches
from rnn_lib.models.sampling import next_token_probabilities
from rnn_lib.nn.embedding import embedding_backward, embedding_forward
from rnn_lib.nn.losses import temporal_softmax_cross_entropy


# ------------------------------------------------------------ a student's code
def student_embedding_backward(dout, idx, V, *, overwrite=False, mean=False, transpose=False):
    D = dout.shape[-1]
    dW = np.zeros((V, D))
    for n in range(idx.shape[0]):
        for t in range(idx.shape[1]):
            if overwrite:
                dW[idx[n, t]] = dout[n, t]
            else:
                dW[idx[n, t]] += dout[n, t]
    if mean:
        counts = np.array([(idx == v).sum() for v in range(V)])
        dW = dW / np.maximum(counts, 1)[:, None]
    return dW.T if transpose else dW


def student_temporal_ce(logits, y, mask, *, by="valid", use_mask=True, mask_grad=True):
    N, T, V = logits.shape
    z = logits - logits.max(axis=2, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=2, keepdims=True)
    onehot = np.eye(V)[y]
    m = mask.astype(float) if use_mask else np.ones((N, T))
    count = {"valid": mask.sum(), "N": N}[by] if use_mask else N * T
    loss = -(np.log((p * onehot).sum(axis=2)) * m).sum() / count
    dlogits = (p - onehot) / count
    if mask_grad and use_mask:
        dlogits = dlogits * m[:, :, None]
    return loss, dlogits


def student_stream_batches(ids, batch_size, seq_len, *, interleave=False, straight=False,
                           no_shift=False):
    N = batch_size
    n = (len(ids) - 1) // N
    if straight:  # every batch cut from the stream as it comes
        out = []
        for s in range(0, N * n - N * seq_len + 1, N * seq_len):
            chunk = ids[s:s + N * seq_len + 1]
            out.append((chunk[:-1].reshape(N, seq_len), chunk[1:].reshape(N, seq_len)))
        return out
    x = ids[:N * n].reshape(n, N).T if interleave else ids[:N * n].reshape(N, n)
    y = x if no_shift else (ids[1:N * n + 1].reshape(n, N).T if interleave
                            else ids[1:N * n + 1].reshape(N, n))
    return [(x[:, s:s + seq_len], y[:, s:s + seq_len]) for s in range(0, n, seq_len)]


def student_probabilities(logits, temperature, *, on="logits", normalize=True):
    if temperature == 0:
        p = np.zeros_like(logits)
        np.put_along_axis(p, np.argmax(logits, axis=-1)[..., None], 1.0, axis=-1)
        return p
    if on == "probabilities":
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True) / temperature
    z = logits / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True) if normalize else e


# ------------------------------------------------------------------- tests
@pytest.mark.parametrize("check, fn", [
    (check_embedding_backward, student_embedding_backward),
    (check_temporal_cross_entropy, student_temporal_ce),
    (check_stream_batches, student_stream_batches),
    (check_next_token_probabilities, student_probabilities),
])
def test_a_right_answer_passes(check, fn):
    result = check(fn)
    assert result.passed, str(result)
    assert result.mistakes == ()


@pytest.mark.parametrize("check, fn, key", [
    (check_embedding_backward, lambda d, i, V: student_embedding_backward(d, i, V, overwrite=True),
     "embedding-overwrite"),
    (check_embedding_backward, lambda d, i, V: student_embedding_backward(d, i, V, mean=True),
     "embedding-mean"),
    (check_embedding_backward, lambda d, i, V: student_embedding_backward(d, i, V, transpose=True),
     "embedding-transposed"),
    (check_temporal_cross_entropy, lambda z, y, m: student_temporal_ce(z, y, m, by="N"),
     "per-step-divided-by-N"),
    (check_temporal_cross_entropy, lambda z, y, m: student_temporal_ce(z, y, m, use_mask=False),
     "mask-forgotten"),
    (check_temporal_cross_entropy, lambda z, y, m: student_temporal_ce(z, y, m, mask_grad=False),
     "mask-forgotten-in-gradient"),
    (check_stream_batches, lambda i, N, T: student_stream_batches(i, N, T, straight=True),
     "streams-do-not-line-up"),
    (check_stream_batches, lambda i, N, T: student_stream_batches(i, N, T, interleave=True),
     "streams-interleaved"),
    (check_stream_batches, lambda i, N, T: student_stream_batches(i, N, T, no_shift=True),
     "targets-not-shifted"),
    (check_next_token_probabilities, lambda z, t: student_probabilities(z, t, on="probabilities"),
     "probabilities-divided"),
    (check_next_token_probabilities, lambda z, t: student_probabilities(z, t, normalize=False),
     "not-renormalized"),
])
def test_a_classic_mistake_fails_by_name(check, fn, key):
    result = check(fn)
    assert not result.passed
    assert key in result.mistakes, str(result)
    assert "Looks like" in str(result)


def test_the_simulators_without_slips_agree_with_the_library():
    for _, dout, idx, V in language.embedding_problems():
        W_e = np.zeros((V, dout.shape[-1]))
        np.testing.assert_allclose(mistakes.embedding_backward_variant(dout, idx, V)["dW_e"],
                                   embedding_backward(dout, embedding_forward(idx, W_e)[1]))
    for _, logits, y, mask in language.temporal_ce_problems():
        loss, d = temporal_softmax_cross_entropy(logits, y, mask)
        out = mistakes.temporal_ce_variant(logits, y, mask)
        assert float(out["loss"]) == pytest.approx(loss)
        np.testing.assert_allclose(out["dlogits"], d, atol=1e-15)
    for _, ids, N, T in language.stream_problems():
        for (x, y), (xe, ye) in zip(mistakes.stream_batches_variant(ids, N, T),
                                    stream_batches(ids, N, T), strict=True):
            np.testing.assert_array_equal(x, xe)
            np.testing.assert_array_equal(y, ye)
    for _, logits, t in language.sampling_problems():
        np.testing.assert_allclose(mistakes.next_token_probabilities_variant(logits, t)["p"],
                                   next_token_probabilities(logits, t))


def test_every_catalogued_mistake_changes_some_answer():
    for mistake in mistakes.STREAM_MISTAKES:
        assert any(not _same_batches(mistake.apply(ids=i, batch_size=N, seq_len=T),
                                     stream_batches(i, N, T))
                   for _, i, N, T in language.stream_problems()), mistake.key


def _same_batches(a, b):
    return len(a) == len(b) and all(np.array_equal(x, xe) and np.array_equal(y, ye)
                                    for (x, y), (xe, ye) in zip(a, b))


@pytest.mark.parametrize("check", [check_embedding_backward, check_temporal_cross_entropy,
                                   check_stream_batches, check_next_token_probabilities])
def test_a_stub_is_not_implemented_and_garbage_never_raises(check):
    def stub(*args):
        raise NotImplementedError

    result = check(stub)
    assert not result.passed and result.not_implemented
    for garbage in (lambda *a: None, lambda *a: "text", lambda *a: [1, 2, 3], 42):
        assert not check(garbage).passed


def test_the_exercises_are_registered_with_what_solves_them():
    for name in ("embedding_backward", "temporal_cross_entropy", "stream_batches",
                 "next_token_probabilities"):
        ex = EXERCISES[name]
        assert ex.check.__name__ in checks.__all__
        assert ex.solves and all(s.startswith("rnn_lib.") for s in ex.solves)
