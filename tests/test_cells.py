"""The cell registry: one interface over every recurrent cell."""
import numpy as np
import pytest

from rnn_lib import gru_backward, gru_forward, rnn_backward, rnn_forward
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


# Every layer: a cell of the registry, and the GRU with the reset after the
# product (PyTorch's), whose backward pass uses one more buffer.
LAYERS = sorted(CELLS) + ["gru, reset after"]


def _layer(name):
    """forward(x, state0, W_x, W_h, B), backward(dh, cache) -> flat gradients, gates, states."""
    if name == "gru, reset after":
        def forward(x, state0, W_x, W_h, B):
            return gru_forward(x, state0[0], W_x, W_h, B, reset_after=True)
        return forward, lambda dh, cache: list(gru_backward(dh, cache)), 3, 1
    cell = get_cell(name)

    def backward(dh, cache):
        dx, dstate, *rest = cell.backward(dh, cache)
        return [dx, *dstate, *rest]
    return cell.forward, backward, cell.gates, cell.n_states


@pytest.mark.parametrize("name", LAYERS)
def test_backward_results_survive_later_calls_that_reuse_its_buffers(name):
    # Every backward pass keeps its large temporaries alive between calls
    # (rnn_lib.nn._scratch); nothing it returned may change when a later call
    # of the same shape reuses them, nor may the cache or dh it was given.
    forward, backward, gates, n_states = _layer(name)
    x, W_x, W_h, B = _problem(N=3, T=4, D=2, H=5, gates=gates, seed=2)
    state0 = tuple(np.full((3, 5), 0.2) for _ in range(n_states))
    h, cache = forward(x, state0, W_x, W_h, B)
    dh = np.sin(3 * h)
    first = backward(dh, cache)
    kept = [a.copy() for a in first]
    h2, cache2 = forward(x + 1, state0, W_x, W_h, B)
    again = backward(-2 * np.cos(h2), cache2)
    for a, b in zip(first, kept):
        np.testing.assert_array_equal(a, b)
    assert not any(np.shares_memory(a, b) for a in first for b in again)
    for a, b in zip(first, backward(dh, cache)):  # the same cache and dh, the same result
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", LAYERS)
def test_backward_in_concurrent_threads_gives_each_its_own_result(name):
    # The buffers are per thread: threads that run the same shapes at once
    # (large enough that NumPy releases the GIL mid-call) never share one.
    import threading

    forward, backward, gates, n_states = _layer(name)
    problems = []
    for seed in range(4):
        x, W_x, W_h, B = _problem(N=32, T=12, D=4, H=64, gates=gates, seed=10 + seed)
        state0 = tuple(np.full((32, 64), 0.1) for _ in range(n_states))
        problems.append((x, state0, W_x, W_h, B))
    expected = [backward(np.cos(h), cache) for h, cache in (forward(*p) for p in problems)]
    results = [[] for _ in problems]
    start = threading.Barrier(len(problems))

    def work(i):
        start.wait()
        for _ in range(20):
            h, cache = forward(*problems[i])
            results[i].append(backward(np.cos(h), cache))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(problems))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for want, got in zip(expected, results):
        assert len(got) == 20
        for result in got:  # BLAS may split work differently when busy: allow rounding
            for a, b in zip(result, want):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
