"""The language model's initial weights and its model file format.

Draw order (fixed, so that a `random_state` always gives the same model):
the recurrent layer's W_x, W_h (and B = 0), then W_e, then W_y.
"""
import numpy as np

from ..nn.cells import get_cell
from . import persistence
from ._lm_inputs import ONE_HOT, check_fitted, validate_settings


def recurrent_weights(cell_name, D, H, rng):
    """W_x (D, gates*H), W_h (H, gates*H), B (gates*H,) of a fresh recurrent layer.

    Uses `rnn_lib.nn.init.init_recurrent_weights` where it exists; until
    then, the classifier's Glorot-uniform draws, one block per gate.
    """
    try:
        from ..nn.init import init_recurrent_weights
    except ImportError:
        init_recurrent_weights = None
    cell = get_cell(cell_name)
    if init_recurrent_weights is not None:
        return init_recurrent_weights(cell, D, H, rng)
    limit_x = np.sqrt(6.0 / (D + H))
    W_x = rng.uniform(-limit_x, limit_x, size=(D, cell.gates * H))
    limit_h = np.sqrt(6.0 / (H + H))
    W_h = rng.uniform(-limit_h, limit_h, size=(H, cell.gates * H))
    return W_x, W_h, np.zeros(cell.gates * H)


def initial_weights(model, rng):
    """Every weight of `model`, by name, drawn from `rng`.

    W_e is standard normal (as PyTorch's ``nn.Embedding``), or the identity
    for one-hot input; W_y is Glorot-uniform and B_y zero.
    """
    V, H = model.vocab_size, model.n_nodes
    D = V if model.embedding_dim == ONE_HOT else model.embedding_dim
    W_x, W_h, B = recurrent_weights(model.cell, D, H, rng)
    W_e = np.eye(V) if model.embedding_dim == ONE_HOT else rng.standard_normal((V, D))
    limit = np.sqrt(6.0 / (H + V))
    return {"W_e": W_e, "W_x": W_x, "W_h": W_h, "B": B,
            "W_y": rng.uniform(-limit, limit, size=(H, V)), "B_y": np.zeros(V)}


def _validate(model):
    validate_settings(model)
    check_fitted(model)
    persistence.check_finite_weights(model, LM_FORMAT.weights)


LM_FORMAT = persistence.ModelFormat(
    kind="rnn_lib.RNNLanguageModel", owner="RNNLanguageModel", version=1,
    settings=("vocab_size", "n_nodes", "cell", "embedding_dim", "seq_len", "batch_size",
              "stateful", "optimizer", "learning_rate", "lr_schedule", "clip_norm",
              "n_epochs", "random_state"),
    weights=("W_e", "W_x", "W_h", "B", "W_y", "B_y"), counts=("n_iter_",),
    records=("loss_curve_", "validation_loss_curve_", "validation_accuracy_curve_",
             "grad_norms_"),
    extra_arrays=lambda model: {}, read_extra=lambda model, npz, name: None,
    validate=_validate)
"""The file of `RNNLanguageModel.save`: the format of `persistence`, kind
"rnn_lib.RNNLanguageModel", its settings (the cell name among them) as JSON."""
