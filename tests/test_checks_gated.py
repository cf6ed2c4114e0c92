"""Chapter 5's graded checks: the library passes, every catalogued mistake fails and is named."""
import numpy as np
import pytest

from rnn_lib import gru_step_forward, lstm_step_backward, lstm_step_forward
from rnn_lib.checks import (
    EXERCISES,
    check_gru_step_forward,
    check_lstm_step_backward,
    check_lstm_step_forward,
)
from rnn_lib.checks._gated_mistakes import (
    GRU_STEP_FORWARD_MISTAKES,
    LSTM_STEP_BACKWARD_MISTAKES,
    LSTM_STEP_FORWARD_MISTAKES,
    LSTM_STEP_GRADS,
    gru_step,
    lstm_step,
    lstm_step_grads,
)
from rnn_lib.checks.gated import gated_problems


def _plain_lstm_forward(x, h_prev, c_prev, W_x, W_h, B):
    h, c, _ = lstm_step_forward(x, h_prev, c_prev, W_x, W_h, B)
    return h, c, (x, h_prev, c_prev, W_x, W_h, B)  # a student's own cache format


@pytest.mark.parametrize("label, p", gated_problems())
def test_simulators_without_a_mistake_are_the_library(label, p):
    args = [p[k] for k in ("x", "h_prev", "c_prev", "W_x", "W_h", "B")]
    h, c, cache = lstm_step_forward(*args)
    sim = lstm_step(*args)
    np.testing.assert_allclose(sim["h_next"], h, atol=1e-14)
    np.testing.assert_allclose(sim["c_next"], c, atol=1e-14)
    grads = lstm_step_backward(p["dh_next"], p["dc_next"], cache)
    sim = lstm_step_grads(*args, p["dh_next"], p["dc_next"])
    for name, want in zip(LSTM_STEP_GRADS, grads):
        np.testing.assert_allclose(sim[name], want, atol=1e-13, err_msg=name)
    H = p["h_prev"].shape[1]
    for reset_after in (False, True):
        gargs = [p["x"], p["h_prev"], p["W_x"][:, :3 * H], p["W_h"][:, :3 * H], p["B"][:3 * H]]
        np.testing.assert_allclose(gru_step(*gargs, reset_after=reset_after)["h_next"],
                                   gru_step_forward(*gargs, reset_after=reset_after)[0],
                                   atol=1e-14)


def test_library_passes_every_check():
    assert check_lstm_step_forward(lstm_step_forward).passed
    assert check_lstm_step_forward(_plain_lstm_forward).passed
    assert check_lstm_step_backward(lstm_step_backward, lstm_step_forward).passed
    assert check_gru_step_forward(gru_step_forward).passed


@pytest.mark.parametrize("mistake", LSTM_STEP_FORWARD_MISTAKES, ids=lambda m: m.title)
def test_lstm_forward_mistakes_fail_and_are_named(mistake):
    def student(x, h_prev, c_prev, W_x, W_h, B):
        out = mistake.apply(x, h_prev, c_prev, W_x, W_h, B)
        return out["h_next"], out["c_next"], None

    result = check_lstm_step_forward(student)
    assert not result.passed
    assert result.mistakes == (mistake.key,)
    assert mistake.title in str(result)


@pytest.mark.parametrize("mistake", LSTM_STEP_BACKWARD_MISTAKES, ids=lambda m: m.title)
def test_lstm_backward_mistakes_fail_and_are_named(mistake):
    def student(dh_next, dc_next, cache):
        out = mistake.apply(*cache, dh_next, dc_next)
        return tuple(out[k] for k in LSTM_STEP_GRADS)

    result = check_lstm_step_backward(student, _plain_lstm_forward)
    assert not result.passed
    assert result.mistakes == (mistake.key,)


@pytest.mark.parametrize("mistake", GRU_STEP_FORWARD_MISTAKES, ids=lambda m: m.title)
def test_gru_forward_mistakes_fail_and_are_named(mistake):
    def student(x, h_prev, W_x, W_h, B, *, reset_after=False):
        return mistake.apply(x, h_prev, W_x, W_h, B, reset_after)["h_next"], None

    result = check_gru_step_forward(student)
    assert not result.passed
    assert result.mistakes == (mistake.key,)


def test_gru_that_ignores_reset_after_fails_only_for_the_other_formulation():
    def student(x, h_prev, W_x, W_h, B, *, reset_after=False):
        return gru_step_forward(x, h_prev, W_x, W_h, B)  # always reset before

    result = check_gru_step_forward(student)
    assert not result.passed and result.mistakes == ("gru-reset-wrong-place",)
    # With H = 1, r * (h @ W_hn) == (r * h) @ W_hn: only larger problems tell them apart.
    for line in result.lines:
        assert line.ok == ("reset_after=False" in line.text or "H=1)" in line.text), line.text


def test_backward_check_asks_for_a_correct_forward_first():
    def wrong_forward(x, h_prev, c_prev, W_x, W_h, B):
        h, c, cache = lstm_step_forward(x, h_prev, c_prev, W_x, W_h, B)
        return h, c + 1, cache

    result = check_lstm_step_backward(lstm_step_backward, wrong_forward)
    assert not result.passed and "check_lstm_step_forward" in str(result)


def test_stubs_are_reported_as_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError

    for result in (check_lstm_step_forward(stub), check_gru_step_forward(stub),
                   check_lstm_step_backward(stub, lstm_step_forward)):
        assert not result.passed and result.not_implemented


def test_exercises_are_registered_with_the_functions_that_solve_them():
    assert EXERCISES["lstm_step_forward"].functions == ("my_lstm_step_forward",)
    assert EXERCISES["lstm_step_backward"].functions == (
        "my_lstm_step_backward", "my_lstm_step_forward")
    assert EXERCISES["gru_step_forward"].solves == ("rnn_lib.nn.gru.gru_step_forward",)
