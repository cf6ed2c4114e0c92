"""The classifier's `cell` setting: gated cells train, save and load; the RNN is unchanged."""
import numpy as np
import pytest

from rnn_lib import ScratchSimpleRNNClassifier
from rnn_lib.nn.cells import CELLS


def _data(seed=0, n=60):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, 5, 3)) * 0.3
    X[:, 0, 0] += np.where(y == 1, 1.5, -1.5)  # the class is told at the first step only
    return X, y


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_every_cell_learns_a_first_step_signal(cell):
    X, y = _data()
    model = ScratchSimpleRNNClassifier(n_nodes=6, learning_rate=0.05, random_state=0,
                                       cell=cell, input_noise=0.0)
    model.fit(X, y, n_epochs=15)
    G = CELLS[cell].gates
    assert model.W_x.shape == (3, G * 6) and model.W_h.shape == (6, G * 6)
    assert model.score(X, y) >= 0.9


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_save_and_load_keep_the_cell(cell, tmp_path):
    X, y = _data(1)
    model = ScratchSimpleRNNClassifier(n_nodes=4, random_state=1, cell=cell).fit(X, y, n_epochs=2)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ScratchSimpleRNNClassifier.load(path)
    assert loaded.cell == cell
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_unknown_cell_is_refused_by_fit():
    X, y = _data()
    with pytest.raises(ValueError, match=r"cell must be one of \['gru', 'lstm', 'rnn'\]"):
        ScratchSimpleRNNClassifier(cell="transformer").fit(X, y, n_epochs=1)


def test_gated_weights_of_the_wrong_width_are_named():
    X, y = _data()
    model = ScratchSimpleRNNClassifier(n_nodes=4, random_state=0, cell="lstm").fit(X, y, n_epochs=1)
    model.W_h = model.W_h[:, :12]
    with pytest.raises(ValueError, match=r"W_h must have shape \(H, 4H\)"):
        model.predict(X)
