"""Optimizers and clipping against values worked out by hand, step by step."""
import numpy as np
import pytest

from rnn_lib import SGD, AdaGrad, Adam, Momentum, RMSProp, clip_grad_norm
from rnn_lib.optim import make_optimizer

# One weight, w0 = 1, and the gradients of three steps.
G = [0.5, -1.0, 2.0]


def run(optimizer, grads, w0=1.0):
    """Apply `optimizer` to one weight; return w after each step."""
    params = {"w": np.array([w0])}
    out = []
    for g in grads:
        optimizer.step(params, {"w": np.array([g])})
        out.append(params["w"][0])
    return out


def test_sgd_by_hand():
    # w -= 0.1 g:  1 - 0.05 = 0.95;  0.95 + 0.1 = 1.05;  1.05 - 0.2 = 0.85
    np.testing.assert_allclose(run(SGD(lr=0.1), G), [0.95, 1.05, 0.85], rtol=1e-15)


def test_momentum_by_hand():
    # v = 0.9 v - 0.1 g; w += v
    # v1 = -0.05                      w1 = 0.95
    # v2 = -0.045 + 0.1 = 0.055       w2 = 1.005
    # v3 = 0.0495 - 0.2 = -0.1505     w3 = 0.8545
    np.testing.assert_allclose(run(Momentum(lr=0.1, momentum=0.9), G),
                               [0.95, 1.005, 0.8545], rtol=1e-14)


def test_adagrad_by_hand():
    # s += g^2; w -= 0.1 g / sqrt(s)
    # s1 = 0.25: w1 = 1 - 0.1 * 0.5 / 0.5 = 0.9
    # s2 = 1.25: w2 = 0.9 + 0.1 / sqrt(1.25) = 0.9 + 0.0894427191 = 0.9894427191
    # s3 = 5.25: w3 = w2 - 0.2 / sqrt(5.25) = w2 - 0.0872871561 = 0.9021555630
    np.testing.assert_allclose(run(AdaGrad(lr=0.1), G),
                               [0.9, 0.9894427191, 0.9021555630], atol=1e-9)


def test_rmsprop_by_hand():
    # s = 0.9 s + 0.1 g^2; w -= 0.01 g / sqrt(s)
    # s1 = 0.025:  w1 = 1 - 0.005 / 0.1581138830 = 0.9683772234
    # s2 = 0.0225 + 0.1 = 0.1225, sqrt 0.35:  w2 = w1 + 0.01 / 0.35 = 0.9969486520
    np.testing.assert_allclose(run(RMSProp(lr=0.01, rho=0.9), G[:2]),
                               [0.9683772234, 0.9969486520], atol=1e-9)


def test_adam_by_hand_with_bias_correction():
    # Kingma & Ba (2015), Algorithm 1, lr = 0.1, beta1 = 0.9, beta2 = 0.999
    # t=1, g=0.5:  m = 0.05,  v = 0.00025
    #              m_hat = 0.05 / 0.1 = 0.5,  v_hat = 0.00025 / 0.001 = 0.25
    #              w1 = 1 - 0.1 * 0.5 / sqrt(0.25) = 0.9
    # t=2, g=-1:   m = 0.045 - 0.1 = -0.055,  v = 0.00024975 + 0.001 = 0.00124975
    #              m_hat = -0.055 / 0.19 = -0.2894736842,  v_hat = 0.00124975 / 0.001999 = 0.6251875938
    #              w2 = 0.9 + 0.1 * 0.2894736842 / 0.7906880129 = 0.9366103542
    # t=3, g=2:    m = -0.0495 + 0.2 = 0.1505,  v = 0.0012485003 + 0.004 = 0.0052485002
    #              m_hat = 0.1505 / 0.271 = 0.5553505535,  v_hat = 0.0052485002 / 0.002997001 = 1.7512507503
    #              w3 = w2 - 0.1 * 0.5553505535 / 1.3233483104 = 0.8946447927
    np.testing.assert_allclose(run(Adam(lr=0.1), G),
                               [0.9, 0.9366103542, 0.8946447927], atol=1e-9)


def test_adam_first_step_moves_each_weight_by_lr_whatever_the_gradient_scale():
    # Bias correction: m_hat = g and v_hat = g^2 at t = 1, so the step is lr * sign(g).
    params = {"w": np.zeros(3)}
    Adam(lr=0.01).step(params, {"w": np.array([1e-3, -5.0, 1e3])})
    np.testing.assert_allclose(params["w"], [-0.01, 0.01, -0.01], rtol=1e-5)


def test_state_is_kept_per_parameter_name():
    opt = Momentum(lr=0.1, momentum=0.9)
    params = {"a": np.array([1.0]), "b": np.array([1.0])}
    opt.step(params, {"a": np.array([0.5]), "b": np.array([-1.0])})
    opt.step(params, {"a": np.array([0.5]), "b": np.array([-1.0])})
    # a: v = -0.05, then -0.095;  b: v = 0.1, then 0.19
    np.testing.assert_allclose(params["a"], [1 - 0.05 - 0.095])
    np.testing.assert_allclose(params["b"], [1 + 0.1 + 0.19])
    assert set(opt.state) == {"a", "b"}


def test_step_updates_the_callers_arrays_in_place():
    w = np.array([[1.0, 2.0]])
    params = {"w": w}
    Adam(lr=0.1).step(params, {"w": np.array([[1.0, -1.0]])})
    assert params["w"] is w
    np.testing.assert_allclose(w, [[0.9, 2.1]])


def test_step_rejects_gradient_of_wrong_shape():
    with pytest.raises(ValueError, match=r"grads\['w'\] must have the shape of params\['w'\], \(2,\); got \(3,\)"):
        SGD().step({"w": np.zeros(2)}, {"w": np.zeros(3)})


def test_step_rejects_unknown_gradient_name():
    with pytest.raises(KeyError, match="grads has 'v', which params does not have"):
        SGD().step({"w": np.zeros(2)}, {"v": np.zeros(2)})


def test_make_optimizer_rejects_unknown_name():
    with pytest.raises(ValueError, match="optimizer must be one of .*'adam'.*got 'adamw'"):
        make_optimizer("adamw", 0.01)


def test_clip_grad_norm_scales_by_the_global_norm():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}  # global norm sqrt(9 + 16) = 5
    norm = clip_grad_norm(grads, max_norm=2.5)
    assert norm == 5.0
    np.testing.assert_allclose(grads["a"], [1.5, 0.0])  # every gradient times 2.5 / 5
    np.testing.assert_allclose(grads["b"], [[2.0]])


def test_clip_grad_norm_leaves_small_gradients_alone():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert clip_grad_norm(grads, max_norm=5.0) == 5.0
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])
    np.testing.assert_array_equal(grads["b"], [[4.0]])


def test_clip_grad_norm_rejects_nonpositive_max_norm():
    with pytest.raises(ValueError, match="max_norm must be a positive finite number; got 0"):
        clip_grad_norm({"a": np.ones(2)}, 0)


def test_grad_norm_is_the_norm_of_all_entries_together():
    from rnn_lib.optim import grad_norm

    assert grad_norm({"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}) == 5.0


@pytest.mark.parametrize("cls", [SGD, Momentum, AdaGrad, RMSProp, Adam])
def test_learning_rate_and_its_alias_lr_make_the_same_steps(cls):
    named, alias, positional = cls(learning_rate=0.05), cls(lr=0.05), cls(0.05)
    assert run(named, G) == run(alias, G) == run(positional, G)
    assert named.learning_rate == alias.lr == 0.05


def test_lr_attribute_is_the_learning_rate():
    opt = Adam(learning_rate=0.1)
    opt.lr = 0.02  # a schedule written against the short name still works
    assert opt.learning_rate == 0.02


def test_a_bad_learning_rate_is_named_as_given():
    with pytest.raises(ValueError, match="learning_rate must be a positive finite number"):
        SGD(learning_rate=-1.0)
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        SGD(lr=-1.0)


def test_make_optimizer_sets_the_learning_rate():
    assert make_optimizer("rmsprop", 0.003).learning_rate == 0.003
