"""Softmax cross-entropy: hand-computed values, stability for huge logits, exact gradients."""
import numpy as np
import pytest

from rnn_lib import log_softmax, softmax, softmax_cross_entropy, temporal_softmax_cross_entropy
from rnn_lib.gradcheck import numerical_gradient, relative_error


def test_equal_logits_give_log_C_and_gradient_p_minus_onehot():
    loss, dlogits = softmax_cross_entropy(np.zeros((1, 2)), np.array([0]))
    assert loss == pytest.approx(np.log(2), abs=1e-15)  # p = [0.5, 0.5], -log 0.5
    np.testing.assert_allclose(dlogits, [[0.5 - 1, 0.5]], atol=1e-15)


def test_three_classes_by_hand():
    # p_2 = e^3 / (e + e^2 + e^3), so -log p_2 = log(1 + e^-1 + e^-2) = 0.40760596...
    loss, dlogits = softmax_cross_entropy(np.array([[1.0, 2.0, 3.0]]), np.array([2]))
    assert loss == pytest.approx(0.4076059644443804, abs=1e-12)
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()  # [0.0900, 0.2447, 0.6652]
    np.testing.assert_allclose(dlogits, [[p[0], p[1], p[2] - 1]], atol=1e-12)


def test_loss_and_gradient_are_means_over_the_batch():
    loss, dlogits = softmax_cross_entropy(np.zeros((2, 2)), np.array([0, 1]))
    assert loss == pytest.approx(np.log(2), abs=1e-15)
    np.testing.assert_allclose(dlogits, [[-0.25, 0.25], [0.25, -0.25]], atol=1e-15)  # / N = 2


def test_huge_logits_neither_overflow_nor_lose_the_answer():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss, dlogits = softmax_cross_entropy(np.array([[1000.0, 0.0], [1e4, 1e4]]),
                                              np.array([1, 0]))
    # row 0: -log p_1 = 1000 + log(1 + e^-1000) = 1000; row 1: log 2
    assert loss == pytest.approx((1000 + np.log(2)) / 2, rel=1e-12)
    np.testing.assert_allclose(dlogits, [[0.5, -0.5], [-0.25, 0.25]], atol=1e-12)  # (p - onehot) / 2


def test_softmax_rows_sum_to_one_and_match_definition():
    z = np.array([[1.0, 2.0, 3.0], [-1e3, 0.0, 1e3]])
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(p[0], np.exp(z[0]) / np.exp(z[0]).sum(), atol=1e-15)
    np.testing.assert_allclose(p[1], [0.0, 0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(log_softmax(z)[1], [-2e3, -1e3, 0.0], atol=1e-12)


def test_float32_logits_give_float32_gradient():
    _, dlogits = softmax_cross_entropy(np.zeros((2, 3), dtype=np.float32), np.array([0, 2]))
    assert dlogits.dtype == np.float32


def test_softmax_cross_entropy_gradient_matches_centered_differences():
    rng = np.random.default_rng(0)
    logits, y = rng.standard_normal((5, 4)) * 3, rng.integers(0, 4, 5)
    _, analytic = softmax_cross_entropy(logits, y)
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, y)[0], logits)
    assert relative_error(analytic, numeric) < 1e-7


def test_temporal_loss_equals_flat_loss_over_the_valid_steps():
    rng = np.random.default_rng(1)
    logits, y = rng.standard_normal((3, 4, 5)), rng.integers(0, 5, (3, 4))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=bool)
    y[~mask] = -1  # labels of padded steps may be anything
    loss, dlogits = temporal_softmax_cross_entropy(logits, y, mask)
    flat_loss, flat_d = softmax_cross_entropy(logits[mask], y[mask])
    assert loss == pytest.approx(flat_loss, rel=1e-12)
    np.testing.assert_allclose(dlogits[mask], flat_d, atol=1e-15)
    assert np.all(dlogits[~mask] == 0)  # no gradient into padding


def test_temporal_without_mask_averages_every_step():
    rng = np.random.default_rng(2)
    logits, y = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3))
    loss, _ = temporal_softmax_cross_entropy(logits, y)
    assert loss == pytest.approx(softmax_cross_entropy(logits.reshape(6, 4), y.reshape(6))[0])


def test_temporal_gradient_matches_centered_differences():
    rng = np.random.default_rng(3)
    logits, y = rng.standard_normal((3, 4, 5)) * 2, rng.integers(0, 5, (3, 4))
    mask = rng.random((3, 4)) < 0.7
    mask[0, 0] = True
    _, analytic = temporal_softmax_cross_entropy(logits, y, mask)
    numeric = numerical_gradient(lambda z: temporal_softmax_cross_entropy(z, y, mask)[0], logits)
    assert relative_error(analytic, numeric) < 1e-7


def test_label_out_of_range_is_rejected_with_its_value():
    with pytest.raises(ValueError, match=r"y must hold class indices in 0 \.\. 2 \(C = 3\).*e\.g\. 3"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


def test_float_labels_are_rejected():
    with pytest.raises(TypeError, match="y must hold integer class indices.*float64"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_labels_of_wrong_length_are_rejected():
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(2,\); got \(3,\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))


def test_logits_with_nan_are_rejected():
    with pytest.raises(ValueError, match="logits must be finite"):
        softmax_cross_entropy(np.array([[0.0, np.nan]]), np.array([0]))


def test_all_false_mask_is_rejected():
    with pytest.raises(ValueError, match="mask must mark at least one valid step"):
        temporal_softmax_cross_entropy(np.zeros((1, 2, 3)), np.zeros((1, 2), int),
                                       np.zeros((1, 2), bool))
