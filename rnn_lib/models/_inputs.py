"""Input checks of the classifier: every argument of a public method, and its settings.

Each function raises ValueError or TypeError (NotFittedError before fit)
naming the argument, what was expected and what came in.
"""
import numpy as np

from ..exceptions import NotFittedError
from ..nn._gated import check_gated_weights
from ..nn.cells import get_cell
from ..optim import OPTIMIZERS
from ..utils.validation import (
    as_float_array,
    check_dim,
    check_finite,
    check_lengths,
    check_ndim,
    check_nonempty,
    check_nonnegative_float,
    check_positive_float,
    check_positive_int,
    check_random_state,
    check_rnn_weights,
    inputs_trusted,
)


def rnn_weights(model):
    """W_x, W_h and B as checked float arrays; NotFittedError if they are not set."""
    if model.W_x is None or model.W_h is None or model.B is None:
        raise NotFittedError(
            "the weights are not set: call fit(X, y) first, or set W_x (D, H), "
            "W_h (H, H) and B (H,) by hand"
        )
    cell = get_cell(getattr(model, "cell", "rnn"))
    if cell.gates == 1:
        W_x, W_h, B, _, _ = check_rnn_weights(model.W_x, model.W_h, model.B)
    else:
        W_x, W_h, B, _, _ = check_gated_weights(model.W_x, model.W_h, model.B, cell.gates,
                                                f"the {cell.name}'s gates")
    return W_x, W_h, B

def check_fitted(model):
    """Raise NotFittedError before fit; check learned arrays set by hand; return D."""
    if inputs_trusted():  # inside fit, which made them
        return model.n_features_in_
    if getattr(model, "classes_", None) is None or getattr(model, "W_y", None) is None:
        raise NotFittedError(
            f"this {type(model).__name__} is not fitted yet: call fit(X, y) first"
        )
    W_x, W_h, B = rnn_weights(model)
    D, H = W_x.shape[0], W_h.shape[0]
    check_dim(D, model.n_features_in_,
              "W_x's first axis (D) must match n_features_in_, the D that fit saw")
    C = len(model.classes_)
    for arr, name, shape in ((model.W_y, "W_y", (H, C)), (model.B_y, "B_y", (C,))):
        if np.shape(arr) != shape:
            letters = "(H, C)" if name == "W_y" else "(C,)"
            raise ValueError(
                f"{name} must have shape {letters} = {shape}, with H from W_x and "
                f"C = len(classes_); got {name} of shape {np.shape(arr)}"
            )
    return D

def validate_settings(model):
    """Check the constructor's settings; fit calls this before touching any weight."""
    check_positive_int(model.n_nodes, "n_nodes")
    check_positive_float(model.learning_rate, "learning_rate")
    check_random_state(model.random_state)
    check_positive_int(model.batch_size, "batch_size")
    if not isinstance(model.optimizer, str) or model.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}; "
                         f"got {model.optimizer!r}")
    if model.lr_schedule not in ("cosine", "constant"):
        raise ValueError("lr_schedule must be 'cosine' or 'constant'; "
                         f"got {model.lr_schedule!r}")
    if model.clip_norm is not None:
        check_positive_float(model.clip_norm, "clip_norm")
    check_nonnegative_float(model.input_noise, "input_noise")
    get_cell(getattr(model, "cell", "rnn"))

def validate_X(X, lengths, n_features=None, source="the data fit was called with",
                names=("X", "lengths")):
    """X as a finite float array (N, T, D) and lengths as ints (N,); D checked if given."""
    name, lengths_name = names
    X = as_float_array(X, name)
    check_ndim(X, 3, name, "N, T, D",
               hint=f"for one sequence of shape (T, D) pass {name}[np.newaxis]"
               if X.ndim == 2 else "")
    check_nonempty(X, name, "N, T, D")
    check_finite(X, name)
    if n_features is not None:
        check_dim(X.shape[2], n_features, f"{name}'s last axis (D) must match {source}")
    return X, check_lengths(lengths, X.shape[0], X.shape[1], lengths_name)

def validate_y(y, n, name="y"):
    """y as a 1-D array of labels (numbers or strings), one per sequence."""
    y = np.asarray(y)
    if y.dtype == object:  # e.g. strings from pandas: kept, as a plain unicode array
        y = np.array(y.tolist())
    if y.dtype.kind not in "biufUS":
        raise TypeError(f"{name} must hold class labels, numbers or strings; "
                        f"got dtype {y.dtype}")
    if y.shape != (n,):
        hint = ""
        if y.shape == (n, 1):
            hint = f"; for a column vector use {name}.ravel()"
        elif y.ndim == 2 and y.shape[0] == n:
            hint = f"; for one-hot rows use {name}.argmax(axis=1)"
        raise ValueError(
            f"{name} must have shape (N,) = ({n},), one label per sequence in X; "
            f"got shape {y.shape}{hint}"
        )
    if y.dtype.kind == "f":
        check_finite(y, name)
    return y

def validate_validation_data(validation_data, n_features, classes):
    """(X_val, y_val, lengths_val), checked like fit's own arguments."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        got = (f"a {type(validation_data).__name__} of {len(validation_data)} items"
               if isinstance(validation_data, (tuple, list))
               else type(validation_data).__name__)
        raise TypeError("validation_data must be a tuple (X_val, y_val) or "
                        f"(X_val, y_val, lengths_val); got {got}")
    X_val, y_val, *rest = validation_data
    X_val, lengths_val = validate_X(
        X_val, rest[0] if rest else None, n_features, "the X passed to fit",
        names=("X_val", "lengths_val"))
    y_val = validate_y(y_val, X_val.shape[0], "y_val")
    check_label_kind(y_val, classes, "y_val")
    return X_val, y_val, lengths_val


def check_label_kind(y, classes, name):
    """Raise TypeError when labels in `y` could never equal any of `classes` (str vs number)."""
    def kind(a):
        return {"U": "strings", "S": "bytes"}.get(a.dtype.kind, "numbers")

    if kind(y) != kind(classes):
        raise TypeError(
            f"{name} holds {kind(y)}, but the model's classes are {kind(classes)} "
            f"({np.array2string(classes[:5], separator=', ')}"
            f"{', ...' if len(classes) > 5 else ''}): no label could ever match"
        )
