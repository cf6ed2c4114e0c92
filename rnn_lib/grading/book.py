"""Find the exercises of the book and make its student editions.

An exercise cell holds a function whose body, or part of it, sits between
the lines ``# BEGIN SOLUTION`` and ``# END SOLUTION``; the ``def`` line and
the docstring stay outside the markers. A check cell calls one of the graded
checks of `rnn_lib.checks.EXERCISES` on such a function. Nothing here knows
chapter names: every notebook under the book folder is scanned.
"""
import copy
import json
import re
from pathlib import Path
from typing import NamedTuple

import nbformat

from ..checks import EXERCISES

__all__ = ["Chapter", "find_book", "find_chapters", "student_edition", "write_student_editions"]

BEGIN = re.compile(r"^(?P<indent>[ \t]*)#\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*#\s*END SOLUTION\s*$")
DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)")
LABEL = re.compile(r"\bExercise\s+(?P<label>\d+(?:\.\d+)*)")


class Block(NamedTuple):
    """Lines ``begin`` to ``end`` (the markers, 0-based) of a cell, inside function ``name``."""

    begin: int
    end: int
    indent: str
    name: str  #: the enclosing function, or "" for a block outside any function


class Chapter(NamedTuple):
    """A notebook of the book that has exercises."""

    path: Path
    relpath: Path  #: relative to the book folder
    functions: tuple  #: names of the functions with a solution block, in order
    exercises: tuple  #: names in `EXERCISES` whose check cell is in this notebook
    labels: dict  #: function name -> exercise label written in the prose ("1.1")


def find_book(book=None):
    """The book folder: `book` if given, else ``book`` in the cwd, else the repository's."""
    if book is not None:
        path = Path(book)
        if not path.is_dir():
            raise FileNotFoundError(f"book folder {str(path)!r} does not exist")
        return path
    for path in (Path("book"), Path(__file__).resolve().parents[2] / "book"):
        if path.is_dir():
            return path
    raise FileNotFoundError("no book folder: run from the repository's root or pass --book DIR")


def solution_blocks(source, where="cell"):
    """The solution blocks of a cell's source, with their enclosing functions."""
    lines = source.split("\n")
    blocks, start = [], None
    for i, line in enumerate(lines):
        if BEGIN.match(line):
            if start is not None:
                raise ValueError(f"{where}: '# BEGIN SOLUTION' on line {i + 1} inside another block")
            start = i
        elif END.match(line):
            if start is None:
                raise ValueError(f"{where}: '# END SOLUTION' on line {i + 1} without a BEGIN")
            indent = BEGIN.match(lines[start]).group("indent")
            blocks.append(Block(start, i, indent, _enclosing_function(lines, start, indent)))
            start = None
    if start is not None:
        raise ValueError(f"{where}: '# BEGIN SOLUTION' on line {start + 1} has no END")
    return blocks


def _enclosing_function(lines, start, indent):
    for line in reversed(lines[:start]):
        match = DEF.match(line)
        if match and len(match.group("indent")) < len(indent):
            return match.group("name")
    return ""


def _notebooks(book):
    for path in sorted(Path(book).rglob("*.ipynb")):
        parts = path.relative_to(book).parts
        if not any(p.startswith((".", "_")) for p in parts):
            yield path


def _check_names():
    return {ex.check.__name__ for ex in EXERCISES.values()}


def _calls_check(source, functions):
    """True when `source` calls a graded check on one of `functions`."""
    names = "|".join(sorted(_check_names()))
    return bool(re.search(rf"\b(?:{names})\s*\(", source)) and any(
        re.search(rf"\b{re.escape(f)}\b", source) for f in functions)


def _scan(path, book):
    nb = nbformat.read(path, as_version=4)
    functions = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for block in solution_blocks(cell.source, f"{path} cell {i + 1}"):
                if block.name and block.name not in functions:
                    functions.append(block.name)
    exercises = []
    for cell in nb.cells:
        if cell.cell_type == "code" and _calls_check(cell.source, functions):
            for name, ex in EXERCISES.items():
                if (name not in exercises and re.search(rf"\b{ex.check.__name__}\s*\(", cell.source)
                        and re.search(rf"\b{re.escape(ex.functions[0])}\b", cell.source)):
                    exercises.append(name)
    labels = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.split("\n"):
                match = LABEL.search(line)
                for f in functions if match else ():
                    if f not in labels and re.search(rf"\b{re.escape(f)}\b", line):
                        labels[f] = match.group("label")
    return nb, Chapter(path, path.relative_to(book), tuple(functions), tuple(exercises), labels)


def find_chapters(book=None):
    """Every notebook of the book with at least one solution block, in file order."""
    book = find_book(book)
    return [chapter for _, chapter in (_scan(p, book) for p in _notebooks(book)) if chapter.functions]


def _stub_message(name, chapter, chapters):
    """The stub's friendly message; a function asked for in another chapter is pasted from there."""
    for other in chapters:  # `chapter` first
        if name in _own_functions(other) and name in other.labels:
            label = other.labels[name]
            if other is chapter:
                return f"Exercise {label}: write {name} here, then run the check cell below."
            return (f"Exercise {label}: paste your {name} from {other.relpath.as_posix()} "
                    "here, then run this cell.")
    if name in chapter.labels:
        return f"Exercise {chapter.labels[name]}: write {name} here, then run the check cell below."
    return f"Write {name} here, then run the check cell below."


def _own_functions(chapter):
    """Functions that `chapter` asks for in an exercise of its own (its check cells use them)."""
    return {f for name in chapter.exercises for f in EXERCISES[name].functions[:1]}


def _stub(block, message):
    if not block.name:  # code outside a function: leave an empty place, not an error
        return [f"{block.indent}# Your code here.", f"{block.indent}pass"]
    return [f"{block.indent}# Your code here, in place of the line below.",
            f"{block.indent}raise NotImplementedError({json.dumps(message)})"]


def student_edition(nb, chapter, chapters=()):
    """A copy of notebook `nb` with every solution replaced by a stub.

    Exercise and check cells lose their outputs and execution counts, and
    exercise cells lose the ``hide-input`` tag and JupyterLab's collapsed flag
(``jupyter.source_hidden``); everything else is kept.
    """
    nb = copy.deepcopy(nb)
    chapters = [chapter] + [c for c in chapters if c.path != chapter.path]
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        blocks = solution_blocks(cell.source, f"{chapter.path} cell {i + 1}")
        if blocks:
            lines = cell.source.split("\n")
            for block in reversed(blocks):
                lines[block.begin:block.end + 1] = _stub(block, _stub_message(block.name, chapter, chapters))
            cell.source = "\n".join(lines)
            _compiles(cell.source, f"{chapter.path} cell {i + 1}")
            tags = [t for t in cell.metadata.get("tags", []) if t != "hide-input"]
            if tags:
                cell.metadata["tags"] = tags
            else:
                cell.metadata.pop("tags", None)
            # The stub is for the student to fill in: shown, not collapsed, in JupyterLab too.
            jupyter = cell.metadata.get("jupyter", {})
            jupyter.pop("source_hidden", None)
            if not jupyter:
                cell.metadata.pop("jupyter", None)
        if blocks or _calls_check(cell.source, chapter.functions):
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return nb


def _compiles(source, where):
    """Raise if the stubbed cell is not valid Python (IPython magics aside)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
    try:
        compile(code, where, "exec")
    except SyntaxError as exc:
        raise ValueError(f"{where}: the student edition is not valid Python ({exc})") from None


def write_student_editions(out, book=None, force=False):
    """Write the student edition of every chapter with exercises into folder `out`.

    Refuses an `out` inside the book folder, and files that exist unless `force`.
    Returns the paths written.
    """
    book = find_book(book)
    out = Path(out)
    if out.resolve() == book.resolve() or book.resolve() in out.resolve().parents:
        raise ValueError(f"--out {str(out)!r} is inside the book folder {str(book)!r}; "
                         "student editions never go there, choose another folder")
    chapters = find_chapters(book)
    targets = [out / c.relpath for c in chapters]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise FileExistsError("these files exist already (use --force to replace them): "
                              + ", ".join(existing))
    for chapter, target in zip(chapters, targets):
        nb = student_edition(nbformat.read(chapter.path, as_version=4), chapter, chapters)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    return targets
