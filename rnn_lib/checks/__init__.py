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

A failing line of the RNN checks ends with the one line that rebuilds its
input from the functions here, for example
``from rnn_lib.checks import fixed_problem; p = fixed_problem()``:
`fixed_problem`, `worked_example` (chapter 1's), `random_problem` and
`step_problem` (the inputs of one step, with the right state before it).

One module per chapter holds its checks beside its catalogue of mistakes:
`forward` (chapter 1), `bptt` (chapter 2), `training` and `model` (chapter 3),
`language` (chapter 4), `gated` (chapter 5).
`EXERCISES` lists every graded exercise for the grader:
name -> Exercise(check, names of the notebook functions it takes, points,
library functions that solve it).
"""
from . import bptt, forward, gated, language, model, training
from ._base import CheckResult, Exercise
from .bptt import check_rnn_backward, check_rnn_step_backward
from .forward import check_rnn_forward, check_rnn_step_forward
from .gated import check_gru_step_forward, check_lstm_step_backward, check_lstm_step_forward
from .language import (
    check_embedding_backward,
    check_next_token_probabilities,
    check_stream_batches,
    check_temporal_cross_entropy,
)
from .model import (  # noqa: F401  (the problems are for tests)
    check_loss_and_grads,
    check_train_epoch,
    epoch_problems,
    model_problems,
)
# The problems the checks run, so that a failing input can be rebuilt:
from .problems import fixed_problem, random_problem, step_problem, worked_example  # noqa: F401
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
    "check_embedding_backward",
    "check_gru_step_forward",
    "check_loss_and_grads",
    "check_lstm_step_backward",
    "check_lstm_step_forward",
    "check_next_token_probabilities",
    "check_rnn_backward",
    "check_rnn_forward",
    "check_rnn_step_backward",
    "check_rnn_step_forward",
    "check_softmax_cross_entropy",
    "check_stream_batches",
    "check_temporal_cross_entropy",
    "check_train_epoch",
]

# In the book's order; each chapter module owns its exercises.
EXERCISES = {**forward.EXERCISES, **bptt.EXERCISES, **training.EXERCISES, **model.EXERCISES,
             **language.EXERCISES, **gated.EXERCISES}
