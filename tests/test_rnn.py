"""The RNN core: the seed's reference values, exact gradients, dtypes, shapes."""
import numpy as np
import pytest

from rnn_lib import (
    ScratchSimpleRNNClassifier,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from rnn_lib.gradcheck import numerical_gradients, relative_error

# The seed's worked example and its printed values.
SEED_X = np.array([[[1, 2], [2, 3], [3, 4]]]) / 100
SEED_W_X = np.array([[1, 3, 5, 7], [3, 5, 7, 8]]) / 100
SEED_W_H = np.array([[1, 3, 5, 7], [2, 4, 6, 8], [3, 5, 7, 8], [4, 6, 8, 10]]) / 100
SEED_B = np.array([1, 1, 1, 1])  # an int array, as in the seed
SEED_H = np.array([0.79494228, 0.81839002, 0.83939649, 0.85584174])
SEED_A = [
    [1.0007, 1.0013, 1.0019, 1.0023],
    [1.07733574, 1.13931527, 1.20129481, 1.25535044],
    [1.08471832, 1.15192269, 1.21912707, 1.27759095],
]
SEED_H_STEPS = [
    [0.76188798, 0.76213958, 0.76239095, 0.76255841],
    [0.792209, 0.8141834, 0.83404912, 0.84977719],
    SEED_H,
]

SHAPES = [  # (N, T, D, H): ordinary, and every edge of size 1
    (3, 5, 4, 6),
    (1, 1, 1, 1),
    (1, 4, 3, 2),
    (2, 1, 3, 5),
    (4, 3, 1, 1),
]


def random_problem(N, T, D, H, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    W_x = rng.standard_normal((D, H)) / np.sqrt(D)
    W_h = rng.standard_normal((H, H)) / np.sqrt(H)
    B = rng.standard_normal(H) * 0.1
    dh = rng.standard_normal((N, T, H))
    return x, h0, W_x, W_h, B, dh


def test_rnn_forward_reproduces_seed_reference():
    h, _ = rnn_forward(SEED_X, np.zeros((1, 4)), SEED_W_X, SEED_W_H, SEED_B)
    np.testing.assert_allclose(h[0, -1], SEED_H, atol=5e-9)
    for t in range(3):
        np.testing.assert_allclose(h[0, t], SEED_H_STEPS[t], atol=5e-9)


def test_rnn_step_forward_reproduces_seed_steps():
    h_prev = np.zeros((1, 4))
    for t in range(3):
        a_t = SEED_X[:, t] @ SEED_W_X + h_prev @ SEED_W_H + SEED_B
        np.testing.assert_allclose(a_t[0], SEED_A[t], atol=5e-9)
        h_prev, _ = rnn_step_forward(SEED_X[:, t], h_prev, SEED_W_X, SEED_W_H, SEED_B)
        np.testing.assert_allclose(h_prev[0], SEED_H_STEPS[t], atol=5e-9)


def test_classifier_with_hand_set_weights_reproduces_seed_reference():
    model = ScratchSimpleRNNClassifier(n_nodes=4, learning_rate=0.01)
    model.W_x, model.W_h, model.B = SEED_W_X, SEED_W_H, SEED_B
    H = model.forward_propagation(SEED_X)
    assert H.shape == (1, 3, 4)
    np.testing.assert_allclose(H[0, -1], SEED_H, atol=5e-9)


def test_rnn_forward_equals_loop_of_steps():
    x, h0, W_x, W_h, B, _ = random_problem(3, 6, 4, 5)
    h, _ = rnn_forward(x, h0, W_x, W_h, B)
    h_prev = h0
    for t in range(x.shape[1]):
        h_prev, _ = rnn_step_forward(x[:, t], h_prev, W_x, W_h, B)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_rnn_step_backward_matches_centered_differences(N, T, D, H):
    x, h0, W_x, W_h, B, dh = random_problem(N, T, D, H)
    x_t, dh_t = x[:, 0].copy(), dh[:, 0].copy()
    _, cache = rnn_step_forward(x_t, h0, W_x, W_h, B)
    grads = rnn_step_backward(dh_t, cache)
    args = [x_t, h0, W_x, W_h, B]
    numerics = numerical_gradients(rnn_step_forward, args, dh_t)
    for name, arg, analytic, numeric in zip(["dx", "dh_prev", "dW_x", "dW_h", "dB"], args,
                                            grads, numerics):
        assert analytic.shape == arg.shape, name
        assert relative_error(analytic, numeric) < 1e-7, name


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_rnn_backward_matches_centered_differences(N, T, D, H):
    x, h0, W_x, W_h, B, dh = random_problem(N, T, D, H, seed=1)
    _, cache = rnn_forward(x, h0, W_x, W_h, B)
    grads = rnn_backward(dh, cache)
    args = [x, h0, W_x, W_h, B]
    numerics = numerical_gradients(rnn_forward, args, dh)
    for name, arg, analytic, numeric in zip(["dx", "dh0", "dW_x", "dW_h", "dB"], args,
                                            grads, numerics):
        assert analytic.shape == arg.shape, name
        assert relative_error(analytic, numeric) < 1e-7, name


def test_rnn_backward_equals_sum_of_step_backwards():
    x, h0, W_x, W_h, B, dh = random_problem(2, 4, 3, 5, seed=2)
    _, cache = rnn_forward(x, h0, W_x, W_h, B)
    dx, dh0, dW_x, dW_h, dB = rnn_backward(dh, cache)
    caches, h_prev = [], h0
    for t in range(4):
        h_prev, c = rnn_step_forward(x[:, t], h_prev, W_x, W_h, B)
        caches.append(c)
    g = np.zeros_like(h0)
    sums = [np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(B)]
    for t in reversed(range(4)):
        dx_t, g, *dparams = rnn_step_backward(dh[:, t] + g, caches[t])
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-10, atol=1e-13)
        for s, d in zip(sums, dparams):
            s += d
    np.testing.assert_allclose(dh0, g, rtol=1e-10, atol=1e-13)
    for got, want in zip([dW_x, dW_h, dB], sums):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_float32_in_gives_float32_out():
    x, h0, W_x, W_h, B, dh = (a.astype(np.float32) for a in random_problem(2, 3, 4, 5))
    h, cache = rnn_forward(x, h0, W_x, W_h, B)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_backward(dh, cache))
    h_step, step_cache = rnn_step_forward(x[:, 0], h0, W_x, W_h, B)
    assert h_step.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_step_backward(dh[:, 0], step_cache))


def test_float32_agrees_with_float64():
    args64 = random_problem(2, 3, 4, 5)
    h64, _ = rnn_forward(*args64[:5])
    h32, _ = rnn_forward(*(a.astype(np.float32) for a in args64[:5]))
    np.testing.assert_allclose(h32, h64, atol=1e-5)


def test_integer_input_is_promoted_to_float64():
    x = np.array([[[1, 0], [0, 1]]])
    h, cache = rnn_forward(x, np.zeros((1, 3), dtype=int), np.ones((2, 3), dtype=int),
                           np.eye(3, dtype=int), np.zeros(3, dtype=int))
    assert h.dtype == np.float64
    np.testing.assert_allclose(h[0, 0], np.tanh([1, 1, 1]))
    assert rnn_backward(np.ones((1, 2, 3)), cache)[2].dtype == np.float64


def test_forward_does_not_modify_its_inputs():
    args = random_problem(2, 3, 4, 5)[:5]
    copies = [a.copy() for a in args]
    rnn_forward(*args)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)


def test_backward_does_not_modify_upstream_gradient_or_cache():
    x, h0, W_x, W_h, B, dh = random_problem(2, 3, 4, 5)
    h, cache = rnn_forward(x, h0, W_x, W_h, B)
    h_before, dh_before = h.copy(), dh.copy()
    first = rnn_backward(dh, cache)
    second = rnn_backward(dh, cache)  # a cache may be used twice
    np.testing.assert_array_equal(h, h_before)
    np.testing.assert_array_equal(dh, dh_before)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_rnn_forward_rejects_mismatched_D():
    x, h0, W_x, W_h, B, _ = random_problem(2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"x's last axis \(D\) must match W_x.*expected 4, got 3"):
        rnn_forward(x[:, :, :3], h0, W_x, W_h, B)


def test_rnn_backward_rejects_dh_of_wrong_shape():
    x, h0, W_x, W_h, B, dh = random_problem(2, 3, 4, 5)
    _, cache = rnn_forward(x, h0, W_x, W_h, B)
    with pytest.raises(ValueError, match=r"dh must have the shape .*\(2, 3, 5\); got \(2, 5\)"):
        rnn_backward(dh[:, 0], cache)


def test_classifier_forward_before_weights_are_set_says_what_to_do():
    with pytest.raises(ValueError, match="call fit"):
        ScratchSimpleRNNClassifier().forward_propagation(SEED_X)


def test_classifier_backward_propagation_returns_gradients_by_parameter_name():
    model = ScratchSimpleRNNClassifier(n_nodes=4)
    model.W_x, model.W_h, model.B = SEED_W_X, SEED_W_H, SEED_B
    H = model.forward_propagation(SEED_X)
    dH = np.ones_like(H)
    grads = model.backward_propagation(dH)
    _, cache = rnn_forward(SEED_X, np.zeros((1, 4)), SEED_W_X, SEED_W_H, SEED_B)
    dx, _, dW_x, dW_h, dB = rnn_backward(dH, cache)
    for name, want in [("W_x", dW_x), ("W_h", dW_h), ("B", dB), ("X", dx)]:
        np.testing.assert_array_equal(grads[name], want)
    np.testing.assert_array_equal(model.W_h, SEED_W_H)  # gradients only; no update


def test_classifier_backward_before_forward_says_what_to_do():
    with pytest.raises(ValueError, match="forward_propagation"):
        ScratchSimpleRNNClassifier().backward_propagation(np.ones((1, 3, 4)))


@pytest.mark.parametrize("bad, pattern", [
    (lambda a: {**a, "x": np.ones((2, 3))}, r"x must have shape \(N, T, D\) with 3 axes; got shape \(2, 3\)"),
    (lambda a: {**a, "x": np.ones((0, 3, 4))}, r"x must not be empty; got shape \(0, 3, 4\)"),
    (lambda a: {**a, "x": np.ones((2, 0, 4))}, r"x must not be empty"),
    (lambda a: {**a, "h0": np.zeros((3, 5))}, r"h0 must have shape \(N, H\) = \(2, 5\).*got h0 of shape \(3, 5\)"),
    (lambda a: {**a, "h0": np.zeros(5)}, r"h0 must have shape \(N, H\) with 2 axes; got shape \(5,\)"),
    (lambda a: {**a, "W_h": np.zeros((5, 4))}, r"W_h must be square with shape \(H, H\) = \(5, 5\).*got W_h of shape \(5, 4\)"),
    (lambda a: {**a, "B": np.zeros(4)}, r"B must have shape \(H,\) = \(5,\).*got B of shape \(4,\)"),
    (lambda a: {**a, "W_x": np.zeros(4)}, r"W_x must have shape \(D, H\) with 2 axes; got shape \(4,\)"),
])
def test_rnn_forward_names_the_bad_argument(bad, pattern):
    x, h0, W_x, W_h, B, _ = random_problem(2, 3, 4, 5)
    kwargs = bad(dict(x=x, h0=h0, W_x=W_x, W_h=W_h, B=B))
    with pytest.raises(ValueError, match=pattern):
        rnn_forward(**kwargs)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_rnn_forward_rejects_non_finite_input(value):
    x, h0, W_x, W_h, B, _ = random_problem(2, 3, 4, 5)
    x[1, 2, 0] = value
    with pytest.raises(ValueError, match=r"x must be finite; got 1 NaN or inf value\(s\) out of 24"):
        rnn_forward(x, h0, W_x, W_h, B)


def test_rnn_forward_rejects_non_numeric_data_with_type_error():
    x, h0, W_x, W_h, B, _ = random_problem(1, 2, 2, 3)
    with pytest.raises(TypeError, match=r"x must hold real numbers \(float or int\); got dtype <U1"):
        rnn_forward(np.array([[["a", "b"], ["c", "d"]]]), h0, W_x, W_h, B)
    with pytest.raises(TypeError, match=r"W_h must hold real numbers.*complex128"):
        rnn_forward(x, h0, W_x, W_h + 0j, B)


def test_rnn_step_forward_rejects_h_prev_of_other_batch_size():
    x, h0, W_x, W_h, B, _ = random_problem(2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"h_prev must have shape \(N, H\) = \(2, 5\)"):
        rnn_step_forward(x[:, 0], h0[:1], W_x, W_h, B)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("N, T, D, H", [(3, 5, 2, 4), (1, 1, 1, 1), (2, 7, 3, 1)])
def test_reference_implementation_equals_the_fast_one(N, T, D, H, dtype, tol):
    """The plain loops the book shows compute what the library's fast versions compute."""
    from rnn_lib.nn import rnn as fast
    from rnn_lib.nn import rnn_reference as plain

    rng = np.random.default_rng(N * 100 + T * 10 + D)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = rng.standard_normal((N, H)).astype(dtype)
    W_x = rng.standard_normal((D, H)).astype(dtype)
    W_h = (rng.standard_normal((H, H)) * 0.5).astype(dtype)
    B = rng.standard_normal(H).astype(dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)
    h_fast, cache_fast = fast.rnn_forward(x, h0, W_x, W_h, B)
    h_plain, cache_plain = plain.rnn_forward(x, h0, W_x, W_h, B)
    assert h_plain.dtype == dtype
    np.testing.assert_allclose(h_plain, h_fast, rtol=tol, atol=tol)
    for cache in (cache_plain, cache_fast):  # either backward reads either cache
        for got, want in zip(plain.rnn_backward(dh, cache), fast.rnn_backward(dh, cache_fast)):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
