"""The output layer and the last-state gather: exact gradients, padding gets none."""
import numpy as np
import pytest

from rnn_lib import affine_backward, affine_forward, last_state_backward, last_state_forward
from rnn_lib.gradcheck import numerical_gradient_array, numerical_gradients, relative_error


@pytest.mark.parametrize("x_shape", [(4, 5), (3, 2, 5), (1, 5)])
def test_affine_backward_matches_centered_differences(x_shape):
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal(x_shape), rng.standard_normal((5, 3)), rng.standard_normal(3)
    out, cache = affine_forward(x, W, b)
    dout = rng.standard_normal(out.shape)
    grads = affine_backward(dout, cache)
    args = [x, W, b]
    numerics = numerical_gradients(affine_forward, args, dout)
    for name, arg, analytic, numeric in zip(["dx", "dW", "db"], args, grads, numerics):
        assert analytic.shape == arg.shape, name
        assert relative_error(analytic, numeric) < 1e-7, name


def test_affine_forward_is_x_times_W_plus_b():
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    out, _ = affine_forward(x, W, np.array([0.1, 0.2, 0.3]))
    np.testing.assert_allclose(out, [[2.1, 4.2, 1.3]])  # [1 + 1, 4, -1 + 2] + b


def test_affine_rejects_mismatched_H():
    with pytest.raises(ValueError, match=r"x's last axis \(H\) must match W's first axis.*expected 5, got 4"):
        affine_forward(np.ones((2, 4)), np.ones((5, 3)), np.ones(3))


def test_last_state_without_lengths_is_the_last_step():
    h = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    h_last, _ = last_state_forward(h)
    np.testing.assert_array_equal(h_last, h[:, -1])


def test_last_state_picks_step_lengths_minus_one():
    h = np.arange(3 * 4 * 2, dtype=float).reshape(3, 4, 2)
    h_last, _ = last_state_forward(h, np.array([4, 1, 2]))
    np.testing.assert_array_equal(h_last, [h[0, 3], h[1, 0], h[2, 1]])


def test_last_state_backward_scatters_into_zeros():
    h = np.zeros((3, 4, 2))
    _, cache = last_state_forward(h, np.array([4, 1, 2]))
    dh_last = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    dh = last_state_backward(dh_last, cache)
    want = np.zeros((3, 4, 2))
    want[0, 3], want[1, 0], want[2, 1] = dh_last
    np.testing.assert_array_equal(dh, want)


def test_last_state_backward_matches_centered_differences():
    rng = np.random.default_rng(1)
    h, lengths = rng.standard_normal((4, 5, 3)), np.array([5, 2, 1, 3])
    _, cache = last_state_forward(h, lengths)
    dh_last = rng.standard_normal((4, 3))
    numeric = numerical_gradient_array(lambda v: last_state_forward(v, lengths)[0], h, dh_last)
    assert relative_error(last_state_backward(dh_last, cache), numeric) < 1e-7


@pytest.mark.parametrize("lengths, message", [
    (np.array([0, 2]), r"lengths must be between 1 and T = 3.*from 0 to 2"),
    (np.array([1, 4]), r"lengths must be between 1 and T = 3.*from 1 to 4"),
    (np.array([1, 2, 3]), r"lengths must have shape \(N,\) = \(2,\).*got shape \(3,\)"),
])
def test_last_state_rejects_bad_lengths(lengths, message):
    with pytest.raises(ValueError, match=message):
        last_state_forward(np.zeros((2, 3, 4)), lengths)


def test_last_state_rejects_float_lengths():
    with pytest.raises(TypeError, match="lengths must hold integer sequence lengths"):
        last_state_forward(np.zeros((2, 3, 4)), np.array([1.0, 2.0]))
