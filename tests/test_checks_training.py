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
                          swap=False, global_shift=False, log_eps=0.0):
    N, C = logits.shape
    Y = np.eye(C)[y] if onehot else 0.0  # (N, C)
    z = logits - np.max(logits, axis=axis, keepdims=True) if shift else logits
    if global_shift:
        z = logits - np.max(logits)
    probs = np.exp(z) / np.sum(np.exp(z), axis=axis, keepdims=True)
    if not shift or log_of_p:
        log_probs = np.log(probs + log_eps)
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
                      square=True, keep=True, lr=None, betas=None, fixed_eps=None,
                      store_hat=False, keep_step=True, counter=None):
    learning_rate = lr if lr is not None else learning_rate
    beta1, beta2 = betas if betas is not None else (beta1, beta2)
    eps = fixed_eps if fixed_eps is not None else eps
    if swap:
        beta1, beta2 = beta2, beta1
    step = state.get("step", first_step - 1) + 1
    if counter is not None:  # a step count outside the state, e.g. a global
        counter[0] += 1
        step = counter[0]
    mean = beta1 * state.get("mean", 0.0) + (1 - beta1) * g
    sq = beta2 * state.get("sq", 0.0) + (1 - beta2) * (g**2 if square else g)
    if keep:
        state.update(step=step if keep_step else first_step - 1, mean=mean, sq=sq)
    mean_hat = mean / (1 - beta1**step) if correct else mean
    sq_hat = sq / (1 - beta2**step) if correct else sq
    if store_hat and keep:
        state.update(mean=mean_hat, sq=sq_hat)
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
    "log-of-softmax-plus-eps": dict(log_of_p=True, log_eps=1e-12),
    "global-max-shift": dict(global_shift=True),
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
    "bias-corrected-moments-stored": dict(store_hat=True),
    "step-count-not-kept": dict(keep_step=False),
}
ALL_CE = (mistakes.CE_GLOBAL_SHIFT_MISTAKES + mistakes.CE_OVERFLOW_MISTAKES
          + mistakes.CE_UNDERFLOW_MISTAKES)
TITLES = {m.key: m.title for m in ALL_CE + mistakes.ADAM_MISTAKES}


def test_every_mistake_has_a_broken_student():
    assert set(CE_BROKEN) == {m.key for m in ALL_CE}
    assert set(ADAM_BROKEN) | {"step-count-outside-state"} == {
        m.key for m in mistakes.ADAM_MISTAKES}


def assert_fails_naming(result, key):
    assert isinstance(result, CheckResult)
    assert not result.passed
    # the first mistake named is this one; a later problem may name a consequence of it
    # (code without the max-shift also takes the log of a probability that underflows)
    assert result.mistakes[:1] == (key,), str(result)
    assert set(result.mistakes) <= {key, "log-of-softmax"}, str(result)
    assert f"Looks like: {TITLES[key]}" in str(result)


@pytest.mark.parametrize("key", CE_BROKEN)
def test_cross_entropy_mistake_is_named(key):
    broken = named(student_cross_entropy, "my_softmax_cross_entropy", **CE_BROKEN[key])
    assert_fails_naming(check_softmax_cross_entropy(broken), key)


@pytest.mark.parametrize("key", ADAM_BROKEN)
def test_adam_mistake_is_named(key):
    broken = named(student_adam_step, "my_adam_step", **ADAM_BROKEN[key])
    assert_fails_naming(check_adam_step(broken), key)


def test_step_count_kept_outside_the_state_is_named():
    """A global counter goes on from the first problem's three steps into the next one."""
    broken = named(student_adam_step, "my_adam_step", counter=[0])
    assert_fails_naming(check_adam_step(broken), "step-count-outside-state")


def test_global_max_shift_gives_inf_on_rows_far_apart_and_fails():
    result = check_softmax_cross_entropy(
        named(student_cross_entropy, "my_softmax_cross_entropy", global_shift=True))
    text = str(result)
    assert "✗ rows whose maxima are far apart (N=2, C=3)" in text
    assert "NaN or inf" in text


def test_every_problem_gets_its_own_line_also_after_a_failure():
    result = check_softmax_cross_entropy(
        named(student_cross_entropy, "my_softmax_cross_entropy", global_shift=True))
    assert len(result.lines) == len(checks.cross_entropy_problems())
    assert sum(line.ok for line in result.lines) == len(result.lines) - 1


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
            yield (f"adam {label} {step}", dict(w=w, grads=grads, step=step, steps_before=3,
                                                **dict(mistakes.ADAM_DEFAULTS, **settings)),
                   mistakes.ADAM_MISTAKES)


def differs(a, b):
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=1e-7, equal_nan=True)


def test_every_mistake_shows_and_is_told_apart_from_the_others():
    """Where a mistake first changes an output, no other mistake gives the same outputs."""
    first_seen = {}
    for label, inputs, candidates in problem_inputs():
        variants = {m.key: m.apply(**inputs) for m in candidates}
        variants = {k: v for k, v in variants.items() if v}  # {}: not possible at this step
        for m in candidates:
            if m.key in first_seen or m.key not in variants:
                continue
            wrong = [n for n, v in variants[m.key].items()
                     if differs(v, truth(label, inputs)[n])]
            if not wrong:
                continue
            first_seen[m.key] = label
            twins = [k for k, v in variants.items() if k != m.key
                     and not any(differs(v[n], variants[m.key][n]) for n in variants[m.key])]
            assert not twins, (m.key, label, twins)
    assert set(first_seen) == set(CE_BROKEN) | set(ADAM_BROKEN) | {"step-count-outside-state"}


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
    assert list(EXERCISES)[4:8] == ["softmax_cross_entropy", "adam_step", "loss_and_grads",
                                    "train_epoch"]
    assert EXERCISES["softmax_cross_entropy"].functions == ("my_softmax_cross_entropy",)
    assert EXERCISES["adam_step"].functions == ("my_adam_step",)
    assert EXERCISES["softmax_cross_entropy"].check(my_softmax_cross_entropy).passed
    assert EXERCISES["adam_step"].check(my_adam_step).passed


def test_new_checks_are_public():
    assert {"check_softmax_cross_entropy", "check_adam_step"} <= set(checks.__all__)


# ------------------------------------------------------------ the many-to-one model and one epoch
from rnn_lib import ScratchSimpleRNNClassifier, rnn_backward, rnn_forward  # noqa: E402
from rnn_lib.checks import check_loss_and_grads, check_train_epoch, model_problems  # noqa: E402
from rnn_lib.checks import _model_mistakes as model_mistakes  # noqa: E402


def student_loss_and_grads(params, X, y, lengths, *, read="valid", write="valid", out_grads=True,
                           twice=False, dB_y_mean=False, summed=False):
    """A reader's many-to-one model, one-hot from np.eye, softmax by hand."""
    N, T, _ = X.shape
    rows = np.arange(N)
    steps = {"valid": lengths - 1, "end": np.full(N, T - 1)}
    h, cache = rnn_forward(X, np.zeros((N, params["W_h"].shape[0])), params["W_x"],
                           params["W_h"], params["B"])
    h_last = h[rows, steps[read]]
    scores = h_last @ params["W_y"] + params["B_y"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    onehot = np.eye(scores.shape[1])[y]
    per_example = -np.log(probs[rows, y])
    loss = per_example.sum() if summed else per_example.mean()
    dscores = (probs - onehot) / (1 if summed else N)
    if twice:
        dscores = dscores / N
    dh = np.zeros_like(h)
    if write == "every":
        dh += (dscores @ params["W_y"].T)[:, None, :]
    else:
        dh[rows, steps[write]] = dscores @ params["W_y"].T
    _, _, dW_x, dW_h, dB = rnn_backward(dh, cache)
    dW_y = h_last.T @ dscores if out_grads else np.zeros_like(params["W_y"])
    dB_y = (dscores.mean(axis=0) if dB_y_mean else dscores.sum(axis=0)) if out_grads \
        else np.zeros_like(params["B_y"])
    return loss, {"W_x": dW_x, "W_h": dW_h, "B": dB, "W_y": dW_y, "B_y": dB_y}


MODEL_BROKEN = {
    "last-state-from-padding": dict(read="end", write="end"),
    "gradient-at-padded-step": dict(write="end"),
    "gradient-at-every-step": dict(write="every"),
    "output-layer-gradient-missing": dict(out_grads=False),
    "averaged-twice": dict(twice=True),
    "dB_y-averaged": dict(dB_y_mean=True),
    "loss-summed": dict(summed=True),
}


def student_train_epoch(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size=32,
                        clip_norm=5.0, *, shuffle=True, shuffle_y=True, shuffle_lengths=True,
                        clip="before", per_param=False, always=False, drop_last=False,
                        mean="weighted", generator=None):
    """A reader's epoch: its own clipping code, a list of batch losses."""
    N = len(X)
    if generator is not None:
        order = generator.permutation(N)
    else:
        order = rng.permutation(N) if shuffle else np.arange(N)
    losses, sizes = [], []
    last = N - N % batch_size if drop_last else N
    for start in range(0, last, batch_size):
        idx = order[start:start + batch_size]
        plain = np.arange(start, min(start + batch_size, N))
        loss, grads = loss_and_grads(params, X[idx], y[idx] if shuffle_y else y[plain],
                                     lengths[idx] if shuffle_lengths else lengths[plain])

        def clip_them():
            if clip_norm is None:
                return
            if per_param:
                for g in grads.values():
                    g *= min(1.0, clip_norm / np.linalg.norm(g))
                return
            total = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
            if always or total > clip_norm:
                for g in grads.values():
                    g *= clip_norm / total

        if clip == "before":
            clip_them()
        optimizer.step(params, grads)
        if clip == "after":
            clip_them()
        losses.append(loss)
        sizes.append(len(idx))
    if mean == "weighted":
        return np.dot(losses, sizes) / N
    return {"plain": np.mean(losses), "last": losses[-1], "sum": np.sum(losses)}[mean]


EPOCH_BROKEN = {
    "no-shuffle": dict(shuffle=False),
    "X-shuffled-without-y": dict(shuffle_y=False),
    "lengths-not-shuffled": dict(shuffle_lengths=False),
    "clipped-after-the-step": dict(clip="after"),
    "no-clipping": dict(clip="none"),
    "clipped-per-parameter": dict(per_param=True),
    "always-rescaled": dict(always=True),
    "last-batch-dropped": dict(drop_last=True),
    "loss-mean-of-batch-means": dict(mean="plain"),
    "loss-of-last-batch": dict(mean="last"),
    "loss-summed": dict(mean="sum"),
}

my_loss_and_grads = named(student_loss_and_grads, "my_loss_and_grads")
my_train_epoch = named(student_train_epoch, "my_train_epoch")


def test_the_librarys_minibatch_epoch_passes():
    from rnn_lib.models.training import minibatch_epoch

    assert check_train_epoch(minibatch_epoch).passed


def test_independent_model_and_epoch_pass():
    for result in (check_loss_and_grads(my_loss_and_grads), check_train_epoch(my_train_epoch)):
        assert result.passed, str(result)
        assert result.mistakes == ()


def test_the_classifiers_own_loss_and_grads_passes():
    def library(params, X, y, lengths):
        model = ScratchSimpleRNNClassifier(n_nodes=params["W_h"].shape[0])
        for k, v in params.items():
            setattr(model, k, v)
        model.classes_ = np.arange(params["W_y"].shape[1])
        model.n_features_in_ = X.shape[2]
        return model.loss_and_grads(X, y, lengths)

    assert check_loss_and_grads(library).passed


def test_model_simulator_without_mistakes_is_the_classifier():
    for _, params, X, y, lengths in model_problems():
        model = ScratchSimpleRNNClassifier(n_nodes=params["W_h"].shape[0])
        for k, v in params.items():
            setattr(model, k, v.copy())
        model.classes_ = np.arange(params["W_y"].shape[1])
        model.n_features_in_ = X.shape[2]
        loss, grads = model.loss_and_grads(X, y, lengths)
        got = model_mistakes.loss_and_grads_variant(params, X, y, lengths)
        np.testing.assert_allclose(got["loss"], loss, rtol=1e-13)
        for k in grads:
            np.testing.assert_allclose(got["d" + k], grads[k], rtol=1e-12, atol=1e-15)


def test_every_model_and_epoch_mistake_has_a_broken_student():
    assert set(MODEL_BROKEN) == {m.key for m in model_mistakes.MODEL_MISTAKES}
    assert set(EPOCH_BROKEN) == {m.key for m in model_mistakes.EPOCH_MISTAKES}


def _named_only(result, key, title):
    assert not result.passed
    assert result.mistakes and set(result.mistakes) == {key}, str(result)
    assert f"Looks like: {title}" in str(result)


@pytest.mark.parametrize("key", MODEL_BROKEN)
def test_model_mistake_is_named(key):
    title = {m.key: m.title for m in model_mistakes.MODEL_MISTAKES}[key]
    broken = named(student_loss_and_grads, "my_loss_and_grads", **MODEL_BROKEN[key])
    _named_only(check_loss_and_grads(broken), key, title)


@pytest.mark.parametrize("key", EPOCH_BROKEN)
def test_epoch_mistake_is_named(key):
    title = {m.key: m.title for m in model_mistakes.EPOCH_MISTAKES}[key]
    broken = named(student_train_epoch, "my_train_epoch", **EPOCH_BROKEN[key])
    _named_only(check_train_epoch(broken), key, title)


def test_a_shuffle_with_another_generator_is_pointed_out():
    broken = named(student_train_epoch, "my_train_epoch", generator=np.random.default_rng(9))
    result = check_train_epoch(broken)
    assert not result.passed
    assert "other-random-generator" in result.mistakes
    assert "not with `order = rng.permutation(N)` from the `rng` passed in" in str(result)


def test_epoch_check_reports_every_problem():
    result = check_train_epoch(named(student_train_epoch, "my_train_epoch", clip="after"))
    assert len(result.lines) == 3
    assert [line.ok for line in result.lines] == [False, True, False]  # clip_norm=None passes


def test_shuffling_X_in_place_fails_by_name():
    def in_place(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size=32,
                 clip_norm=5.0):
        rng.shuffle(X)
        return student_train_epoch(params, X, y, lengths, loss_and_grads, optimizer, rng,
                                   batch_size, clip_norm)

    text = str(check_train_epoch(in_place))
    assert "changed its argument X in place" in text


def test_changing_params_in_place_in_loss_and_grads_fails():
    def in_place(params, X, y, lengths):
        params["W_y"] *= 2
        return student_loss_and_grads(params, X, y, lengths)

    assert "changed params['W_y'] in place" in str(check_loss_and_grads(in_place))


@pytest.mark.parametrize("bad_return, message", [
    (lambda *a: None, "it must return two: `return loss, grads`"),
    (lambda *a: (1.0, [1, 2]), "grads as a list; it must be a dict"),
    (lambda *a: (1.0, {"W_x": 1}), "grads has no 'W_h', 'B', 'W_y', 'B_y'"),
])
def test_model_check_explains_a_wrong_return(bad_return, message):
    result = check_loss_and_grads(bad_return)
    assert not result.passed and message in str(result)


def test_model_and_epoch_stubs_say_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError

    for check in (check_loss_and_grads, check_train_epoch):
        result = check(stub)
        assert result.not_implemented and len(result.lines) == 1


def test_epoch_check_explains_a_non_number():
    result = check_train_epoch(lambda *a, **k: "done")
    assert "must return the mean loss of the epoch, one number" in str(result)


def test_model_exercises_name_what_solves_them():
    assert EXERCISES["loss_and_grads"].solves[0] == \
        "rnn_lib.models.classifier.ScratchSimpleRNNClassifier.loss_and_grads"
    assert EXERCISES["train_epoch"].solves == ("rnn_lib.models.training.train_epoch",
                                               "rnn_lib.models.training.minibatch_epoch")
    assert {"check_loss_and_grads", "check_train_epoch"} <= set(checks.__all__)
