"""The adding problem, the sequence regressor, and bench_gated's baselines (timings are never tested)."""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

from rnn_lib.data import ADDING_BASELINE_MSE, adding_problem
from rnn_lib.models.regressor import ScratchSequenceRegressor

BENCH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gated.py"


def test_adding_problem_marks_one_step_in_each_half_and_sums_them():
    X, y = adding_problem(200, 9, random_state=0)
    assert X.shape == (200, 9, 2) and y.shape == (200,)
    markers = X[:, :, 1]
    np.testing.assert_array_equal(markers.sum(axis=1), 2)
    assert (markers[:, :4].sum(axis=1) == 1).all() and (markers[:, 4:].sum(axis=1) == 1).all()
    np.testing.assert_allclose(y, (X[:, :, 0] * markers).sum(axis=1))
    np.testing.assert_array_equal(adding_problem(200, 9, random_state=0)[0], X)


def test_always_predicting_one_scores_the_baseline():
    _, y = adding_problem(20000, 10, random_state=1)
    assert abs(np.mean((y - 1) ** 2) - ADDING_BASELINE_MSE) < 0.01


def test_adding_problem_rejects_a_length_below_two():
    with pytest.raises(ValueError, match="T must be an integer >= 2"):
        adding_problem(5, 1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_regressor_gradients_match_centered_differences(cell):
    X, y = adding_problem(4, 5, random_state=2)
    model = ScratchSequenceRegressor(cell=cell, n_nodes=3, n_epochs=1, random_state=0).fit(X, y)
    _, grads = model.loss_and_grads(X, y)
    eps = 1e-6
    for name in ("W_x_", "W_h_", "B_", "W_y_", "B_y_"):
        w = getattr(model, name)
        numeric = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            old = w[idx]
            w[idx] = old + eps
            plus = model.loss_and_grads(X, y)[0]
            w[idx] = old - eps
            minus = model.loss_and_grads(X, y)[0]
            w[idx] = old
            numeric[idx] = (plus - minus) / (2 * eps)
        err = np.linalg.norm(grads[name] - numeric) / (
            np.linalg.norm(grads[name]) + np.linalg.norm(numeric))
        assert err < 1e-7, name


def test_regressor_learns_a_short_adding_problem_and_refits_identically():
    X, y = adding_problem(200, 2, random_state=3)
    model = ScratchSequenceRegressor(cell="gru", n_nodes=8, n_epochs=8, batch_size=10,
                                     random_state=0)
    mse = model.fit(X, y).mse(X, y)
    assert mse < ADDING_BASELINE_MSE / 4
    model.n_epochs = 1
    first = model.fit(X, y).predict(X)
    np.testing.assert_array_equal(model.fit(X, y).predict(X), first)


@pytest.fixture(scope="module")
def bench():
    with pytest.MonkeyPatch.context() as mp:  # keep the script's thread settings out
        for var in ("OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                    "MKL_NUM_THREADS"):
            mp.setenv(var, "1" if var != "OMP_WAIT_POLICY" else "PASSIVE")
        mp.setitem(sys.modules, "torch", None)  # the baselines only: no slow torch import
        spec = importlib.util.spec_from_file_location("bench_gated", BENCH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("shape", [(3, 5, 4, 6), (1, 1, 2, 1)])
def test_step_loop_computes_what_rnn_lib_computes(bench, cell, shape):
    args = bench.problem(cell, np.float64, shape=shape, seed=4)
    lib = bench.lib_lstm if cell == "lstm" else bench.lib_gru
    loop = bench.lstm_step_loop if cell == "lstm" else bench.gru_step_loop
    for a, b in zip(loop(*args), lib(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
