"""The LSTM and GRU against torch.nn.LSTM / torch.nn.GRU (skipped without torch), and the layout conversion."""
import numpy as np
import pytest

from rnn_lib import gru_backward, gru_forward, lstm_backward, lstm_forward
from rnn_lib.nn.convert import gru_from_torch, gru_to_torch, lstm_from_torch, lstm_to_torch

N, T, D, H = 3, 5, 4, 6


def _problem(gates, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)) * 0.5,
            rng.standard_normal((N, H)), rng.standard_normal((D, gates * H)) / 2,
            rng.standard_normal((H, gates * H)) / 2, rng.standard_normal(gates * H) * 0.3,
            rng.standard_normal((N, T, H)))


def test_lstm_conversion_round_trip_and_gate_order():
    _, _, _, W_x, W_h, B, _ = _problem(4, 0)
    p = lstm_to_torch(W_x, W_h, B)
    assert p["weight_ih_l0"].shape == (4 * H, D) and p["weight_hh_l0"].shape == (4 * H, H)
    # PyTorch's third block is the candidate g, rnn_lib's fourth.
    np.testing.assert_array_equal(p["weight_ih_l0"][2 * H:3 * H], W_x[:, 3 * H:].T)
    back = lstm_from_torch(p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"], p["bias_hh_l0"])
    for got, want in zip(back, (W_x, W_h, B)):
        np.testing.assert_array_equal(got, want)


def test_lstm_from_torch_adds_the_two_biases():
    rng = np.random.default_rng(1)
    b_ih, b_hh = rng.standard_normal(4 * H), rng.standard_normal(4 * H)
    _, _, B = lstm_from_torch(np.zeros((4 * H, D)), np.zeros((4 * H, H)), b_ih, b_hh)
    s = b_ih + b_hh
    np.testing.assert_array_equal(B, np.r_[s[:2 * H], s[3 * H:], s[2 * H:3 * H]])


def test_gru_from_torch_refuses_a_hidden_bias_inside_the_reset():
    b_hh = np.zeros(3 * H)
    b_hh[2 * H] = 0.1
    with pytest.raises(ValueError, match=r"bias_hh's n block .* must be zero"):
        gru_from_torch(np.zeros((3 * H, D)), np.zeros((3 * H, H)), None, b_hh)


def test_conversion_names_a_wrong_shape():
    with pytest.raises(ValueError, match=r"W_h must have shape \(H, 4H\)"):
        lstm_from_torch(np.zeros((4 * H, D)), np.zeros((3 * H, H)))


def _torch_run(module, x, states, dh, torch):
    xt = torch.tensor(x, requires_grad=True)
    st = [torch.tensor(s[None], requires_grad=True) for s in states]
    out, _ = module(xt, tuple(st) if len(st) > 1 else st[0])
    out.backward(torch.tensor(dh))
    return out.detach().numpy(), xt.grad.numpy(), [s.grad.numpy()[0] for s in st]


def _params(module):
    return {name: p for name, p in module.named_parameters()}


@pytest.mark.parametrize("direction", ["ours to torch", "torch to ours"])
def test_lstm_equals_torch_nn_lstm_in_float64(direction):
    torch = pytest.importorskip("torch")
    x, h0, c0, W_x, W_h, B, dh = _problem(4, 2)
    lstm = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
    params = _params(lstm)
    with torch.no_grad():
        if direction == "ours to torch":
            for name, value in lstm_to_torch(W_x, W_h, B).items():
                params[name].copy_(torch.from_numpy(value))
        else:  # torch's own random weights, both biases nonzero
            W_x, W_h, B = lstm_from_torch(*(params[k].numpy() for k in (
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")))
    h_t, dx_t, (dh0_t, dc0_t) = _torch_run(lstm, x, (h0, c0), dh, torch)
    h, cache = lstm_forward(x, h0, W_x, W_h, B, c0=c0)
    dx, dh0, dW_x, dW_h, dB, dc0 = lstm_backward(dh, cache, return_dc0=True)
    grads = lstm_from_torch(params["weight_ih_l0"].grad.numpy(),
                            params["weight_hh_l0"].grad.numpy(),
                            params["bias_ih_l0"].grad.numpy())
    for got, want in zip((h, dx, dh0, dc0, dW_x, dW_h, dB), (h_t, dx_t, dh0_t, dc0_t, *grads)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    np.testing.assert_allclose(params["bias_hh_l0"].grad.numpy(),
                               params["bias_ih_l0"].grad.numpy(), atol=1e-12)


def test_gru_reset_after_equals_torch_nn_gru_in_float64():
    torch = pytest.importorskip("torch")
    x, h0, _, W_x, W_h, B, dh = _problem(3, 3)
    gru = torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64)
    params = _params(gru)
    with torch.no_grad():
        for name, value in gru_to_torch(W_x, W_h, B).items():
            params[name].copy_(torch.from_numpy(value))
    h_t, dx_t, (dh0_t,) = _torch_run(gru, x, (h0,), dh, torch)
    h, cache = gru_forward(x, h0, W_x, W_h, B, reset_after=True)
    dx, dh0, dW_x, dW_h, dB = gru_backward(dh, cache)
    grads = gru_from_torch(params["weight_ih_l0"].grad.numpy(),
                           params["weight_hh_l0"].grad.numpy(),
                           params["bias_ih_l0"].grad.numpy())
    for got, want in zip((h, dx, dh0, dW_x, dW_h, dB), (h_t, dx_t, dh0_t, *grads)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)
    # Cho et al.'s formulation is a different model: torch does not compute it.
    h_before, _ = gru_forward(x, h0, W_x, W_h, B, reset_after=False)
    assert np.abs(h_before - h_t).max() > 1e-3
