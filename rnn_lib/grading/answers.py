"""A copy of rnn_lib without the answers to its exercises, for the grading run.

Exercises are graded in a run of the notebook where the library functions
that answer them (``Exercise.solves``, e.g. ``rnn_lib.nn.rnn.rnn_backward``)
raise instead of computing, and where the graded checks and their catalogues
of mistakes (which hold correct implementations too) cannot be imported. The
copy is mounted over rnn_lib in that run's sandbox, so the answers are not in
its memory, on its disk or in its source files: no alias, ``importlib``
trick, ``inspect.getsource`` or saved code object brings them back. The
notebook's own run, the one whose errors are reported, has the whole library.
"""
import ast
import shutil
from pathlib import Path

__all__ = ["FALLBACK_SOLVES", "answerless_library", "solves"]

# The library functions that answer each exercise, for an `Exercise` without `solves`.
FALLBACK_SOLVES = {
    "rnn_step_forward": ("rnn_lib.nn.rnn.rnn_step_forward",),
    "rnn_forward": ("rnn_lib.nn.rnn.rnn_forward",),
    "rnn_step_backward": ("rnn_lib.nn.rnn.rnn_step_backward",),
    "rnn_backward": ("rnn_lib.nn.rnn.rnn_backward",),
    "softmax_cross_entropy": ("rnn_lib.nn.losses.softmax_cross_entropy",),
    "adam_step": ("rnn_lib.optim.Adam._update",),
}

# Functions beside an answer that give most of it away: switched off with it, where they exist.
SIBLINGS = {"softmax_cross_entropy": ("log_softmax", "softmax", "temporal_softmax_cross_entropy")}

MESSAGE = ("{name} is the library's answer to exercise {exercise}; it is switched off while "
           "submissions are graded. Write the function yourself.")


def solves(name, exercise):
    """The dotted names of the library functions that answer exercise `name`."""
    return tuple(getattr(exercise, "solves", ()) or FALLBACK_SOLVES.get(name, ()))


def _is_checks(path, root):
    """The graded checks and their mistakes: rnn_lib/checks(.py or /), _checkbase, *mistakes*."""
    parts = path.relative_to(root).parts
    return bool(parts) and (parts[0] in ("checks", "checks.py", "_checkbase.py")
                            or "mistakes" in parts[0])


def answerless_library(source, target, exercises):
    """Copy the package `source` to `target`, without the answers of `exercises` (name -> Exercise).

    Raises ValueError when an answer named by an exercise is not in the package.
    """
    source, target = Path(source), Path(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    text = ('raise ImportError("rnn_lib\'s graded checks and their catalogues of mistakes cannot be '
            'imported while submissions are graded: the grader runs the checks itself")\n')
    for path in sorted(target.iterdir()):
        if not _is_checks(path, target):
            continue
        if path.is_dir():  # a package: importing any of it runs its __init__ first
            shutil.rmtree(path)
            path.mkdir()
            (path / "__init__.py").write_text(text)
        elif path.suffix == ".py":
            path.write_text(text)
    for exercise_name, exercise in exercises.items():
        names = solves(exercise_name, exercise)
        for dotted in names:
            _switch_off(target, dotted, exercise_name)
        for sibling in SIBLINGS.get(exercise_name, ()):
            dotted = f"{names[0].rsplit('.', 1)[0]}.{sibling}" if names else ""
            if dotted and dotted not in names:
                try:
                    _switch_off(target, dotted, exercise_name)
                except ValueError:  # not in this version of the library: nothing to switch off
                    pass
    return target


def _module_file(root, parts):
    """The longest prefix of `parts` (after the package name) that is a module under `root`."""
    for n in range(len(parts), 0, -1):
        base = root.joinpath(*parts[:n])
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path, parts[n:]
    return None, parts


def _switch_off(root, dotted, exercise):
    """Make the function `dotted` raise, with a message that names it and `exercise`."""
    message = MESSAGE.format(name=dotted, exercise=exercise)
    parts = dotted.split(".")
    if parts[0] != root.name and parts[0] != "rnn_lib":
        raise ValueError(f"{dotted} is not in the package {root.name}")
    path, qualname = _module_file(root, parts[1:])
    if path is None or not qualname:
        raise ValueError(f"cannot switch off {dotted}: no such module in rnn_lib")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    node = _find(tree, qualname)
    imported = _imported(tree, path, root, qualname) if node is None else None
    if imported:  # the module only imports it: switch it off where it is defined
        return _switch_off(root, imported, exercise)
    if node is None:
        raise ValueError(f"cannot switch off {dotted}: no function {'.'.join(qualname)} "
                         f"in {path.relative_to(root.parent)}")
    keep = node.body[:1] if ast.get_docstring(node) is not None else []
    node.body = keep + [ast.Raise(exc=ast.Call(func=ast.Name("RuntimeError", ast.Load()),
                                               args=[ast.Constant(message)], keywords=[]), cause=None)]
    path.write_text(ast.unparse(ast.fix_missing_locations(tree)) + "\n", encoding="utf-8")


def _imported(tree, path, root, qualname):
    """The dotted name a module-level ``from .x import name`` of `qualname` refers to, or None."""
    if len(qualname) != 1:
        return None
    package = path.parent.relative_to(root.parent).parts  # ("rnn_lib", "nn")
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            for alias in node.names:
                if (alias.asname or alias.name) == qualname[0]:
                    base = package[:len(package) - node.level + 1]
                    return ".".join([*base, *(node.module.split(".") if node.module else []), alias.name])
    return None


def _find(tree, qualname):
    body = tree.body
    node = None
    for name in qualname:
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.ClassDef)) and n.name == name), None)
        if node is None:
            return None
        body = node.body
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
