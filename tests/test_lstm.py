"""The LSTM: CS231n's fixtures, exact gradients, the step/sequence agreement, dtypes, errors."""
import numpy as np
import pytest

from rnn_lib import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from rnn_lib.gradcheck import numerical_gradients, relative_error
from rnn_lib.nn.cells import get_cell
from rnn_lib.nn.init import init_recurrent_weights

SHAPES = [(3, 4, 2, 5), (1, 1, 1, 1), (1, 3, 2, 2), (2, 1, 3, 2), (3, 2, 1, 1)]


def problem(N, T, D, H, seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)) * 0.5,
        c0=rng.standard_normal((N, H)), W_x=rng.standard_normal((D, 4 * H)) / np.sqrt(D),
        W_h=rng.standard_normal((H, 4 * H)) / np.sqrt(H), B=rng.standard_normal(4 * H) * 0.3,
        dh=rng.standard_normal((N, T, H)), dc=rng.standard_normal((N, H)))


def test_step_forward_reproduces_cs231n_fixture():
    N, D, H = 3, 4, 5
    x = np.linspace(-0.4, 1.2, num=N * D).reshape(N, D)
    h_prev = np.linspace(-0.3, 0.7, num=N * H).reshape(N, H)
    c_prev = np.linspace(-0.4, 0.9, num=N * H).reshape(N, H)
    W_x = np.linspace(-2.1, 1.3, num=4 * D * H).reshape(D, 4 * H)
    W_h = np.linspace(-0.7, 2.2, num=4 * H * H).reshape(H, 4 * H)
    B = np.linspace(0.3, 0.7, num=4 * H)
    h, c, _ = lstm_step_forward(x, h_prev, c_prev, W_x, W_h, B)
    np.testing.assert_allclose(h, [
        [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
        [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
        [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]], atol=1e-8)
    np.testing.assert_allclose(c, [
        [0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
        [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
        [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]], atol=1e-8)


def test_forward_reproduces_cs231n_fixture():
    N, D, H, T = 2, 5, 4, 3
    x = np.linspace(-0.4, 0.6, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.4, 0.8, num=N * H).reshape(N, H)
    W_x = np.linspace(-0.2, 0.9, num=4 * D * H).reshape(D, 4 * H)
    W_h = np.linspace(-0.3, 0.6, num=4 * H * H).reshape(H, 4 * H)
    B = np.linspace(0.2, 0.7, num=4 * H)
    h, _ = lstm_forward(x, h0, W_x, W_h, B)
    np.testing.assert_allclose(h, [
        [[0.01764008, 0.01823233, 0.01882671, 0.0194232],
         [0.11287491, 0.12146228, 0.13018446, 0.13902939],
         [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
        [[0.45767879, 0.4761092, 0.4936887, 0.51041945],
         [0.6704845, 0.69350089, 0.71486014, 0.7346449],
         [0.81733511, 0.83677871, 0.85403753, 0.86935314]]], atol=1e-8)


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_step_backward_matches_centered_differences(N, T, D, H):
    p = problem(N, T, D, H)
    args = [p["x"][:, 0], p["h0"], p["c0"], p["W_x"], p["W_h"], p["B"]]
    h, c, cache = lstm_step_forward(*args)
    dh, dc = p["dh"][:, 0], p["dc"]
    dx, dh_prev, dc_prev, dW_x, dW_h, dB = lstm_step_backward(dh, dc, cache)

    def loss_of(*a):  # one scalar whose gradient is what the backward pass returns
        h, c, _ = lstm_step_forward(*a)
        return np.array([np.sum(h * dh) + np.sum(c * dc)]), None

    numeric = numerical_gradients(loss_of, args, np.ones(1))
    for name, got, want in zip(["dx", "dh_prev", "dc_prev", "dW_x", "dW_h", "dB"],
                               [dx, dh_prev, dc_prev, dW_x, dW_h, dB], numeric):
        assert got.shape == want.shape, name
        assert relative_error(got, want) < 1e-7, name


@pytest.mark.parametrize("N, T, D, H", SHAPES)
def test_backward_matches_centered_differences(N, T, D, H):
    p = problem(N, T, D, H, seed=1)

    def forward(x, h0, c0, W_x, W_h, B):
        return lstm_forward(x, h0, W_x, W_h, B, c0=c0)

    args = [p[k] for k in ("x", "h0", "c0", "W_x", "W_h", "B")]
    _, cache = forward(*args)
    dx, dh0, dW_x, dW_h, dB, dc0 = lstm_backward(p["dh"], cache, return_dc0=True)
    numeric = numerical_gradients(forward, args, p["dh"])
    for name, got, want in zip(["dx", "dh0", "dc0", "dW_x", "dW_h", "dB"],
                               [dx, dh0, dc0, dW_x, dW_h, dB], numeric):
        assert got.shape == want.shape, name
        assert relative_error(got, want) < 1e-7, name


def test_sequence_equals_loop_of_steps_forward_and_backward():
    p = problem(2, 5, 3, 4, seed=2)
    h, cache = lstm_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"], c0=p["c0"])
    grads = lstm_backward(p["dh"], cache, return_dc0=True)
    h_prev, c_prev, caches = p["h0"], p["c0"], []
    for t in range(5):
        h_prev, c_prev, step_cache = lstm_step_forward(
            p["x"][:, t], h_prev, c_prev, p["W_x"], p["W_h"], p["B"])
        caches.append(step_cache)
        np.testing.assert_allclose(h[:, t], h_prev, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(cache.c[:, t], c_prev, rtol=1e-12, atol=1e-14)
    gh, gc = np.zeros_like(p["h0"]), np.zeros_like(p["h0"])
    sums = [0, 0, 0]
    for t in reversed(range(5)):
        dx_t, gh, gc, dW_x, dW_h, dB = lstm_step_backward(p["dh"][:, t] + gh, gc, caches[t])
        np.testing.assert_allclose(grads[0][:, t], dx_t, rtol=1e-10, atol=1e-13)
        sums = [s + g for s, g in zip(sums, (dW_x, dW_h, dB))]
    for got, want in zip(grads[1:], [gh, *sums, gc]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)


def test_initial_cell_state_defaults_to_zero_and_backward_returns_five():
    p = problem(2, 3, 3, 4)
    h, cache = lstm_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])
    h_zero, _ = lstm_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"], c0=np.zeros((2, 4)))
    np.testing.assert_array_equal(h, h_zero)
    assert len(lstm_backward(p["dh"], cache)) == 5


def test_float32_stays_float32():
    p = {k: v.astype(np.float32) for k, v in problem(3, 4, 2, 5).items()}
    h, cache = lstm_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"], c0=p["c0"])
    assert h.dtype == np.float32
    grads = lstm_backward(p["dh"], cache, return_dc0=True)
    assert all(g.dtype == np.float32 for g in grads)
    h64, _ = lstm_forward(*(p[k].astype(np.float64) for k in ("x", "h0", "W_x", "W_h", "B")),
                          c0=p["c0"].astype(np.float64))
    np.testing.assert_allclose(h, h64, atol=1e-5)


def test_forward_leaves_its_arguments_unchanged():
    p = problem(2, 3, 3, 4)
    kept = {k: v.copy() for k, v in p.items()}
    _, cache = lstm_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"], c0=p["c0"])
    lstm_backward(p["dh"], cache)
    for k in p:
        np.testing.assert_array_equal(p[k], kept[k], err_msg=k)


@pytest.mark.parametrize("change, message", [
    (dict(W_x=np.zeros((3, 10))), r"W_x must have shape \(D, 4H\)"),
    (dict(W_h=np.zeros((4, 12))), r"W_h must have shape \(H, 4H\) = \(4, 16\)"),
    (dict(B=np.zeros(4)), r"B must have shape \(4H,\) = \(16,\)"),
    (dict(x=np.zeros((2, 3))), r"x must have shape \(N, T, D\)"),
    (dict(h0=np.zeros((3, 4))), r"h0 must have shape \(N, H\) = \(2, 4\)"),
    (dict(c0=np.zeros((2, 5))), r"c0 must have shape \(N, H\) = \(2, 4\)"),
    (dict(x=np.full((2, 3, 3), np.nan)), r"x must be finite"),
])
def test_bad_arguments_get_clear_errors(change, message):
    p = problem(2, 3, 3, 4)
    p.update(change)
    with pytest.raises(ValueError, match=message):
        lstm_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"], c0=p["c0"])


def test_backward_rejects_a_wrong_upstream_shape_and_a_foreign_cache():
    p = problem(2, 3, 3, 4)
    _, cache = lstm_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])
    with pytest.raises(ValueError, match=r"dh must have the shape of the forward output"):
        lstm_backward(p["dh"][:, :2], cache)
    with pytest.raises(TypeError, match="LSTMCache that lstm_forward returns"):
        lstm_backward(p["dh"], (np.zeros(1), cache))


def test_cell_registry_runs_the_lstm_with_its_cell_state():
    p = problem(2, 4, 3, 5, seed=3)
    cell = get_cell("lstm")
    assert (cell.gates, cell.n_states) == (4, 2)
    h, cache = cell.forward(p["x"], (p["h0"], p["c0"]), p["W_x"], p["W_h"], p["B"])
    dx, (dh0, dc0), *_ = cell.backward(p["dh"], cache)
    want = lstm_backward(p["dh"], cache, return_dc0=True)
    np.testing.assert_array_equal(dh0, want[1])
    np.testing.assert_array_equal(dc0, want[5])
    h_last, c_last = cell.final_state(cache)
    np.testing.assert_array_equal(h_last, h[:, -1])
    np.testing.assert_array_equal(c_last, cache.c[:, -1])


def test_init_gives_glorot_blocks_and_forget_bias_one():
    W_x, W_h, B = init_recurrent_weights("lstm", 3, 8, np.random.default_rng(0))
    assert (W_x.shape, W_h.shape, B.shape) == ((3, 32), (8, 32), (32,))
    assert np.abs(W_x).max() <= np.sqrt(6 / 11) and np.abs(W_h).max() <= np.sqrt(6 / 16)
    np.testing.assert_array_equal(B, np.r_[np.zeros(8), np.ones(8), np.zeros(16)])


def test_init_for_rnn_is_the_classifiers_draw():
    rng = np.random.default_rng(5)
    W_x, W_h, B = init_recurrent_weights("rnn", 3, 4, rng)
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(W_x, rng.uniform(-np.sqrt(6 / 7), np.sqrt(6 / 7), (3, 4)))
    np.testing.assert_array_equal(W_h, rng.uniform(-np.sqrt(6 / 8), np.sqrt(6 / 8), (4, 4)))
    np.testing.assert_array_equal(B, np.zeros(4))


def test_orthogonal_init_has_unit_singular_values_per_block():
    _, W_h, _ = init_recurrent_weights("gru", 2, 6, np.random.default_rng(1),
                                       recurrent="orthogonal")
    for k in range(3):
        np.testing.assert_allclose(np.linalg.svd(W_h[:, 6 * k:6 * (k + 1)])[1], 1, atol=1e-12)
