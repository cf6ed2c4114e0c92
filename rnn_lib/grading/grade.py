"""Grade submitted notebooks: run each in a sandbox, check its functions from outside.

Each submission is run twice, each time in a sandbox of its own (see
`sandbox`), cell by cell, in an IPython shell (see `runner`):

1. the run: with the whole library, as the student ran it; its errors and
   timeouts are what the grade reports;
2. the grading run: with a copy of the library whose answers to the
   exercises are switched off (see `answers`); then each exercise's check,
   called here in the grader, calls the student's functions in that sandbox
   through `remote.RemoteFunction` stand-ins and compares what comes back
   with the reference values computed here.

No code of the submission runs in the grader's process, and no value from it
is unpickled or evaluated: only arrays of numbers and JSON come back.
"""
import concurrent.futures
import json
import queue
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import nbformat

from ..checks import EXERCISES, CheckResult
from .answers import answerless_library
from .remote import Session
from .sandbox import GRACE, RNN_LIB, Limits, Process, SandboxUnavailable, Stopped, stop_all

__all__ = ["Grade", "Outcome", "grade_notebook", "grade_notebooks", "load_notebook", "sandbox_problem"]

MAX_BYTES = 50 * 2**20  # a larger file is not graded


class Outcome(NamedTuple):
    """The result of one exercise: passed or not, and the check's feedback."""

    passed: bool
    feedback: str


class Grade(NamedTuple):
    """The grade of one submission: exercise name -> `Outcome`, and the first error."""

    submission: str
    outcomes: dict
    error: str  #: "" when the notebook ran to the end
    sandbox: str = "bubblewrap"  #: "bubblewrap", or "none" when graded with --unsandboxed
    notes: tuple = ()  #: every error of the run, and what only failed in the grading run

    def points(self, name):
        return EXERCISES[name].points if self.outcomes[name].passed else 0

    @property
    def total(self):
        return sum(self.points(name) for name in self.outcomes)


class _Rejected(Exception):
    """The file cannot be graded at all (not a notebook, too large, ...)."""


class Cancelled(Exception):
    """The batch was stopped (Ctrl-C)."""


def _cut(text, limit):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def load_notebook(data):
    """Parse bytes as a notebook (v4); raise `_Rejected` with a short reason otherwise."""
    if len(data) > MAX_BYTES:
        raise _Rejected(f"file too large ({len(data) / 2**20:.0f} MB; the limit is {MAX_BYTES // 2**20} MB)")
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _Rejected("not a notebook (not JSON)") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int) or "cells" not in raw:
        raise _Rejected("not a notebook (JSON without notebook cells and format version)")
    try:
        nb = nbformat.convert(nbformat.reader.reads(text), 4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds for a malformed notebook
        raise _Rejected(f"not a valid notebook ({_cut(exc, 120)})") from None
    return nb


def _where(cell, index):
    first = next((line.strip() for line in cell.source.split("\n") if line.strip()), "")
    return f"cell {index + 1} ({_cut(first, 40)})"


def sandbox_problem():
    """Why no sandbox can be made here, or "" when bubblewrap works."""
    import shutil

    if shutil.which("bwrap") is None:
        return ("bubblewrap (bwrap) is not installed; on Debian or Ubuntu: "
                "sudo apt-get install bubblewrap")
    try:
        Process(RNN_LIB, sandboxed=True).start().stop()
    except SandboxUnavailable as exc:
        return f"bubblewrap cannot make a sandbox here: {exc}"
    return ""


class Grader:
    """Grades submissions with one configuration; safe to use from several threads."""

    def __init__(self, exercises=None, timeout=60, sandboxed=True, limits=Limits(), answerless=None):
        self.exercises = list(exercises or EXERCISES)
        self.timeout, self.sandboxed, self.limits = timeout, sandboxed, limits
        self.cancelled = threading.Event()
        self._tmp = None
        self._tmp = tempfile.TemporaryDirectory(prefix="rnn-lib-grading-")
        if answerless is None:
            answerless = answerless_library(RNN_LIB, Path(self._tmp.name) / "rnn_lib", EXERCISES)
        self.answerless = Path(answerless)
        self._one_off = {}  # exercise -> a library without that exercise's answers only
        self._lock = threading.Lock()

    def close(self):
        self._tmp.cleanup()

    def _without_answers_of(self, name):
        """A copy of rnn_lib where only exercise `name`'s answers are switched off (made once)."""
        with self._lock:
            if name not in self._one_off:
                target = Path(self._tmp.name) / f"only-{name}" / "rnn_lib"
                self._one_off[name] = answerless_library(RNN_LIB, target, {name: EXERCISES[name]})
            return self._one_off[name]

    def zero(self, path, reason, error=None):
        return Grade(str(path), {n: Outcome(False, f"not graded: {reason}") for n in self.exercises},
                     reason if error is None else error, self.mode)

    @property
    def mode(self):
        return "bubblewrap" if self.sandboxed else "none"

    def grade(self, path, slot=0):
        """Grade one submission; never raises because of its content."""
        try:
            data = Path(path).read_bytes()
            nb = load_notebook(data)
        except (OSError, _Rejected) as exc:
            reason = str(exc) if isinstance(exc, _Rejected) else f"cannot read the file ({exc.strerror})"
            return self.zero(path, reason)
        cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
        errors, notes, skip = [], [], set()
        try:
            fatal = self._run(cells, RNN_LIB, slot, errors, skip)
            if fatal:
                return Grade(str(path), {n: Outcome(False, "not graded: the notebook did not run to "
                                                           f"the end ({fatal})") for n in self.exercises},
                             _summarize(errors, fatal), self.mode, tuple(errors))
            outcomes = self._grading_run(cells, slot, errors, skip, notes, self.answerless,
                                         self.exercises)
            # A right answer may use the library's answer to another exercise (chapter 3's
            # loss uses rnn_forward): grade such an exercise again, in a run where only its
            # own answers are switched off.
            for name in self.exercises:
                if _stopped_by_other_answer(outcomes[name], name):
                    again = self._grading_run(cells, slot, list(errors), skip, [],
                                              self._without_answers_of(name), [name])
                    outcomes[name] = again[name]
        except SandboxUnavailable as exc:  # the grader's own trouble: say so, go on
            errors.append(f"grader error: {_cut(exc, 300)}")
            return self.zero(path, "the grader failed (see error)", _summarize(errors, ""))
        return Grade(str(path), outcomes, _summarize(errors, ""), self.mode, tuple(errors + notes))

    def _start(self, library, slot):
        if self.cancelled.is_set():
            raise Cancelled
        return Process(library, self.sandboxed, self.limits, slot).start()

    def _run_cell(self, process, cell, index):
        """Run one cell; return None, or a short error ("ValueError: ...", "timed out ...")."""
        if self.cancelled.is_set():
            raise Cancelled
        try:
            reply = process.request({"op": "run", "source": cell.source, "timeout": self.timeout},
                                    self.timeout + GRACE)
        except Stopped as exc:
            if self.cancelled.is_set():
                raise Cancelled from None
            if str(exc).startswith("no answer"):
                process.stopped_by = (f"timed out after {self.timeout:g} s; "
                                      "the kernel ignored the interrupt and was stopped")
            return process.stopped_by
        error = reply.get("error") if isinstance(reply, dict) else None
        if reply.get("timed_out") is True:
            return f"timed out after {self.timeout:g} s (interrupted)"
        if isinstance(error, dict) and "raises-exception" not in cell.metadata.get("tags", []):
            return f"{_cut(error.get('ename'), 80)}: {_cut(error.get('evalue'), 300)}".rstrip(": ")
        return None

    def _run(self, cells, library, slot, errors, skip):
        """The run: every cell with the whole library. Returns why it was stopped, or ""."""
        process = self._start(library, slot)
        try:
            for index, cell in cells:
                error = self._run_cell(process, cell, index)
                if error:
                    errors.append(f"{_where(cell, index)}: {error}")
                    if error.startswith("timed out"):
                        skip.add(index)  # not again in the grading run: one timeout is enough
                if not process.alive:
                    return process.stopped_by
            return ""
        finally:
            process.stop()

    def _grading_run(self, cells, slot, errors, skip, notes, library, names):
        """A grading run with `library`, then the checks of exercises `names`; their outcomes."""
        process = self._start(library, slot)
        run_errors = {e.split(": ", 1)[0] for e in errors}
        try:
            for index, cell in cells:
                if index in skip:
                    continue
                error = self._run_cell(process, cell, index)
                if error and _where(cell, index) not in run_errors:
                    notes.append(f"grading run, where the library's answers are switched off: "
                                 f"{_where(cell, index)}: {error}")
                if not process.alive:
                    break
            outcomes = {}
            for name in names:
                was_alive = process.alive
                outcomes[name] = self._check(process, name)
                if was_alive and not process.alive:  # this check's calls stopped it
                    errors.append(f"grading {name}: {process.stopped_by}")
            return outcomes
        finally:
            process.stop()

    def _check(self, process, name):
        if self.cancelled.is_set():
            raise Cancelled
        exercise = EXERCISES[name]
        if not process.alive:
            return Outcome(False, f"not graded: the grading run was stopped ({process.stopped_by})")
        session = Session(process, self.timeout)
        try:
            found = session.lookup(exercise.functions)
        except Stopped as exc:
            return Outcome(False, f"not graded: the grading run was stopped ({exc})")
        missing = [f for f in exercise.functions if found[f] is None]
        if missing:
            return Outcome(False, f"not defined in the notebook: {', '.join(missing)} "
                                  "(keep the function names of the student edition)")
        result = exercise.check(*[found[f] for f in exercise.functions])
        if self.cancelled.is_set():
            raise Cancelled
        passed = isinstance(result, CheckResult) and result.passed is True
        return Outcome(passed, str(result))


def _stopped_by_other_answer(outcome, name):
    """True when a failed check met the switched-off answer of an exercise other than `name`."""
    text = outcome.feedback
    return (not outcome.passed and "is the library's answer to exercise " in text
            and text.count("is the library's answer to exercise ")
            > text.count(f"is the library's answer to exercise {name};"))


def _summarize(errors, fatal):
    """The first error, and the one that stopped the kernel if that came later."""
    if not errors:
        return ""
    parts = [_cut(errors[0], 200)]
    later = [e for e in errors[1:] if fatal and fatal in e or e.startswith(("grader error", "grading "))]
    if later:
        parts.append(_cut(later[0], 120))
    return "; then ".join(parts)


def grade_notebook(path, exercises=None, timeout=60, sandboxed=True, limits=Limits()):
    """Grade one submission on `exercises` (names in `EXERCISES`; default: all).

    Returns a `Grade`; never raises because of the submission's content.
    """
    grader = Grader(exercises, timeout, sandboxed, limits)
    try:
        return grader.grade(path)
    finally:
        grader.close()


def grade_notebooks(paths, exercises=None, timeout=60, progress=None, jobs=1, sandboxed=True,
                    limits=Limits()):
    """Grade every submission, `jobs` at a time; grades in the order of `paths`.

    `progress(done, total, grade, seconds)` is called as each one finishes. On
    KeyboardInterrupt every sandbox is killed and the interrupt raised again.
    """
    paths = list(paths)
    grader = Grader(exercises, timeout, sandboxed, limits)
    slots = queue.Queue()
    for slot in range(max(1, jobs)):
        slots.put(slot)
    done = [0]
    lock = threading.Lock()

    def one(path):
        slot = slots.get()
        start = time.monotonic()
        try:
            grade = grader.grade(path, slot)
        finally:
            slots.put(slot)
        with lock:
            done[0] += 1
            if progress:
                progress(done[0], len(paths), grade, time.monotonic() - start)
        return grade

    pool = concurrent.futures.ThreadPoolExecutor(max(1, jobs), thread_name_prefix="grading")
    try:
        futures = [pool.submit(one, p) for p in paths]
        pending = set(futures)
        while pending:  # short waits, so that Ctrl-C is seen at once
            _, pending = concurrent.futures.wait(pending, timeout=0.2)
        return [f.result() for f in futures]
    except BaseException:
        grader.cancelled.set()
        stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        stop_all()  # one that started while the first were stopped
        raise
    finally:
        pool.shutdown(wait=True)
        grader.close()
