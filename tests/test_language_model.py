"""RNNLanguageModel: exact gradients, batches that line up, perplexity, sampling, files, errors."""
import numpy as np
import pytest

from rnn_lib import RNNLanguageModel, Vocabulary, human_numbers_tokens
from rnn_lib.exceptions import ModelFileError, NotFittedError
from rnn_lib.gradcheck import numerical_gradient, relative_error
from rnn_lib.models._lm_training import learning_rate_at
from rnn_lib.models.batching import sequence_batches, stream_batches
from rnn_lib.models.sampling import next_token_probabilities
from rnn_lib.nn.cells import CELLS

TOKENS = human_numbers_tokens(1, 300)
VOCAB = Vocabulary(TOKENS)
IDS = VOCAB.encode(TOKENS)  # 1,214 ids, 29 distinct words
V = len(VOCAB)


def small(**kwargs):
    settings = dict(n_nodes=8, embedding_dim=5, seq_len=6, batch_size=4, n_epochs=2,
                    random_state=0)
    settings.update(kwargs)
    return RNNLanguageModel(V, **settings)


@pytest.fixture(scope="module")
def fitted():
    return small().fit(IDS[:600], IDS[600:])


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("embedding_dim", [5, "one_hot"])
def test_loss_and_grads_match_centered_differences(cell, embedding_dim):
    model = RNNLanguageModel(7, 4, cell=cell, embedding_dim=embedding_dim)
    model._initialize_weights(np.random.default_rng(1))
    rng = np.random.default_rng(2)
    model.B_y = rng.standard_normal(7) * 0.1  # nothing zero, so every term counts
    x = np.array([[0, 1, 1, 2, 0], [3, 0, 0, 1, 5]])  # repeated tokens in both rows
    y = np.array([[1, 1, 2, 0, 4], [0, 0, 1, 5, 2]])
    state = tuple(rng.standard_normal((2, 4)) * 0.5 for _ in range(CELLS[cell].n_states))
    _, grads, _ = model.loss_and_grads(x, y, state)
    assert set(grads) == set(model._params())
    for name, analytic in grads.items():
        def f(w, name=name):
            old = getattr(model, name)
            setattr(model, name, w)
            try:
                return model.loss_and_grads(x, y, state)[0]
            finally:
                setattr(model, name, old)
        numeric = numerical_gradient(f, getattr(model, name).copy())
        assert relative_error(analytic, numeric) < 1e-7, name


def test_loss_is_the_mean_over_every_step_of_the_chunk():
    model = small()
    model._initialize_weights(np.random.default_rng(0))
    x, y = IDS[None, :12], IDS[None, 1:13]
    loss, _, _ = model.loss_and_grads(x, y)
    assert loss == pytest.approx(model.loss(IDS[:13]), rel=1e-12)


# ------------------------------------------------------------------ batching
def test_stream_batches_line_up_across_batches():
    ids = np.arange(103)
    batches = stream_batches(ids, batch_size=4, seq_len=7)
    x = np.concatenate([b[0] for b in batches], axis=1)  # (4, 25): each row one stream
    y = np.concatenate([b[1] for b in batches], axis=1)
    np.testing.assert_array_equal(x, np.arange(100).reshape(4, 25))  # contiguous rows
    np.testing.assert_array_equal(y, x + 1)
    assert [b[0].shape for b in batches] == [(4, 7)] * 3 + [(4, 4)]  # the last one shorter
    for (x0, _), (x1, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)  # row b goes on where it stopped


def test_sequence_batches_hold_every_sequence_once():
    batches = sequence_batches(np.arange(50), 3, 4, np.random.default_rng(0))
    x = np.concatenate([b[0] for b in batches])
    assert sorted(x[:, 0]) == list(range(0, 48, 4))
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), x + 1)


def test_batching_refuses_too_short_a_stream():
    with pytest.raises(ValueError, match="more than batch_size = 4 ids"):
        stream_batches(np.arange(4), 4, 3)


# ------------------------------------------------------------ loss, perplexity
def test_zero_output_weights_give_perplexity_V(fitted):
    model = small().fit(IDS[:200])
    model.W_y = np.zeros_like(model.W_y)
    model.B_y = np.zeros_like(model.B_y)
    assert model.loss(IDS) == pytest.approx(np.log(V))
    assert model.perplexity(IDS) == pytest.approx(V)


def test_evaluation_runs_one_state_through_the_whole_sequence(fitted):
    ids = IDS[:2100]  # more than one internal piece of 1024 steps
    log_p = np.log(fitted.predict_proba(ids[:-1]))
    manual = -log_p[np.arange(len(ids) - 1), ids[1:]].mean()
    assert fitted.loss(ids) == pytest.approx(manual, rel=1e-10)
    # a reset every 5 steps forgets the context and changes the loss
    assert fitted.loss(ids, chunk_len=5) != pytest.approx(fitted.loss(ids), rel=1e-3)


def test_accuracy_counts_the_most_probable_next_token(fitted):
    proba = fitted.predict_proba(IDS[:300])
    expected = np.mean(proba[:-1].argmax(axis=1) == IDS[1:300])
    assert fitted.accuracy(IDS[:300]) == pytest.approx(expected)


def test_training_lowers_the_loss_and_records_curves(fitted):
    assert len(fitted.loss_curve_) == 2 and len(fitted.validation_loss_curve_) == 2
    assert fitted.loss_curve_[-1] < np.log(V)
    assert fitted.validation_loss_curve_[-1] == pytest.approx(fitted.loss(IDS[600:]))
    assert fitted.validation_accuracy_curve_[-1] == pytest.approx(fitted.accuracy(IDS[600:]))


def test_refitting_gives_the_same_model():
    a, b = small().fit(IDS[:300]), small().fit(IDS[:300])
    np.testing.assert_array_equal(a.W_h, b.W_h)
    assert a.loss_curve_ == b.loss_curve_


def test_stateless_training_differs_and_works():
    model = small(stateful=False).fit(IDS[:300])
    assert model.loss_curve_[-1] < np.log(V)


def test_one_hot_input_keeps_an_identity_table():
    model = small(embedding_dim="one_hot").fit(IDS[:200])
    np.testing.assert_array_equal(model.W_e, np.eye(V))


def test_one_cycle_schedule_warms_up_then_anneals():
    lrs = [learning_rate_at("one_cycle", 0.01, s, 100) for s in range(100)]
    assert lrs[0] == pytest.approx(0.01 / 25)
    assert max(lrs) == pytest.approx(0.01, rel=1e-3) and np.argmax(lrs) == 25
    assert lrs[-1] < 1e-4


# ------------------------------------------------------------------ sampling
def test_sampling_is_reproducible_for_a_random_state(fitted):
    a = fitted.sample(30, IDS[:5], random_state=3)
    assert a.shape == (30,) and a.dtype == np.int64
    np.testing.assert_array_equal(a, fitted.sample(30, IDS[:5], random_state=3))
    assert not np.array_equal(a, fitted.sample(30, IDS[:5], random_state=4))


def test_temperature_zero_is_greedy(fitted):
    out = fitted.sample(8, IDS[:5], temperature=0.0, random_state=1)
    seq = list(IDS[:5])
    for token in out:  # each token the most probable after everything before it
        assert token == fitted.predict_proba(np.array(seq))[-1].argmax()
        seq.append(token)
    np.testing.assert_array_equal(out, fitted.sample(8, IDS[:5], temperature=0, random_state=9))


def test_next_token_probabilities_divide_the_logits():
    z = np.array([1.0, 2.0, 0.5])
    p = next_token_probabilities(z, 0.5)
    np.testing.assert_allclose(p, np.exp(2 * z) / np.exp(2 * z).sum())
    np.testing.assert_array_equal(next_token_probabilities(z, 0), [0, 1, 0])


# --------------------------------------------------------------------- files
def test_save_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "lm.npz")
    loaded = RNNLanguageModel.load(tmp_path / "lm.npz")
    assert loaded.cell == fitted.cell and loaded.embedding_dim == fitted.embedding_dim
    assert loaded.loss(IDS) == fitted.loss(IDS)
    np.testing.assert_array_equal(loaded.sample(10, IDS[:3], random_state=0),
                                  fitted.sample(10, IDS[:3], random_state=0))
    assert loaded.validation_loss_curve_ == fitted.validation_loss_curve_


def test_load_refuses_a_classifier_file(tmp_path):
    from rnn_lib import ScratchSimpleRNNClassifier
    X, y = np.random.default_rng(0).standard_normal((8, 3, 2)), np.arange(8) % 2
    ScratchSimpleRNNClassifier(n_nodes=2, random_state=0).fit(X, y, n_epochs=1).save(
        tmp_path / "clf.npz")
    with pytest.raises(ModelFileError, match="holds a 'rnn_lib.ScratchSimpleRNNClassifier', "
                                             "not a 'rnn_lib.RNNLanguageModel'"):
        RNNLanguageModel.load(tmp_path / "clf.npz")


# -------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, error, match", [
    (dict(cell="elman"), ValueError, r"cell must be one of \[.*'rnn'.*\]; got 'elman'"),
    (dict(embedding_dim="onehot"), ValueError, "embedding_dim must be a positive integer or 'one_hot'"),
    (dict(embedding_dim=0), ValueError, "embedding_dim must be an integer >= 1; got 0"),
    (dict(seq_len=2.5), TypeError, "seq_len must be an integer >= 1; got 2.5"),
    (dict(stateful="yes"), TypeError, "stateful must be True or False; got 'yes'"),
    (dict(lr_schedule="step"), ValueError, r"lr_schedule must be one of \['one_cycle'"),
    (dict(optimizer="adamw"), ValueError, "optimizer must be one of"),
    (dict(learning_rate=-1), ValueError, "learning_rate must be a positive finite number"),
    (dict(clip_norm=0), ValueError, "clip_norm must be a positive finite number; got 0"),
    (dict(n_epochs=0), ValueError, "n_epochs must be an integer >= 1; got 0"),
    (dict(random_state=-1), ValueError, "random_state must be None or an integer >= 0"),
])
def test_bad_settings_are_refused_by_fit(kwargs, error, match):
    with pytest.raises(error, match=match):
        small(**kwargs).fit(IDS[:100])


def test_bad_vocab_size_is_refused():
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 2; got 1"):
        RNNLanguageModel(1).fit(np.zeros(10, dtype=int))


@pytest.mark.parametrize("ids, error, match", [
    (np.array(["one", "two"]), TypeError, "encode text with a Vocabulary first"),
    (IDS[:100].astype(float), TypeError, "integer token ids 0 .. 28; got dtype float64"),
    (IDS[:100].reshape(10, 10), ValueError, r"one sequence of token ids, shape \(L,\); got shape \(10, 10\)"),
    (np.array([0, 1, 29, 3, 4, 5]), ValueError, r"ids in 0 \.\. 28 \(V = 29.*e\.g\. 29"),
    (IDS[:4], ValueError, "at least 5 token ids .* in each of the batch_size = 4 streams"),
])
def test_bad_ids_are_refused_by_fit(ids, error, match):
    with pytest.raises(error, match=match):
        small().fit(ids)


def test_methods_before_fit_raise_not_fitted():
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(ids\) first"):
        small().loss(IDS)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n=0), ValueError, "n must be an integer >= 1; got 0"),
    (dict(temperature=-0.5), ValueError, "temperature must be a finite number >= 0"),
    (dict(temperature="hot"), TypeError, "temperature must be a number >= 0; got 'hot'"),
    (dict(prefix=[]), ValueError, "prefix must hold at least 1 token ids \\(to start from\\)"),
    (dict(random_state=1.5), TypeError, "random_state must be None or an integer"),
])
def test_bad_sampling_arguments_are_refused(fitted, kwargs, error, match):
    args = dict(n=5, prefix=IDS[:3], temperature=1.0, random_state=0)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        fitted.sample(**args)


def test_weights_of_the_wrong_shape_set_by_hand_are_named(fitted):
    model = small().fit(IDS[:200])
    model.W_y = np.zeros((8, V + 1))
    with pytest.raises(ValueError, match=r"W_y must have shape \(8, 29\)"):
        model.loss(IDS)


def test_callback_sees_every_epoch():
    seen = []
    small().fit(IDS[:300], callback=lambda model, epoch: seen.append(
        (epoch, len(model.loss_curve_))))
    assert seen == [(1, 1), (2, 2)]


@pytest.mark.parametrize("k", [1, 5, 64])
def test_resetting_every_k_steps_is_running_each_chunk_from_zero(fitted, k):
    ids = IDS[:203]
    log_p = []
    for s in range(0, 202, k):
        chunk = ids[s:min(s + k, 202) + 1]
        log_p.append(np.log(fitted.predict_proba(chunk[:-1]))[np.arange(len(chunk) - 1),
                                                                chunk[1:]])
    assert fitted.loss(ids, chunk_len=k) == pytest.approx(-np.concatenate(log_p).mean(),
                                                          rel=1e-10)


def test_divergence_is_reported_and_leaves_the_model_unfitted():
    from rnn_lib.exceptions import DivergenceError
    model = small(optimizer="sgd", learning_rate=1e308, clip_norm=None, lr_schedule="constant")
    with pytest.raises(DivergenceError, match=r"training diverged in epoch 1 of 2.*"
                                              r"learning_rate=1e\+308"):
        model.fit(IDS[:300])
    assert model.W_x is None and len(model.loss_curve_) == 0
    with pytest.raises(NotFittedError):
        model.loss(IDS)
