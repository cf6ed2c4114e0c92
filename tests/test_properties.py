"""Property-based tests: the forward/backward contracts hold for every shape from 1 up."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rnn_lib import (
    ScratchSimpleRNNClassifier,
    affine_backward,
    affine_forward,
    last_state_backward,
    last_state_forward,
    log_softmax,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    softmax,
    softmax_cross_entropy,
)
from rnn_lib.gradcheck import (
    numerical_gradient,
    numerical_gradient_array,
    numerical_gradients,
    relative_error,
)

dims = st.integers(min_value=1, max_value=5)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
scales = st.sampled_from([0.1, 1.0, 3.0])  # from near-linear to saturating tanh


def assert_gradient_matches(analytic, numeric):
    """Relative error below 1e-7, except where the gradient is down at the noise floor.

    Centered differences (eps = 1e-6) of values of order 1 carry rounding noise
    of about 1e-10 in absolute terms. Where saturated tanh units make a true
    gradient that small, no relative error can be small, so the absolute
    difference must then be below 1e-9 instead.
    """
    assert analytic.shape == numeric.shape
    err = relative_error(analytic, numeric)
    assert err < 1e-7 or np.max(np.abs(analytic - numeric)) < 1e-9, err


def problem(N, T, D, H, seed, scale, dtype=np.float64):
    rng = np.random.default_rng(seed)
    arrays = (
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)),
        scale * rng.standard_normal((D, H)) / np.sqrt(D),
        scale * rng.standard_normal((H, H)) / np.sqrt(H),
        0.1 * rng.standard_normal(H),
        rng.standard_normal((N, T, H)),
    )
    return [a.astype(dtype) for a in arrays]


@given(dims, dims, dims, dims, seeds, scales)
def test_forward_shapes_range_and_step_equivalence(N, T, D, H, seed, scale):
    x, h0, W_x, W_h, B, _ = problem(N, T, D, H, seed, scale)
    h, cache = rnn_forward(x, h0, W_x, W_h, B)
    assert h.shape == (N, T, H)
    assert np.all(np.abs(h) <= 1)
    h_prev = h0
    for t in range(T):
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, W_x, W_h, B)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-12, atol=1e-14)


@given(dims, dims, dims, dims, seeds, scales)
def test_backward_shapes_and_gradients(N, T, D, H, seed, scale):
    x, h0, W_x, W_h, B, dh = problem(N, T, D, H, seed, scale)
    _, cache = rnn_forward(x, h0, W_x, W_h, B)
    grads = rnn_backward(dh, cache)
    args = [x, h0, W_x, W_h, B]
    numerics = numerical_gradients(rnn_forward, args, dh)
    for arg, analytic, numeric in zip(args, grads, numerics):
        assert analytic.shape == arg.shape
        assert_gradient_matches(analytic, numeric)


@given(dims, dims, dims, seeds, scales)
def test_step_backward_gradients(N, D, H, seed, scale):
    x, h0, W_x, W_h, B, dh = problem(N, 1, D, H, seed, scale)
    x_t, dh_t = x[:, 0].copy(), dh[:, 0].copy()
    _, cache = rnn_step_forward(x_t, h0, W_x, W_h, B)
    args = [x_t, h0, W_x, W_h, B]
    numerics = numerical_gradients(rnn_step_forward, args, dh_t)
    for arg, analytic, numeric in zip(args, rnn_step_backward(dh_t, cache), numerics):
        assert analytic.shape == arg.shape
        assert_gradient_matches(analytic, numeric)


@given(dims, dims, dims, dims, seeds)
def test_float32_stays_float32(N, T, D, H, seed):
    x, h0, W_x, W_h, B, dh = problem(N, T, D, H, seed, 1.0, np.float32)
    h, cache = rnn_forward(x, h0, W_x, W_h, B)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_backward(dh, cache))


@given(st.integers(2, 6), dims, dims, dims, seeds)
def test_sequences_in_a_batch_do_not_interact(N, T, D, H, seed):
    x, h0, W_x, W_h, B, dh = problem(N, T, D, H, seed, 1.0)
    h, cache = rnn_forward(x, h0, W_x, W_h, B)
    dx, dh0, *_ = rnn_backward(dh, cache)
    rows = np.arange(0, N, 2)
    h_sub, cache_sub = rnn_forward(x[rows], h0[rows], W_x, W_h, B)
    dx_sub, dh0_sub, *_ = rnn_backward(dh[rows], cache_sub)
    np.testing.assert_allclose(h_sub, h[rows], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx_sub, dx[rows], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dh0_sub, dh0[rows], rtol=1e-10, atol=1e-13)


# ------------------------------------------------------------------ layers


@given(dims, dims, dims, dims, st.booleans(), seeds)
def test_affine_shapes_and_gradients(N, T, H, C, with_time, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, H) if with_time else (N, H))
    W, b = rng.standard_normal((H, C)), rng.standard_normal(C)
    out, cache = affine_forward(x, W, b)
    assert out.shape == x.shape[:-1] + (C,)
    dout = rng.standard_normal(out.shape)
    args = [x, W, b]
    numerics = numerical_gradients(affine_forward, args, dout)
    for arg, analytic, numeric in zip(args, affine_backward(dout, cache), numerics):
        assert analytic.shape == arg.shape
        assert_gradient_matches(analytic, numeric)


@st.composite
def hidden_states_and_lengths(draw):
    N, T, H = draw(dims), draw(dims), draw(dims)
    lengths = np.array(draw(st.lists(st.integers(1, T), min_size=N, max_size=N)))
    h = np.random.default_rng(draw(seeds)).standard_normal((N, T, H))
    return h, lengths


@given(hidden_states_and_lengths(), seeds)
def test_last_state_picks_the_last_valid_step_and_sends_no_gradient_to_padding(case, seed):
    h, lengths = case
    N, T, H = h.shape
    h_last, cache = last_state_forward(h, lengths)
    for n in range(N):
        np.testing.assert_array_equal(h_last[n], h[n, lengths[n] - 1])
    dh_last = np.random.default_rng(seed).standard_normal((N, H))
    dh = last_state_backward(dh_last, cache)
    assert dh.shape == (N, T, H)
    padding = np.arange(T) >= lengths[:, None]  # (N, T)
    assert not dh[padding].any()
    numeric = numerical_gradient_array(lambda v: last_state_forward(v, lengths)[0], h, dh_last)
    assert_gradient_matches(dh, numeric)


# ------------------------------------------------------------------ losses


@st.composite
def logits_and_labels(draw, scale=st.sampled_from([0.1, 1.0, 10.0])):
    N, C = draw(dims), draw(dims)
    rng = np.random.default_rng(draw(seeds))
    return draw(scale) * rng.standard_normal((N, C)), rng.integers(0, C, size=N)


@given(logits_and_labels())
def test_softmax_cross_entropy_gradient_matches_centered_differences(case):
    logits, y = case
    loss, dlogits = softmax_cross_entropy(logits, y)
    assert loss >= 0
    numeric = numerical_gradient(lambda _: softmax_cross_entropy(logits, y)[0], logits)
    assert_gradient_matches(dlogits, numeric)


@given(logits_and_labels(scale=st.sampled_from([1e3, 1e100, 1e300])))
def test_softmax_and_cross_entropy_stay_finite_for_huge_logits(case):
    logits, y = case
    logits = np.clip(logits, -1e300, 1e300)  # differences stay below float64's maximum
    p = softmax(logits)
    assert np.isfinite(p).all() and (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    loss, dlogits = softmax_cross_entropy(logits, y)
    assert np.isfinite(loss) and loss >= 0
    assert np.isfinite(dlogits).all()
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-12)  # (p - onehot) / N


@given(logits_and_labels(), st.floats(-1e3, 1e3))
def test_shifting_a_row_of_logits_changes_nothing(case, shift):
    logits, y = case
    shifted = logits + shift
    np.testing.assert_allclose(softmax(shifted), softmax(logits), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(log_softmax(shifted), log_softmax(logits), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(softmax_cross_entropy(shifted, y)[0],
                               softmax_cross_entropy(logits, y)[0], rtol=1e-9, atol=1e-9)


# -------------------------------------------------------------- classifier


@st.composite
def classifier_case(draw):
    N, T, D, H = draw(st.integers(2, 6)), draw(dims), draw(dims), draw(dims)
    C = draw(st.integers(2, N))
    rng = np.random.default_rng(draw(seeds))
    X = rng.standard_normal((N, T, D))
    y = np.arange(N) % C  # every class at least once
    lengths = rng.integers(1, T + 1, size=N)
    junk = rng.uniform(-5, 5, size=X.shape)
    model = ScratchSimpleRNNClassifier(n_nodes=H, random_state=0, batch_size=4)
    return model.fit(X, y, n_epochs=1, lengths=lengths), X, lengths, junk


@given(classifier_case())
def test_predict_proba_rows_are_distributions_over_classes(case):
    model, X, lengths, _ = case
    proba = model.predict_proba(X, lengths)
    assert proba.shape == (len(X), len(model.classes_))
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X, lengths), model.classes_[proba.argmax(axis=1)])


@given(classifier_case())
def test_predict_proba_ignores_whatever_fills_the_padding(case):
    model, X, lengths, junk = case
    padding = np.arange(X.shape[1]) >= lengths[:, None]  # (N, T)
    X_junk = X.copy()
    X_junk[padding] = junk[padding]
    np.testing.assert_array_equal(model.predict_proba(X_junk, lengths), model.predict_proba(X, lengths))
