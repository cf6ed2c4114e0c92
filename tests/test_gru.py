"""The GRU in both formulations: exact gradients, step/sequence agreement, the update rule, errors."""
import numpy as np
import pytest

from rnn_lib import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from rnn_lib.gradcheck import numerical_gradients, relative_error
from rnn_lib.nn.cells import get_cell

SHAPES = [(3, 4, 2, 5), (1, 1, 1, 1), (1, 3, 2, 2), (2, 1, 3, 2), (3, 2, 1, 1)]
NAMES = ["dx", "dh", "dW_x", "dW_h", "dB"]


def problem(N, T, D, H, seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)) * 0.5,
        W_x=rng.standard_normal((D, 3 * H)) / np.sqrt(D),
        W_h=rng.standard_normal((H, 3 * H)) / np.sqrt(H), B=rng.standard_normal(3 * H) * 0.3,
        dh=rng.standard_normal((N, T, H)))


def args_of(p, step=False):
    x = p["x"][:, 0] if step else p["x"]
    return [x, p["h0"], p["W_x"], p["W_h"], p["B"]]


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_step_backward_matches_centered_differences(N, T, D, H, reset_after):
    p = problem(N, T, D, H)

    def forward(*a):
        return gru_step_forward(*a, reset_after=reset_after)

    _, cache = forward(*args_of(p, step=True))
    grads = gru_step_backward(p["dh"][:, 0], cache)
    numeric = numerical_gradients(forward, args_of(p, step=True), p["dh"][:, 0])
    for name, got, want in zip(NAMES, grads, numeric):
        assert got.shape == want.shape, name
        assert relative_error(got, want) < 1e-7, name


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_backward_matches_centered_differences(N, T, D, H, reset_after):
    p = problem(N, T, D, H, seed=1)

    def forward(*a):
        return gru_forward(*a, reset_after=reset_after)

    _, cache = forward(*args_of(p))
    grads = gru_backward(p["dh"], cache)
    numeric = numerical_gradients(forward, args_of(p), p["dh"])
    for name, got, want in zip(NAMES, grads, numeric):
        assert got.shape == want.shape, name
        assert relative_error(got, want) < 1e-7, name


@pytest.mark.parametrize("reset_after", [False, True])
def test_sequence_equals_loop_of_steps(reset_after):
    p = problem(2, 5, 3, 4, seed=2)
    h, cache = gru_forward(*args_of(p), reset_after=reset_after)
    grads = gru_backward(p["dh"], cache)
    h_prev, caches = p["h0"], []
    for t in range(5):
        h_prev, c = gru_step_forward(p["x"][:, t], h_prev, p["W_x"], p["W_h"], p["B"],
                                     reset_after=reset_after)
        caches.append(c)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-12, atol=1e-14)
    g, sums = np.zeros_like(p["h0"]), [0, 0, 0]
    for t in reversed(range(5)):
        dx_t, g, dW_x, dW_h, dB = gru_step_backward(p["dh"][:, t] + g, caches[t])
        np.testing.assert_allclose(grads[0][:, t], dx_t, rtol=1e-10, atol=1e-13)
        sums = [s + d for s, d in zip(sums, (dW_x, dW_h, dB))]
    for got, want in zip(grads[1:], [g, *sums]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_update_gate_keeps_the_old_state_when_z_is_one():
    """h_t = (1 - z) * n + z * h_{t-1}: a huge z bias makes the step a copy."""
    p = problem(2, 1, 3, 4)
    B = p["B"].copy()
    B[4:8] = 50.0  # z = sigmoid(50) = 1 to rounding
    h, _ = gru_step_forward(p["x"][:, 0], p["h0"], p["W_x"], p["W_h"], B)
    np.testing.assert_allclose(h, p["h0"], atol=1e-15)
    B[4:8] = -50.0  # z = 0: the state is the candidate n
    h, cache = gru_step_forward(p["x"][:, 0], p["h0"], p["W_x"], p["W_h"], B)
    np.testing.assert_allclose(h, cache.gates[:, 8:], atol=1e-15)


def test_the_two_formulations_differ_but_agree_when_the_reset_gate_is_open():
    p = problem(3, 4, 2, 5)
    h_before, _ = gru_forward(*args_of(p), reset_after=False)
    h_after, _ = gru_forward(*args_of(p), reset_after=True)
    assert np.abs(h_before - h_after).max() > 1e-2
    B = p["B"].copy()
    B[:5] = 50.0  # r = 1: (r * h) @ W_hn == r * (h @ W_hn)
    p["B"] = B
    np.testing.assert_allclose(gru_forward(*args_of(p), reset_after=False)[0],
                               gru_forward(*args_of(p), reset_after=True)[0], atol=1e-14)


@pytest.mark.parametrize("reset_after", [False, True])
def test_float32_stays_float32(reset_after):
    p = {k: v.astype(np.float32) for k, v in problem(3, 4, 2, 5).items()}
    h, cache = gru_forward(*args_of(p), reset_after=reset_after)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in gru_backward(p["dh"], cache))


def test_reset_after_must_be_a_bool():
    p = problem(2, 3, 3, 4)
    with pytest.raises(TypeError, match="reset_after must be True or False"):
        gru_forward(*args_of(p), reset_after="yes")


@pytest.mark.parametrize("change, message", [
    (dict(W_x=np.zeros((3, 10))), r"W_x must have shape \(D, 3H\)"),
    (dict(W_h=np.zeros((4, 16))), r"W_h must have shape \(H, 3H\) = \(4, 12\)"),
    (dict(B=np.zeros(16)), r"B must have shape \(3H,\) = \(12,\)"),
    (dict(h0=np.zeros((2, 5))), r"h0 must have shape \(N, H\) = \(2, 4\)"),
])
def test_bad_arguments_get_clear_errors(change, message):
    p = problem(2, 3, 3, 4)
    p.update(change)
    with pytest.raises(ValueError, match=message):
        gru_forward(*args_of(p))


def test_cell_registry_runs_the_gru_of_gru_forward():
    p = problem(2, 4, 3, 5, seed=3)
    cell = get_cell("gru")
    assert (cell.gates, cell.n_states) == (3, 1)
    h, cache = cell.forward(p["x"], (p["h0"],), p["W_x"], p["W_h"], p["B"])
    np.testing.assert_array_equal(h, gru_forward(*args_of(p))[0])
    dx, (dh0,), *_ = cell.backward(p["dh"], cache)
    np.testing.assert_array_equal(dh0, gru_backward(p["dh"], cache)[1])
    np.testing.assert_array_equal(cell.final_state(cache)[0], h[:, -1])
