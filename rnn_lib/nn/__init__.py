"""The math: forward/backward function pairs with a named cache.

Each ``*_forward`` returns its output and a cache (a NamedTuple); the
matching ``*_backward`` takes the upstream gradient and that cache and
returns the gradients of every input. Nothing here imports an estimator or a
check.

- `rnn_lib.nn.rnn`: the simple RNN, one step and a whole sequence (fast).
- `rnn_lib.nn.rnn_reference`: the same four functions written plainly, as in
  the book; tested equal to the fast ones.
- `rnn_lib.nn.layers`: the affine output layer and the last valid state.
- `rnn_lib.nn.losses`: softmax, log-softmax and the cross-entropy losses.
- `rnn_lib.nn.lstm`, `rnn_lib.nn.gru`: the gated cells (gates i, f, o, g and
  r, z, n); `rnn_lib.nn.convert`: their weights from and to PyTorch's layout;
  `rnn_lib.nn.init`: initial weights for every cell.
"""
from .layers import (
    AffineCache,
    LastStateCache,
    affine_backward,
    affine_forward,
    last_state_backward,
    last_state_forward,
)
from .gru import GRUCache, GRUStepCache, gru_backward, gru_forward, gru_step_backward, gru_step_forward
from .init import init_recurrent_weights
from .losses import log_softmax, softmax, softmax_cross_entropy, temporal_softmax_cross_entropy
from .lstm import (
    LSTMCache,
    LSTMStepCache,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)
from .rnn import (
    RNNCache,
    RNNStepCache,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)

__all__ = [
    "GRUCache",
    "GRUStepCache",
    "LSTMCache",
    "LSTMStepCache",
    "gru_backward",
    "gru_forward",
    "gru_step_backward",
    "gru_step_forward",
    "init_recurrent_weights",
    "lstm_backward",
    "lstm_forward",
    "lstm_step_backward",
    "lstm_step_forward",
    "AffineCache",
    "LastStateCache",
    "RNNCache",
    "RNNStepCache",
    "affine_backward",
    "affine_forward",
    "last_state_backward",
    "last_state_forward",
    "log_softmax",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    "softmax",
    "softmax_cross_entropy",
    "temporal_softmax_cross_entropy",
]
