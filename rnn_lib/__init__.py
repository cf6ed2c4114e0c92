"""rnn_lib: a simple recurrent neural network in NumPy, written to be read.

Letters used for shapes everywhere in the package and the book:

N  batch size (number of sequences)
T  number of time steps
D  input features per step
H  hidden units (``n_nodes``)
C  classes
V  vocabulary size (tokens a language model knows)

Weights follow the book's math: ``W_x (D, H)``, ``W_h (H, H)``, ``B (H,)``,
``a_t = x_t @ W_x + h_{t-1} @ W_h + B`` and ``h_t = tanh(a_t)``.

The package's folders are the layers of its design:

- `rnn_lib.nn`: forward/backward function pairs (the RNN, the LSTM and the
  GRU, layers, losses)
- `rnn_lib.optim`: optimizers and gradient clipping
- `rnn_lib.models`: estimators (the classifier, the language model) and
  their model files
- `rnn_lib.data`: data sets (digits, Human Numbers) and the vocabulary
- `rnn_lib.checks`: graded checks of the exercises, one module per chapter
- `rnn_lib.grading`: student editions and the grader
"""
from .data import (
    Vocabulary,
    human_numbers_split,
    human_numbers_text,
    human_numbers_tokens,
    load_digit_sequences,
)
from .exceptions import DivergenceError, ModelFileError, NotFittedError
from .models import RNNLanguageModel, ScratchSimpleRNNClassifier
from .nn.embedding import EmbeddingCache, embedding_backward, embedding_forward
from .nn.layers import (
    AffineCache,
    LastStateCache,
    affine_backward,
    affine_forward,
    last_state_backward,
    last_state_forward,
)
from .nn.gru import (
    GRUCache,
    GRUStepCache,
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
)
from .nn.lstm import (
    LSTMCache,
    LSTMStepCache,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)
from .nn.losses import log_softmax, softmax, softmax_cross_entropy, temporal_softmax_cross_entropy
from .optim import SGD, AdaGrad, Adam, Momentum, RMSProp, clip_grad_norm, grad_norm
from .nn.rnn import (
    RNNCache,
    RNNStepCache,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)

__version__ = "0.1.0"

__all__ = [
    "AdaGrad",
    "Adam",
    "AffineCache",
    "DivergenceError",
    "ModelFileError",
    "NotFittedError",
    "LastStateCache",
    "Momentum",
    "RMSProp",
    "SGD",
    "affine_backward",
    "affine_forward",
    "clip_grad_norm",
    "grad_norm",
    "last_state_backward",
    "last_state_forward",
    "load_digit_sequences",
    "log_softmax",
    "softmax",
    "softmax_cross_entropy",
    "temporal_softmax_cross_entropy",
    "RNNCache",
    "RNNStepCache",
    "ScratchSimpleRNNClassifier",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
    # chapter 4: language modelling
    "EmbeddingCache",
    "RNNLanguageModel",
    "Vocabulary",
    "embedding_backward",
    "embedding_forward",
    "human_numbers_split",
    "human_numbers_text",
    "human_numbers_tokens",
    # chapter 5: gated cells
    "GRUCache",
    "GRUStepCache",
    "gru_backward",
    "gru_forward",
    "gru_step_backward",
    "gru_step_forward",
    "LSTMCache",
    "LSTMStepCache",
    "lstm_backward",
    "lstm_forward",
    "lstm_step_backward",
    "lstm_step_forward",
]
