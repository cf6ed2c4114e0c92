"""Grade submitted notebooks: run each in a fresh kernel, then the official checks in it.

A submission is copied into a temporary folder and run there, cell by cell,
in its own kernel (the current Python, which sees the installed rnn_lib).
Errors do not stop it; a cell that runs longer than the timeout is
interrupted, and a kernel that ignores the interrupt is killed, with every
process it started. Then, in the same kernel, one grading cell per exercise
loads a fresh copy of `rnn_lib.checks` from its source file, under a private
name, and calls the check on the student's function, found by name. It sends
back plain data only (passed, feedback) as JSON tagged with a random nonce.
Nothing from a submission is unpickled or evaluated in the grader's process.
"""
import json
import logging
import os
import secrets
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ..checks import EXERCISES

__all__ = ["Grade", "Outcome", "grade_notebook", "grade_notebooks", "load_notebook"]

MIME = "application/x.rnn-lib-grade+json"  # the grading cells' output; nothing else is read
MAX_BYTES = 50 * 2**20  # a larger file is not graded
FEEDBACK_CHARS = 4000
RNN_LIB = Path(__file__).resolve().parents[1]  # the package whose checks are the official ones

GRADING_CELL = '''\
def _rnn_lib_grade_{nonce}(name):
    import importlib, sys, types
    from IPython.display import publish_display_data
    alias = "_rnn_lib_grading_{nonce}"  # a fresh copy: patches of rnn_lib in this kernel do not reach it
    package = types.ModuleType(alias)
    package.__path__ = [{root!r}]
    sys.modules[alias] = package
    try:
        checks = importlib.import_module(alias + ".checks")
        exercise = checks.EXERCISES[name]
        user = globals()
        missing = [f for f in exercise.functions if f not in user]
        if missing:
            passed = False
            feedback = ("not defined in the notebook: " + ", ".join(missing)
                        + " (keep the function names of the student edition)")
        else:
            result = exercise.check(*[user[f] for f in exercise.functions])
            passed = isinstance(result, checks.CheckResult) and result.passed is True
            feedback = str(result)
    finally:
        for key in [k for k in sys.modules if k == alias or k.startswith(alias + ".")]:
            del sys.modules[key]
    publish_display_data({{{mime!r}: {{"nonce": {nonce!r}, "exercise": name, "passed": passed,
                                       "feedback": feedback[:{limit}]}}}})
_rnn_lib_grade_{nonce}({name!r})
del _rnn_lib_grade_{nonce}
'''


class Outcome(NamedTuple):
    """The result of one exercise: passed or not, and the check's feedback."""

    passed: bool
    feedback: str


class Grade(NamedTuple):
    """The grade of one submission: exercise name -> `Outcome`, and the first error."""

    submission: str
    outcomes: dict
    error: str  #: "" when the notebook ran to the end

    def points(self, name):
        return EXERCISES[name].points if self.outcomes[name].passed else 0

    @property
    def total(self):
        return sum(self.points(name) for name in self.outcomes)


class _Rejected(Exception):
    """The file cannot be graded at all (not a notebook, too large, ...)."""


class _CurrentPython(KernelSpecManager):
    """Every kernel name means the Python running the grader (like nbval --nbval-current-env)."""

    def get_kernel_spec(self, kernel_name):
        import ipykernel.kernelspec

        return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES,
                          **ipykernel.kernelspec.get_kernel_dict())


_TIMEOUT_REPLY = {"ename": "CellTimeoutError", "evalue": "interrupted", "traceback": []}
_QUIET = logging.getLogger("rnn_lib.grading.kernel")  # nbclient's own log: timeouts are reported
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


class _Client(NotebookClient):
    """Keeps only what grading reads (one error per cell, the grading data): output is capped."""

    def output(self, outs, msg, display_id, cell_index):
        content = msg["content"]
        if msg["msg_type"] == "error" and not outs:
            outs.append(nbformat.NotebookNode(output_type="error", ename=_cut(content.get("ename"), 80),
                                              evalue=_cut(content.get("evalue"), 300)))
        elif msg["msg_type"] == "display_data" and MIME in content.get("data", {}) and len(outs) < 3:
            outs.append(nbformat.NotebookNode(output_type="grade", data=content["data"][MIME]))
        return None

    def clear_output(self, outs, msg, cell_index):
        pass  # a submission cannot hide its errors

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)


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


class _Kernel:
    """One submission's kernel: runs cells, survives timeouts, kills its whole process tree."""

    def __init__(self, nb, cwd, timeout):
        self.timeout = timeout
        # asynchronous, as nbclient needs: with a blocking client its timeouts never fire
        self.km = AsyncKernelManager(kernel_name="rnn-lib-grading", kernel_spec_manager=_CurrentPython())
        # On a timeout nbclient interrupts the kernel and waits `iopub_timeout` seconds for it
        # to finish the cell; a kernel that does not is stuck (CellTimeoutError).
        self.client = _Client(nb, km=self.km, timeout=timeout, allow_errors=True,
                              interrupt_on_timeout=True, error_on_timeout=_TIMEOUT_REPLY,
                              iopub_timeout=min(timeout, 5), raise_on_iopub_timeout=True,
                              record_timing=False, store_widget_state=False, startup_timeout=60,
                              resources={"metadata": {"path": str(cwd)}}, log=_QUIET)
        self.alive = False
        self.stopped_by = ""  # why the kernel was stopped before the end, if it was

    def start(self):
        # the kernel's own stdout/stderr (not the cells' output) would only clutter the summary
        self.client.start_new_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.alive = True  # from now on stop() kills it, even if the client fails to connect
        self.client.start_new_kernel_client()

    def run(self, cell, index, store_history=True):
        """Execute one cell; return None or a short error ("ValueError: ...", "timed out ...")."""
        self.client.timed_out = False
        try:
            self.client.execute_cell(cell, index, store_history=store_history)
        except CellTimeoutError:
            self.stopped_by = (f"timed out after {self.timeout:g} s; "
                               "the kernel ignored the interrupt and was stopped")
        except DeadKernelError:
            self.stopped_by = "the kernel died"
        if self.stopped_by:
            self.stop()
            return self.stopped_by
        if self.client.timed_out:
            return f"timed out after {self.timeout:g} s (interrupted)"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors and "raises-exception" not in cell.metadata.get("tags", []):
            return f"{errors[0].ename}: {errors[0].evalue}".rstrip(": ")
        return None

    def add_cell(self, source, **metadata):
        cell = nbformat.v4.new_code_cell(source, metadata=metadata)
        self.client.nb.cells.append(cell)
        return cell

    def stop(self):
        """Kill the kernel, its process group, and every process it started."""
        if not self.alive:
            return
        self.alive = False
        provisioner = self.km.provisioner
        pid, pgid = getattr(provisioner, "pid", None), getattr(provisioner, "pgid", None)
        tree = _descendants(pid)
        if pgid and hasattr(os, "killpg"):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except OSError:
                pass
        for proc in tree:  # children that left the group (setsid) but are still ours
            try:
                proc.kill()
            except Exception:  # gone already; psutil checks the pid was not reused
                pass
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already dead: nothing left to stop
            pass
        if self.client.kc is not None:
            self.client.kc.stop_channels()


def _descendants(pid):
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True) if pid else []
    except Exception:  # no psutil, or the process is gone: the group kill still runs
        return []


def _grading_cell(name, nonce):
    return GRADING_CELL.format(nonce=nonce, root=str(RNN_LIB), mime=MIME, name=name,
                               limit=FEEDBACK_CHARS)


def _read_outcome(cell, name, nonce):
    grades = [o.data for o in cell.outputs if o.output_type == "grade"]
    if len(grades) != 1 or not isinstance(grades[0], dict) or grades[0].get("nonce") != nonce:
        return None
    data = grades[0]
    if data.get("exercise") != name or not isinstance(data.get("passed"), bool):
        return None
    return Outcome(data["passed"], str(data.get("feedback", ""))[:FEEDBACK_CHARS])


def grade_notebook(path, exercises=None, timeout=60):
    """Grade one submission on `exercises` (names in `EXERCISES`; default: all).

    Returns a `Grade`; never raises because of the submission's content.
    """
    exercises = list(exercises or EXERCISES)
    errors = []

    def zero(reason):
        return {name: Outcome(False, f"not graded: {reason}") for name in exercises}

    try:
        data = Path(path).read_bytes()
        nb = load_notebook(data)
    except (OSError, _Rejected) as exc:
        reason = str(exc) if isinstance(exc, _Rejected) else f"cannot read the file ({exc.strerror})"
        return Grade(str(path), zero(reason), reason)
    with tempfile.TemporaryDirectory(prefix="rnn-lib-grading-", ignore_cleanup_errors=True) as tmp:
        (Path(tmp) / "submission.ipynb").write_bytes(data)  # the kernel's cwd holds only this copy
        kernel = _Kernel(nb, tmp, timeout)
        try:
            kernel.start()
            outcomes = _run_and_check(kernel, nb, exercises, errors)
        except Exception as exc:  # the grader's own trouble (no kernel could start, ...): say so, go on
            errors.append(f"grader error: {type(exc).__name__}: {_cut(exc, 150)}")
            outcomes = zero("the grader failed (see error)")
        finally:
            kernel.stop()
    return Grade(str(path), outcomes, _summarize(errors, kernel.stopped_by))


def _run_and_check(kernel, nb, exercises, errors):
    """Run the notebook's cells, then one grading cell per exercise; return the outcomes."""
    for index, cell in enumerate(list(nb.cells)):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        error = kernel.run(cell, index)
        if error:
            errors.append(f"{_where(cell, index)}: {error}")
        if not kernel.alive:
            return {name: Outcome(False, "not graded: the notebook did not run to the end")
                    for name in exercises}
    outcomes = {}
    for name in exercises:
        nonce = secrets.token_hex(8)
        cell = kernel.add_cell(_grading_cell(name, nonce))
        error = kernel.run(cell, len(nb.cells) - 1, store_history=False)
        outcome = None if error else _read_outcome(cell, name, nonce)
        if outcome is None:
            why = error or "no valid result (was the grading tampered with?)"
            errors.append(f"grading {name}: {why}")
            outcome = Outcome(False, f"not graded: {why}")
        outcomes[name] = outcome
        if not kernel.alive:
            outcomes.update({n: Outcome(False, "not graded: the kernel was stopped")
                             for n in exercises if n not in outcomes})
            break
    return outcomes


def _summarize(errors, fatal):
    """The first error, and the one that stopped the kernel if that came later."""
    if not errors:
        return ""
    parts = [_cut(errors[0], 200)]
    later = [e for e in errors[1:] if fatal and fatal in e or e.startswith("grader error")]
    if later:
        parts.append(_cut(later[0], 120))
    return "; then ".join(parts)


def grade_notebooks(paths, exercises=None, timeout=60, progress=None):
    """Grade every submission in turn; `progress(path)` is called before each."""
    grades = []
    for path in paths:
        if progress:
            progress(path)
        grades.append(grade_notebook(path, exercises, timeout))
    return grades
