"""Property-based tests: the forward/backward contracts hold for every shape from 1 up."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rnn_lib import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from rnn_lib.gradcheck import numerical_gradient_array, relative_error

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
    for i, analytic in enumerate(grads):
        assert analytic.shape == args[i].shape

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return rnn_forward(*a)[0]

        assert_gradient_matches(analytic, numerical_gradient_array(f, args[i], dh))

@given(dims, dims, dims, seeds, scales)
def test_step_backward_gradients(N, D, H, seed, scale):
    x, h0, W_x, W_h, B, dh = problem(N, 1, D, H, seed, scale)
    x_t, dh_t = x[:, 0].copy(), dh[:, 0].copy()
    _, cache = rnn_step_forward(x_t, h0, W_x, W_h, B)
    args = [x_t, h0, W_x, W_h, B]
    for i, analytic in enumerate(rnn_step_backward(dh_t, cache)):
        assert analytic.shape == args[i].shape

        def f(v, i=i):
            a = list(args)
            a[i] = v
            return rnn_step_forward(*a)[0]

        assert_gradient_matches(analytic, numerical_gradient_array(f, args[i], dh_t))

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
