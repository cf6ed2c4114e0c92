"""The names the book's cells and students' notebooks import: pinned, so that no move breaks them."""
import importlib
import subprocess
import sys

import pytest

import rnn_lib
import rnn_lib.checks

TOP_LEVEL = {
    "AdaGrad", "Adam", "AffineCache", "DivergenceError", "ModelFileError", "NotFittedError",
    "LastStateCache", "Momentum", "RMSProp", "SGD", "affine_backward", "affine_forward",
    "clip_grad_norm", "grad_norm", "last_state_backward", "last_state_forward",
    "load_digit_sequences", "log_softmax", "softmax", "softmax_cross_entropy",
    "temporal_softmax_cross_entropy", "RNNCache", "RNNStepCache", "ScratchSimpleRNNClassifier",
    "rnn_backward", "rnn_forward", "rnn_step_backward", "rnn_step_forward",
}
CHECKS = {
    "CheckResult", "EXERCISES", "Exercise", "check_adam_step", "check_rnn_backward",
    "check_rnn_forward", "check_rnn_step_backward", "check_rnn_step_forward",
    "check_softmax_cross_entropy",
}
# Other module paths that chapters, students or instructors import.
MODULE_NAMES = [
    ("rnn_lib.datasets", "load_digit_sequences"),
    ("rnn_lib.gradcheck", "numerical_gradient"),
    ("rnn_lib.gradcheck", "numerical_gradient_array"),
    ("rnn_lib.gradcheck", "numerical_gradients"),
    ("rnn_lib.gradcheck", "relative_error"),
    ("rnn_lib.plotting", "book_style"),
    ("rnn_lib.optim", "OPTIMIZERS"),
    ("rnn_lib.grading", "grade_notebooks"),
    ("rnn_lib.grading", "write_student_editions"),
]


def test_top_level_exports_every_name_it_always_has():
    assert TOP_LEVEL <= set(rnn_lib.__all__)
    missing = [name for name in rnn_lib.__all__ if not hasattr(rnn_lib, name)]
    assert missing == []


def test_checks_export_every_check_and_the_registry():
    assert CHECKS <= set(rnn_lib.checks.__all__)
    for name in rnn_lib.checks.__all__:
        assert hasattr(rnn_lib.checks, name), name
    assert list(rnn_lib.checks.EXERCISES)[:6] == [
        "rnn_step_forward", "rnn_forward", "rnn_step_backward", "rnn_backward",
        "softmax_cross_entropy", "adam_step"]


@pytest.mark.parametrize("module, name", MODULE_NAMES)
def test_module_paths_the_book_imports_still_resolve(module, name):
    assert hasattr(importlib.import_module(module), name)


def test_datasets_module_is_the_data_package_function():
    import rnn_lib.data
    import rnn_lib.datasets

    assert rnn_lib.datasets.load_digit_sequences is rnn_lib.data.load_digit_sequences


def test_every_exercise_names_a_solution_that_exists():
    for key, exercise in rnn_lib.checks.EXERCISES.items():
        assert exercise.solves, f"{key} names no library function that solves it"
        for dotted in exercise.solves:
            module, _, attr = dotted.rpartition(".")
            obj = None
            while module:  # a method: "rnn_lib.optim.Adam._update"
                try:
                    obj = importlib.import_module(module)
                    break
                except ImportError:
                    module, _, outer = module.rpartition(".")
                    attr = f"{outer}.{attr}"
            for part in attr.split("."):
                obj = getattr(obj, part)
            assert callable(obj), dotted


def test_grading_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "rnn_lib.grading", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "usage" in out.stdout.lower()


def test_nn_imports_no_model_or_check():
    """The arrows between folders point one way: nn is the bottom layer."""
    import pathlib
    import re

    nn = pathlib.Path(rnn_lib.__file__).parent / "nn"
    for path in nn.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*from \.\.(models|checks|grading|data)\b", text, re.M), path
        assert not re.search(r"^\s*(from|import) rnn_lib\.(models|checks|grading)", text, re.M), path
