"""The exceptions rnn_lib raises beyond NumPy's and Python's own.

Each subclasses the built-in exception a caller would catch anyway
(``ValueError`` for a wrong value, ``FloatingPointError`` for numbers that
went to inf or NaN), so ``except ValueError`` keeps working; the subclass lets
a caller catch exactly this case.
"""

__all__ = ["NotFittedError", "DivergenceError", "ModelFileError"]


class NotFittedError(ValueError, AttributeError):
    """A model was asked to predict (or save) before `fit` set its weights.

    A ValueError and an AttributeError, as in scikit-learn: code written for
    either keeps working.
    """


class DivergenceError(FloatingPointError, ValueError):
    """Training diverged: the loss or the gradients became inf or NaN.

    The usual cause is a learning rate that is too large (or no gradient
    clipping); the message says which values were in use. A FloatingPointError,
    like NumPy's own errors for overflow, and a ValueError, since a setting is
    to blame.
    """


class ModelFileError(ValueError):
    """A file is not a model written by `ScratchSimpleRNNClassifier.save`.

    Raised for files of another kind (a pickle, a single .npy array, text), an
    .npz file written by other code, a newer format version, and truncated or
    damaged files. Never raised after unpickling anything: load never unpickles.
    """
