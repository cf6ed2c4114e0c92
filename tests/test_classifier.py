"""ScratchSimpleRNNClassifier trains for real: gradients, reproducibility, labels, padding, errors."""
import re

import numpy as np
import pytest

from rnn_lib import ScratchSimpleRNNClassifier
from rnn_lib.gradcheck import numerical_gradient, relative_error
from rnn_lib.optim import OPTIMIZERS


def memory_task(N=200, T=6, seed=0):
    """Label = which of 3 features is largest on average over time, as strings."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, T, 3))
    y = np.array(["a", "b", "c"])[X.mean(axis=1).argmax(axis=1)]
    return X, y


def padded(X, lengths, seed):
    """Copy of X with random junk after each sequence's last valid step."""
    rng = np.random.default_rng(seed)
    X = X.copy()
    pad = np.arange(X.shape[1]) >= lengths[:, None]  # (N, T)
    X[pad] = rng.uniform(-5, 5, size=(int(pad.sum()), X.shape[2]))
    return X


def small_model(**kwargs):
    kwargs = {"n_nodes": 8, "random_state": 0, **kwargs}
    return ScratchSimpleRNNClassifier(**kwargs)


@pytest.fixture(scope="module")
def fitted():
    X, y = memory_task(N=300)
    # Noise on the inputs would change this task's labels: train without it.
    return small_model(input_noise=0.0).fit(X, y, n_epochs=30), X, y


def test_fit_returns_self_and_sets_learned_attributes(fitted):
    model, X, y = fitted
    np.testing.assert_array_equal(model.classes_, ["a", "b", "c"])
    assert model.n_features_in_ == 3 and model.n_iter_ == 30
    assert len(model.loss_curve_) == 30
    assert model.W_y.shape == (8, 3) and model.B_y.shape == (3,)
    assert model.W_x.shape == (3, 8) and model.W_h.shape == (8, 8) and model.B.shape == (8,)


def test_training_learns_the_task(fitted):
    model, X, y = fitted
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
    X_new, y_new = memory_task(N=400, seed=1)
    assert model.score(X_new, y_new) >= 0.85  # unseen sequences; chance is 1/3


def test_string_labels_come_back_as_given(fitted):
    model, X, _ = fitted
    pred = model.predict(X[:5])
    assert pred.dtype.kind == "U" and set(pred) <= {"a", "b", "c"}


def test_predict_proba_rows_sum_to_one_and_argmax_is_predict(fitted):
    model, X, _ = fitted
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))


def test_score_is_the_fraction_correct(fitted):
    model, X, y = fitted
    y_wrong = y.copy()
    pred = model.predict(X)
    y_wrong[:10] = np.where(pred[:10] == "a", "b", "a")  # 10 surely wrong labels
    assert model.score(X, y_wrong) == pytest.approx(np.mean(pred == y_wrong))
    assert model.score(X, pred) == 1.0


def test_same_random_state_gives_bit_identical_model():
    X, y = memory_task(N=60)
    a = small_model().fit(X, y, n_epochs=3)
    b = small_model().fit(X, y, n_epochs=3)
    for name in ("W_x", "W_h", "B", "W_y", "B_y"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.loss_curve_ == b.loss_curve_


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_same_random_state_is_bit_identical_for_every_optimizer_with_lengths(optimizer):
    X, y = memory_task(N=50)
    lengths = np.random.default_rng(9).integers(1, X.shape[1] + 1, size=len(X))

    def train():
        return small_model(optimizer=optimizer).fit(X, y, n_epochs=2, lengths=lengths,
                                                     validation_data=(X, y, lengths))

    a, b = train(), train()
    for name in ("W_x", "W_h", "B", "W_y", "B_y"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.loss_curve_ == b.loss_curve_ and a.grad_norms_ == b.grad_norms_
    assert a.validation_scores_ == b.validation_scores_
    np.testing.assert_array_equal(a.predict_proba(X, lengths), b.predict_proba(X, lengths))


def test_fitting_twice_gives_the_same_model():
    X, y = memory_task(N=60)
    model = small_model().fit(X, y, n_epochs=3)
    first = model.W_h.copy()
    model.fit(X, y, n_epochs=3)
    np.testing.assert_array_equal(model.W_h, first)


def test_different_random_state_gives_a_different_model():
    X, y = memory_task(N=60)
    a = small_model(random_state=0).fit(X, y, n_epochs=2)
    b = small_model(random_state=1).fit(X, y, n_epochs=2)
    assert not np.array_equal(a.W_h, b.W_h)


def test_integer_labels_come_back_as_given():
    X, _ = memory_task(N=60)
    y = np.where(X[:, 0, 0] > 0, 7, -3)
    model = small_model().fit(X, y, n_epochs=2)
    np.testing.assert_array_equal(model.classes_, [-3, 7])
    assert set(model.predict(X)) <= {-3, 7}


def testloss_and_grads_matches_centered_differences():
    X, y = memory_task(N=5, T=4)
    lengths = np.array([4, 1, 3, 2, 4])
    model = small_model(n_nodes=3).fit(X, y, n_epochs=1, lengths=lengths)
    y_idx = np.searchsorted(model.classes_, y)
    _, grads = model.loss_and_grads(X, y_idx, lengths)
    for name, param in model._params().items():
        numeric = numerical_gradient(lambda _: model.loss_and_grads(X, y_idx, lengths)[0], param)
        assert relative_error(grads[name], numeric) < 1e-7, name


def test_padding_content_changes_no_prediction(fitted):
    model, X, _ = fitted
    lengths = np.random.default_rng(2).integers(1, X.shape[1] + 1, size=len(X))
    one = padded(X, lengths, seed=3)
    two = padded(X, lengths, seed=4)
    assert not np.array_equal(one, two)
    np.testing.assert_array_equal(model.predict_proba(one, lengths),
                                  model.predict_proba(two, lengths))


def test_lengths_read_the_last_valid_state(fitted):
    model, X, _ = fitted
    lengths = np.full(len(X), 4)
    np.testing.assert_allclose(model.predict_proba(padded(X, lengths, seed=5), lengths),
                               model.predict_proba(X[:, :4]), rtol=1e-12)


def test_padding_content_changes_nothing_in_training():
    # No gradient flows into padded steps, so the junk there cannot move a weight.
    X, y = memory_task(N=60)
    lengths = np.random.default_rng(6).integers(2, X.shape[1] + 1, size=len(X))
    a = small_model().fit(padded(X, lengths, seed=7), y, n_epochs=3, lengths=lengths)
    b = small_model().fit(padded(X, lengths, seed=8), y, n_epochs=3, lengths=lengths)
    for name in ("W_x", "W_h", "B", "W_y", "B_y"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_verbose_prints_one_formatted_line_per_epoch(capsys):
    X, y = memory_task(N=40)
    small_model().fit(X, y, n_epochs=3, verbose=True, validation_data=(X, y))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines, start=1):
        assert re.fullmatch(rf"epoch +{epoch}/3  loss \d+\.\d{{4}}  val accuracy \d+\.\d%", line)


def test_not_verbose_prints_nothing(capsys):
    X, y = memory_task(N=40)
    small_model().fit(X, y, n_epochs=2)
    assert capsys.readouterr().out == ""


def test_validation_data_is_scored_after_every_epoch():
    X, y = memory_task(N=40)
    model = small_model().fit(X, y, n_epochs=3, validation_data=(X, y))
    assert len(model.validation_scores_) == 3
    assert model.validation_scores_[-1] == model.score(X, y)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_lowers_the_loss(optimizer):
    X, y = memory_task(N=100)
    lr = {"sgd": 0.5, "momentum": 0.05, "adagrad": 0.1}.get(optimizer, 0.01)
    model = small_model(optimizer=optimizer, learning_rate=lr).fit(X, y, n_epochs=10)
    assert model.loss_curve_[-1] < 0.8 * model.loss_curve_[0]


def test_plain_training_without_clipping_noise_or_schedule_works():
    X, y = memory_task(N=100)
    model = small_model(clip_norm=None, input_noise=0.0, lr_schedule="constant")
    model.fit(X, y, n_epochs=10)
    assert model.loss_curve_[-1] < 0.8 * model.loss_curve_[0]
    assert model.optimizer_.lr == 0.01


def test_cosine_schedule_ends_near_zero():
    X, y = memory_task(N=64)
    model = small_model(batch_size=32).fit(X, y, n_epochs=4)  # 8 steps
    # Last step: 0.01 * (1 + cos(pi * 7 / 8)) / 2
    assert model.optimizer_.lr == pytest.approx(0.01 * (1 + np.cos(np.pi * 7 / 8)) / 2)


def test_seed_call_to_initialize_weights_without_rng_is_reproducible():
    a, b = small_model(), small_model()
    a._initialize_weights(4)  # as the seed calls it
    b._initialize_weights(4)
    assert a.W_x.shape == (4, 8)
    np.testing.assert_array_equal(a.W_h, b.W_h)


def test_init_only_stores_settings():
    model = ScratchSimpleRNNClassifier(n_nodes=-1, learning_rate="fast", optimizer="nope")
    assert model.n_nodes == -1 and model.learning_rate == "fast" and model.optimizer == "nope"


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_nodes": 0}, ValueError, "n_nodes must be an integer >= 1; got 0"),
    ({"learning_rate": -0.1}, ValueError, "learning_rate must be a positive finite number"),
    ({"batch_size": 2.5}, TypeError, "batch_size must be an integer >= 1; got 2.5"),
    ({"optimizer": "adamw"}, ValueError, "optimizer must be one of .*got 'adamw'"),
    ({"lr_schedule": "step"}, ValueError, "lr_schedule must be 'cosine' or 'constant'; got 'step'"),
    ({"clip_norm": 0}, ValueError, "clip_norm must be a positive finite number; got 0"),
    ({"input_noise": -1}, ValueError, "input_noise must be a finite number >= 0; got -1"),
])
def test_fit_rejects_bad_settings_by_name(kwargs, error, message):
    X, y = memory_task(N=10)
    with pytest.raises(error, match=message):
        small_model(**kwargs).fit(X, y, n_epochs=1)


def test_fit_rejects_2d_X():
    with pytest.raises(ValueError, match=r"X must have shape \(N, T, D\) with 3 axes; got shape \(4, 3\)"):
        small_model().fit(np.zeros((4, 3)), np.zeros(4))


def test_fit_rejects_y_of_wrong_length():
    X, y = memory_task(N=10)
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(10,\).*got shape \(9,\)"):
        small_model().fit(X, y[:9])


def test_fit_rejects_nan_in_X():
    X, y = memory_task(N=10)
    X[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="X must be finite; got 1 NaN or inf"):
        small_model().fit(X, y)


def test_fit_rejects_lengths_beyond_T():
    X, y = memory_task(N=10, T=6)
    with pytest.raises(ValueError, match="lengths must be between 1 and T = 6"):
        small_model().fit(X, y, lengths=np.full(10, 7))


def test_predict_before_fit_says_what_to_do():
    with pytest.raises(ValueError, match=r"not fitted yet: call fit\(X, y\) first"):
        small_model().predict(np.zeros((1, 2, 3)))


def test_predict_rejects_X_with_another_D(fitted):
    model, X, _ = fitted
    with pytest.raises(ValueError, match=r"X's last axis \(D\) must match.*expected 3, got 2"):
        model.predict(X[:, :, :2])


def test_short_training_on_the_digits_beats_chance_by_far():
    from rnn_lib import load_digit_sequences

    X_train, X_test, y_train, y_test = load_digit_sequences()
    model = ScratchSimpleRNNClassifier(n_nodes=16, random_state=0).fit(X_train, y_train, n_epochs=5)
    assert model.score(X_test, y_test) >= 0.8  # chance is 0.1; the benchmark trains to >= 0.97


def test_grad_norms_are_recorded_before_clipping_for_every_step():
    X, y = memory_task(N=64)
    model = small_model(batch_size=32, clip_norm=1e-3).fit(X, y, n_epochs=2)
    assert len(model.grad_norms_) == 4  # 2 batches an epoch
    assert min(model.grad_norms_) > 1e-3  # the norms before clipping, not after


def test_default_init_draws_glorot_uniform_W_x_then_W_h():
    """The draws that every result of the book rests on: W_x, then W_h, from one generator."""
    model = small_model(random_state=3)
    model._initialize_weights(5)
    rng = np.random.default_rng(3)
    a_x, a_h = np.sqrt(6 / (5 + 8)), np.sqrt(6 / 16)
    np.testing.assert_array_equal(model.W_x, rng.uniform(-a_x, a_x, size=(5, 8)))
    np.testing.assert_array_equal(model.W_h, rng.uniform(-a_h, a_h, size=(8, 8)))
    np.testing.assert_array_equal(model.B, np.zeros(8))


def test_init_glorot_given_explicitly_is_the_default_bit_for_bit():
    X, y = memory_task(N=60)
    default = small_model().fit(X, y, n_epochs=2)
    explicit = small_model(init="glorot").fit(X, y, n_epochs=2)
    for name in ("W_x", "W_h", "B", "W_y", "B_y"):
        np.testing.assert_array_equal(getattr(default, name), getattr(explicit, name))


def test_orthogonal_init_gives_an_orthogonal_W_h_and_the_same_W_x():
    glorot, orthogonal = small_model(), small_model(init="orthogonal")
    glorot._initialize_weights(3)
    orthogonal._initialize_weights(3)
    np.testing.assert_allclose(orthogonal.W_h.T @ orthogonal.W_h, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(orthogonal.W_h, compute_uv=False), 1.0,
                               rtol=1e-12)
    np.testing.assert_array_equal(orthogonal.W_x, glorot.W_x)  # drawn first, the same way
    assert np.linalg.norm(glorot.W_h, 2) > 1.2  # Glorot's sigma_max is larger than 1


def test_orthogonal_init_trains_and_is_reproducible():
    X, y = memory_task(N=60)
    a = small_model(init="orthogonal").fit(X, y, n_epochs=2)
    b = small_model(init="orthogonal").fit(X, y, n_epochs=2)
    np.testing.assert_array_equal(a.W_h, b.W_h)
    assert a.loss_curve_[-1] < a.loss_curve_[0]


def test_fit_rejects_an_unknown_init_by_name():
    X, y = memory_task(N=20)
    with pytest.raises(ValueError, match=r"init must be one of \['glorot', 'orthogonal'\]; "
                                         r"got 'he'"):
        small_model(init="he").fit(X, y, n_epochs=1)
