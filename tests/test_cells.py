"""The cell registry: one interface over every recurrent cell."""
import numpy as np
import pytest

from rnn_lib import rnn_backward, rnn_forward
from rnn_lib.nn.cells import CELLS, get_cell


def _problem(N=2, T=3, D=4, H=5, gates=1, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((D, gates * H)) * 0.3,
            rng.standard_normal((H, gates * H)) * 0.3, rng.standard_normal(gates * H) * 0.1)


def test_rnn_cell_is_rnn_forward_and_backward():
    x, W_x, W_h, B = _problem()
    h0 = np.full((2, 5), 0.1)
    cell = get_cell("rnn")
    h, cache = cell.forward(x, (h0,), W_x, W_h, B)
    np.testing.assert_array_equal(h, rnn_forward(x, h0, W_x, W_h, B)[0])
    dh = np.cos(h)
    dx, (dh0,), dW_x, dW_h, dB = cell.backward(dh, cache)
    for got, want in zip((dx, dh0, dW_x, dW_h, dB), rnn_backward(dh, cache)):
        np.testing.assert_array_equal(got, want)
    (h_last,) = cell.final_state(cache)
    np.testing.assert_array_equal(h_last, h[:, -1])


@pytest.mark.parametrize("name", sorted(CELLS))
def test_every_cell_carries_its_state_across_chunks(name):
    """Two chunks with the state carried give the states of one pass over both."""
    cell = get_cell(name)
    x, W_x, W_h, B = _problem(T=6, gates=cell.gates, seed=1)
    state0 = tuple(np.zeros((2, 5)) for _ in range(cell.n_states))
    h_all, _ = cell.forward(x, state0, W_x, W_h, B)
    h_a, cache_a = cell.forward(x[:, :4], state0, W_x, W_h, B)
    h_b, _ = cell.forward(x[:, 4:], cell.final_state(cache_a), W_x, W_h, B)
    np.testing.assert_allclose(np.concatenate([h_a, h_b], axis=1), h_all, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bad", ["RNN", "lstmx", None, 3])
def test_unknown_cell_names_the_cells_there_are(bad):
    with pytest.raises(ValueError, match=r"cell must be one of \[.*'rnn'.*\]; got"):
        get_cell(bad)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_backward_results_survive_later_calls_that_reuse_its_buffers(name):
    # Every backward pass keeps its large temporaries alive between calls
    # (rnn_lib.nn._scratch); nothing it returned may change when a later call
    # of the same shape reuses them, nor may the cache or dh it was given.
    cell = get_cell(name)
    x, W_x, W_h, B = _problem(N=3, T=4, D=2, H=5, gates=cell.gates, seed=2)
    state0 = tuple(np.full((3, 5), 0.2) for _ in range(cell.n_states))
    h, cache = cell.forward(x, state0, W_x, W_h, B)
    dh = np.sin(3 * h)
    first = cell.backward(dh, cache)
    flat = [first[0], *first[1], *first[2:]]
    kept = [a.copy() for a in flat]
    h2, cache2 = cell.forward(x + 1, state0, W_x, W_h, B)
    again = cell.backward(-2 * np.cos(h2), cache2)
    for a, b in zip(flat, kept):
        np.testing.assert_array_equal(a, b)
    assert not any(np.shares_memory(a, b) for a in flat for b in [again[0], *again[1], *again[2:]])
    repeat = cell.backward(dh, cache)  # the same cache and dh give the same result
    for a, b in zip(flat, [repeat[0], *repeat[1], *repeat[2:]]):
        np.testing.assert_array_equal(a, b)
