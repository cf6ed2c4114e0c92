"""Classic mistakes in the training exercises (cross-entropy, an Adam step), as their outputs.

As in `rnn_lib._rnn_mistakes`, each mistake recomputes the answer the way an
implementation with that one mistake would, from the math; the checks in
`rnn_lib.checks` compare the reader's outputs with these to name what went
wrong. With no switch set, both simulators give the right answer (a test holds
them to `rnn_lib.losses` and `rnn_lib.optim`). Overflow is part of some
mistakes, so the simulators compute with NumPy's warnings off and may return
NaN or inf, exactly where the mistaken code does.
"""
import numpy as np

from ._base import Mistake

ADAM_DEFAULTS = dict(learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8)


# ---------------------------------------------------------------- softmax cross-entropy
def _cross_entropy_variant(logits, y, *, shift=True, lse_shift=True, log_of_p=False, axis=1,
                           reduce="mean", loss_sign=-1, onehot=True, divide=True, grad_sign=1,
                           global_shift=False, log_eps=0.0):
    """``{"loss", "dlogits"}`` of a softmax cross-entropy written with the given slips.

    `shift` is the max-shift of the softmax, `lse_shift` that of the log-sum-exp
    in the loss; `log_of_p` takes the log of the probabilities instead.
    """
    z = np.asarray(logits, dtype=np.float64)
    N, C = z.shape
    rows = np.arange(N)
    Y = np.zeros_like(z)
    Y[rows, y] = 1.0
    with np.errstate(all="ignore"):
        m = z.max(axis=axis, keepdims=True) if shift else 0.0
        if global_shift:  # one number for the whole batch
            m = z.max()
        e = np.exp(z - m)
        p = e / e.sum(axis=axis, keepdims=True)  # (N, C)
        if not shift:  # the naive loss: log of the naive probabilities
            log_p = np.log(p)
        elif log_of_p:
            log_p = np.log(p + log_eps)
        else:
            m2 = m if lse_shift else 0.0
            log_p = (z - m2) - np.log(np.exp(z - m2).sum(axis=axis, keepdims=True))
        picked = loss_sign * log_p[rows, y]  # (N,)
        loss = {"mean": picked.mean(), "sum": picked.sum(), "none": picked,
                "all": picked.sum() / (N * C)}[reduce]
        dlogits = grad_sign * (p - Y if onehot else p) / (N if divide else 1)
    return {"loss": np.asarray(loss, dtype=np.float64), "dlogits": dlogits}


def _ce_mistake(key, title, hint, post=None, **switches):
    def apply(logits, y):
        out = _cross_entropy_variant(logits, y, **switches)
        return post(out) if post else out
    return Mistake(key, title, hint, apply)


CE_MISTAKES = [
    _ce_mistake("loss-summed", "loss summed over the batch instead of averaged",
                "The loss is the mean over the N examples: divide the sum by N (or use `.mean()`).",
                reduce="sum"),
    _ce_mistake("loss-averaged-over-classes-too",
                "loss averaged over all N*C entries instead of over the N examples",
                "`-np.mean(Y * log_p)` divides by N*C; the loss is `-np.sum(Y * log_p) / N`, or "
                "the mean of `log_p[np.arange(N), y]` with a minus sign.", reduce="all"),
    _ce_mistake("loss-not-reduced", "one loss per example returned instead of their mean",
                "loss is a single number: the mean over the batch, `-log_p[np.arange(N), y].mean()`.",
                reduce="none"),
    _ce_mistake("loss-sign", "minus sign of the loss missing",
                "The loss is the *negative* mean log-probability of the correct class; it is never "
                "negative.", loss_sign=1),
    _ce_mistake("gradient-not-divided-by-N", "dlogits not divided by N",
                "The loss is a mean over N examples, so its gradient is `(P - Y) / N`.", divide=False),
    _ce_mistake("gradient-sign", "dlogits has the wrong sign (Y - P)",
                "Increasing the correct class's score lowers the loss: `dlogits = (P - Y) / N`.",
                grad_sign=-1),
    _ce_mistake("one-hot-not-subtracted", "one-hot target not subtracted (dlogits = P / N)",
                "Subtract 1 at each correct class: `dlogits = (P - Y) / N`, with "
                "`Y[np.arange(N), y] = 1`.", onehot=False),
    _ce_mistake("softmax-wrong-axis", "softmax taken over the wrong axis (over the batch)",
                "Each row is one example: normalise over the classes, `axis=1` (with `keepdims=True`).",
                axis=0),
    _ce_mistake("outputs-swapped", "loss and dlogits returned in the wrong order",
                "Return `loss, dlogits`, in this order.",
                post=lambda o: {"loss": o["dlogits"], "dlogits": o["loss"]}),
]
"""Mistakes that show on any logits."""

CE_OVERFLOW_MISTAKES = [
    _ce_mistake("no-max-shift", "softmax computed without the max-shift (exp overflows to inf)",
                "Subtract each row's maximum before exponentiating: "
                "`e = np.exp(z - z.max(axis=1, keepdims=True))`; the softmax does not change.",
                shift=False),
    _ce_mistake("log-sum-exp-without-shift",
                "the loss's log-sum-exp computed without the max-shift (log of inf)",
                "Shift there too: `log_p = (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))` "
                "with `m = z.max(axis=1, keepdims=True)`.", lse_shift=False),
] + CE_MISTAKES
"""For logits of 1000 and more: the overflow mistakes first."""

CE_GLOBAL_SHIFT_MISTAKES = [
    _ce_mistake("global-max-shift",
                "scores shifted by the largest score of the whole batch, not of each row",
                "Each row needs its own shift, `z.max(axis=1, keepdims=True)`: with one number "
                "for the batch, a row far below the largest score underflows to exp(...) = 0 "
                "and log 0 = -inf.", global_shift=True),
] + CE_OVERFLOW_MISTAKES
"""For rows whose maxima are far apart (1000 and -1000)."""

CE_UNDERFLOW_MISTAKES = [
    _ce_mistake("log-of-softmax",
                "log taken of the probability, which underflows to 0 (and log 0 = -inf)",
                "Compute log p directly with the shift, "
                "`log_p = (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))`, "
                "instead of `np.log(softmax(z))`.", log_of_p=True),
    _ce_mistake("log-of-softmax-plus-eps",
                "log taken of the probability plus a small eps, log(p + eps)",
                "The eps hides the underflow but gives the wrong loss (log(1e-12) is about "
                "-27.6, the true log-probability here about -800): compute log p directly, "
                "`log_p = (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))`.",
                log_of_p=True, log_eps=1e-12),
    _ce_mistake("log-of-softmax-plus-eps", "log taken of the probability plus a small eps",
                "Compute log p directly with the shift, without an eps.",
                log_of_p=True, log_eps=1e-10),
    _ce_mistake("log-of-softmax-plus-eps", "log taken of the probability plus a small eps",
                "Compute log p directly with the shift, without an eps.",
                log_of_p=True, log_eps=1e-8),
] + CE_MISTAKES
"""For a correct class far below the others (probability below 1e-300)."""

CE_REMINDERS = {
    "loss": "`loss = -log_p[np.arange(N), y].mean()`, with `log_p` the log-softmax of each row.",
    "dlogits": "`dlogits = (P - Y) / N`: softmax minus one-hot, divided by the batch size.",
}


# ---------------------------------------------------------------- Adam
def _adam_variant(grads, learning_rate, beta1, beta2, eps, *, bias_correction=True, t_offset=0,
                  eps_inside=False, swap_betas=False, sign=-1, square=True, sqrt=True,
                  keep_state=True, store_hat=False, keep_t=True):
    """The change of w at each step of an Adam written with the given slips.

    Adam's state (m, v and t) depends on the gradients only, so the change of
    w does too. `t_offset` shifts the step count used in the bias correction.
    """
    if swap_betas:
        beta1, beta2 = beta2, beta1
    changes = []
    m = v = np.zeros_like(grads[0])
    t = 0
    with np.errstate(all="ignore"):
        for g in grads:
            if not keep_state:  # every call starts afresh
                m = v = np.zeros_like(g)
                t = 0
            t = t + 1 if keep_t or t == 0 else 1
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * (g * g if square else g)
            tc = t + t_offset
            m_hat, v_hat = (m / (1 - beta1**tc), v / (1 - beta2**tc)) if bias_correction else (m, v)
            denom = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) if sqrt else v_hat) + eps
            changes.append(sign * learning_rate * m_hat / denom)
            if store_hat:  # the corrected means written back into the state
                m, v = m_hat, v_hat
    return changes


def _adam_mistake(key, title, hint, ignore=(), t_outside=False, first_step_only=False,
                  **switches):
    """A mistake of an Adam step; `ignore` names arguments replaced by their defaults.

    With `t_outside`, the step count lives outside `state` (a global, say) and
    goes on from the `steps_before` the check made on earlier problems.
    """
    def apply(w, grads, step, learning_rate, beta1, beta2, eps, steps_before=0):
        settings = dict(learning_rate=learning_rate, beta1=beta1, beta2=beta2, eps=eps)
        settings.update({k: ADAM_DEFAULTS[k] for k in ignore})
        if first_step_only and step > 0:  # such code fails at the first step already
            return {}
        if t_outside:
            if not steps_before:
                return {}
            switches["t_offset"] = steps_before
        with np.errstate(all="ignore"):
            return {"w": w + _adam_variant(grads, **settings, **switches)[step]}
    return Mistake(key, title, hint, apply)


ADAM_MISTAKES = [
    _adam_mistake("no-bias-correction", "bias correction missing",
                  "Divide the running means by `1 - beta1**t` and `1 - beta2**t` before the update: "
                  "`m_hat = m / (1 - beta1**t)`, `v_hat = v / (1 - beta2**t)`.",
                  bias_correction=False),
    _adam_mistake("step-count-from-0", "bias correction with t = 0 at the first step (division by 0)",
                  "Count the steps from 1: increase t *before* the bias correction, so the first "
                  "step has t = 1.", t_offset=-1, first_step_only=True),
    _adam_mistake("step-count-one-ahead", "bias correction with t = 2 at the first step",
                  "t is the number of steps taken, this one included: 1 at the first step. Start it "
                  "at 0 and increase it once per step, before the bias correction.", t_offset=1),
    _adam_mistake("eps-inside-sqrt", "eps inside the square root",
                  "eps is added after the root: `np.sqrt(v_hat) + eps`, not `np.sqrt(v_hat + eps)`.",
                  eps_inside=True),
    _adam_mistake("sqrt-missing", "square root of v_hat missing",
                  "Divide by `np.sqrt(v_hat) + eps`: v is a mean of squares.", sqrt=False),
    _adam_mistake("betas-swapped", "beta1 and beta2 swapped",
                  "beta1 (0.9) decays m, the mean of g; beta2 (0.999) decays v, the mean of g**2.",
                  swap_betas=True),
    _adam_mistake("update-sign", "update has the wrong sign (a step up the gradient)",
                  "Descend: `w - learning_rate * m_hat / (np.sqrt(v_hat) + eps)`.", sign=1),
    _adam_mistake("v-uses-g", "v averages g instead of g**2",
                  "`v = beta2 * v + (1 - beta2) * g**2`: the second moment is a mean of squares.",
                  square=False),
    _adam_mistake("state-not-kept", "state not kept from one step to the next",
                  "Store m, v and t in the `state` dict (e.g. `state['m'] = m`), so the next call "
                  "continues from them; create them only when `state` is empty.", keep_state=False),
    _adam_mistake("bias-corrected-moments-stored",
                  "the bias-corrected m_hat and v_hat stored back into the state",
                  "Keep the running means m and v in `state`; m_hat and v_hat are computed "
                  "from them at each step and never stored.", store_hat=True),
    _adam_mistake("step-count-outside-state",
                  "the step count kept outside `state` (it went on from an earlier problem)",
                  "Keep t in `state` with m and v: every parameter, and every new `state`, "
                  "starts at t = 0.", t_outside=True),
    _adam_mistake("step-count-not-kept", "the step count not kept: t = 1 at every step",
                  "Store t in `state` and increase it by one at every step.", keep_t=False),
    _adam_mistake("learning-rate-ignored", "the argument learning_rate not used (0.001 instead)",
                  "Use the `learning_rate` your function receives, not a number of your own.",
                  ignore=("learning_rate",)),
    _adam_mistake("betas-ignored", "the arguments beta1 and beta2 not used (0.9 and 0.999 instead)",
                  "Use the `beta1` and `beta2` your function receives.", ignore=("beta1", "beta2")),
    _adam_mistake("eps-ignored", "the argument eps not used (1e-8 instead)",
                  "Use the `eps` your function receives.", ignore=("eps",)),
]

ADAM_REMINDERS = {
    "w": "`m = beta1 * m + (1 - beta1) * g`, `v = beta2 * v + (1 - beta2) * g**2`, t = t + 1, "
         "`m_hat = m / (1 - beta1**t)`, `v_hat = v / (1 - beta2**t)`, and the new w is "
         "`w - learning_rate * m_hat / (np.sqrt(v_hat) + eps)`.",
}
