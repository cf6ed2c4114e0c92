"""The speed benchmark's baselines compute what rnn_lib computes (timings are never tested)."""
import importlib.util
import pathlib

import numpy as np
import pytest

from rnn_lib import rnn_backward, rnn_forward

BENCH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_rnn.py"


@pytest.fixture(scope="module")
def bench():
    # The script sets OMP_WAIT_POLICY for PyTorch at import; keep it out of the
    # environment that the notebook kernels of later tests inherit.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_WAIT_POLICY", "PASSIVE")
        spec = importlib.util.spec_from_file_location("bench_rnn", BENCH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("N, T, D, H", [(64, 28, 28, 128), (3, 5, 4, 6), (1, 1, 2, 3), (2, 4, 1, 1)])
def test_naive_loop_and_reference_compute_the_same_values_as_rnn_lib(bench, N, T, D, H):
    rng = np.random.default_rng(N * 1000 + T)
    x = rng.standard_normal((N, T, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    W_x = rng.standard_normal((D, H)) / np.sqrt(D)
    W_h = rng.standard_normal((H, H)) / np.sqrt(H)
    B = 0.1 * rng.standard_normal(H)
    dh = rng.standard_normal((N, T, H))
    h, cache = rnn_forward(x, h0, W_x, W_h, B)
    ours = (h,) + rnn_backward(dh, cache)
    names = ["h", "dx", "dh0", "dW_x", "dW_h", "dB"]
    for other in (bench.naive_loop, bench.reference):
        theirs = other(x, h0, W_x, W_h, B, dh)
        assert len(theirs) == len(names)
        for name, a, b in zip(names, theirs, ours):
            assert a.shape == b.shape, name
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)


def test_bench_reports_a_median_and_a_ratio_spread_per_runner(bench):
    med, spread, faults = bench.bench(np.float32, rounds=3, block=2)
    assert {"rnn_lib", "reference", "naive loop", "products only"} <= set(med)
    assert all(ms > 0 for ms in med.values())
    assert spread["naive loop"] == (1.0, 1.0)
    for q1, q3 in spread.values():
        assert 0 < q1 <= q3
    assert set(faults) == set(med) and all(n >= 0 for n in faults.values())
