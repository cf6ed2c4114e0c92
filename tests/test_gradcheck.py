"""rnn_lib.gradcheck: centered differences and the relative error used by every gradient test."""
import numpy as np
import pytest

from rnn_lib.gradcheck import numerical_gradient, numerical_gradient_array, relative_error


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
