"""Estimators: the models a reader fits, built as thin layers over `rnn_lib.nn`.

`ScratchSimpleRNNClassifier` (many-to-one: a sequence in, a label out) and
`RNNLanguageModel` (many-to-many: the next token at every step). Each
estimator keeps its settings in ``__init__``, checks and learns in ``fit``,
and saves to an .npz file of plain arrays (never pickle).
"""
from .classifier import ScratchSimpleRNNClassifier
from .language_model import RNNLanguageModel

__all__ = ["RNNLanguageModel", "ScratchSimpleRNNClassifier"]
