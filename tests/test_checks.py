"""The graded checks: right answers pass, classic mistakes fail by name, nothing raises.

The "student" implementations here are written independently of rnn_lib: a
plain per-step loop with its own cache formats (a dict per step, a list of
them), the way a reader would write the exercises.
"""
import re

import numpy as np
import pytest

from rnn_lib import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from rnn_lib import checks
from rnn_lib.checks import _bptt_mistakes as bptt_mistakes
from rnn_lib.checks import _forward_mistakes as fwd_mistakes
from rnn_lib.checks._base import never_raises
from rnn_lib.checks import (
    EXERCISES,
    CheckResult,
    check_rnn_backward,
    check_rnn_forward,
    check_rnn_step_backward,
    check_rnn_step_forward,
)


# ------------------------------------------------------------ a student's code
def student_step_forward(x, h_prev, W_x, W_h, B, *, act=np.tanh, W_h_T=False, bias=True,
                         recurrent=True):
    W = W_h.T if W_h_T else W_h
    a = np.dot(x, W_x) + B * bias
    if recurrent:
        a = a + np.dot(h_prev, W)
    h = act(a)
    return h, {"x": x, "h_prev": h_prev, "a": a, "h": h, "W_x": W_x, "W_h": W_h}


def student_forward(x, h0, W_x, W_h, B, *, layout="NTH", carry=True, **step_options):
    N, T, _ = x.shape
    hs, caches, h_prev = [], [], h0
    for t in range(T):
        h_t, cache = student_step_forward(x[:, t, :], h_prev if carry else h0, W_x, W_h, B,
                                          **step_options)
        hs.append(h_t)
        caches.append(cache)
        h_prev = h_t
    if layout == "TNH":  # np.array of a list of states: time first
        return np.array(hs), caches
    if layout == "last":
        return hs[-1], caches
    if layout == "shifted":
        return np.stack([h0] + hs[:-1], axis=1), caches
    return np.stack(hs, axis=1), caches


def student_step_backward(dh_next, cache, *, deriv="1-h^2", W_h_T=True, dW_h_state="h_prev",
                          dB="sum0", transpose_dW=None, mean=False):
    h, a = cache["h"], cache["a"]
    local = {"1-h^2": 1 - h * h, "none": 1.0, "1-a^2": 1 - a * a, "1-tanh(h)^2": 1 - np.tanh(h) ** 2,
             "h(1-h)": h * (1 - h)}[deriv]
    da = dh_next * local
    dx = np.dot(da, cache["W_x"].T)
    dh_prev = np.dot(da, cache["W_h"].T if W_h_T else cache["W_h"])
    dW_x = np.dot(cache["x"].T, da)
    dW_h = np.dot(cache[dW_h_state].T, da)
    db = {"sum0": da.sum(axis=0), "none": da, "sum1": da.sum(axis=1)}[dB]
    if transpose_dW == "dW_x":
        dW_x = np.dot(da.T, cache["x"])
    if transpose_dW == "dW_h":
        dW_h = np.dot(da.T, cache[dW_h_state])
    if mean:
        n = dh_next.shape[0]
        dW_x, dW_h, db = dW_x / n, dW_h / n, db / n
    return dx, dh_prev, dW_x, dW_h, db


def student_backward(dh, caches, *, carry=True, upstream="every", accumulate="sum", layout="NTD",
                     dh0="after", **step_options):
    N, T, H = dh.shape
    dx_steps = [None] * T
    dW_x = dW_h = dB = 0
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        up = dh[:, t] if upstream == "every" or t == T - 1 else 0
        dh_t = up + dh_next if carry else up + 0 * dh_next
        dx_t, dh_next, dW_x_t, dW_h_t, dB_t = student_step_backward(dh_t, caches[t], **step_options)
        dx_steps[t] = dx_t
        if accumulate == "sum":
            dW_x, dW_h, dB = dW_x + dW_x_t, dW_h + dW_h_t, dB + dB_t
        elif accumulate == "overwrite" or (accumulate == "last" and t == T - 1):
            dW_x, dW_h, dB = dW_x_t, dW_h_t, dB_t
    dx = np.array(dx_steps) if layout == "TND" else np.stack(dx_steps, axis=1)
    return dx, (dh_t if dh0 == "before" else dh_next), dW_x, dW_h, dB


def named(fn, name, **options):
    def wrapper(*args):
        return fn(*args, **options)
    wrapper.__name__ = name
    return wrapper


my_rnn_step_forward = named(student_step_forward, "my_rnn_step_forward")
my_rnn_forward = named(student_forward, "my_rnn_forward")
my_rnn_step_backward = named(student_step_backward, "my_rnn_step_backward")
my_rnn_backward = named(student_backward, "my_rnn_backward")


# ------------------------------------------------------------ right answers pass
def test_student_forward_is_right_by_itself():
    """The test's own reference is right: it reproduces the seed's printed final state."""
    p = checks.seed_problem()
    h, _ = student_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])
    np.testing.assert_allclose(h[0, -1], [0.79494228, 0.81839002, 0.83939649, 0.85584174], atol=5e-9)


@pytest.mark.parametrize("run", [
    lambda: check_rnn_step_forward(my_rnn_step_forward),
    lambda: check_rnn_forward(my_rnn_forward),
    lambda: check_rnn_step_backward(my_rnn_step_backward, my_rnn_step_forward),
    lambda: check_rnn_backward(my_rnn_backward, my_rnn_forward),
], ids=["step_forward", "forward", "step_backward", "backward"])
def test_independent_correct_implementation_passes(run):
    result = run()
    assert result.passed, str(result)
    assert result.mistakes == ()
    assert "FAILED" not in str(result) and "✗" not in str(result)


@pytest.mark.parametrize("run", [
    lambda: check_rnn_step_forward(rnn_step_forward),
    lambda: check_rnn_forward(rnn_forward),
    lambda: check_rnn_step_backward(rnn_step_backward, rnn_step_forward),
    lambda: check_rnn_backward(rnn_backward, rnn_forward),
], ids=["step_forward", "forward", "step_backward", "backward"])
def test_library_functions_pass(run):
    result = run()
    assert result.passed, str(result)


def test_tuple_cache_of_any_layout_is_accepted():
    def fwd(x, h_prev, W_x, W_h, B):
        h = np.tanh(x @ W_x + h_prev @ W_h + B)
        return h, (W_h, h, x, h_prev, W_x)  # an odd order is the reader's business

    def bwd(dh_next, cache):
        W_h, h, x, h_prev, W_x = cache
        da = dh_next * (1 - h**2)
        return da @ W_x.T, da @ W_h.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)

    assert check_rnn_step_backward(bwd, fwd).passed


def test_seed_reference_values_are_the_seeds():
    """The checks compare with the library; the library must give the seed's printed values."""
    p = checks.seed_problem()
    h, _ = rnn_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])
    np.testing.assert_allclose(h[0, -1], [0.79494228, 0.81839002, 0.83939649, 0.85584174], atol=5e-9)
    assert "[0.79494228 0.81839002 0.83939649 0.85584174]" in str(check_rnn_forward(rnn_forward))


# ------------------------------------------------------------ classic mistakes fail, by name
STEP_FORWARD_BROKEN = {
    "tanh-missing": dict(act=lambda a: a),
    "bias-missing": dict(bias=False),
    "W_h-transposed": dict(W_h_T=True),
    "recurrent-term-missing": dict(recurrent=False),
}
FORWARD_BROKEN = {
    **STEP_FORWARD_BROKEN,
    "state-not-carried": dict(carry=False),
    "time-axis": dict(layout="TNH"),
    "last-state-only": dict(layout="last"),
    "states-shifted": dict(layout="shifted"),
}
STEP_BACKWARD_BROKEN = {
    "tanh-derivative-missing": dict(deriv="none"),
    "tanh-derivative-of-a": dict(deriv="1-a^2"),
    "tanh-derivative-of-h": dict(deriv="1-tanh(h)^2"),
    "sigmoid-derivative": dict(deriv="h(1-h)"),
    "W_h-not-transposed": dict(W_h_T=False),
    "dW_h-with-new-state": dict(dW_h_state="h"),
    "dW_x-transposed": dict(transpose_dW="dW_x"),
    "dW_h-transposed": dict(transpose_dW="dW_h"),
    "dB-not-summed-over-batch": dict(dB="none"),
    "dB-wrong-axis": dict(dB="sum1"),
    "batch-mean": dict(mean=True),
}
BACKWARD_BROKEN = {
    **STEP_BACKWARD_BROKEN,
    "gradient-from-next-step-not-added": dict(carry=False),
    "last-step-gradient-only": dict(upstream="last"),
    "weights-not-accumulated": dict(accumulate="overwrite"),
    "weights-not-accumulated/last": dict(accumulate="last"),
    "time-axis": dict(layout="TND"),
    "dh0-one-step-late": dict(dh0="before"),
}
TITLES = {m.key: m.title for m in fwd_mistakes.FORWARD_MISTAKES + bptt_mistakes.BACKWARD_MISTAKES}


def assert_fails_naming(result, key):
    key = key.split("/")[0]
    assert isinstance(result, CheckResult)
    assert not result.passed
    assert key in result.mistakes, str(result)
    assert f"Looks like: {TITLES[key]}" in str(result)


@pytest.mark.parametrize("key", STEP_FORWARD_BROKEN)
def test_step_forward_mistake_is_named(key):
    broken = named(student_step_forward, "my_rnn_step_forward", **STEP_FORWARD_BROKEN[key])
    assert_fails_naming(check_rnn_step_forward(broken), key)


@pytest.mark.parametrize("key", FORWARD_BROKEN)
def test_forward_mistake_is_named(key):
    broken = named(student_forward, "my_rnn_forward", **FORWARD_BROKEN[key])
    assert_fails_naming(check_rnn_forward(broken), key)


@pytest.mark.parametrize("key", STEP_BACKWARD_BROKEN)
def test_step_backward_mistake_is_named(key):
    broken = named(student_step_backward, "my_rnn_step_backward", **STEP_BACKWARD_BROKEN[key])
    assert_fails_naming(check_rnn_step_backward(broken, my_rnn_step_forward), key)


@pytest.mark.parametrize("key", BACKWARD_BROKEN)
def test_backward_mistake_is_named(key):
    broken = named(student_backward, "my_rnn_backward", **BACKWARD_BROKEN[key])
    assert_fails_naming(check_rnn_backward(broken, my_rnn_forward), key)


def test_feedback_names_the_wrong_output_and_its_error():
    broken = named(student_step_backward, "my_rnn_step_backward", W_h_T=False)
    text = str(check_rnn_step_backward(broken, my_rnn_step_forward))
    assert "dh_prev is wrong" in text
    assert re.search(r"dh_prev: shape \(2, 5\) is right, values are not \(max abs error \d\.\de[-+]\d\d\)", text)
    assert "`da @ W_h.T`" in text


def test_feedback_gives_expected_and_actual_shape():
    broken = named(student_step_backward, "my_rnn_step_backward", dB="none")
    assert "dB: expected shape (5,), got (2, 5)" in str(check_rnn_step_backward(broken, my_rnn_step_forward))


def fake(outputs, names):
    def answer(*args):
        return tuple(outputs[k] for k in names)
    return answer


def fake_cached_forward(outputs, name):
    def forward(*args):
        return outputs[name], None
    return forward


@pytest.mark.parametrize("kind", ["step_forward", "forward", "step_backward", "backward"])
def test_every_mistake_is_told_apart_from_the_others(kind):
    """Each mistake's own output, returned as an answer, is named, and alone."""
    fixed = checks.fixed_problem()
    seq = {k: fixed[k] for k in ("x", "h0", "W_x", "W_h", "B")}
    step = dict(x=fixed["x"][:, 0], h_prev=fixed["h0"], W_x=fixed["W_x"], W_h=fixed["W_h"], B=fixed["B"])
    candidates, run = {
        "step_forward": (fwd_mistakes.STEP_FORWARD_MISTAKES, lambda m: check_rnn_step_forward(
            fake_cached_forward(m.apply(**step), "h_next"))),
        "forward": (fwd_mistakes.FORWARD_MISTAKES, lambda m: check_rnn_forward(
            fake_cached_forward(m.apply(**seq), "h"))),
        "step_backward": (bptt_mistakes.STEP_BACKWARD_MISTAKES, lambda m: check_rnn_step_backward(
            fake(m.apply(**step, dh_next=fixed["dh"][:, 0]), bptt_mistakes.STEP_GRADS), my_rnn_step_forward)),
        "backward": (bptt_mistakes.BACKWARD_MISTAKES, lambda m: check_rnn_backward(
            fake(m.apply(**fixed), bptt_mistakes.SEQ_GRADS), my_rnn_forward)),
    }[kind]
    for mistake in candidates:
        result = run(mistake)
        assert result.mistakes == (mistake.key,), (mistake.key, str(result))


def test_mistake_simulators_without_mistakes_give_the_library_values():
    for p in [checks.fixed_problem(), checks.random_problem(3, 4, 2, 3, seed=0)]:
        args = [p[k] for k in ("x", "h0", "W_x", "W_h", "B")]
        h, cache = rnn_forward(*args)
        np.testing.assert_allclose(fwd_mistakes._forward_variant(*args), h, rtol=1e-12, atol=1e-14)
        grads = bptt_mistakes._grads(bptt_mistakes._bptt_variant(*args, p["dh"]))
        for name, want in zip(bptt_mistakes.SEQ_GRADS, rnn_backward(p["dh"], cache)):
            np.testing.assert_allclose(grads[name], want, rtol=1e-12, atol=1e-14)


def test_backward_check_asks_for_a_correct_forward_first():
    broken_forward = named(student_forward, "my_rnn_forward", bias=False)
    result = check_rnn_backward(my_rnn_backward, broken_forward)
    assert not result.passed
    assert "make `check_rnn_forward(my_rnn_forward)` pass first" in str(result)


def test_gradient_check_on_random_problems_catches_a_hard_coded_size():
    def backward(dh, caches):  # right for batches of up to 2 only, like the fixed examples
        dx, dh0, dW_x, dW_h, dB = student_backward(dh, caches)
        return dx, dh0, dW_x, dW_h, dB if len(dh) <= 2 else np.zeros(dh.shape[2])

    result = check_rnn_backward(backward, my_rnn_forward)
    assert not result.passed
    assert "random problem 1 (N=3, T=4, D=2, H=3): gradient check failed" in str(result)
    assert "dB: relative error 1.0e+00 against centered differences" in str(result)


def test_gradient_check_reports_relative_error():
    def backward(dh, caches):  # right except for a small slip in dW_h
        dx, dh0, dW_x, dW_h, dB = student_backward(dh, caches)
        return dx, dh0, dW_x, dW_h * (1.001 if dW_h.shape == (3, 3) else 1), dB

    text = str(check_rnn_backward(backward, my_rnn_forward))
    assert re.search(r"dW_h: relative error \d\.\de-04 against centered differences", text)


# ------------------------------------------------------------ nothing the reader does makes a check raise
def raises(*args):
    raise ValueError("operands could not be broadcast together")


def returns_none(*args):
    return None


def not_implemented(*args):
    raise NotImplementedError("Exercise: write this function")


def exits(*args):
    raise SystemExit(1)


def wrong_shapes(*args):
    return tuple(np.zeros((7, 1)) for _ in range(5))


def nan_outputs(*args):
    return tuple(np.full((2, 5), np.nan) for _ in range(5))


def too_few_outputs(*args):
    return np.zeros((2, 5)), None


def one_array(*args):
    return np.zeros((2, 5, 5))


def strings(*args):
    return "h", "cache", "c", "d", "e"


def a_dict(*args):
    return {"dL_dW_x": np.zeros((4, 5))}


BAD = [raises, returns_none, not_implemented, exits, wrong_shapes, nan_outputs, too_few_outputs,
       one_array, strings, a_dict, None, 42]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: getattr(b, "__name__", repr(b)))
@pytest.mark.parametrize("check", ["step_forward", "forward", "step_backward", "backward",
                                   "forward_of_backward"])
def test_bad_function_fails_without_raising(check, bad):
    run = {
        "step_forward": lambda: check_rnn_step_forward(bad),
        "forward": lambda: check_rnn_forward(bad),
        "step_backward": lambda: check_rnn_step_backward(bad, my_rnn_step_forward),
        "backward": lambda: check_rnn_backward(bad, my_rnn_forward),
        "forward_of_backward": lambda: check_rnn_backward(my_rnn_backward, bad),
    }[check]
    result = run()
    assert isinstance(result, CheckResult)
    assert result.passed is False
    assert not result
    assert "✗" in str(result)


def test_stub_says_not_implemented_yet():
    result = check_rnn_forward(not_implemented)
    assert result.not_implemented and not result.passed
    assert str(result).startswith("check_rnn_forward(not_implemented): not implemented yet")
    assert "`not_implemented` is not implemented yet" in str(result)


def test_error_feedback_names_the_exception_and_the_line():
    result = check_rnn_forward(raises)
    assert "`raises` raised ValueError: operands could not be broadcast together" in str(result)
    assert 'at `raise ValueError("operands could not be broadcast together")`' in str(result)


def test_missing_return_is_pointed_out():
    assert "returned None: did you forget `return h, cache`?" in str(check_rnn_forward(returns_none))


def test_wrong_number_of_outputs_is_pointed_out():
    text = str(check_rnn_step_backward(too_few_outputs, my_rnn_step_forward))
    assert "returned 2 values; it must return 5 in this order: `return dx, dh_prev, dW_x, dW_h, dB`" in text


def test_nan_is_pointed_out():
    text = str(check_rnn_step_backward(nan_outputs, my_rnn_step_forward))
    assert "dx must be finite; got 10 NaN or inf value(s)" in text


def test_changing_an_input_in_place_fails():
    def forward(x, h0, W_x, W_h, B):
        h0 *= 0.5  # corrupts the caller's array
        return student_forward(x, h0 * 2, W_x, W_h, B)

    result = check_rnn_forward(forward)
    assert not result.passed
    assert "`forward` changed its argument h0 in place" in str(result)


def test_a_check_that_breaks_itself_still_returns_a_failed_result():
    @never_raises
    def check_thing(thing):
        raise RuntimeError("bug in the check")

    result = check_thing(my_rnn_forward)
    assert not result.passed
    assert str(result) == ("check_thing(my_rnn_forward): FAILED (1 of 1 tests failed)\n"
                           "  ✗ the check itself failed: RuntimeError: bug in the check")


def test_backward_checks_include_the_seed_example_of_chapter_2():
    text = str(check_rnn_backward(my_rnn_backward, my_rnn_forward))
    assert "seed example (N=1, T=3, D=2, H=4, loss = sum of the last state): all five gradients right" in text
    text = str(check_rnn_step_backward(my_rnn_step_backward, my_rnn_step_forward))
    assert "seed example (N=1, D=2, H=4, loss = sum of the last state)" in text


# ------------------------------------------------------------ display and registry
def test_every_representation_is_stable_and_holds_no_address():
    broken = named(student_backward, "my_rnn_backward", carry=False)
    first, second = check_rnn_backward(broken, my_rnn_forward), check_rnn_backward(broken, my_rnn_forward)
    for render in (str, repr, lambda r: r._repr_html_()):
        assert render(first) == render(second)
        assert not re.search(r"0x[0-9a-f]{4,}", render(first))
    assert repr(first) == "<CheckResult check_rnn_backward(my_rnn_backward, my_rnn_forward): failed>"


def test_html_escapes_and_marks_code():
    html = check_rnn_forward(lambda *a: None)._repr_html_()
    assert "check_rnn_forward(&lt;lambda&gt;)" in html
    assert "<code>return h, cache</code>" in html


def test_exercises_registry_maps_names_to_checks_functions_and_points():
    rnn = ["rnn_step_forward", "rnn_forward", "rnn_step_backward", "rnn_backward"]
    assert list(EXERCISES)[:4] == rnn  # the training chapter's follow (tests/test_checks_training.py)
    found = {"my_rnn_step_forward": my_rnn_step_forward, "my_rnn_forward": my_rnn_forward,
             "my_rnn_step_backward": my_rnn_step_backward, "my_rnn_backward": my_rnn_backward}
    for name, (check, functions, points, _) in ((n, EXERCISES[n]) for n in rnn):
        assert all(f.startswith("my_") for f in functions)
        assert points > 0
        assert check(*(found[f] for f in functions)).passed, name
