"""Recurrent cells by name, behind one interface, so that a model switches cells with one argument.

Every cell runs over a whole sequence as a forward/backward pair:

    forward(x, state0, W_x, W_h, B) -> (h, cache)
    backward(dh, cache) -> (dx, dstate0, dW_x, dW_h, dB)
    final_state(cache) -> state

`state0` and `dstate0` are tuples of (N, H) arrays: ``(h0,)`` for the RNN
(and the GRU), ``(h0, c0)`` for the LSTM. `h` (N, T, H) holds the hidden
state after every step, what the layers above read. `final_state` is the
state after the last step, which a stateful model carries into the next
chunk of a long sequence (truncated BPTT: the backward pass simply ends at
the chunk's first step). The weights stack `gates` blocks of H columns:
``W_x (D, gates * H)``, ``W_h (H, gates * H)``, ``B (gates * H,)``.
"""
from typing import Callable, NamedTuple

from .gru import gru_cell_backward, gru_cell_forward, gru_final_state
from .lstm import lstm_cell_backward, lstm_cell_forward, lstm_final_state
from .rnn import rnn_backward, rnn_forward

__all__ = ["Cell", "CELLS", "get_cell"]


class Cell(NamedTuple):
    """A recurrent cell: its name, its weight layout and its passes over a sequence."""

    name: str
    gates: int  #: how many H-wide blocks W_x, W_h and B stack (1 RNN, 4 LSTM, 3 GRU)
    n_states: int  #: how many arrays a state holds (1, or 2 for the LSTM's h and c)
    forward: Callable
    backward: Callable
    final_state: Callable


def _rnn_forward(x, state0, W_x, W_h, B):
    (h0,) = state0
    return rnn_forward(x, h0, W_x, W_h, B)


def _rnn_backward(dh, cache):
    dx, dh0, dW_x, dW_h, dB = rnn_backward(dh, cache)
    return dx, (dh0,), dW_x, dW_h, dB


def _rnn_final_state(cache):
    return (cache.h[:, -1],)


CELLS = {
    "rnn": Cell("rnn", 1, 1, _rnn_forward, _rnn_backward, _rnn_final_state),
    "lstm": Cell("lstm", 4, 2, lstm_cell_forward, lstm_cell_backward, lstm_final_state),
    "gru": Cell("gru", 3, 1, gru_cell_forward, gru_cell_backward, gru_final_state),
}


def get_cell(name):
    """The `Cell` called `name`; ValueError naming the cells there are otherwise."""
    if not isinstance(name, str) or name not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}; got {name!r}")
    return CELLS[name]
