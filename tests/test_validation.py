"""Every public entry point answers bad input with a clear error: one test per bad input.

Each case names the call, the exception type and a pattern of its message,
which must say which argument is wrong, what was expected and what came in.
Cases already covered in test_rnn.py, test_layers.py, test_losses.py,
test_optim.py and test_classifier.py are not repeated here.
"""
import numpy as np
import pytest

from rnn_lib import (
    AffineCache,
    LastStateCache,
    RNNCache,
    RNNStepCache,
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
from rnn_lib.utils.validation import trusted_inputs
from rnn_lib.exceptions import DivergenceError, NotFittedError
from rnn_lib.optim import SGD, AdaGrad, Adam, Momentum, RMSProp, clip_grad_norm, grad_norm

N, T, D, H, C = 2, 3, 4, 5, 3


def core_args(seed=0):
    rng = np.random.default_rng(seed)
    return dict(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)),
                W_x=rng.standard_normal((D, H)), W_h=rng.standard_normal((H, H)) / 3,
                B=rng.standard_normal(H))


def labelled(n=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, 2))
    return X, np.array(["a", "b"])[np.arange(n) % 2]


@pytest.fixture(scope="module")
def fitted():
    X, y = labelled()
    return ScratchSimpleRNNClassifier(n_nodes=3, random_state=0).fit(X, y, n_epochs=1), X, y


# ----------------------------------------------------------------- rnn.py
def test_rnn_step_forward_rejects_3d_x():
    a = core_args()
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\) with 2 axes; got shape \(2, 3, 4\)"):
        rnn_step_forward(a["x"], a["h0"], a["W_x"], a["W_h"], a["B"])


def test_rnn_step_forward_rejects_nan_in_h_prev():
    a = core_args()
    a["h0"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"h_prev must be finite; got 1 NaN or inf value\(s\) out of 10"):
        rnn_step_forward(a["x"][:, 0], a["h0"], a["W_x"], a["W_h"], a["B"])


def test_rnn_step_forward_rejects_bias_of_wrong_length():
    a = core_args()
    with pytest.raises(ValueError, match=r"B must have shape \(H,\) = \(5,\).*got B of shape \(5, 1\)"):
        rnn_step_forward(a["x"][:, 0], a["h0"], a["W_x"], a["W_h"], a["B"][:, None])


def test_rnn_forward_rejects_inf_in_weights():
    a = core_args()
    a["W_h"][1, 2] = np.inf
    with pytest.raises(ValueError, match=r"W_h must be finite; got 1 NaN or inf value\(s\) out of 25"):
        rnn_forward(**a)


def test_rnn_forward_rejects_ragged_nested_lists_with_type_error():
    a = core_args()
    with pytest.raises(TypeError, match="x must be a numeric array; got list that NumPy cannot turn"):
        rnn_forward([[[1.0] * D], [[1.0] * D, [2.0] * D]], a["h0"], a["W_x"], a["W_h"], a["B"])


def test_rnn_forward_rejects_non_numeric_weights_with_type_error():
    a = core_args()
    with pytest.raises(TypeError, match=r"B must hold real numbers \(float or int\); got dtype object"):
        rnn_forward(a["x"], a["h0"], a["W_x"], a["W_h"], np.array([None] * H))


def test_rnn_backward_rejects_the_step_cache():
    a = core_args()
    _, step_cache = rnn_step_forward(a["x"][:, 0], a["h0"], a["W_x"], a["W_h"], a["B"])
    with pytest.raises(TypeError, match="cache must be the RNNCache that rnn_forward returns.*got RNNStepCache"):
        rnn_backward(np.ones((N, T, H)), step_cache)


def test_rnn_backward_rejects_the_whole_forward_result():
    a = core_args()
    result = rnn_forward(**a)  # (h, cache): a common slip
    with pytest.raises(TypeError, match="cache must be the RNNCache.*got a tuple of 2 items"):
        rnn_backward(np.ones((N, T, H)), result)


def test_rnn_backward_accepts_a_plain_tuple_cache():
    a = core_args()
    h, cache = rnn_forward(**a)
    dh = np.ones_like(h)
    for got, want in zip(rnn_backward(dh, tuple(cache)), rnn_backward(dh, cache)):
        np.testing.assert_array_equal(got, want)


def test_rnn_backward_rejects_a_hand_built_cache_with_disagreeing_shapes():
    a = core_args()
    h, cache = rnn_forward(**a)
    bad = cache._replace(h0=np.zeros((N + 1, H)))
    with pytest.raises(ValueError, match=r"cache.h0 has shape \(3, 5\), but N = 2 in cache.x"):
        rnn_backward(np.ones_like(h), bad)


def test_rnn_step_backward_rejects_the_sequence_cache():
    a = core_args()
    _, cache = rnn_forward(**a)
    with pytest.raises(TypeError, match="cache must be the RNNStepCache that rnn_step_forward returns.*got RNNCache"):
        rnn_step_backward(np.ones((N, H)), cache)


def test_rnn_step_backward_rejects_a_hand_built_cache_with_the_whole_sequence():
    # Chapter 2 builds RNNStepCache by hand; forgetting x[:, t] passes all of x.
    a = core_args()
    h, _ = rnn_forward(**a)
    cache = RNNStepCache(a["x"], a["h0"], h[:, 0], a["W_x"], a["W_h"])
    with pytest.raises(ValueError, match=r"cache.x must have shape \(N, D\) with 2 axes; got shape \(2, 3, 4\)"):
        rnn_step_backward(np.ones((N, H)), cache)


def test_rnn_step_backward_rejects_dh_next_of_wrong_shape():
    a = core_args()
    _, cache = rnn_step_forward(a["x"][:, 0], a["h0"], a["W_x"], a["W_h"], a["B"])
    with pytest.raises(ValueError, match=r"dh_next must have the shape of the forward output \(N, H\) = \(2, 5\); got \(5,\)"):
        rnn_step_backward(np.ones(H), cache)


# -------------------------------------------------------------- layers.py
def test_affine_forward_rejects_1d_x():
    with pytest.raises(ValueError, match=r"x must have shape \(N, H\) or \(N, T, H\); got shape \(5,\)"):
        affine_forward(np.ones(H), np.ones((H, C)), np.ones(C))


def test_affine_forward_rejects_bias_of_wrong_length():
    with pytest.raises(ValueError, match=r"B's length \(C\) must match W's second axis \(C\): expected 3, got 2"):
        affine_forward(np.ones((N, H)), np.ones((H, C)), np.ones(2))


def test_affine_forward_rejects_nan_in_W():
    W = np.ones((H, C))
    W[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"W must be finite; got 1 NaN or inf value\(s\) out of 15"):
        affine_forward(np.ones((N, H)), W, np.ones(C))


def test_affine_forward_rejects_empty_x():
    with pytest.raises(ValueError, match=r"x must not be empty; got shape \(0, 5\)"):
        affine_forward(np.ones((0, H)), np.ones((H, C)), np.ones(C))


def test_affine_forward_rejects_non_numeric_x_with_type_error():
    with pytest.raises(TypeError, match=r"x must hold real numbers.*got dtype <U1"):
        affine_forward(np.full((N, H), "a"), np.ones((H, C)), np.ones(C))


def test_affine_backward_rejects_anything_but_its_cache():
    with pytest.raises(TypeError, match="cache must be the AffineCache that affine_forward returns.*got NoneType"):
        affine_backward(np.ones((N, C)), None)


def test_affine_backward_rejects_dout_of_wrong_shape():
    _, cache = affine_forward(np.ones((N, H)), np.ones((H, C)), np.ones(C))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output \(2, 3\); got \(3, 2\)"):
        affine_backward(np.ones((C, N)), cache)


def test_last_state_forward_rejects_empty_h():
    with pytest.raises(ValueError, match=r"h must not be empty; got shape \(2, 0, 5\)"):
        last_state_forward(np.ones((N, 0, H)))


def test_last_state_forward_rejects_a_zero_length():
    with pytest.raises(ValueError, match="lengths must be between 1 and T = 3.*got values from 0 to 2"):
        last_state_forward(np.ones((N, T, H)), np.array([0, 2]))


def test_last_state_forward_rejects_lengths_of_wrong_count():
    with pytest.raises(ValueError, match=r"lengths must have shape \(N,\) = \(2,\).*got shape \(3,\)"):
        last_state_forward(np.ones((N, T, H)), np.array([1, 2, 3]))


def test_last_state_backward_rejects_anything_but_its_cache():
    _, cache = affine_forward(np.ones((N, H)), np.ones((H, C)), np.ones(C))
    with pytest.raises(TypeError, match="cache must be the LastStateCache that last_state_forward returns.*got AffineCache"):
        last_state_backward(np.ones((N, H)), cache)


def test_last_state_backward_rejects_dh_last_of_wrong_shape():
    _, cache = last_state_forward(np.ones((N, T, H)))
    with pytest.raises(ValueError, match=r"dh_last must have the shape of the forward output \(N, H\) = \(2, 5\); got \(2, 3, 5\)"):
        last_state_backward(np.ones((N, T, H)), cache)


def test_layer_caches_are_the_named_tuples():
    assert isinstance(affine_forward(np.ones((N, H)), np.ones((H, C)), np.ones(C))[1], AffineCache)
    assert isinstance(last_state_forward(np.ones((N, T, H)))[1], LastStateCache)
    assert isinstance(rnn_forward(**core_args())[1], RNNCache)


# -------------------------------------------------------------- losses.py
def test_log_softmax_rejects_a_scalar():
    with pytest.raises(ValueError, match=r"logits must have shape \(\.\.\., C\), with C on the last axis; got a scalar"):
        log_softmax(3.0)


def test_log_softmax_accepts_nested_lists():
    np.testing.assert_allclose(np.exp(log_softmax([[0.0, 0.0]])), [[0.5, 0.5]])


def test_softmax_rejects_inf():
    with pytest.raises(ValueError, match=r"logits must be finite; got 1 NaN or inf value\(s\) out of 2"):
        softmax(np.array([np.inf, 0.0]))


def test_softmax_rejects_empty_rows():
    with pytest.raises(ValueError, match=r"logits must not be empty; got shape \(2, 0\)"):
        softmax(np.ones((2, 0)))


def test_softmax_rejects_strings_with_type_error():
    with pytest.raises(TypeError, match="logits must hold real numbers.*got dtype <U1"):
        softmax(np.array(["a", "b"]))


def test_softmax_cross_entropy_rejects_1d_logits():
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\) with 2 axes; got shape \(3,\)"):
        softmax_cross_entropy(np.ones(3), np.array([0]))


# --------------------------------------------------------------- optim.py
@pytest.mark.parametrize("make, message", [
    (lambda: SGD(lr=0), "lr must be a positive finite number; got 0"),
    (lambda: SGD(lr=np.inf), "lr must be a positive finite number; got inf"),
    (lambda: Momentum(momentum=1.0), r"momentum must be a number in \[0, 1\); got 1.0"),
    (lambda: AdaGrad(eps=0), "eps must be a positive finite number; got 0"),
    (lambda: RMSProp(rho=-0.1), r"rho must be a number in \[0, 1\); got -0.1"),
    (lambda: Adam(beta1=1.5), r"beta1 must be a number in \[0, 1\); got 1.5"),
    (lambda: Adam(beta2=1.0), r"beta2 must be a number in \[0, 1\); got 1.0"),
], ids=["lr-0", "lr-inf", "momentum-1", "eps-0", "rho-negative", "beta1", "beta2-1"])
def test_optimizer_rejects_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_optimizer_rejects_a_string_learning_rate_with_type_error():
    with pytest.raises(TypeError, match="lr must be a positive number; got 'fast'"):
        SGD(lr="fast")


def test_step_rejects_grads_that_are_not_a_dict():
    with pytest.raises(TypeError, match="grads must be a dict mapping parameter names to arrays.*got list"):
        SGD().step({"w": np.ones(2)}, [np.ones(2)])


def test_step_rejects_a_list_parameter_it_could_not_update_in_place():
    with pytest.raises(TypeError, match=r"params\['w'\] must be a float ndarray, updated in place; got list"):
        SGD().step({"w": [1.0, 2.0]}, {"w": np.ones(2)})


def test_step_rejects_an_integer_parameter():
    with pytest.raises(TypeError, match=r"params\['w'\] must be a float ndarray.*got dtype int64"):
        SGD().step({"w": np.ones(2, dtype=np.int64)}, {"w": np.ones(2)})


def test_step_rejects_a_nan_gradient_and_moves_no_weight():
    params = {"a": np.ones(2), "w": np.ones(2)}
    with pytest.raises(ValueError, match=r"grads\['w'\] must be finite; got 1 NaN or inf value\(s\) out of 2"):
        SGD(lr=0.1).step(params, {"a": np.ones(2), "w": np.array([np.nan, 1.0])})
    np.testing.assert_array_equal(params["a"], [1.0, 1.0])  # checked before any update


def test_grad_norm_rejects_a_list():
    with pytest.raises(TypeError, match="grads must be a dict.*got list"):
        grad_norm([np.ones(2)])


def test_clip_grad_norm_raises_on_a_nan_gradient_and_leaves_it_alone():
    grads = {"W_h": np.array([np.nan, 1.0]), "B": np.array([3.0])}
    with pytest.raises(DivergenceError, match=r"cannot clip gradients whose global norm is nan: "
                       r"grads\['W_h'\] holds 1 NaN or inf value\(s\).*diverged"):
        clip_grad_norm(grads, 1.0)
    np.testing.assert_array_equal(grads["B"], [3.0])


def test_clip_grad_norm_raises_when_the_squares_overflow():
    with pytest.warns(RuntimeWarning, match="overflow"):
        with pytest.raises(DivergenceError, match="global norm is inf: the squares of the gradients overflow"):
            clip_grad_norm({"W": np.array([1e200, 1.0])}, 1.0)


def test_divergence_error_is_a_floating_point_error_and_a_value_error():
    assert issubclass(DivergenceError, FloatingPointError)
    assert issubclass(DivergenceError, ValueError)


# ------------------------------------------------------------- classifier
@pytest.mark.parametrize("make_X, error, message", [
    (lambda X: X[0], ValueError,
     r"X must have shape \(N, T, D\) with 3 axes; got shape \(3, 2\) with 2; "
     r"for one sequence of shape \(T, D\) pass X\[np.newaxis\]"),
    (lambda X: X.astype(str), TypeError, r"X must hold real numbers \(float or int\); got dtype <U"),
    (lambda X: [[[1.0]], [[1.0], [2.0]]], TypeError, "X must be a numeric array; got list"),
    (lambda X: X[:, :0], ValueError, r"X must not be empty; got shape \(20, 0, 2\)"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 7, np.inf, X), ValueError,
     r"X must be finite; got 1 NaN or inf value\(s\) out of 120"),
], ids=["2d", "strings", "ragged", "empty", "inf"])
def test_fit_rejects_bad_X(make_X, error, message):
    X, y = labelled()
    with pytest.raises(error, match=message):
        ScratchSimpleRNNClassifier().fit(make_X(X), y)


@pytest.mark.parametrize("make_y, error, message", [
    (lambda y: np.zeros(20), ValueError,
     "y must hold at least 2 different classes to learn to tell apart; got only 0.0, 20 times"),
    (lambda y: np.eye(2)[np.arange(20) % 2], ValueError,
     r"y must have shape \(N,\) = \(20,\).*got shape \(20, 2\); for one-hot rows use y.argmax\(axis=1\)"),
    (lambda y: y[:, None], ValueError, r"got shape \(20, 1\); for a column vector use y.ravel\(\)"),
    (lambda y: np.r_[np.nan, np.ones(19)], ValueError, r"y must be finite; got 1 NaN or inf value\(s\) out of 20"),
    (lambda y: np.array([None] * 20), TypeError, "y must hold class labels, numbers or strings; got dtype object"),
    (lambda y: np.ones(20) * 1j, TypeError, "y must hold class labels, numbers or strings; got dtype complex128"),
], ids=["one-class", "one-hot", "column", "nan", "object", "complex"])
def test_fit_rejects_bad_y(make_y, error, message):
    X, y = labelled()
    with pytest.raises(error, match=message):
        ScratchSimpleRNNClassifier().fit(X, make_y(y))


def test_fit_accepts_an_object_array_of_strings_as_a_plain_string_array():
    X, y = labelled()
    model = ScratchSimpleRNNClassifier(n_nodes=2, random_state=0).fit(X, y.astype(object), n_epochs=1)
    assert model.classes_.dtype.kind == "U"
    np.testing.assert_array_equal(model.classes_, ["a", "b"])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_nodes": 0.5}, TypeError, "n_nodes must be an integer >= 1; got 0.5"),
    ({"learning_rate": 0}, ValueError, "learning_rate must be a positive finite number; got 0"),
    ({"learning_rate": np.nan}, ValueError, "learning_rate must be a positive finite number; got nan"),
    ({"random_state": "0"}, TypeError, r"random_state must be None or an integer >= 0 \(a seed\); got '0'"),
    ({"random_state": -1}, ValueError, r"random_state must be None or an integer >= 0 \(a seed\); got -1"),
    ({"optimizer": None}, ValueError, "optimizer must be one of .*got None"),
], ids=["n_nodes-float", "lr-0", "lr-nan", "random_state-str", "random_state-negative", "optimizer-None"])
def test_fit_rejects_bad_settings(kwargs, error, message):
    X, y = labelled()
    with pytest.raises(error, match=message):
        ScratchSimpleRNNClassifier(**kwargs).fit(X, y, n_epochs=1)


def test_fit_rejects_zero_epochs():
    X, y = labelled()
    with pytest.raises(ValueError, match="n_epochs must be an integer >= 1; got 0"):
        ScratchSimpleRNNClassifier().fit(X, y, n_epochs=0)


@pytest.mark.parametrize("lengths, error, message", [
    (np.full(20, 2.0), TypeError, "lengths must hold integer sequence lengths; got dtype float64"),
    (np.zeros(20, dtype=int), ValueError, r"lengths must be between 1 and T = 3 \(the padded length\); got values from 0 to 0"),
    (np.full(19, 2), ValueError, r"lengths must have shape \(N,\) = \(20,\), one length per sequence; got shape \(19,\)"),
], ids=["float", "zero", "count"])
def test_fit_rejects_bad_lengths(lengths, error, message):
    X, y = labelled()
    with pytest.raises(error, match=message):
        ScratchSimpleRNNClassifier().fit(X, y, lengths=lengths)


@pytest.mark.parametrize("make, error, message", [
    (lambda X, y: X, TypeError, r"validation_data must be a tuple \(X_val, y_val\) or "
     r"\(X_val, y_val, lengths_val\); got ndarray"),
    (lambda X, y: (X,), TypeError, "validation_data must be a tuple.*got a tuple of 1 items"),
    (lambda X, y: (X[:, :, :1], y), ValueError,
     r"X_val's last axis \(D\) must match the X passed to fit: expected 2, got 1"),
    (lambda X, y: (X, y[:5]), ValueError, r"y_val must have shape \(N,\) = \(20,\).*got shape \(5,\)"),
    (lambda X, y: (X, np.zeros(20, dtype=int)), TypeError,
     r"y_val holds numbers, but the model's classes are strings \(\['a', 'b'\]\): no label could ever match"),
    (lambda X, y: (X, y, np.full(20, 9)), ValueError, "lengths_val must be between 1 and T = 3"),
], ids=["not-a-tuple", "one-item", "other-D", "y-length", "label-kind", "lengths"])
def test_fit_checks_validation_data_before_training(make, error, message):
    X, y = labelled()
    model = ScratchSimpleRNNClassifier()
    with pytest.raises(error, match=message):
        model.fit(X, y, n_epochs=1, validation_data=make(X, y))
    assert not hasattr(model, "classes_")  # nothing was trained or set


def test_a_failed_refit_leaves_the_fitted_model_as_it_was(fitted):
    model, X, y = fitted
    before = model.predict_proba(X)
    with pytest.raises(ValueError, match="y must hold at least 2 different classes"):
        model.fit(X, np.full(len(X), "a"))
    np.testing.assert_array_equal(model.predict_proba(X), before)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score", "loss_and_grads", "save"])
def test_methods_before_fit_raise_not_fitted_error(method, tmp_path):
    X, y = labelled()
    args = {"predict": (X,), "predict_proba": (X,), "score": (X, y),
            "loss_and_grads": (X, np.arange(20) % 2), "save": (tmp_path / "m.npz",)}[method]
    with pytest.raises(NotFittedError, match=r"this ScratchSimpleRNNClassifier is not fitted yet: call fit\(X, y\) first"):
        getattr(ScratchSimpleRNNClassifier(), method)(*args)


def test_not_fitted_error_is_a_value_error_and_an_attribute_error():
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


def test_predict_rejects_a_single_sequence_with_a_hint(fitted):
    model, X, _ = fitted
    with pytest.raises(ValueError, match=r"got shape \(3, 2\) with 2; for one sequence of shape \(T, D\) pass X\[np.newaxis\]"):
        model.predict(X[0])


def test_predict_rejects_lengths_out_of_range(fitted):
    model, X, _ = fitted
    with pytest.raises(ValueError, match="lengths must be between 1 and T = 3.*got values from 1 to 4"):
        model.predict(X, lengths=np.r_[4, np.ones(19, dtype=int)])


def test_predict_rejects_nan_in_X(fitted):
    model, X, _ = fitted
    X = X.copy()
    X[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"X must be finite; got 1 NaN or inf value\(s\)"):
        model.predict(X)


def test_score_rejects_numbers_for_a_model_of_string_labels(fitted):
    model, X, _ = fitted
    with pytest.raises(TypeError, match=r"y holds numbers, but the model's classes are strings \(\['a', 'b'\]\)"):
        model.score(X, np.zeros(len(X), dtype=int))


def test_score_rejects_y_of_wrong_length(fitted):
    model, X, y = fitted
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(20,\).*got shape \(19,\)"):
        model.score(X, y[1:])


def refitted(fitted, **weights):
    model, X, y = fitted
    clone = ScratchSimpleRNNClassifier(n_nodes=3, random_state=0).fit(X, y, n_epochs=1)
    for name, value in weights.items():
        setattr(clone, name, value)
    return clone, X


@pytest.mark.parametrize("weights, message", [
    ({"W_h": np.zeros((3, 2))}, r"W_h must be square with shape \(H, H\) = \(3, 3\).*got W_h of shape \(3, 2\)"),
    ({"B": np.zeros(4)}, r"B must have shape \(H,\) = \(3,\).*got B of shape \(4,\)"),
    ({"W_x": np.zeros((3, 3))}, r"W_x's first axis \(D\) must match n_features_in_, the D that fit saw: expected 2, got 3"),
    ({"W_y": np.zeros((4, 2))}, r"W_y must have shape \(H, C\) = \(3, 2\), with H from W_x and C = len\(classes_\); got W_y of shape \(4, 2\)"),
    ({"B_y": np.zeros(3)}, r"B_y must have shape \(C,\) = \(2,\).*got B_y of shape \(3,\)"),
], ids=["W_h", "B", "W_x", "W_y", "B_y"])
def test_predict_rejects_hand_set_weights_of_wrong_shape(fitted, weights, message):
    model, X = refitted(fitted, **weights)
    with pytest.raises(ValueError, match=message):
        model.predict(X)


def test_forward_propagation_rejects_hand_set_weights_of_wrong_shape():
    model = ScratchSimpleRNNClassifier(n_nodes=3)
    model.W_x, model.W_h, model.B = np.zeros((2, 3)), np.zeros(3), np.zeros(3)
    with pytest.raises(ValueError, match=r"W_h must have shape \(H, H\) with 2 axes; got shape \(3,\)"):
        model.forward_propagation(np.zeros((1, 4, 2)))


def test_forward_propagation_without_weights_raises_not_fitted_error():
    with pytest.raises(NotFittedError, match=r"the weights are not set: call fit\(X, y\) first, or set W_x"):
        ScratchSimpleRNNClassifier().forward_propagation(np.zeros((1, 4, 2)))


def test_forward_propagation_rejects_X_with_another_D_by_name():
    model = ScratchSimpleRNNClassifier(n_nodes=3)
    model.W_x, model.W_h, model.B = np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3)
    with pytest.raises(ValueError, match=r"X's last axis \(D\) must match W_x's first axis \(D\): expected 2, got 4"):
        model.forward_propagation(np.zeros((1, 3, 4)))


def test_backward_propagation_rejects_dL_dH_of_wrong_shape():
    model = ScratchSimpleRNNClassifier(n_nodes=3)
    model.W_x, model.W_h, model.B = np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(3)
    model.forward_propagation(np.zeros((1, 4, 2)))
    with pytest.raises(ValueError, match=r"dL_dH must have the shape of the hidden states .* \(1, 4, 3\); got \(4, 3\)"):
        model.backward_propagation(np.ones((4, 3)))


def test_initialize_weights_rejects_a_bad_number_of_features():
    with pytest.raises(ValueError, match="n_features must be an integer >= 1; got 0"):
        ScratchSimpleRNNClassifier()._initialize_weights(0)


def test_loss_and_grads_rejects_labels_that_are_not_class_indices(fitted):
    model, X, y = fitted
    with pytest.raises(TypeError, match=r"y must hold integer class indices 0 \.\. C-1; got dtype <U1"):
        model.loss_and_grads(X, y)


def test_loss_and_grads_rejects_X_with_another_D(fitted):
    model, X, _ = fitted
    with pytest.raises(ValueError, match=r"X's last axis \(D\) must match the data fit was called with: expected 2, got 1"):
        model.loss_and_grads(X[:, :, :1], np.zeros(len(X), dtype=int))


# ------------------------------------------------------------- divergence
def exploding(**kwargs):
    """Plain SGD, no clipping: a learning rate this large overflows float64 at the second step."""
    return ScratchSimpleRNNClassifier(n_nodes=8, random_state=0, optimizer="sgd", clip_norm=None,
                                      lr_schedule="constant", **kwargs)


def test_diverging_training_stops_with_advice():
    X, y = labelled(n=64)
    with pytest.raises(DivergenceError, match=r"training diverged in epoch 1 of 5, after 1 of 10 steps: "
                       r"the training loss became (inf|nan)\. Settings: optimizer='sgd', "
                       r"learning_rate=1e\+308, clip_norm=None; try a learning_rate 10 times smaller "
                       r"than 1e\+308, or clip the gradients with clip_norm=5.0\. The model is left unfitted"):
        exploding(learning_rate=1e308).fit(X, y, n_epochs=5)


def test_diverged_model_is_unfitted_with_no_nan_weight_but_keeps_its_record():
    X, y = labelled(n=64)
    model = exploding(learning_rate=1e308)
    with pytest.raises(DivergenceError):
        model.fit(X, y, n_epochs=5)
    assert model.W_x is None and model.W_h is None and model.B is None
    assert not hasattr(model, "W_y") and not hasattr(model, "classes_")
    assert model.grad_norms_ and all(np.isfinite(model.grad_norms_))  # the steps before
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_diverging_training_gives_no_numpy_warning(recwarn):
    X, y = labelled(n=64)
    with pytest.raises(DivergenceError):
        exploding(learning_rate=1e308).fit(X, y, n_epochs=5)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_divergence_with_clipping_suggests_a_smaller_clip_norm():
    X, y = labelled(n=64)
    with pytest.raises(DivergenceError, match=r"clip_norm=5.0; try a learning_rate 10 times smaller "
                       r"than 1e\+308, or a smaller clip_norm than 5\."):
        ScratchSimpleRNNClassifier(n_nodes=8, random_state=0, optimizer="sgd", clip_norm=5.0,
                                   learning_rate=1e308).fit(X, y, n_epochs=5)


def test_a_weight_turning_inf_is_caught_at_the_end_of_the_epoch(monkeypatch):
    # The loss check sees most blow-ups first; this is the net behind it.
    X, y = labelled(n=20)  # one batch, so one step, per epoch

    def poisoned(self, name, w, g):
        w -= self.lr * g
        if name == "W_x":
            w[0, 0] = np.inf

    monkeypatch.setattr(SGD, "_update", poisoned)
    model = exploding(learning_rate=0.1)
    with pytest.raises(DivergenceError, match="epoch 1 of 3, after 1 of 3 steps: a weight became inf or NaN"):
        model.fit(X, y, n_epochs=3)
    assert model.W_x is None


def test_a_huge_but_finite_learning_rate_does_not_diverge_into_nan():
    # tanh keeps every hidden state in [-1, 1]: lr = 1e6 makes the loss huge, not inf.
    X, y = labelled(n=64)
    model = exploding(learning_rate=1e6).fit(X, y, n_epochs=3)
    assert max(model.loss_curve_) > 1e3
    assert all(np.isfinite(getattr(model, w)).all() for w in ("W_x", "W_h", "B", "W_y", "B_y"))


def test_trusted_inputs_skips_only_inside_the_block():
    x = np.array([[[np.nan]]])
    with trusted_inputs():
        softmax(np.array([0.0, 1.0]))  # checked calls still work
        h, _ = rnn_forward(x, np.zeros((1, 1)), np.ones((1, 1)), np.ones((1, 1)), np.zeros(1))
    assert np.isnan(h).all()  # no scan for NaN inside
    with pytest.raises(ValueError, match="x must be finite"):
        rnn_forward(x, np.zeros((1, 1)), np.ones((1, 1)), np.ones((1, 1)), np.zeros(1))


def test_input_noise_works_for_huge_but_finite_X():
    # The noise's scale is X's standard deviation, whose squares would overflow here.
    X, y = labelled(n=20)
    model = ScratchSimpleRNNClassifier(n_nodes=3, random_state=0).fit(X * 1e200, y, n_epochs=1)
    assert np.isfinite(model._noise_std) and model._noise_std > 1e199
