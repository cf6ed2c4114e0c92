"""save() and load(): identical predictions after a round trip; any other file gets a clear error, never an unpickle."""
import json
import pickle
import zipfile

import numpy as np
import pytest

from rnn_lib import ScratchSimpleRNNClassifier
from rnn_lib.exceptions import ModelFileError, NotFittedError

WEIGHTS = ("W_x", "W_h", "B", "W_y", "B_y")


def data(labels, n=40, T=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, 3))
    lengths = rng.integers(1, T + 1, size=n)
    y = np.asarray(labels)[np.arange(n) % len(labels)]
    return X, y, lengths


def fit(labels, **kwargs):
    X, y, lengths = data(labels)
    model = ScratchSimpleRNNClassifier(**{"n_nodes": 4, "random_state": 0, **kwargs})
    return model.fit(X, y, n_epochs=2, lengths=lengths, validation_data=(X, y, lengths)), X, lengths


def rewritten(path, dest, **changes):
    """A copy of the model file at `path`, written to `dest` with some entries replaced."""
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays.update(changes)
    np.savez(dest, **arrays)  # np.savez pickles object arrays, as an attacker's file might
    return dest


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model, X, lengths = fit(["cat", "dog", "emu"])
    path = tmp_path_factory.mktemp("models") / "model.npz"
    model.save(path)
    return model, X, lengths, path


@pytest.mark.parametrize("labels", [["cat", "dog", "emu"], [-3, 7], [0.5, 1.5], [False, True]],
                         ids=["strings", "ints", "floats", "bools"])
def test_round_trip_predicts_identically_with_lengths(labels, tmp_path):
    model, X, lengths = fit(labels)
    model.save(tmp_path / "m.npz")
    loaded = ScratchSimpleRNNClassifier.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict_proba(X, lengths), model.predict_proba(X, lengths))
    np.testing.assert_array_equal(loaded.predict(X, lengths), model.predict(X, lengths))
    assert loaded.classes_.dtype == model.classes_.dtype


def test_round_trip_keeps_weights_settings_and_record(saved):
    model, _, _, path = saved
    loaded = ScratchSimpleRNNClassifier.load(path)
    for name in WEIGHTS:
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
    for name in ("n_nodes", "learning_rate", "random_state", "batch_size", "optimizer",
                 "lr_schedule", "clip_norm", "input_noise", "n_features_in_", "n_iter_",
                 "loss_curve_", "validation_scores_", "grad_norms_"):
        assert getattr(loaded, name) == getattr(model, name), name


def test_loaded_model_refits_exactly_like_the_original(saved):
    model, X, lengths, path = saved
    y = model.predict(X, lengths)
    a = ScratchSimpleRNNClassifier.load(path).fit(X, y, n_epochs=1)
    b = ScratchSimpleRNNClassifier(**{k: getattr(model, k) for k in ("n_nodes", "random_state")}).fit(X, y, n_epochs=1)
    np.testing.assert_array_equal(a.W_h, b.W_h)


def test_file_holds_no_object_array(saved):
    *_, path = saved
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}  # would raise on a pickled entry
    assert str(arrays["__kind__"]) == "rnn_lib.ScratchSimpleRNNClassifier"
    assert int(arrays["__format_version__"]) == 1
    assert arrays["classes_"].dtype.kind == "U"
    assert json.loads(str(arrays["settings"]))["n_nodes"] == 4


def test_save_writes_exactly_the_path_given_without_appending_npz(tmp_path):
    model, X, _ = fit([0, 1])
    model.save(tmp_path / "model.bin")
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]  # no model.bin.npz, no temp file
    np.testing.assert_array_equal(ScratchSimpleRNNClassifier.load(str(tmp_path / "model.bin")).predict(X),
                                  model.predict(X))


def test_save_replaces_an_existing_file(tmp_path):
    a, X, _ = fit([0, 1])
    b, _, _ = fit([0, 1], n_nodes=2)
    path = tmp_path / "m.npz"
    a.save(path)
    b.save(path)
    assert ScratchSimpleRNNClassifier.load(path).n_nodes == 2


def test_save_writes_through_a_symlink_and_keeps_the_file_mode(tmp_path):
    model, X, _ = fit([0, 1])
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    model.save(link)
    assert link.is_symlink() and (real.stat().st_mode & 0o777) == 0o600
    np.testing.assert_array_equal(ScratchSimpleRNNClassifier.load(real).predict(X), model.predict(X))


def test_save_into_a_missing_folder_names_the_path_given(tmp_path):
    model, *_ = fit([0, 1])
    path = tmp_path / "no" / "such" / "m.npz"
    with pytest.raises(FileNotFoundError, match=r"No such file or directory: .*no/such/m\.npz'$"):
        model.save(path)


def test_a_failed_save_leaves_the_old_file_intact(tmp_path):
    a, X, _ = fit([0, 1])
    path = tmp_path / "m.npz"
    a.save(path)
    before = path.read_bytes()
    a.random_state = np.random.default_rng(0)  # not storable as JSON
    with pytest.raises(TypeError, match="random_state = Generator.* cannot be saved: a setting must be a number, a string or None"):
        a.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_save_before_fit_raises_not_fitted_error(tmp_path):
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(X, y\) first"):
        ScratchSimpleRNNClassifier().save(tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_load_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        ScratchSimpleRNNClassifier.load(tmp_path / "nothing.npz")


def test_load_rejects_a_truncated_file(saved, tmp_path):
    *_, path = saved
    cut = tmp_path / "cut.npz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelFileError, match=r"cut.npz is truncated or damaged: it starts like an .npz file"):
        ScratchSimpleRNNClassifier.load(cut)


def test_load_rejects_a_file_with_a_damaged_entry(saved, tmp_path):
    *_, path = saved
    raw = bytearray(path.read_bytes())
    start = raw.index(b"W_h.npy") + 200  # inside W_h's data, which the zip's CRC covers
    raw[start:start + 8] = b"\x00" * 8
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match=r"bad.npz is (truncated or )?damaged"):
        ScratchSimpleRNNClassifier.load(bad)


def test_load_rejects_a_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones(3), bias=np.zeros(2))
    with pytest.raises(ModelFileError, match=r"foreign.npz is an .npz file, but not a model written by "
                       r"ScratchSimpleRNNClassifier.save: expected an entry '__kind__'.*"
                       r"the file holds 2 entries: bias, weights"):
        ScratchSimpleRNNClassifier.load(path)


def test_load_rejects_another_kind(saved, tmp_path):
    *_, path = saved
    other = rewritten(path, tmp_path / "other.npz", __kind__=np.array("somebody.Else"))
    with pytest.raises(ModelFileError, match="holds a 'somebody.Else', not a 'rnn_lib.ScratchSimpleRNNClassifier'"):
        ScratchSimpleRNNClassifier.load(other)


def test_load_rejects_a_newer_format_version(saved, tmp_path):
    *_, path = saved
    newer = rewritten(path, tmp_path / "newer.npz", __format_version__=np.array(2))
    with pytest.raises(ModelFileError, match="is in format version 2, written by a newer rnn_lib; "
                       "this rnn_lib reads versions up to 1: upgrade rnn_lib"):
        ScratchSimpleRNNClassifier.load(newer)


def test_load_rejects_edited_weights_of_wrong_shape(saved, tmp_path):
    *_, path = saved
    edited = rewritten(path, tmp_path / "edited.npz", W_y=np.zeros((2, 2)))
    with pytest.raises(ModelFileError, match=r"is damaged or was edited: W_y must have shape \(H, C\) = \(4, 3\)"):
        ScratchSimpleRNNClassifier.load(edited)


def test_load_rejects_an_npy_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ModelFileError, match=r"array.npy is not a model written by ScratchSimpleRNNClassifier.save: "
                       r"expected an .npz file \(a zip archive, starting with b'PK'\); got a single NumPy array"):
        ScratchSimpleRNNClassifier.load(path)


def test_load_never_unpickles_an_npy_object_array(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([Exploding()], dtype=object), allow_pickle=True)
    with pytest.raises(ModelFileError, match="got a single NumPy array"):
        ScratchSimpleRNNClassifier.load(path)


def test_load_never_unpickles_an_object_array_inside_an_npz(saved, tmp_path):
    *_, path = saved
    objects = np.array([Exploding(), Exploding()], dtype=object)
    evil = rewritten(path, tmp_path / "evil.npz", classes_=objects)
    with pytest.raises(ModelFileError, match=r"the entry 'classes_' is a pickled object array\. load never unpickles"):
        ScratchSimpleRNNClassifier.load(evil)


def test_load_never_unpickles_a_pickle(saved, tmp_path):
    model, *_ = saved
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(Exploding()))
    with pytest.raises(ModelFileError, match="got a Python pickle, which load never unpickles"):
        ScratchSimpleRNNClassifier.load(path)


def test_load_rejects_a_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("W_x = 1, 2, 3\n")
    with pytest.raises(ModelFileError, match=r"got a file starting with b'W_x = '"):
        ScratchSimpleRNNClassifier.load(path)


def test_load_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(ModelFileError, match="got an empty file"):
        ScratchSimpleRNNClassifier.load(path)


def test_load_rejects_a_zip_that_is_not_an_npz(tmp_path):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match="is an .npz file, but not a model.*1 entry: readme.txt"):
        ScratchSimpleRNNClassifier.load(path)


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)


class Exploding:
    """Unpickling this object fails the test: load must never get that far."""

    def __reduce__(self):
        return (pytest.fail, ("load() unpickled an object",))
