"""The graded checks of the training chapter: right answers pass, mistakes fail by name, nothing raises.

The "student" implementations here are written independently of rnn_lib and
of the mistake simulators: a one-hot matrix from `np.eye`, a state dict with
keys of their own, the way a reader would write the exercises.
"""
import re

import numpy as np
import pytest

from rnn_lib import Adam, softmax_cross_entropy
from rnn_lib.checks import _training_mistakes as mistakes
from rnn_lib import checks
from rnn_lib.checks import EXERCISES, CheckResult, check_adam_step, check_softmax_cross_entropy


# ------------------------------------------------------------ a student's code
def student_cross_entropy(logits, y, *, shift=True, lse_shift=True, log_of_p=False, axis=1,
                          reduce="mean", minus=True, divide=True, flip=False, onehot=True,
                          swap=False):
    N, C = logits.shape
    Y = np.eye(C)[y] if onehot else 0.0  # (N, C)
    z = logits - np.max(logits, axis=axis, keepdims=True) if shift else logits
    probs = np.exp(z) / np.sum(np.exp(z), axis=axis, keepdims=True)
    if not shift or log_of_p:
        log_probs = np.log(probs)
    elif not lse_shift:
        log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    else:
        log_probs = z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    per_example = -np.sum(np.eye(C)[y] * log_probs, axis=1)
    loss = {"mean": np.mean(per_example), "sum": np.sum(per_example), "none": per_example,
            "all": -np.mean(np.eye(C)[y] * log_probs)}[reduce]
    loss = loss if minus else -loss
    grad = (probs - Y) / (N if divide else 1)
    grad = -grad if flip else grad
    return (grad, loss) if swap else (loss, grad)


def student_adam_step(w, g, state, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8, *,
                      correct=True, first_step=1, eps_inside=False, root=True, swap=False, up=False,
                      square=True, keep=True, lr=None, betas=None, fixed_eps=None):
    learning_rate = lr if lr is not None else learning_rate
    beta1, beta2 = betas if betas is not None else (beta1, beta2)
    eps = fixed_eps if fixed_eps is not None else eps
    if swap:
        beta1, beta2 = beta2, beta1
    step = state.get("step", first_step - 1) + 1
    mean = beta1 * state.get("mean", 0.0) + (1 - beta1) * g
    sq = beta2 * state.get("sq", 0.0) + (1 - beta2) * (g**2 if square else g)
    if keep:
        state.update(step=step, mean=mean, sq=sq)
    mean_hat = mean / (1 - beta1**step) if correct else mean
    sq_hat = sq / (1 - beta2**step) if correct else sq
    denominator = np.sqrt(sq_hat + eps) if eps_inside else (np.sqrt(sq_hat) if root else sq_hat) + eps
    update = learning_rate * mean_hat / denominator
    return w + update if up else w - update


def named(fn, name, **options):
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs, **options)
    wrapper.__name__ = name
    return wrapper


my_softmax_cross_entropy = named(student_cross_entropy, "my_softmax_cross_entropy")
my_adam_step = named(student_adam_step, "my_adam_step")


# ------------------------------------------------------------ right answers pass
def test_student_cross_entropy_is_right_by_itself():
    """The test's own reference gives the chapter's value by hand, log(1 + e^-1 + e^-2)."""
    loss, dlogits = student_cross_entropy(np.array([[1.0, 2.0, 3.0]]), np.array([2]))
    assert abs(loss - np.log(1 + np.exp(-1) + np.exp(-2))) < 1e-12
    np.testing.assert_allclose(dlogits.sum(axis=1), 0, atol=1e-15)


def test_student_adam_is_right_by_itself():
    """Three steps of the chapter by hand: w = 0.9 after the first (m_hat = g, v_hat = g**2)."""
    state, w = {}, np.array([1.0])
    w = student_adam_step(w, np.array([0.5]), state, learning_rate=0.1)
    np.testing.assert_allclose(w, [1 - 0.1 * 0.5 / (0.5 + 1e-8)], rtol=1e-14)
    assert state["step"] == 1


@pytest.mark.parametrize("run", [
    lambda: check_softmax_cross_entropy(my_softmax_cross_entropy),
    lambda: check_adam_step(my_adam_step),
], ids=["cross_entropy", "adam"])
def test_independent_correct_implementation_passes(run):
    result = run()
    assert result.passed, str(result)
    assert result.mistakes == ()
    assert "FAILED" not in str(result) and "✗" not in str(result)


def library_adam_step(w, g, state, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """rnn_lib.optim.Adam, wrapped into the exercise's signature."""
    adam = state.setdefault("adam", Adam(lr=learning_rate, beta1=beta1, beta2=beta2, eps=eps))
    params = {"w": np.array(w, dtype=np.float64)}
    adam.step(params, {"w": g})
    return params["w"]


@pytest.mark.parametrize("run", [
    lambda: check_softmax_cross_entropy(softmax_cross_entropy),
    lambda: check_adam_step(library_adam_step),
], ids=["cross_entropy", "adam"])
def test_library_functions_pass(run):
    result = run()
    assert result.passed, str(result)


def test_cross_entropy_check_shows_the_chapters_value():
    text = str(check_softmax_cross_entropy(my_softmax_cross_entropy))
    assert "the chapter's example (N=1, C=3): loss = 0.407606, dlogits right" in text
    assert "logits of 1000 and more (N=3, C=4): finite, and right" in text
    assert "random problem 1 (N=5, C=4): loss right, dlogits matches centered differences" in text


def test_adam_check_shows_the_chapters_three_steps():
    text = str(check_adam_step(my_adam_step))
    assert "w = 0.900000, 0.936610, 0.894645" in text  # the chapter's table, computed with Adam
    assert "other settings (w of shape (3, 2), learning_rate=0.05, beta1=0.8, beta2=0.99, eps=0.001)" in text


def test_adam_step_may_update_w_in_place():
    def in_place(w, g, state, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        new = student_adam_step(w, g, state, learning_rate, beta1, beta2, eps)
        w[...] = new  # as rnn_lib.optim does
        return w

    assert check_adam_step(in_place).passed


def test_cross_entropy_loss_of_shape_1_is_accepted():
    def shaped(logits, y):
        loss, dlogits = student_cross_entropy(logits, y)
        return np.array([loss]), dlogits

    assert check_softmax_cross_entropy(shaped).passed


# ------------------------------------------------------------ classic mistakes fail, by name
CE_BROKEN = {
    "no-max-shift": dict(shift=False),
    "log-sum-exp-without-shift": dict(lse_shift=False),
    "log-of-softmax": dict(log_of_p=True),
    "loss-summed": dict(reduce="sum"),
    "loss-averaged-over-classes-too": dict(reduce="all"),
    "loss-not-reduced": dict(reduce="none"),
    "loss-sign": dict(minus=False),
    "gradient-not-divided-by-N": dict(divide=False),
    "gradient-sign": dict(flip=True),
    "one-hot-not-subtracted": dict(onehot=False),
    "softmax-wrong-axis": dict(axis=0),
    "outputs-swapped": dict(swap=True),
}
ADAM_BROKEN = {
    "no-bias-correction": dict(correct=False),
    "step-count-from-0": dict(first_step=0),
    "step-count-one-ahead": dict(first_step=2),
    "eps-inside-sqrt": dict(eps_inside=True),
    "sqrt-missing": dict(root=False),
    "betas-swapped": dict(swap=True),
    "update-sign": dict(up=True),
    "v-uses-g": dict(square=False),
    "state-not-kept": dict(keep=False),
    "learning-rate-ignored": dict(lr=0.001),
    "betas-ignored": dict(betas=(0.9, 0.999)),
    "eps-ignored": dict(fixed_eps=1e-8),
}
ALL_CE = mistakes.CE_OVERFLOW_MISTAKES + mistakes.CE_UNDERFLOW_MISTAKES
TITLES = {m.key: m.title for m in ALL_CE + mistakes.ADAM_MISTAKES}


def test_every_mistake_has_a_broken_student():
    assert set(CE_BROKEN) == {m.key for m in ALL_CE}
    assert set(ADAM_BROKEN) == {m.key for m in mistakes.ADAM_MISTAKES}


def assert_fails_naming(result, key):
    assert isinstance(result, CheckResult)
    assert not result.passed
    assert result.mistakes == (key,), str(result)
    assert f"Looks like: {TITLES[key]}" in str(result)


@pytest.mark.parametrize("key", CE_BROKEN)
def test_cross_entropy_mistake_is_named(key):
    broken = named(student_cross_entropy, "my_softmax_cross_entropy", **CE_BROKEN[key])
    assert_fails_naming(check_softmax_cross_entropy(broken), key)


@pytest.mark.parametrize("key", ADAM_BROKEN)
def test_adam_mistake_is_named(key):
    broken = named(student_adam_step, "my_adam_step", **ADAM_BROKEN[key])
    assert_fails_naming(check_adam_step(broken), key)


def test_overflow_is_reported_as_nan_or_inf():
    text = str(check_softmax_cross_entropy(named(student_cross_entropy, "naive", shift=False)))
    assert "logits of 1000 and more (N=3, C=4): loss, dlogits are wrong" in text
    assert "dlogits: shape (3, 4) is right, but 12 of its 12 values are NaN or inf" in text
    assert "loss: expected 1.015585, got nan" in text


def test_naive_code_written_another_way_is_named_too():
    """Overflow gives inf here and NaN in the simulator: both count as not finite."""
    def naive(logits, y):
        N = len(y)
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        loss = np.mean(np.log(np.exp(logits).sum(axis=1)) - logits[np.arange(N), y])  # inf
        return loss, (p - np.eye(logits.shape[1])[y]) / N

    result = check_softmax_cross_entropy(naive)
    assert result.mistakes == ("no-max-shift",), str(result)  # it explains the loss too


def test_summed_loss_with_its_own_gradient_names_both_mistakes():
    both = named(student_cross_entropy, "my_softmax_cross_entropy", reduce="sum", divide=False)
    result = check_softmax_cross_entropy(both)
    assert set(result.mistakes) == {"loss-summed", "gradient-not-divided-by-N"}, str(result)


def test_adam_feedback_says_which_step_is_wrong():
    text = str(check_adam_step(named(student_adam_step, "my_adam_step", keep=False)))
    assert "fixed example (w of shape (2, 3), learning_rate=0.1), step 2: w is wrong" in text


def problem_inputs():
    """Every (problem label, inputs, mistakes) the checks compare on, the Adam ones per step."""
    for label, logits, y, candidates in checks.cross_entropy_problems():
        yield f"ce {label}", dict(logits=logits, y=y), candidates
    for label, w0, grads, settings in checks.adam_problems():
        reference = checks.training._adam_reference(w0, grads, settings)
        for step in range(len(grads)):
            w = w0 if step == 0 else reference[step - 1]
            yield (f"adam {label} {step}", dict(w=w, grads=grads, step=step,
                                                **dict(mistakes.ADAM_DEFAULTS, **settings)),
                   mistakes.ADAM_MISTAKES)


def differs(a, b):
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=1e-7, equal_nan=True)


def test_every_mistake_shows_and_is_told_apart_from_the_others():
    """Where a mistake first changes an output, no other mistake gives the same outputs."""
    first_seen = {}
    for label, inputs, candidates in problem_inputs():
        variants = {m.key: m.apply(**inputs) for m in candidates}
        for m in candidates:
            if m.key in first_seen:
                continue
            wrong = [n for n, v in variants[m.key].items()
                     if differs(v, truth(label, inputs)[n])]
            if not wrong:
                continue
            first_seen[m.key] = label
            twins = [k for k, v in variants.items() if k != m.key
                     and not any(differs(v[n], variants[m.key][n]) for n in variants[m.key])]
            assert not twins, (m.key, label, twins)
    assert set(first_seen) == set(CE_BROKEN) | set(ADAM_BROKEN)


def truth(label, inputs):
    if label.startswith("ce"):
        loss, dlogits = softmax_cross_entropy(inputs["logits"], inputs["y"])
        return {"loss": np.asarray(loss), "dlogits": dlogits}
    adam = Adam(lr=inputs["learning_rate"], beta1=inputs["beta1"], beta2=inputs["beta2"],
                eps=inputs["eps"])
    params = {"w": np.zeros_like(inputs["grads"][0])}
    for g in inputs["grads"][:inputs["step"] + 1]:
        before = params["w"].copy()
        adam.step(params, {"w": g})
    return {"w": inputs["w"] + (params["w"] - before)}


def test_simulators_without_mistakes_give_the_library_values():
    for _, logits, y, _ in checks.cross_entropy_problems():
        loss, dlogits = softmax_cross_entropy(logits, y)
        got = mistakes._cross_entropy_variant(logits, y)
        np.testing.assert_allclose(got["loss"], loss, rtol=1e-13)
        np.testing.assert_allclose(got["dlogits"], dlogits, rtol=1e-13, atol=1e-16)
    for _, w0, grads, settings in checks.adam_problems():
        reference = checks.training._adam_reference(w0, grads, settings)
        changes = mistakes._adam_variant(grads, **dict(mistakes.ADAM_DEFAULTS, **settings))
        np.testing.assert_allclose(w0 + np.cumsum(changes, axis=0), reference, rtol=1e-13)


def test_fixed_examples_make_eps_matter():
    """A tiny gradient entry makes eps inside the root show on the fixed example already."""
    result = check_adam_step(named(student_adam_step, "my_adam_step", eps_inside=True))
    assert "fixed example" in str(result).split("✗")[1].split("\n")[0]


# ------------------------------------------------------------ nothing the reader does makes a check raise
def raises(*args, **kwargs):
    raise ValueError("operands could not be broadcast together")


def returns_none(*args, **kwargs):
    return None


def not_implemented(*args, **kwargs):
    raise NotImplementedError("Exercise: write this function")


def exits(*args, **kwargs):
    raise SystemExit(1)


def wrong_shapes(*args, **kwargs):
    return np.zeros((7, 1)), np.zeros((7, 1))


def nan_outputs(*args, **kwargs):
    return np.float64("nan"), np.full_like(args[0], np.nan)


def too_many_outputs(*args, **kwargs):
    return np.zeros(2), np.zeros(2), np.zeros(2)


def one_array(*args, **kwargs):
    return np.zeros((2, 5, 5))


def strings(*args, **kwargs):
    return "loss", "dlogits"


def a_dict(*args, **kwargs):
    return {"w": np.zeros(3)}


def no_keywords(w, g, state):
    return w - 0.001 * np.sign(g)


def changes_g(w, g, state, **kwargs):
    g *= 2
    return w


BAD = [raises, returns_none, not_implemented, exits, wrong_shapes, nan_outputs, too_many_outputs,
       one_array, strings, a_dict, no_keywords, changes_g, None, 42]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: getattr(b, "__name__", repr(b)))
@pytest.mark.parametrize("check", [check_softmax_cross_entropy, check_adam_step],
                         ids=["cross_entropy", "adam"])
def test_bad_function_fails_without_raising(check, bad):
    result = check(bad)
    assert isinstance(result, CheckResult)
    assert result.passed is False
    assert "✗" in str(result)


@pytest.mark.parametrize("check", [check_softmax_cross_entropy, check_adam_step],
                         ids=["cross_entropy", "adam"])
def test_stub_says_not_implemented_yet(check):
    result = check(not_implemented)
    assert result.not_implemented and not result.passed
    assert str(result).startswith(f"{check.__name__}(not_implemented): not implemented yet")


def test_missing_return_is_pointed_out():
    assert "did you forget `return loss, dlogits`?" in str(check_softmax_cross_entropy(returns_none))
    assert "did you forget `return w`?" in str(check_adam_step(returns_none))


def test_wrong_number_of_outputs_is_pointed_out():
    text = str(check_softmax_cross_entropy(too_many_outputs))
    assert "returned 3 values; it must return 2 in this order: `return loss, dlogits`" in text


def test_returning_the_state_too_is_pointed_out():
    def with_state(w, g, state, **settings):
        return student_adam_step(w, g, state, **settings), state

    text = str(check_adam_step(with_state))
    assert "`with_state` returned 2 values; it must return one: `return w`" in text


def test_nan_without_a_known_cause_gets_a_reminder():
    text = str(check_softmax_cross_entropy(nan_outputs))
    assert "loss: expected 2.550834, got nan" in text
    assert "Reminder: `loss = -log_p[np.arange(N), y].mean()`" in text


def test_changing_logits_in_place_fails():
    def shifts_in_place(logits, y):
        logits -= logits.max(axis=1, keepdims=True)
        return student_cross_entropy(logits, y)

    text = str(check_softmax_cross_entropy(shifts_in_place))
    assert "`shifts_in_place` changed its argument logits in place" in text


def test_changing_the_gradient_in_place_fails():
    assert "`changes_g` changed its argument g in place" in str(check_adam_step(changes_g))


def test_missing_keyword_argument_is_reported():
    text = str(check_adam_step(no_keywords))
    assert "`no_keywords` raised TypeError" in text and "learning_rate" in text


def test_feedback_is_the_same_every_time_and_holds_no_address():
    broken = named(student_adam_step, "my_adam_step", correct=False)
    first, second = check_adam_step(broken), check_adam_step(broken)
    for render in (str, repr, lambda r: r._repr_html_()):
        assert render(first) == render(second)
        assert not re.search(r"0x[0-9a-f]{4,}", render(first))


# ------------------------------------------------------------ registry
def test_training_exercises_are_registered_after_the_rnn_ones():
    assert list(EXERCISES)[-2:] == ["softmax_cross_entropy", "adam_step"]
    assert EXERCISES["softmax_cross_entropy"].functions == ("my_softmax_cross_entropy",)
    assert EXERCISES["adam_step"].functions == ("my_adam_step",)
    assert EXERCISES["softmax_cross_entropy"].check(my_softmax_cross_entropy).passed
    assert EXERCISES["adam_step"].check(my_adam_step).passed


def test_new_checks_are_public():
    assert {"check_softmax_cross_entropy", "check_adam_step"} <= set(checks.__all__)
