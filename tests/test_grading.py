"""Student editions (python -m rnn_lib.grading student).

The grader itself, in its sandboxes, is tested in test_grading_sandbox.py.
"""
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from rnn_lib.checks import EXERCISES
from rnn_lib.grading import Chapter, find_chapters, student_edition, write_student_editions
from rnn_lib.grading.book import solution_blocks

from grading_helpers import ROOT, cli, digests

BOOK = ROOT / "book"
CHAPTERS = find_chapters(BOOK)

STEP_FORWARD = '''\
import numpy as np

def my_rnn_step_forward(x, h_prev, W_x, W_h, B):
    h_next = np.tanh(x @ W_x + h_prev @ W_h + B)
    return h_next, (x, h_prev, h_next, W_x, W_h)
'''
FORWARD = '''\
def my_rnn_forward(x, h0, W_x, W_h, B):
    h, h_prev = [], h0
    for t in range(x.shape[1]):
        h_prev, _ = my_rnn_step_forward(x[:, t], h_prev, W_x, W_h, B)
        h.append(h_prev)
    return np.stack(h, axis=1), None
'''


# ---------------------------------------------------------------- student editions
@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    before = digests(p for p in BOOK.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    run = cli("student", "--out", out)
    assert run.returncode == 0, run.stderr
    after = digests(p for p in BOOK.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return out, before, after


def test_book_has_chapters_with_exercises():
    assert len(CHAPTERS) >= 2
    assert all(c.exercises for c in CHAPTERS)


def test_student_command_never_changes_the_book(editions):
    _, before, after = editions
    assert before == after


def test_student_edition_for_every_chapter_with_exercises(editions):
    out, _, _ = editions
    assert sorted(p.name for p in out.iterdir()) == sorted(c.relpath.name for c in CHAPTERS)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.relpath.stem)
def test_student_edition_stubs_solutions_and_keeps_the_rest(chapter):
    original = nbformat.read(chapter.path, as_version=4)
    student = student_edition(original, chapter, CHAPTERS)
    assert len(student.cells) == len(original.cells)
    for old, new in zip(original.cells, student.cells):
        blocks = solution_blocks(old.source) if old.cell_type == "code" else []
        is_check = old.cell_type == "code" and any(
            f"{ex.check.__name__}(" in old.source and ex.functions[0] in old.source
            for ex in EXERCISES.values()) and any(f in old.source for f in chapter.functions)
        if not blocks and not is_check:
            assert new == old  # prose, figures and other outputs untouched
            continue
        assert new.outputs == [] and new.execution_count is None
        if blocks:
            assert "BEGIN SOLUTION" not in new.source and "hide-input" not in new.metadata.get("tags", [])
            kept = old.source.split("\n")[:blocks[0].begin]  # def line and docstring
            assert new.source.split("\n")[:blocks[0].begin] == kept
            stubs = [line for line in new.source.split("\n") if "raise NotImplementedError(" in line]
            assert [line[:len(b.indent) + 5] for line, b in zip(stubs, blocks)] == [
                b.indent + "raise" for b in blocks]


def test_student_edition_shows_its_stubs_in_jupyterlab():
    """A solution collapsed for JupyterLab (jupyter.source_hidden) opens expanded as a stub."""
    chapter = CHAPTERS[0]
    original = nbformat.read(chapter.path, as_version=4)
    for cell in original.cells:
        if cell.cell_type == "code" and solution_blocks(cell.source):
            cell.metadata["jupyter"] = {"source_hidden": True}
    student = student_edition(original, chapter, CHAPTERS)
    stubs = [c for c in student.cells if c.cell_type == "code" and "raise NotImplementedError(" in c.source]
    assert stubs and all("source_hidden" not in c.metadata.get("jupyter", {}) for c in stubs)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.relpath.stem)
def test_stubs_raise_a_friendly_not_implemented_error(chapter):
    student = student_edition(nbformat.read(chapter.path, as_version=4), chapter, CHAPTERS)
    called = set()
    for cell in student.cells:
        if cell.cell_type == "code" and "raise NotImplementedError(" in cell.source:
            namespace = {"np": np}
            exec(cell.source, namespace)  # an exercise cell only defines functions
            for name in set(chapter.functions) & set(namespace):
                friendly = rf"^Exercise \d\.\d: (write|paste your) {name}\b.* here, then run"
                with pytest.raises(NotImplementedError, match=friendly):
                    namespace[name](*[None] * namespace[name].__code__.co_argcount)
                called.add(name)
    assert called == set(chapter.functions)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.relpath.stem)
def test_prose_is_true_in_the_student_edition_too(chapter):
    """A student edition shows its exercise cells: the text may not call them hidden."""
    prose = "\n".join(c.source for c in nbformat.read(chapter.path, as_version=4).cells
                      if c.cell_type == "markdown")
    assert not re.search(r"hidden (cell|in the cell)|solution is hidden|click to show", prose, re.I)


def test_stub_keeps_code_around_the_block_and_its_indentation():
    source = ("class Model:\n    def step(self, x):\n        \"\"\"Doc.\"\"\"\n        y = x + 1\n"
              "        # BEGIN SOLUTION\n        return y * 2\n        # END SOLUTION\n")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("Exercise 3.1: write `step`."),
        nbformat.v4.new_code_cell(source, metadata={"tags": ["hide-input", "other"]})])
    chapter = Chapter(Path("x.ipynb"), Path("x.ipynb"), ("step",), (), {"step": "3.1"})
    cell = student_edition(nb, chapter).cells[1]
    assert cell.source.split("\n")[:4] == source.split("\n")[:4]
    assert cell.source.split("\n")[5] == ('        raise NotImplementedError("Exercise 3.1: write step '
                                          'here, then run the check cell below.")')
    assert cell.metadata["tags"] == ["other"]


def test_unclosed_solution_block_is_an_error():
    with pytest.raises(ValueError, match="no END"):
        solution_blocks("def f():\n    # BEGIN SOLUTION\n    return 1\n")


def test_student_command_refuses_to_overwrite(editions):
    out, _, _ = editions
    run = cli("student", "--out", out)
    assert run.returncode == 1 and "exist" in run.stderr


def test_student_editions_refuse_a_folder_inside_the_book():
    with pytest.raises(ValueError, match="inside the book"):
        write_student_editions(BOOK / "student", BOOK)
    assert not (BOOK / "student").exists()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.relpath.stem)
def test_student_edition_runs_to_the_end_and_every_check_is_not_passed(editions, chapter):
    out, _, _ = editions
    nb = nbformat.read(out / chapter.relpath, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(out)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count is not None for c in code)  # the kernel survived to the end
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert all(e.ename == "NotImplementedError" for e in errors)  # only the stubs raise
    checks = [c for c in code if any(f"{EXERCISES[e].check.__name__}(" in c.source
                                     for e in chapter.exercises)
              and any(f in c.source for f in chapter.functions)]
    assert len(checks) >= len(chapter.exercises)
    for cell in checks:
        text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
        assert "not implemented yet" in text and "passed (" not in text
