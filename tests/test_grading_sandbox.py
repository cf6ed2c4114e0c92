"""The grader on a class: the book, the student editions and hostile submissions, in sandboxes.

One batch (`--jobs 2`) grades them all; each hostile notebook defines a correct
function only when its attack failed inside the sandbox, so a point earned
there means "contained", and the tests also look at the host (files, processes,
a listening socket) for any trace. The sandbox needs bubblewrap: without a
usable ``bwrap`` these tests are skipped, and say why.
"""
import linecache
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import psutil
import pytest

from rnn_lib.checks import EXERCISES
from rnn_lib.grading import find_chapters, sandbox_problem
from rnn_lib.grading.feedback import feedback_names

from grading_helpers import ROOT, cli, digests, notebook, read_csv

BOOK = ROOT / "book"
CHAPTERS = find_chapters(BOOK)
PROBLEM = sandbox_problem()
pytestmark = pytest.mark.skipif(bool(PROBLEM), reason=f"no sandbox on this machine: {PROBLEM}")

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
WRONG_FORWARD = ("def my_rnn_forward(x, h0, W_x, W_h, B):\n"
                 "    return np.zeros(x.shape[:2] + h0.shape[1:]), None\n")


def if_contained(condition):
    """STEP_FORWARD, defined only when `condition` (a Python expression) holds in the notebook."""
    return f"if {condition}:\n" + "".join(f"    {line}\n" for line in STEP_FORWARD.splitlines())


# Functions that fail their checks in the usual ways: the feedback through the sandbox
# must read exactly as in the notebook.
MISTAKES = '''\
import numpy as np

def my_rnn_step_forward(x, h_prev, W_x, W_h, B):
    return np.tanh(x @ W_x + h_prev @ W_h.T + B), None

def my_rnn_forward(x, h0, W_x, W_h, B):
    return reshape_all(x), None

def reshape_all(x):
    return x.reshape(-1, 7)

def my_softmax_cross_entropy(logits, y):
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(y)), y]).mean(), p

def my_adam_step(w, g, state, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    raise NotImplementedError("Exercise 3.2: write my_adam_step here")

def my_rnn_step_backward(dh_next, cache):
    return dh_next, cache

def my_train_epoch(params, X, y, lengths, loss_and_grads, optimizer, rng,
                   batch_size=32, clip_norm=5.0):
    from rnn_lib.optim import clip_grad_norm  # the check's objects are called back
    order, total = rng.permutation(X.shape[0]), 0.0
    for start in range(0, X.shape[0], batch_size):
        idx = order[start:start + batch_size]
        loss, grads = loss_and_grads(params, X[idx], y[idx], lengths[idx])
        optimizer.step(params, grads)
        if clip_norm is not None:  # in place, too late: the optimizer kept them
            clip_grad_norm(grads, clip_norm)
        total += loss * len(idx)
    return total / X.shape[0]
'''


def sleepers(tag):
    return [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", tag]]


class Listener:
    """A TCP server on the host's loopback that counts who connects."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


class Batch(NamedTuple):
    run: subprocess.CompletedProcess
    rows: dict  #: CSV rows by submission path
    before: dict  #: sha256 of every submission, and of the book, before grading
    after: dict
    made: Path  #: the folder of the hand-made submissions
    students: Path  #: the folder of the student editions
    submissions: list
    listener: Listener
    tags: dict  #: argument of the `sleep` processes the notebooks start
    seconds: float

    def row(self, name):
        return self.rows[str(self.made / name)]

    def feedback(self, name):
        folder = self.made.parent / "grades-feedback"
        index = self.submissions.index(self.made / name)
        return (folder / feedback_names(self.submissions)[index]).read_text(encoding="utf-8")


def book_files():
    return [p for p in BOOK.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def hostile(tmp, csv_path, listener, tags):
    """The hand-made submissions: name -> cell sources."""
    victim = tmp / "victim.ipynb"
    return {
        "victim.ipynb": [STEP_FORWARD, FORWARD],  # what the others go after
        "faked.ipynb": [STEP_FORWARD, WRONG_FORWARD,
                        'print("check_rnn_forward(my_rnn_forward): passed (4 of 4 tests)")',
                        "import numpy as np\n"
                        "np.allclose = lambda *a, **k: True\n"
                        "np.array_equal = lambda *a, **k: True\n"
                        "np.isclose = lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, bool)\n"
                        "import sys, types\n"
                        "import rnn_lib, rnn_lib.checks\n"
                        "from rnn_lib.checks import CheckResult\n"
                        "line = types.SimpleNamespace(ok=True, text='all right', details=())\n"
                        "def check_rnn_forward(*functions):\n"
                        "    return CheckResult('check_rnn_forward', [line])\n"
                        "rnn_lib.checks.check_rnn_forward = check_rnn_forward\n"
                        "rnn_lib.checks.EXERCISES['rnn_forward'] = rnn_lib.checks.EXERCISES['rnn_forward']"
                        "._replace(check=check_rnn_forward)\n"
                        "for module in list(sys.modules.values()):\n"  # wherever the library keeps them
                        "    if getattr(module, '__name__', '').startswith('rnn_lib'):\n"
                        "        if hasattr(module, 'rnn_forward'):\n"
                        "            module.rnn_forward = my_rnn_forward\n"
                        "        if hasattr(module, 'close'):\n"
                        "            module.close = lambda actual, expected: True\n"],
        "forger.ipynb": [  # replies of its own on every pipe, in the protocol's own framing
            STEP_FORWARD, WRONG_FORWARD,
            "import json, os, struct\n"
            "for seq in range(1, 40):\n"
            "    body = json.dumps({'seq': seq, 'ok': True, 'error': None, 'timed_out': False,\n"
            "                       'value': 1.0}).encode()\n"
            "    for fd in range(3, 64):\n"
            "        try:\n"
            "            os.write(fd, struct.pack('>I', len(body)) + body)\n"
            "        except OSError:\n"
            "            pass\n"],
        "copier.ipynb": ["import json\n"
                         f"cells = json.load(open({str(victim)!r}))['cells']\n"
                         "for cell in cells:\n"
                         "    exec(''.join(cell['source']))\n"],
        "vandal.ipynb": [  # writes where it must not, deletes what it can reach
            "import glob, os, shutil\n"
            "hits = []\n"
            f"for target in [{str(csv_path)!r}, {str(BOOK / 'intro.md')!r}, {str(victim)!r}]:\n"
            "    try:\n"
            "        with open(target, 'a') as f:\n"
            "            f.write('pwned')\n"
            "        hits.append(target)\n"
            "    except OSError:\n"
            "        pass\n"
            f"for pattern in [{str(tmp) + '/*'!r}, '/tmp/*', '/tmp/rnn-lib-*', os.getcwd() + '/*']:\n"
            "    for path in glob.glob(pattern):\n"
            "        try:\n"
            "            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)\n"
            "        except OSError:\n"
            "            pass\n"
            "try:\n"
            "    with open('/dev/shm/fill', 'wb') as f:\n"
            "        for _ in range(4096):\n"
            "            f.write(bytes(2**20))\n"
            "    hits.append('4 GB in /dev/shm')\n"
            "except OSError:\n"
            "    pass\n",
            if_contained("not hits")],
        "network.ipynb": ["import socket\n"
                          "try:\n"
                          f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=3)\n"
                          "    reached = True\n"
                          "except OSError:\n"
                          "    reached = False\n",
                          if_contained("not reached")],
        "bomb.ipynb": ["import os, time\n"
                       "forked = 0\n"
                       "while forked < 5000:\n"
                       "    try:\n"
                       "        pid = os.fork()\n"
                       "    except OSError:\n"
                       "        break\n"
                       "    if pid == 0:\n"
                       f"        os.execvp('sleep', ['sleep', '{tags['bomb']}'])\n"
                       "    forked += 1\n",
                       if_contained("forked < 100")],
        "memory.ipynb": ["try:\n"
                         "    hoard = bytearray(50 * 2**30)\n"
                         "    got = True\n"
                         "except MemoryError:\n"
                         "    got = False\n",
                         if_contained("not got")],
        "detach.ipynb": ["import os\n"
                         "if os.fork() == 0:\n"
                         "    os.setsid()\n"
                         "    if os.fork() == 0:\n"
                         f"        os.execvp('sleep', ['sleep', '{tags['detach']}'])\n"
                         "    os._exit(0)\n",
                         "import os\n"
                         "try:\n"
                         "    os.kill(1, 9)\n"  # pid 1 of its namespace: the sandbox's own init
                         "except OSError:\n"
                         "    pass\n"
                         "seen = [p for p in os.listdir('/proc') if p.isdigit()]\n",
                         if_contained("len(seen) < 10")],
        "answers.ipynb": [  # the library's own answers, every way round
            "import importlib, inspect, types\n"
            "import rnn_lib\n"
            "from rnn_lib import rnn_forward as my_rnn_forward\n"
            "def my_rnn_step_forward(x, h_prev, W_x, W_h, B):\n"
            "    return importlib.import_module(rnn_lib.rnn_forward.__module__).rnn_step_forward(\n"
            "        x, h_prev, W_x, W_h, B)\n"
            "saved = rnn_lib.rnn_step_backward.__code__\n"
            "module = importlib.import_module(rnn_lib.rnn_forward.__module__)\n"
            "my_rnn_step_backward = types.FunctionType(saved, vars(module))\n"
            "source = {'__name__': module.__name__, '__package__': module.__package__}\n"
            "exec(inspect.getsource(module), source)\n"
            "my_rnn_backward = source['rnn_backward']\n"
            "def my_softmax_cross_entropy(logits, y):\n"  # a correct one, from the checks' mistakes
            "    import sys, rnn_lib.checks\n"
            "    variant = next(m._cross_entropy_variant for m in list(sys.modules.values())\n"
            "                   if hasattr(m, '_cross_entropy_variant'))\n"
            "    out = variant(logits, y)\n"
            "    return out['loss'], out['dlogits']\n"
            "def my_adam_step(w, g, state, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):\n"
            "    adam = state.setdefault('adam', rnn_lib.Adam(learning_rate, beta1, beta2, eps))\n"
            "    params = {'w': np.array(w, dtype=float)}\n"
            "    adam.step(params, {'w': g})\n"
            "    return params['w']\n",
            "import numpy as np\n"
            "from rnn_lib.checks import check_rnn_forward\n"
            "assert check_rnn_forward(my_rnn_forward).passed\n"],  # self-study works
        "odd.ipynb": [STEP_FORWARD,  # a reply too large, objects that misbehave when looked at
                      "def my_rnn_forward(x, h0, W_x, W_h, B):\n"
                      "    return np.ones((9, 2**20)), None\n"  # 72 MB of float64
                      "class Nameless:\n"
                      "    @property\n"
                      "    def __name__(self):\n"
                      "        raise RuntimeError('no name')\n"
                      "    def __call__(self, *args):\n"
                      "        deep = []\n"
                      "        for _ in range(10_000):\n"
                      "            deep = [deep]\n"
                      "        return deep\n"
                      "my_softmax_cross_entropy = Nameless()\n"],
        "mistakes.ipynb": [MISTAKES],
        "missing.ipynb": [STEP_FORWARD],
        "raises.ipynb": [STEP_FORWARD, 'raise ValueError("boom")',
                         'for _ in range(50):\n    print("x" * 200_000)', FORWARD],
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One grading run, two at a time, over the book, the student editions and the hostile notebooks."""
    tmp = tmp_path_factory.mktemp("class")
    made = tmp / "made"
    made.mkdir()
    students = tmp / "student"
    run = cli("student", "--out", students)
    assert run.returncode == 0, run.stderr
    csv_path = tmp / "grades.csv"
    listener = Listener()
    tags = {k: str(500_000 + secrets.randbelow(100_000)) for k in ("bomb", "detach")}
    made_paths = [notebook(made / name, *sources)
                  for name, sources in hostile(made, csv_path, listener, tags).items()]
    (made / "not_json.ipynb").write_bytes(b"\x00\xff this is not JSON")
    (made / "not_notebook.ipynb").write_text('{"hello": "world"}')
    submissions = ([c.path for c in CHAPTERS] + [students / c.relpath for c in CHAPTERS] + made_paths
                   + [made / "not_json.ipynb", made / "not_notebook.ipynb"])
    before = digests(submissions + book_files())
    start = time.monotonic()
    run = cli("grade", *submissions, "--out", csv_path, "--jobs", 2, "--timeout", 300)  # a busy machine
    seconds = time.monotonic() - start
    after = digests(submissions + book_files())
    yield Batch(run, read_csv(csv_path), before, after, made, students, submissions, listener, tags,
                seconds)
    listener.close()


def test_batch_finishes_with_exit_code_0_and_a_progress_line_per_submission(batch):
    assert batch.run.returncode == 0, batch.run.stderr
    assert "why points were lost" in batch.run.stdout
    progress = [line for line in batch.run.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == len(batch.submissions)
    assert sorted(int(line[1:line.index("/")]) for line in progress) == list(
        range(1, len(batch.submissions) + 1))


def test_grades_csv_columns_and_mode(batch):
    assert list(batch.rows) == [str(p) for p in batch.submissions]  # the order given
    assert list(next(iter(batch.rows.values()))) == ["submission", *EXERCISES, "total", "error", "sandbox"]
    assert {r["sandbox"] for r in batch.rows.values()} == {"bubblewrap"}


def test_submissions_and_the_book_are_not_modified(batch):
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


def test_one_feedback_file_per_submission_with_the_whole_feedback(batch):
    folder = batch.made.parent / "grades-feedback"
    assert len(list(folder.glob("*.md"))) == len(batch.submissions)
    text = batch.feedback("faked.ipynb")
    total = sum(exercise.points for exercise in EXERCISES.values())
    assert f"- points: **1 of {total}** (graded in a bubblewrap sandbox)" in text
    assert "## rnn_forward: not passed" in text
    assert "✗ fixed example (N=2, T=3, D=4, H=5): h is wrong" in text


def test_patched_numpy_and_checks_and_a_printed_grade_gain_nothing(batch):
    row = batch.row("faked.ipynb")
    assert (row["rnn_step_forward"], row["rnn_forward"]) == ("1", "0")


def test_forged_replies_gain_nothing(batch):
    row = batch.row("forger.ipynb")
    assert row["rnn_forward"] == "0"
    assert "not a reply" in row["error"]


def test_other_submissions_cannot_be_read(batch):
    row = batch.row("copier.ipynb")
    assert row["total"] == "0"
    assert "FileNotFoundError" in row["error"]
    assert batch.row("victim.ipynb")["total"] == "2"


def test_files_outside_the_working_folder_cannot_be_changed_or_deleted(batch):
    assert batch.row("vandal.ipynb")["rnn_step_forward"] == "1"  # every write failed
    assert all(Path(p).exists() for p in batch.submissions)


def test_no_network_even_to_the_loopback(batch):
    assert batch.row("network.ipynb")["rnn_step_forward"] == "1"
    assert batch.listener.connections == 0


def test_fork_bomb_is_bounded_and_dies_with_its_sandbox(batch):
    assert batch.row("bomb.ipynb")["rnn_step_forward"] == "1"
    assert not sleepers(batch.tags["bomb"])


def test_memory_beyond_the_limit_fails_inside(batch):
    assert batch.row("memory.ipynb")["rnn_step_forward"] == "1"


def test_a_double_fork_does_not_outlive_its_sandbox(batch):
    assert batch.row("detach.ipynb")["rnn_step_forward"] == "1"  # saw only its own processes
    assert not sleepers(batch.tags["detach"])


def test_the_librarys_own_answers_earn_nothing(batch):
    row = batch.row("answers.ipynb")
    assert row["total"] == "0"
    assert row["error"] == ""  # in the notebook's own run they work: self-study is unaffected
    sections = batch.feedback("answers.ipynb").split("\n## ")[1:len(EXERCISES) + 1]
    assert len(sections) == len(EXERCISES)
    answered = [s for s in sections if "not defined in the notebook" not in s]
    assert len(answered) >= 6  # the notebook answers chapters 1-3's first six with the library
    for section in answered:  # each says why
        assert "it is switched off while submissions are graded" in section or (
            "cannot be imported while submissions are graded" in section), section
    adam = [s for s in sections if s.startswith("adam_step")][0]
    assert "rnn_lib.optim.Adam._update is the library's answer to exercise adam_step" in adam


def test_feedback_through_the_sandbox_reads_as_in_the_notebook(batch):
    namespace, filename = {}, "<mistakes cell>"
    linecache.cache[filename] = (len(MISTAKES), None, MISTAKES.splitlines(True), filename)
    exec(compile(MISTAKES, filename, "exec"), namespace)  # as IPython does: the lines can be shown
    text = batch.feedback("mistakes.ipynb")
    for name, exercise in EXERCISES.items():
        if all(f in namespace for f in exercise.functions):
            expected = str(exercise.check(*[namespace[f] for f in exercise.functions]))
            assert f"```text\n{expected}\n```" in text, name
    assert "changed its argument logits in place" in text
    assert "(in `reshape_all`, at `return x.reshape(-1, 7)`)" in text
    assert "Looks like: " in text  # a classic mistake, named
    assert "check_adam_step(my_adam_step): not implemented yet" in text
    assert "gradients clipped after the optimizer step" in text  # seen through callbacks
    assert "not defined in the notebook: my_rnn_backward" in text


def test_odd_replies_stop_only_their_own_submission(batch):
    row = batch.row("odd.ipynb")
    assert (row["rnn_step_forward"], row["total"]) == ("1", "1")
    assert "grading rnn_forward: it sent something that is not a reply" in row["error"]


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


def test_one_job_at_a_time_gives_the_same_csv(batch, tmp_path):
    """Serially, on some of the same submissions (the whole batch takes a while)."""
    quick = [p for p in batch.submissions if Path(p).name in (
        "faked.ipynb", "copier.ipynb", "answers.ipynb", "mistakes.ipynb", "raises.ipynb",
        "not_json.ipynb")] + [batch.students / CHAPTERS[0].relpath]
    run = cli("grade", *quick, "--out", tmp_path / "serial.csv", "--jobs", 1)
    assert run.returncode == 0, run.stderr
    serial = read_csv(tmp_path / "serial.csv")
    assert serial == {k: batch.rows[k] for k in serial}


# ---------------------------------------------------------------- the command
def test_grade_refuses_to_overwrite_its_output(tmp_path):
    (tmp_path / "grades.csv").write_text("mine")
    run = cli("grade", tmp_path / "a.ipynb", "--out", tmp_path / "grades.csv")
    assert run.returncode == 1 and "--force" in run.stderr
    assert (tmp_path / "grades.csv").read_text() == "mine"


def test_grade_rejects_an_unknown_exercise(tmp_path):
    run = cli("grade", tmp_path / "a.ipynb", "--out", tmp_path / "g.csv", "--exercises", "rnn_forwrd")
    assert run.returncode == 1 and "unknown exercise rnn_forwrd" in run.stderr


def test_without_a_sandbox_it_refuses_unless_told(tmp_path):
    nb = notebook(tmp_path / "a.ipynb", STEP_FORWARD)
    no_bwrap = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    run = cli("grade", nb, "--out", tmp_path / "g.csv", "--chapter", "01", env=no_bwrap)
    assert run.returncode == 1 and "bubblewrap (bwrap) is not installed" in run.stderr
    assert "--unsandboxed" in run.stderr and not (tmp_path / "g.csv").exists()
    run = cli("grade", nb, "--out", tmp_path / "g.csv", "--chapter", "01", "--unsandboxed", env=no_bwrap)
    assert run.returncode == 0, run.stderr
    row = read_csv(tmp_path / "g.csv")[str(nb)]
    assert (row["rnn_step_forward"], row["sandbox"]) == ("1", "none")


def test_endless_loops_time_out_and_leave_no_process_behind(tmp_path):
    tags = [str(500_000 + secrets.randbelow(100_000)) for _ in range(3)]
    spawn = ("import subprocess\n"
             f"in_group = subprocess.Popen(['sleep', '{tags[0]}'])\n"
             f"own_session = subprocess.Popen(['sleep', '{tags[1]}'], start_new_session=True)\n")
    hanging_forward = "def my_rnn_forward(x, h0, W_x, W_h, B):\n    while True:\n        pass\n"
    interruptible = notebook(tmp_path / "loop.ipynb", STEP_FORWARD, spawn + "while True:\n    pass",
                             hanging_forward)
    stubborn = notebook(tmp_path / "stubborn.ipynb", STEP_FORWARD,
                        "import subprocess, time\n"
                        f"child = subprocess.Popen(['sleep', '{tags[2]}'], start_new_session=True)\n"
                        "while True:\n    try:\n        time.sleep(100)\n"
                        "    except BaseException:\n        pass\n", FORWARD)
    dies = notebook(tmp_path / "dies.ipynb", STEP_FORWARD, "import os\nos._exit(1)", FORWARD)
    run = cli("grade", interruptible, stubborn, dies, "--out", tmp_path / "g.csv", "--timeout", 3,
              "--chapter", "01", "--jobs", 3)
    assert run.returncode == 0, run.stderr
    rows = {Path(k).name: v for k, v in read_csv(tmp_path / "g.csv").items()}
    loop = rows["loop.ipynb"]
    assert (loop["rnn_step_forward"], loop["rnn_forward"]) == ("1", "0")  # graded after the interrupt
    assert loop["error"].startswith("cell 2 (import subprocess): timed out after 3 s (interrupted)")
    assert "`my_rnn_forward` raised TimeoutError: did not return within 3 s (interrupted)" in run.stdout
    assert rows["stubborn.ipynb"]["total"] == "0"
    assert "ignored the interrupt and was stopped" in rows["stubborn.ipynb"]["error"]
    assert rows["dies.ipynb"]["error"] == "cell 2 (import os): the kernel died"
    assert not [p for t in tags for p in sleepers(t)]


def test_ctrl_c_stops_every_sandbox_and_keeps_the_old_csv(tmp_path):
    tag = str(500_000 + secrets.randbelow(100_000))
    stuck = [notebook(tmp_path / f"stuck{i}.ipynb",
                      f"import subprocess, time\nchild = subprocess.Popen(['sleep', '{tag}'])\n"
                      "time.sleep(600)\n") for i in range(3)]
    (tmp_path / "grades.csv").write_text("mine")
    proc = subprocess.Popen([sys.executable, "-m", "rnn_lib.grading", "grade", *map(str, stuck),
                             "--out", str(tmp_path / "grades.csv"), "--force", "--jobs", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(sleepers(tag)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(sleepers(tag)) == 2  # two sandboxes at work
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    assert (tmp_path / "grades.csv").read_text() == "mine"
    assert not (tmp_path / "grades-feedback").exists()
    assert not sleepers(tag)
