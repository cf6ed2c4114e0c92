"""Student editions and the grader (python -m rnn_lib.grading).

Kernels start slowly, so the grader runs twice in all, each time on a batch
of submissions: the book's notebooks, the student editions and small
hand-made notebooks that each try one way to break or fool it.
"""
import csv
import hashlib
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import nbformat
import numpy as np
import psutil
import pytest
from nbclient import NotebookClient

from rnn_lib.checks import EXERCISES
from rnn_lib.grading import Chapter, find_chapters, student_edition, write_student_editions
from rnn_lib.grading.book import solution_blocks

ROOT = Path(__file__).resolve().parents[1]
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


def cli(*args):
    return subprocess.run([sys.executable, "-m", "rnn_lib.grading", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def digests(paths):
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


def read_csv(path):
    """Rows by submission path (as given on the command line)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {r["submission"]: r for r in csv.DictReader(f)}


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


# ---------------------------------------------------------------- grading
class Batch(NamedTuple):
    run: subprocess.CompletedProcess
    rows: dict  #: CSV rows by submission path
    before: dict  #: sha256 of every submission before grading
    after: dict
    made: Path  #: the folder of the hand-made submissions
    students: Path  #: the folder of the student editions

    def row(self, name):
        return self.rows[str(self.made / name)]


@pytest.fixture(scope="module")
def batch(tmp_path_factory, editions):
    """One grading run over the book, the student editions and notebooks that try to break it."""
    tmp = tmp_path_factory.mktemp("submissions")
    student_dir, _, _ = editions
    wrong_forward = ("def my_rnn_forward(x, h0, W_x, W_h, B):\n"
                     "    return np.zeros(x.shape[:2] + h0.shape[1:]), None\n")
    made = [
        notebook(tmp / "faked.ipynb", STEP_FORWARD, wrong_forward,
                 'print("passed")',  # in place of the check cell
                 "import rnn_lib.checks, rnn_lib.nn.rnn, rnn_lib.checks._base\n"
                 "from rnn_lib.checks._base import CheckResult, Line\n"
                 "def check_rnn_forward(*functions):\n"
                 "    return CheckResult('check_rnn_forward', [Line(True, 'all right')])\n"
                 "rnn_lib.checks.check_rnn_forward = check_rnn_forward\n"
                 "rnn_lib.checks.EXERCISES['rnn_forward'] = rnn_lib.checks.Exercise(\n"
                 "    check_rnn_forward, ('my_rnn_forward',), 1)\n"
                 "rnn_lib.nn.rnn.rnn_forward = rnn_lib.checks.forward.rnn_forward = my_rnn_forward\n"
                 "rnn_lib.checks._base.close = lambda actual, expected: True\n"),
        notebook(tmp / "missing.ipynb", STEP_FORWARD),
        notebook(tmp / "raises.ipynb", STEP_FORWARD, 'raise ValueError("boom")',
                 'for _ in range(50):\n    print("x" * 200_000)', FORWARD),
    ]
    (tmp / "not_json.ipynb").write_bytes(b"\x00\xff this is not JSON")
    (tmp / "not_notebook.ipynb").write_text('{"hello": "world"}')
    submissions = [c.path for c in CHAPTERS] + [student_dir / c.relpath for c in CHAPTERS] + made + [
        tmp / "not_json.ipynb", tmp / "not_notebook.ipynb"]
    before = digests(submissions)
    run = cli("grade", *submissions, "--out", tmp / "grades.csv")
    return Batch(run, read_csv(tmp / "grades.csv"), before, digests(submissions), tmp, student_dir)


def test_grade_batch_finishes_with_exit_code_0(batch):
    assert batch.run.returncode == 0, batch.run.stderr
    assert "why points were lost" in batch.run.stdout


def test_grades_csv_columns(batch):
    assert len(batch.rows) == 2 * len(CHAPTERS) + 5
    assert list(next(iter(batch.rows.values()))) == ["submission", *EXERCISES, "total", "error"]


def test_submissions_are_not_modified(batch):
    assert batch.before == batch.after


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.relpath.stem)
def test_solutions_get_full_marks_for_their_exercises(batch, chapter):
    row = batch.rows[str(chapter.path)]
    assert row["error"] == ""
    for name in chapter.exercises:
        assert int(row[name]) == EXERCISES[name].points


def test_untouched_student_editions_get_zero(batch):
    for chapter in CHAPTERS:
        row = batch.rows[str(batch.students / chapter.relpath)]
        assert (row["total"], row["error"]) == ("0", "")


def test_faked_check_cannot_pass_a_wrong_function(batch):
    row = batch.row("faked.ipynb")
    assert (row["rnn_step_forward"], row["rnn_forward"]) == ("1", "0")


def test_missing_function_gets_zero_with_a_reason(batch):
    row = batch.row("missing.ipynb")
    assert (row["rnn_step_forward"], row["rnn_forward"], row["error"]) == ("1", "0", "")
    assert "missing.ipynb, rnn_forward: not defined in the notebook: my_rnn_forward" in batch.run.stdout


def test_error_is_reported_and_later_exercises_still_graded(batch):
    row = batch.row("raises.ipynb")
    assert row["error"].startswith("cell 2 (raise ValueError(\"boom\")): ValueError: boom")
    assert (row["rnn_step_forward"], row["rnn_forward"]) == ("1", "1")  # defined after the error


@pytest.mark.parametrize("name, reason", [("not_json.ipynb", "not a notebook (not JSON)"),
                                          ("not_notebook.ipynb", "not a notebook (JSON without")])
def test_broken_files_get_zero_and_a_reason(batch, name, reason):
    row = batch.row(name)
    assert row["total"] == "0" and row["error"].startswith(reason)


def test_grade_refuses_to_overwrite_its_output(tmp_path):
    (tmp_path / "grades.csv").write_text("mine")
    run = cli("grade", tmp_path / "a.ipynb", "--out", tmp_path / "grades.csv")
    assert run.returncode == 1 and "--force" in run.stderr
    assert (tmp_path / "grades.csv").read_text() == "mine"


def test_grade_rejects_an_unknown_exercise(tmp_path):
    run = cli("grade", tmp_path / "a.ipynb", "--out", tmp_path / "g.csv", "--exercises", "rnn_forwrd")
    assert run.returncode == 1 and "unknown exercise rnn_forwrd" in run.stderr


def sleepers(seconds):
    return [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", seconds]]


def test_endless_loops_time_out_and_leave_no_process_behind(tmp_path):
    seconds = [str(500_000 + secrets.randbelow(100_000)) for _ in range(3)]  # tags our children
    spawn = ("import subprocess\n"
             f"in_group = subprocess.Popen(['sleep', '{seconds[0]}'])\n"
             f"own_session = subprocess.Popen(['sleep', '{seconds[1]}'], start_new_session=True)\n")
    hanging_forward = "def my_rnn_forward(x, h0, W_x, W_h, B):\n    while True:\n        pass\n"
    interruptible = notebook(tmp_path / "loop.ipynb", STEP_FORWARD, spawn + "while True:\n    pass",
                             hanging_forward)
    stubborn = notebook(tmp_path / "stubborn.ipynb", STEP_FORWARD,
                        "import subprocess, time\n"
                        f"child = subprocess.Popen(['sleep', '{seconds[2]}'], start_new_session=True)\n"
                        "while True:\n    try:\n        time.sleep(100)\n"
                        "    except KeyboardInterrupt:\n        pass\n", FORWARD)
    dies = notebook(tmp_path / "dies.ipynb", STEP_FORWARD, "import os\nos._exit(1)", FORWARD)
    run = cli("grade", interruptible, stubborn, dies, "--out", tmp_path / "g.csv", "--timeout", 4,
              "--chapter", "01")  # a hanging function costs one timeout per exercise that calls it
    assert run.returncode == 0, run.stderr
    rows = {Path(k).name: v for k, v in read_csv(tmp_path / "g.csv").items()}
    assert list(rows["dies.ipynb"]) == ["submission", "rnn_step_forward", "rnn_forward", "total", "error"]
    loop = rows["loop.ipynb"]
    assert (loop["rnn_step_forward"], loop["rnn_forward"]) == ("1", "0")  # graded after the interrupt
    assert loop["error"].startswith("cell 2 (import subprocess): timed out after 4 s (interrupted)")
    assert "rnn_forward: not graded: timed out" in run.stdout
    assert rows["stubborn.ipynb"]["total"] == "0"
    assert "ignored the interrupt and was stopped" in rows["stubborn.ipynb"]["error"]
    assert rows["dies.ipynb"]["error"] == "cell 2 (import os): the kernel died"
    assert not [p for s in seconds for p in sleepers(s)]
