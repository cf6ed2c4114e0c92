"""The pieces of the grader that need no sandbox: the answerless library and the wire format."""
import base64
import importlib
import io
import pickle
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from rnn_lib.checks import EXERCISES
from rnn_lib.grading import runner
from rnn_lib.grading.answers import FALLBACK_SOLVES, answerless_library, solves

RNN_LIB = Path(importlib.import_module("rnn_lib").__file__).parent


class WithSolves(NamedTuple):  # an Exercise as it is after the library moves into folders
    check: object
    functions: tuple
    points: int
    solves: tuple = ()


def run_in(tree, code):
    """Run `code` with the package at `tree` first on the path; its stdout."""
    return subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tree.parent)!r})\n"
                           + code], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return answerless_library(RNN_LIB, tmp_path_factory.mktemp("lib") / "rnn_lib", EXERCISES)


def test_every_exercise_names_the_library_functions_that_answer_it():
    for name, exercise in EXERCISES.items():
        assert solves(name, exercise), name


def test_the_solves_field_wins_over_the_fallback():
    exercise = WithSolves(None, (), 1, ("rnn_lib.losses.softmax",))
    assert solves("softmax_cross_entropy", exercise) == ("rnn_lib.losses.softmax",)
    assert solves("rnn_forward", WithSolves(None, (), 1)) == FALLBACK_SOLVES["rnn_forward"]


def test_answers_raise_and_say_why_and_the_rest_of_the_library_works(tree):
    out = run_in(tree, "import numpy as np, rnn_lib\n"
                       "assert rnn_lib.__file__.startswith(sys.path[0])\n"
                       "print(rnn_lib.affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))[0].sum())\n"
                       "for f, n in ((rnn_lib.rnn_forward, 5), (rnn_lib.rnn_backward, 2), (rnn_lib.softmax, 1)):\n"
                       "    try:\n"
                       "        f(*[None] * n)\n"
                       "    except RuntimeError as e:\n"
                       "        print(e)\n")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "24.0"
    rnn = importlib.import_module("rnn_lib").rnn_forward.__module__
    assert lines[1].startswith(f"{rnn}.rnn_forward is the library's answer to exercise rnn_forward")
    assert "switched off while submissions are graded" in lines[3]


def module_file(tree, function):
    module = getattr(importlib.import_module("rnn_lib"), function).__module__
    return tree.joinpath(*module.split(".")[1:]).with_suffix(".py")


def test_no_answer_is_left_in_the_source(tree):
    source = module_file(tree, "rnn_forward").read_text() + module_file(tree, "Adam").read_text()
    assert "np.tanh" not in source and "b1**t" not in source
    assert "def rnn_forward(x, h0, W_x, W_h, B):" in source  # the signature stays


CHECK_MODULES = ["rnn_lib.checks", importlib.import_module("rnn_lib.checks").CheckResult.__module__] + [
    "rnn_lib." + ".".join(p.relative_to(RNN_LIB).with_suffix("").parts) for p in RNN_LIB.rglob("*mistakes*.py")]


@pytest.mark.parametrize("module", CHECK_MODULES)
def test_checks_and_mistakes_cannot_be_imported(tree, module):
    out = run_in(tree, f"import {module}")
    assert "cannot be imported while submissions are graded" in out.stderr


def test_an_answer_that_is_not_in_the_library_is_an_error(tmp_path):
    module = importlib.import_module("rnn_lib").rnn_forward.__module__
    with pytest.raises(ValueError, match="no function nothing_here"):
        answerless_library(RNN_LIB, tmp_path / "rnn_lib",
                           {"x": WithSolves(None, (), 1, (f"{module}.nothing_here",))})


def test_wire_keeps_types_shapes_and_dtypes():
    value = (np.arange(6, dtype=np.float32).reshape(2, 3), np.float64(0.5), 3, [None, True, "a"],
             float("nan"))
    back = runner.decode(runner.encode(value, None), None)
    assert type(back) is tuple and type(back[3]) is list
    assert back[0].dtype == np.float32 and np.array_equal(back[0], value[0])
    assert type(back[1]) is np.float64 and np.isnan(back[4])


def test_wire_never_unpickles():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    data = {"t": "nd", "npy": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(ValueError):
        runner.decode(data, None)
    with pytest.raises(ValueError):  # a pickle is not .npy data at all
        runner.decode({"t": "nd", "npy": base64.b64encode(pickle.dumps([1])).decode()}, None)


def test_objects_that_are_not_plain_data_are_left_to_the_caller():
    seen = []
    runner.encode((np.zeros(2), {"state": 1}), lambda v: seen.append(v) or {"t": "ref", "id": "s0"})
    assert seen == [{"state": 1}]


def test_feedback_files_are_named_after_the_paths_below_the_common_folder():
    from rnn_lib.grading.feedback import feedback_names

    names = feedback_names(["class/alice/03.ipynb", "class/bob/03.ipynb", "class/alice__03.ipynb"])
    assert names == ["alice__03.md", "bob__03.md", "alice__03-2.md"]
