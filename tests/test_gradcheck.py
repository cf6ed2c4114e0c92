"""rnn_lib.gradcheck: centered differences and the relative error used by every gradient test."""
import numpy as np
import pytest

from rnn_lib.gradcheck import (
    numerical_gradient,
    numerical_gradient_array,
    numerical_gradients,
    relative_error,
)


def test_numerical_gradient_of_a_cubic_matches_its_derivative():
    x = np.linspace(-1.0, 2.0, 6).reshape(2, 3)
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)


def test_numerical_gradient_restores_its_argument():
    x = np.linspace(-1.0, 1.0, 5)
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.tanh(v)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_array_weights_the_outputs_by_the_upstream_gradient():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 4))
    x = rng.standard_normal((2, 3))
    df = rng.standard_normal((2, 4))
    grad = numerical_gradient_array(lambda v: v @ A, x, df)
    np.testing.assert_allclose(grad, df @ A.T, rtol=1e-8, atol=1e-10)


def test_relative_error_is_zero_for_equal_and_for_two_zero_arrays():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a.copy()) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_of_opposite_arrays_is_one():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert relative_error(a, -a) == pytest.approx(1.0)


def test_relative_error_is_small_for_a_right_gradient_and_large_for_a_wrong_one():
    x = np.linspace(-1.0, 1.0, 7)
    numeric = numerical_gradient(lambda v: np.sum(np.tanh(v)), x)
    assert relative_error(1 - np.tanh(x) ** 2, numeric) < 1e-9
    assert relative_error(1 - x**2, numeric) > 1e-2  # the derivative taken of the wrong quantity


def test_relative_error_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"same shape; got \(3,\) and \(1, 3\)"):
        relative_error(np.zeros(3), np.zeros((1, 3)))


def test_numerical_gradients_of_every_argument_leave_the_arguments_unchanged():
    x = np.array([[1.0, -2.0]])
    W = np.array([[0.5, 1.0, -1.0], [2.0, 0.0, 0.25]])

    def forward(x, W):
        return x @ W, None

    dout = np.array([[1.0, -1.0, 2.0]])
    x_before, W_before = x.copy(), W.copy()
    dx, dW = numerical_gradients(forward, [x, W], dout)
    np.testing.assert_allclose(dx, dout @ W.T, rtol=1e-8)
    np.testing.assert_allclose(dW, x.T @ dout, rtol=1e-8)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(W, W_before)


def test_numerical_gradients_work_in_float64_for_float32_arguments():
    x = np.array([[0.3, -0.7]], dtype=np.float32)
    (dx,) = numerical_gradients(lambda v: (np.tanh(v), None), [x], np.ones((1, 2)))
    assert dx.dtype == np.float64
    np.testing.assert_allclose(dx, 1 - np.tanh(x.astype(np.float64)) ** 2, rtol=1e-8)
