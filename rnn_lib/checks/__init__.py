"""Graded checks for the exercises of the book: call one on your function.

>>> from rnn_lib.checks import check_rnn_forward
>>> check_rnn_forward(my_rnn_forward)            # doctest: +SKIP

Each check runs your function on a fixed example built with `np.linspace`
(non-symmetric, all sizes different, so a missing transpose or a swapped axis
shows), on the worked example of its chapter, on the cases that break a naive
version (logits of 1000 for the cross-entropy, tiny gradients and unusual
settings for Adam), and on small random problems; gradients are also compared
with centered differences. It returns a `CheckResult`: ``passed`` and
feedback that names the output that is wrong and, when the answer is what a
classic mistake gives, that mistake. A check never raises.

One module per chapter holds its checks beside its catalogue of mistakes:
`forward` (chapter 1), `bptt` (chapter 2), `training` (chapter 3), `gated`
(chapter 5).
`EXERCISES` lists every graded exercise for the grader:
name -> Exercise(check, names of the notebook functions it takes, points,
library functions that solve it).
"""
from . import bptt, forward, gated, training
from ._base import CheckResult, Exercise
from .bptt import check_rnn_backward, check_rnn_step_backward
from .forward import check_rnn_forward, check_rnn_step_forward
from .gated import check_gru_step_forward, check_lstm_step_backward, check_lstm_step_forward
from .problems import fixed_problem, random_problem, seed_problem  # noqa: F401
from .training import (  # noqa: F401  (the problems are for tests)
    adam_problems,
    check_adam_step,
    check_softmax_cross_entropy,
    cross_entropy_problems,
)

__all__ = [
    "CheckResult",
    "EXERCISES",
    "Exercise",
    "check_adam_step",
    "check_gru_step_forward",
    "check_lstm_step_backward",
    "check_lstm_step_forward",
    "check_rnn_backward",
    "check_rnn_forward",
    "check_rnn_step_backward",
    "check_rnn_step_forward",
    "check_softmax_cross_entropy",
]

# In the book's order; each chapter module owns its exercises.
EXERCISES = {**forward.EXERCISES, **bptt.EXERCISES, **training.EXERCISES, **gated.EXERCISES}
