"""Input checks of the language model: its settings, token ids, fitted weights.

Each function raises ValueError or TypeError (NotFittedError before fit)
naming the argument, what was expected and what came in.
"""
import numpy as np

from ..exceptions import NotFittedError
from ..nn.cells import get_cell
from ..nn.embedding import check_token_ids
from ..optim import OPTIMIZERS
from ..utils.validation import (
    check_positive_float,
    check_positive_int,
    check_random_state,
)

SCHEDULES = ("one_cycle", "cosine", "constant")
ONE_HOT = "one_hot"


def validate_settings(model):
    """Check every constructor setting; fit calls this before touching any weight."""
    check_positive_int(model.vocab_size, "vocab_size", minimum=2)
    check_positive_int(model.n_nodes, "n_nodes")
    get_cell(model.cell)
    if model.embedding_dim != ONE_HOT:
        if isinstance(model.embedding_dim, str):
            raise ValueError(f"embedding_dim must be a positive integer or {ONE_HOT!r}; "
                             f"got {model.embedding_dim!r}")
        check_positive_int(model.embedding_dim, "embedding_dim")
    check_positive_int(model.seq_len, "seq_len")
    check_positive_int(model.batch_size, "batch_size")
    if not isinstance(model.stateful, (bool, np.bool_)):
        raise TypeError(f"stateful must be True or False; got {model.stateful!r}")
    if not isinstance(model.optimizer, str) or model.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}; "
                         f"got {model.optimizer!r}")
    check_positive_float(model.learning_rate, "learning_rate")
    if not isinstance(model.lr_schedule, str) or model.lr_schedule not in SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {list(SCHEDULES)}; "
                         f"got {model.lr_schedule!r}")
    if model.clip_norm is not None:
        check_positive_float(model.clip_norm, "clip_norm")
    check_positive_int(model.n_epochs, "n_epochs")
    check_random_state(model.random_state)


def validate_ids(ids, V, name="ids", min_length=2, why="an input and its target"):
    """`ids` as a 1-D int array of at least `min_length` ids in 0 .. V-1."""
    arr = np.asarray(ids)
    if arr.size == 0:  # [] comes in as float64: say what is wrong, its length
        arr = arr.astype(np.intp)
    if arr.dtype.kind not in "iu":
        hint = ("; encode text with a Vocabulary first" if arr.dtype.kind in "UOS"
                else "")
        raise TypeError(f"{name} must be a 1-D array of integer token ids 0 .. {V - 1}; "
                        f"got dtype {arr.dtype}{hint}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one sequence of token ids, shape (L,); got shape "
                         f"{arr.shape}")
    if len(arr) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} token ids ({why}); "
                         f"got {len(arr)}")
    return check_token_ids(arr, V, name)


def check_fitted(model):
    """Raise NotFittedError before fit; check the shapes of weights set by hand."""
    if getattr(model, "W_y", None) is None or getattr(model, "W_x", None) is None:
        raise NotFittedError(f"this {type(model).__name__} is not fitted yet: call "
                             "fit(ids) first")
    cell = get_cell(model.cell)
    V, H = model.vocab_size, model.n_nodes
    D = V if model.embedding_dim == ONE_HOT else model.embedding_dim
    G = cell.gates * H
    shapes = {"W_e": (V, D), "W_x": (D, G), "W_h": (H, G), "B": (G,), "W_y": (H, V),
              "B_y": (V,)}
    for name, shape in shapes.items():
        if np.shape(getattr(model, name)) != shape:
            raise ValueError(
                f"{name} must have shape {shape} (V = vocab_size = {V}, H = n_nodes = {H}, "
                f"D = {D}, {cell.gates} gate block(s) for cell {model.cell!r}); got "
                f"{np.shape(getattr(model, name))}")
