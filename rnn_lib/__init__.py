"""rnn_lib: a simple recurrent neural network in NumPy, written to be read.

Letters used for shapes everywhere in the package and the book:

N  batch size (number of sequences)
T  number of time steps
D  input features per step
H  hidden units (``n_nodes``)
C  classes

Weights follow the book's math: ``W_x (D, H)``, ``W_h (H, H)``, ``B (H,)``,
``a_t = x_t @ W_x + h_{t-1} @ W_h + B`` and ``h_t = tanh(a_t)``.
"""
from .classifier import ScratchSimpleRNNClassifier
from .rnn import (
    RNNCache,
    RNNStepCache,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)

__version__ = "0.1.0"

__all__ = [
    "RNNCache",
    "RNNStepCache",
    "ScratchSimpleRNNClassifier",
    "rnn_backward",
    "rnn_forward",
    "rnn_step_backward",
    "rnn_step_forward",
]
