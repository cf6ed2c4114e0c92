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
                         recurrent=True, bias_after=False):
    W = W_h.T if W_h_T else W_h
    a = np.dot(x, W_x) + B * (bias and not bias_after)
    if recurrent:
        a = a + np.dot(h_prev, W)
    h = act(a)
    if bias_after:
        h = h + B
    return h, {"x": x, "h_prev": h_prev, "a": a, "h": h, "W_x": W_x, "W_h": W_h}


def student_forward(x, h0, W_x, W_h, B, *, layout="NTH", carry=True, zeros=False, x_first=False,
                    **step_options):
    N, T, _ = x.shape
    if zeros:  # the classic "h = np.zeros((N, H))" that forgets h0
        h0 = np.zeros((N, W_h.shape[0]))
    hs, caches, h_prev = [], [], h0
    for t in range(T):
        x_t = x[:, 0, :] if x_first else x[:, t, :]
        h_t, cache = student_step_forward(x_t, h_prev if carry else h0, W_x, W_h, B,
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
    if layout == "with_h0":
        return np.stack([h0] + hs, axis=1), caches
    return np.stack(hs, axis=1), caches


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def student_step_backward(dh_next, cache, *, deriv="1-h^2", W_h_T=True, dW_h_state="h_prev",
                          dB="sum0", transpose_dW=None, mean=False):
    h, a = cache["h"], cache["a"]
    h_prev = cache["h_prev"]
    local = {"1-h^2": 1 - h * h, "none": 1.0, "1-a^2": 1 - a * a, "1-tanh(h)^2": 1 - np.tanh(h) ** 2,
             "h(1-h)": h * (1 - h), "1-h_prev^2": 1 - h_prev * h_prev}[deriv]
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
    """The test's own reference is right: it reproduces chapter 1's printed final state."""
    p = checks.worked_example()
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


def test_worked_example_reference_values_are_chapter_1s():
    """The checks compare with the library; the library must give chapter 1's printed values."""
    p = checks.worked_example()
    h, _ = rnn_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])
    np.testing.assert_allclose(h[0, -1], [0.79494228, 0.81839002, 0.83939649, 0.85584174], atol=5e-9)
    assert "[0.79494228 0.81839002 0.83939649 0.85584174]" in str(check_rnn_forward(rnn_forward))


# ------------------------------------------------------------ classic mistakes fail, by name
STEP_FORWARD_BROKEN = {
    "tanh-missing": dict(act=lambda a: a),
    "bias-missing": dict(bias=False),
    "W_h-transposed": dict(W_h_T=True),
    "recurrent-term-missing": dict(recurrent=False),
    "bias-outside-tanh": dict(bias_after=True),
    "sigmoid-not-tanh": dict(act=sigmoid),
}
FORWARD_BROKEN = {
    **STEP_FORWARD_BROKEN,
    "state-not-carried": dict(carry=False),
    "time-axis": dict(layout="TNH"),
    "last-state-only": dict(layout="last"),
    "states-shifted": dict(layout="shifted"),
    "initial-state-included": dict(layout="with_h0"),
    "h0-ignored": dict(zeros=True),
    "same-input-every-step": dict(x_first=True),
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
    "tanh-derivative-of-previous-state": dict(deriv="1-h_prev^2"),
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


def test_forward_check_reports_every_problem_passing_or_failing():
    """h0 ignored is right on the worked example (h0 = 0) and wrong on the others: all shown."""
    result = check_rnn_forward(named(student_forward, "my_rnn_forward", zeros=True))
    assert len(result.lines) == result.planned == 4
    assert [line.ok for line in result.lines] == [False, True, False, False]
    assert result.lines[1].text.startswith("worked example (N=1, T=3, D=2, H=4): h[:, -1] = ")
    assert str(result).startswith("check_rnn_forward(my_rnn_forward): FAILED (3 of 4 tests failed)\n")


def test_step_forward_check_reports_every_problem_and_counts_steps_from_1():
    result = check_rnn_step_forward(named(student_step_forward, "my_rnn_step_forward",
                                          bias=False))
    assert len(result.lines) == 4 and not any(line.ok for line in result.lines)
    text = str(result)
    assert "✗ fixed example, step 1 of 3 (N=2, D=4, H=5): h_next is wrong" in text
    assert "step 0" not in text


def test_failing_line_says_how_to_reproduce_its_input():
    result = check_rnn_forward(named(student_forward, "my_rnn_forward", carry=False))
    text = str(result)
    assert ('Reproduce: `from rnn_lib.checks import random_problem; '
            'p = random_problem(3, 4, 2, 3, seed=0)`, then '
            '`my_rnn_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])`') in text
    # the line it gives rebuilds exactly the input that failed
    exec_globals = {"my_rnn_forward": named(student_forward, "my_rnn_forward")}
    line = re.search(r"Reproduce: `(.*?)`, then `(.*?)`", text)
    exec(line.group(1), exec_globals)
    h, _ = eval(line.group(2), exec_globals)
    p = checks.fixed_problem()
    np.testing.assert_allclose(h, rnn_forward(p["x"], p["h0"], p["W_x"], p["W_h"], p["B"])[0])


def test_step_failing_line_reproduces_the_failing_step():
    def step(x, h_prev, W_x, W_h, B):  # right at step 1 only (h_prev = h0 there)
        right = np.tanh(x @ W_x + h_prev @ W_h + B)
        first = any(np.array_equal(h_prev, p["h0"]) for p in (
            checks.fixed_problem(), checks.worked_example()))
        return (right if first else right * 0.5), None

    text = str(check_rnn_step_forward(step))
    assert "fixed example, step 2 of 3 (N=2, D=4, H=5): h_next is wrong" in text
    assert "p = step_problem(fixed_problem(), t=1)`" in text
    p = checks.step_problem(checks.fixed_problem(), t=1)
    h, _ = rnn_forward(*(checks.fixed_problem()[k] for k in ("x", "h0", "W_x", "W_h", "B")))
    np.testing.assert_allclose(p["h_prev"], h[:, 0])


def test_a_repeated_error_is_said_once_and_every_problem_still_gets_a_line():
    result = check_rnn_forward(returns_none)
    assert len(result.lines) == 4
    text = str(result)
    assert text.count("did you forget `return h, cache`?") == 1
    assert text.count("the same error as above") == 3


def test_stub_gets_one_line_only():
    result = check_rnn_step_forward(not_implemented)
    assert result.not_implemented and len(result.lines) == 1


def test_every_reminder_names_its_output():
    result = check_rnn_forward(lambda x, h0, W_x, W_h, B: (np.zeros((len(x), x.shape[1], len(B))),
                                                           None))
    assert "Reminder for h: start with `h_prev = h0`" in str(result)
    result = check_rnn_step_forward(lambda x, h_prev, W_x, W_h, B: (np.zeros_like(h_prev), None))
    assert "Reminder: `h_next = np.tanh(" in str(result)


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


@pytest.mark.parametrize("kind", ["step_forward", "forward"])
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


def test_backward_checks_include_the_worked_example_of_chapter_2():
    text = str(check_rnn_backward(my_rnn_backward, my_rnn_forward))
    assert "worked example (N=1, T=3, D=2, H=4, loss = sum of the last state): all five gradients right" in text
    text = str(check_rnn_step_backward(my_rnn_step_backward, my_rnn_step_forward))
    assert "worked example (N=1, D=2, H=4, loss = sum of the last state)" in text


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


def test_values_returned_in_the_wrong_order_are_pointed_out():
    def swapped(x, h_prev, W_x, W_h, B):
        h_next = np.tanh(x @ W_x + h_prev @ W_h + B)
        return (x, h_prev, h_next), h_next

    text = str(check_rnn_step_forward(swapped))
    assert "are the values in this order: `return h_next, cache`?" in text


def test_failing_worked_example_line_does_not_quote_the_right_answer_as_its_own():
    result = check_rnn_forward(named(student_forward, "my_rnn_forward", layout="TNH"))
    worked = [line for line in result.lines if line.text.startswith("worked example")][0]
    assert worked.text == "worked example (N=1, T=3, D=2, H=4): h is wrong"


# ------------------------------------------------------------ backward checks: every problem, stale caches, clipping
def student_backward_from_states(dh, caches, *, wrap_prev=False, wrap_dh0=False, skip_first=False):
    """BPTT that rebuilds each step from the stacked states, as many readers write it."""
    x = np.stack([c["x"] for c in caches], axis=1)
    h = np.stack([c["h"] for c in caches], axis=1)
    h0, W_x, W_h = caches[0]["h_prev"], caches[0]["W_x"], caches[0]["W_h"]
    N, T, H = h.shape
    dx, dW_x, dW_h, dB = np.zeros_like(x), np.zeros_like(W_x), np.zeros_like(W_h), np.zeros(H)
    from_next = np.zeros((N, H))
    for t in range(T, 1 if skip_first else 0, -1):
        h_before = h[:, t - 2] if t > 1 or wrap_prev else h0  # t = 1 with wrap_prev: h[:, -1]
        da = (dh[:, t - 1] + from_next) * (1 - h[:, t - 1] ** 2)
        dx[:, t - 1] = da @ W_x.T
        dW_x, dW_h, dB = dW_x + x[:, t - 1].T @ da, dW_h + h_before.T @ da, dB + da.sum(axis=0)
        from_next = da @ W_h.T
    dh0 = from_next + dh[:, -1] if wrap_dh0 else from_next  # dh[:, t-2] at t = 1 wraps around
    return dx, dh0, dW_x, dW_h, dB


INDEX_BROKEN = {
    "h-prev-wraps-around": dict(wrap_prev=True),
    "dh0-with-wrapped-upstream": dict(wrap_dh0=True),
    "loop-skips-first-step": dict(skip_first=True),
}
BACKWARD_TITLES = {m.key: m.title for m in bptt_mistakes.BACKWARD_MISTAKES}


def test_backward_from_states_without_mistakes_passes():
    backward = named(student_backward_from_states, "my_rnn_backward")
    assert check_rnn_backward(backward, my_rnn_forward).passed


@pytest.mark.parametrize("key", INDEX_BROKEN)
def test_index_mistake_is_named(key):
    broken = named(student_backward_from_states, "my_rnn_backward", **INDEX_BROKEN[key])
    result = check_rnn_backward(broken, my_rnn_forward)
    assert not result.passed
    assert result.mistakes[0] == key, str(result)
    assert f"Looks like: {BACKWARD_TITLES[key]}" in str(result)


@pytest.mark.parametrize("kind", ["step_backward", "backward"])
def test_every_backward_mistake_is_told_apart_from_the_others(kind):
    """Each mistake's own output on the first problem, returned as an answer there, is named alone."""
    fixed = checks.fixed_problem()
    step = dict(x=fixed["x"][:, 0], h_prev=fixed["h0"], W_x=fixed["W_x"], W_h=fixed["W_h"],
                B=fixed["B"], dh_next=fixed["dh"][:, 0])
    mistakes, inputs, names, check, forward = {
        "step_backward": (bptt_mistakes.STEP_BACKWARD_MISTAKES, step, bptt_mistakes.STEP_GRADS,
                          check_rnn_step_backward, my_rnn_step_forward),
        "backward": (bptt_mistakes.BACKWARD_MISTAKES, fixed, bptt_mistakes.SEQ_GRADS,
                     check_rnn_backward, my_rnn_forward),
    }[kind]
    for mistake in mistakes:
        out = mistake.apply(**inputs)

        def answer(upstream, cache, out=out):
            if np.array_equal(upstream, inputs["dh_next" if kind == "step_backward" else "dh"]):
                return tuple(out[k] for k in names)
            return tuple(np.zeros_like(out[k]) for k in names)  # other problems: no match

        result = check(answer, forward)
        assert result.mistakes[:1] == (mistake.key,), (mistake.key, str(result))
        assert mistake.key not in result.mistakes[1:], (mistake.key, str(result))


def test_backward_check_reports_every_problem_it_tries():
    broken = named(student_backward, "my_rnn_backward", carry=False)
    result = check_rnn_backward(broken, my_rnn_forward)
    text = str(result)
    assert len(result.lines) == result.planned == 5
    for label in ("fixed example (", "fixed example with a large upstream gradient (",
                  "random problem 1 (", "random problem 2 ("):
        assert label in text
    assert "FAILED (4 of 5 tests failed)" in text  # T = 1: nothing to carry, so the last passes
    assert "Looks like: the gradient from step t+1 not added (see above)." in text


def test_failing_problem_says_how_to_rebuild_its_inputs():
    broken = named(student_step_backward, "my_rnn_step_backward", W_h_T=False)
    text = str(check_rnn_step_backward(broken, my_rnn_step_forward))
    assert ("Reproduce: `from rnn_lib.checks.problems import fixed_problem, step_problem; "
            "p = step_problem(fixed_problem(), t=0)`, then `h_next, cache = my_rnn_step_forward("
            'p["x"], p["h_prev"], p["W_x"], p["W_h"], p["B"])` and '
            '`my_rnn_step_backward(p["dh_next"], cache)`') in text
    text = str(check_rnn_backward(named(student_backward, "my_rnn_backward", carry=False),
                                  my_rnn_forward))
    assert "p = random_problem(3, 4, 2, 3, seed=20)`" in text
    assert 'p = fixed_problem(); p["dh"] = 100 * p["dh"]`' in text


def test_reproduce_lines_rebuild_the_inputs_the_check_used():
    from rnn_lib.checks import bptt
    from rnn_lib.checks.problems import fixed_problem, random_problem, step_problem  # noqa: F401

    broken = named(student_backward, "my_rnn_backward", carry=False)
    lines = [d for line in check_rnn_backward(broken, my_rnn_forward).lines for d in line.details
             if d.startswith("Reproduce:")]
    assert len(lines) == 4
    for line, (_, _, want, _) in zip(lines, bptt._backward_problems(20)):
        build = line.split("`")[1].split("; ", 1)[1]  # "p = ...", possibly "; p[...] = ..."
        scope = dict(fixed_problem=fixed_problem, random_problem=random_problem,
                     seed_problem=getattr(checks, "seed_problem", None),
                     worked_example=getattr(checks, "worked_example", None))
        exec(build, scope)
        for k in ("x", "h0", "W_x", "W_h", "B", "dh"):
            np.testing.assert_array_equal(scope["p"][k], want[k])


def forward_writing_into_its_cache(x, h0, W_x, W_h, B):
    """Right states, stale cache: every step's cache holds the one array h_t written in place."""
    N, T, _ = x.shape
    h, caches, h_t = np.zeros((N, T, W_h.shape[0])), [], h0.copy()
    for t in range(T):
        a = x[:, t] @ W_x + h_t @ W_h + B
        cache = {"x": x[:, t], "h_prev": h_t, "a": a, "W_x": W_x, "W_h": W_h}
        h_t[:] = np.tanh(a)  # also changes the h_prev just cached
        cache["h"] = h_t
        caches.append(cache)
        h[:, t] = h_t
    return h, caches


_BUFFER = {}


def forward_keeping_a_buffer(x, h_prev, W_x, W_h, B):
    """A step forward that returns a view of a buffer it reuses on the next call."""
    buf = _BUFFER.setdefault(x.shape + W_x.shape, np.empty((x.shape[0], W_x.shape[1])))
    a = x @ W_x + h_prev @ W_h + B
    np.tanh(a, out=buf)
    return buf.copy(), {"x": x, "h_prev": h_prev, "h": buf, "a": a, "W_x": W_x, "W_h": W_h}


def test_forward_that_overwrites_its_cache_is_blamed_not_the_backward():
    forward = named(forward_writing_into_its_cache, "my_rnn_forward")
    assert check_rnn_forward(forward).passed  # its states are right
    result = check_rnn_backward(my_rnn_backward, forward)  # a right backward pass
    assert not result.passed
    assert result.mistakes == ("forward-overwrites-cache",), str(result)
    assert "changes what it cached for the earlier steps" in str(result)
    assert "Your backward pass may well be right" in str(result)


def test_forward_that_reuses_a_buffer_across_calls_is_blamed_not_the_backward():
    forward = named(forward_keeping_a_buffer, "my_rnn_step_forward")
    assert check_rnn_step_forward(forward).passed
    result = check_rnn_step_backward(my_rnn_step_backward, forward)
    assert not result.passed
    assert result.mistakes == ("forward-overwrites-cache",), str(result)
    assert "reuses arrays from one call to the next" in str(result)


def clip_by_norm(dh, caches, threshold=5.0):
    dx, dh0, dW_x, dW_h, dB = student_backward(dh, caches)
    norm = np.sqrt(sum(np.sum(g * g) for g in (dW_x, dW_h, dB)))
    scale = min(1.0, threshold / norm)
    return dx, dh0, dW_x * scale, dW_h * scale, dB * scale


def clip_entries(dh, caches):
    return tuple(np.clip(g, -5, 5) for g in student_backward(dh, caches))


@pytest.mark.parametrize("backward", [clip_by_norm, clip_entries])
def test_clipping_inside_the_backward_pass_is_named(backward):
    result = check_rnn_backward(named(backward, "my_rnn_backward"), my_rnn_forward)
    assert not result.passed
    assert "gradient-clipped-in-backward" in result.mistakes, str(result)
    assert "fixed example with a large upstream gradient" in str(result)
    assert "Clipping is a step of training" in str(result)


@pytest.mark.parametrize("check", [
    lambda: check_rnn_step_backward(not_implemented, my_rnn_step_forward),
    lambda: check_rnn_backward(not_implemented, my_rnn_forward),
    lambda: check_rnn_backward(my_rnn_backward, not_implemented),
], ids=["step_backward", "backward", "forward_of_backward"])
def test_backward_check_of_a_stub_says_so_once(check):
    result = check()
    assert result.not_implemented and not result.passed
    assert len(result.lines) == 1, str(result)
