"""The data sets under their first name: `rnn_lib.data` is where they live."""
from .data import load_digit_sequences

__all__ = ["load_digit_sequences"]
