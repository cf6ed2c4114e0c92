"""Saving a fitted estimator to an .npz file and reading it back, without pickle.

A file is one .npz archive (a zip of .npy arrays) holding plain arrays only.
Each estimator describes its file with a `ModelFormat`: its kind, format
version, settings, weights, integer counts, training records and any
arrays of its own. The classifier's format, version 1::

    __kind__                 str "rnn_lib.ScratchSimpleRNNClassifier"
    __format_version__       int 1
    settings                 str, the constructor's arguments as JSON
    W_x, W_h, B              float arrays (D, H), (H, H), (H,)
    W_y, B_y                 float arrays (H, C), (C,)
    classes_                 (C,) ints, floats, bools or strings (unicode)
    n_features_in_, n_iter_  int
    loss_curve_, validation_scores_, grad_norms_   float arrays
    rnn_lib_version          str, for information only

Every entry is read with ``allow_pickle=False``: a file can never run code.
"""
import contextlib
import json
import os
import shutil
import uuid
import zipfile
import zlib
from typing import Callable, NamedTuple

import numpy as np

from ..exceptions import ModelFileError
from ._inputs import check_fitted, validate_settings

_ZIP_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"
_LABEL_KINDS = "biufUS"  # numbers and strings: what .npy stores without pickle


class ModelFormat(NamedTuple):
    """How one estimator class is stored: the entries of its file and their checks.

    `extra_arrays(model)` returns the arrays of the estimator's own (say,
    ``classes_``), `read_extra(model, npz, name)` sets them on a loaded
    model, and `validate(model)` raises TypeError or ValueError when the
    loaded model is inconsistent (load reports it as a damaged file).
    """

    kind: str  #: the __kind__ entry, e.g. "rnn_lib.ScratchSimpleRNNClassifier"
    owner: str  #: the class named in messages
    version: int  #: the newest format version this code writes and reads
    settings: tuple  #: the constructor's arguments, stored as JSON
    weights: tuple  #: float arrays
    counts: tuple  #: int scalars (0 when a model lacks them)
    records: tuple  #: float arrays, training records (lists on the model)
    extra_arrays: Callable
    read_extra: Callable
    validate: Callable
    extra_names: tuple = ()  #: the entries extra_arrays writes
    defaults: tuple = ()  #: (setting, value) pairs for files written before the setting existed

    @property
    def required(self):
        return ("__format_version__", "settings", *self.weights, *self.extra_names,
                *self.counts, *self.records)


def _classifier_extras(model):
    classes = np.asarray(model.classes_)
    if classes.dtype.kind not in _LABEL_KINDS:
        raise TypeError("classes_ must hold numbers or strings to be saved without pickle; "
                        f"got dtype {classes.dtype}")
    return {"classes_": classes}


def _classifier_read_extra(model, npz, name):
    model.classes_ = entry(npz, "classes_", name, _LABEL_KINDS)


def _classifier_validate(model):
    validate_settings(model)
    check_fitted(model)  # the weights agree with each other and with classes_
    if model.classes_.ndim != 1:
        raise ValueError(f"classes_ must have shape (C,); got {model.classes_.shape}")
    check_finite_weights(model, CLASSIFIER.weights)


def check_finite_weights(model, names):
    """ValueError naming the first weight that holds NaN or inf."""
    for key in names:
        if not np.isfinite(getattr(model, key)).all():
            raise ValueError(f"{key} holds NaN or inf")


CLASSIFIER = ModelFormat(
    kind="rnn_lib.ScratchSimpleRNNClassifier", owner="ScratchSimpleRNNClassifier", version=1,
    settings=("n_nodes", "learning_rate", "random_state", "batch_size", "optimizer",
              "lr_schedule", "clip_norm", "input_noise", "init", "cell"),
    weights=("W_x", "W_h", "B", "W_y", "B_y"), counts=("n_features_in_", "n_iter_"),
    records=("loss_curve_", "validation_scores_", "grad_norms_"),
    extra_arrays=_classifier_extras, read_extra=_classifier_read_extra,
    validate=_classifier_validate, extra_names=("classes_",),
    defaults=(("init", "glorot"), ("cell", "rnn")))  # files from before these settings

# The classifier's format under the names this module has always had.
KIND, FORMAT_VERSION, SETTINGS = CLASSIFIER.kind, CLASSIFIER.version, CLASSIFIER.settings
WEIGHTS, RECORDS, REQUIRED = CLASSIFIER.weights, CLASSIFIER.records, CLASSIFIER.required


def save_model(model, path, fmt=CLASSIFIER):
    """Write the fitted `model` to `path`, exactly there, replacing a file only once complete."""
    from .. import __version__  # here, not at import time: the package imports this module

    arrays = {"__kind__": np.array(fmt.kind), "__format_version__": np.array(fmt.version),
              "settings": np.array(_settings_json(model, fmt.settings)),
              "rnn_lib_version": np.array(__version__)}
    for name in fmt.weights:
        arrays[name] = np.asarray(getattr(model, name), dtype=float)
    arrays.update(fmt.extra_arrays(model))
    for name in fmt.counts:
        arrays[name] = np.array(int(getattr(model, name, 0)))
    for name in fmt.records:
        arrays[name] = np.asarray(getattr(model, name, []), dtype=float)

    path = os.fsdecode(os.fspath(path))
    # np.savez(path) would append ".npz" to a path without it; writing to an
    # open file keeps the name the caller chose. A temporary file next to the
    # target, renamed over it at the end, never leaves half a file behind.
    target = os.path.realpath(path)  # through a symlink, as open(path, "wb") writes
    tmp = f"{target}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        f = open(tmp, "xb")
    except OSError as exc:  # name the caller's path, not the temporary one
        raise type(exc)(exc.errno, exc.strerror, path) from None
    try:
        with f:
            np.savez(f, **arrays)
        if os.path.exists(target):
            shutil.copymode(target, tmp)  # an existing file keeps its permissions
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def load_model(cls, path, fmt=CLASSIFIER):
    """Read a model that `save_model` wrote; ModelFileError for any other file."""
    name = os.fsdecode(os.fspath(path))
    with open(name, "rb") as f:
        head = f.read(len(_NPY_MAGIC))
        if not head.startswith(_ZIP_MAGIC):
            raise ModelFileError(_not_npz_message(name, head, fmt))
        f.seek(0)
        try:
            npz = np.load(f, allow_pickle=False)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ModelFileError(
                f"{name} is truncated or damaged: it starts like an .npz file, but "
                f"cannot be read as one ({exc})"
            ) from None
        with npz:
            return _read(cls, npz, name, fmt)


def _read(cls, npz, name, fmt):
    files = set(npz.files)
    if "__kind__" not in files:
        listing = ", ".join(sorted(files)[:8]) + (", ..." if len(files) > 8 else "")
        raise ModelFileError(
            f"{name} is an .npz file, but not a model written by "
            f"{fmt.owner}.save: expected an entry '__kind__' = {fmt.kind!r}; "
            f"the file holds {len(files)} {'entry' if len(files) == 1 else 'entries'}: "
            f"{listing or 'none'}"
        )
    kind = entry(npz, "__kind__", name, "U", ())
    if str(kind) != fmt.kind:
        raise ModelFileError(f"{name} holds a {str(kind)!r}, not a {fmt.kind!r}")
    missing = [key for key in fmt.required if key not in files]
    if missing:
        raise ModelFileError(f"{name} is damaged: it lacks the entries {', '.join(missing)}")
    version = int(entry(npz, "__format_version__", name, "iu", ()))
    if version > fmt.version:
        raise ModelFileError(
            f"{name} is in format version {version}, written by a newer rnn_lib; this "
            f"rnn_lib reads versions up to {fmt.version}: upgrade rnn_lib to load it"
        )
    try:
        settings = json.loads(str(entry(npz, "settings", name, "U", ())))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{name} is damaged: its settings are not valid JSON ({exc})") from None
    if isinstance(settings, dict):
        for key, value in fmt.defaults:
            settings.setdefault(key, value)
    if not isinstance(settings, dict) or set(settings) != set(fmt.settings):
        raise ModelFileError(f"{name} is damaged: expected the settings "
                             f"{', '.join(fmt.settings)}; got {settings!r}")
    try:
        model = cls(**settings)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{name} is damaged or was edited: {exc}") from None
    for key in fmt.weights:
        setattr(model, key, entry(npz, key, name, "f"))
    fmt.read_extra(model, npz, name)
    for key in fmt.counts:
        setattr(model, key, int(entry(npz, key, name, "iu", ())))
    for key in fmt.records:
        setattr(model, key, entry(npz, key, name, "f").tolist())
    try:
        fmt.validate(model)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{name} is damaged or was edited: {exc}") from None
    return model


def entry(npz, key, name, kinds, shape=None):
    """``npz[key]``, checked for dtype kind and shape; never unpickled."""
    try:
        arr = npz[key]
    except ValueError as exc:
        if "pickle" in str(exc):
            raise ModelFileError(
                f"{name}: the entry {key!r} is a pickled object array. load never unpickles, "
                "because unpickling a file can run any code in it; a file written by "
                "save holds plain arrays only"
            ) from None
        raise ModelFileError(f"{name} is damaged: cannot read {key!r} ({exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise ModelFileError(f"{name} is truncated or damaged: cannot read {key!r} ({exc})") from None
    if arr.dtype.kind not in kinds or (shape is not None and arr.shape != shape):
        raise ModelFileError(
            f"{name} is damaged: {key!r} has dtype {arr.dtype} and shape {arr.shape}, "
            "not what save writes"
        )
    return arr


def _settings_json(model, keys):
    """The constructor's arguments as JSON; TypeError naming a setting JSON cannot hold."""
    settings = {}
    for key in keys:
        value = getattr(model, key)
        if isinstance(value, np.generic):
            value = value.item()  # e.g. np.int64(3) -> 3
        try:
            json.dumps(value)
        except TypeError:
            raise TypeError(f"{key} = {value!r} cannot be saved: a setting must be a number, "
                            "a string or None") from None
        settings[key] = value
    return json.dumps(settings, sort_keys=True)


def _not_npz_message(name, head, fmt):
    if head.startswith(_NPY_MAGIC):
        what = "a single NumPy array (.npy, as np.save writes it)"
    elif head[:1] == b"\x80":
        what = ("a Python pickle, which load never unpickles: unpickling a file can run "
                "any code in it")
    elif not head:
        what = "an empty file"
    else:
        what = f"a file starting with {head!r}"
    return (f"{name} is not a model written by {fmt.owner}.save: expected an "
            f".npz file (a zip archive, starting with b'PK'); got {what}")
