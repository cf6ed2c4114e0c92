"""Start a submission's process in a bubblewrap sandbox, talk to it, and stop it for good.

The sandbox (``bwrap``, Debian's ``bubblewrap``) gives the process:

- no network: a network namespace of its own, with only a loopback of its own;
- a file system that shows only the system's programs and libraries (``/usr``,
  ``/etc``, ...), the Python that runs the grader with its packages, and
  `rnn_lib`, all read-only; ``/tmp`` (its working folder) and ``/dev/shm`` are
  small in-memory folders of its own. Nothing else is there: not the
  submissions, not the grades, not the book, not the home folders;
- a process namespace of its own: when the sandbox is stopped, every process
  in it dies, however it detached itself (``--die-with-parent``, and the
  kernel kills a namespace with its first process);
- a session of its own (no terminal to type into) and resource limits set
  before any of the submission's code runs: memory (address space), number of
  processes, CPU time, file size, open files.

When the grader runs as root, bubblewrap runs without a user namespace and the
process drops to an unprivileged user id of its own before it does anything
else (the kernel does not count the processes of root, so a process limit
needs another user); as another user, bubblewrap makes a user namespace.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

from . import runner

__all__ = ["Limits", "Process", "SandboxUnavailable", "Stopped", "stop_all"]

RUNNER = Path(runner.__file__).resolve()
RNN_LIB = RUNNER.parents[1]
UID_BASE = 1_900_000_000  # as root, job slot k runs as this uid + k: no account uses it
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
GRACE = 5.0  # seconds a process has to stop after its alarm before it is killed


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made on this machine (the message says why)."""


class Limits(NamedTuple):
    """Resource limits of one sandbox."""

    memory_mb: int = 2048  #: address space of each process
    processes: int = 64  #: processes and threads, all together
    cpu_seconds: int = 600  #: CPU time of each process
    disk_mb: int = 256  #: the working folder (and the largest file)

    def rlimits(self):
        return {"as": self.memory_mb * 2**20, "nproc": self.processes, "cpu": self.cpu_seconds,
                "fsize": self.disk_mb * 2**20, "nofile": 1024, "core": 0}


class Stopped(Exception):
    """The process is gone (killed after a timeout, died, or broke the protocol)."""


_live = set()  # every process started and not yet stopped, for `stop_all`
_live_lock = threading.Lock()


def stop_all():
    """Kill every sandbox still running (Ctrl-C); their owners see them stopped."""
    with _live_lock:
        processes = list(_live)
    for process in processes:
        process.kill("the batch was interrupted")


class Process:
    """One runner process, sandboxed (`sandboxed=True`) or not; see the module's docstring."""

    def __init__(self, library=RNN_LIB, sandboxed=True, limits=Limits(), slot=0):
        self.library, self.sandboxed, self.limits, self.slot = Path(library), sandboxed, limits, slot
        self.popen = None
        self._seq = 0
        self.stderr_tail = ""
        self.stopped_by = ""  # why it was stopped before the end, if it was
        self._tmp = None

    @property
    def alive(self):
        return self.popen is not None and not self.stopped_by

    def start(self):
        to_child, self._w = os.pipe()
        self._r, from_child = os.pipe()
        self._tmp = tempfile.TemporaryDirectory(prefix="rnn-lib-sandbox-", ignore_cleanup_errors=True)
        rlimits = self.limits.rlimits()
        if not self.sandboxed:  # the count would be of all the user's processes, not this one's
            del rlimits["nproc"]
        limits = json.dumps(rlimits)
        if self.sandboxed:  # the library is mounted where the grader's is: run that path
            uid = _uid_for(self.slot)
            argv = bwrap_command(self.library, self.limits, root=uid is not None) + [
                sys.executable, "-I", str(RUNNER), str(to_child), str(from_child), limits]
            argv += [f"{uid}:{uid}"] if uid is not None else []
            cwd, env = "/", None
        else:  # unsandboxed: a folder of the grader's temporary folder, and the same protocol
            work = Path(self._tmp.name) / "work"
            work.mkdir()
            cwd, env = str(work), _environment(str(work))
            argv = [sys.executable, "-I", str(self.library / "grading" / "runner.py"),
                    str(to_child), str(from_child), limits]
        self._stderr = open(Path(self._tmp.name) / "stderr", "w+b")
        with _live_lock:
            try:
                self.popen = subprocess.Popen(argv, pass_fds=(to_child, from_child), cwd=cwd, env=env,
                                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=self._stderr, start_new_session=True)
            except OSError as exc:  # no bwrap any more, no Python, ...
                for fd in (self._w, self._r):
                    os.close(fd)
                self._stderr.close()
                self._tmp.cleanup()
                raise SandboxUnavailable(f"cannot start {argv[0]}: {exc}") from None
            finally:
                os.close(to_child)
                os.close(from_child)
            os.set_blocking(self._w, False)  # a sandbox that stops reading cannot block the grader
            _live.add(self)
        try:
            self.request({"op": "ping"}, 60)
        except Stopped:
            detail = self.stderr_tail
            raise SandboxUnavailable(f"the grading process did not start: {self.stopped_by}"
                                     + (f" ({detail})" if detail else "")) from None
        return self

    def request(self, message, timeout, on_callback=None):
        """Send `message`, return the reply; raise `Stopped` (and kill it) if none in time.

        Meanwhile, the process may ask the grader to run one of its objects
        (a ``callback`` message, see `runner`): `on_callback(message)` gives
        the answer, within the same `timeout`; without it, such a message
        breaks the protocol.
        """
        if not self.alive:
            raise Stopped(self.stopped_by or "not started")
        self._seq += 1
        seq = self._seq  # a callback may make requests of its own
        deadline = time.monotonic() + timeout
        try:
            runner.write_message(self._w, dict(message, seq=seq), deadline)
            while True:
                reply = runner.read_message(self._r, deadline)
                if reply.get("op") != "callback" or on_callback is None:
                    break
                answer = dict(on_callback(reply), op="callback-reply", cid=reply.get("cid"))
                runner.write_message(self._w, answer, deadline)
            if reply.get("seq") != seq:
                raise ValueError("a reply out of turn")
            return reply
        except Stopped:
            raise
        except TimeoutError:
            self.stop(f"no answer within {timeout:g} s")
        except (EOFError, OSError):
            try:
                code = self.popen.wait(2)  # it died: say how
                self.stop("the kernel died" + (f" (signal {-code})" if code < 0 else ""))
            except subprocess.TimeoutExpired:  # alive, but it closed its end of the pipes
                self.stop("the kernel closed its connection to the grader")
        except Exception as exc:  # not a message (bad JSON, too deep, too long...): a broken protocol
            self.stop(f"it sent something that is not a reply ({type(exc).__name__}: {str(exc)[:100]})")
        raise Stopped(self.stopped_by)

    def broken(self, what):
        """Stop it for a reply of the wrong shape; raise `Stopped`."""
        self.stop(f"it sent something that is not a reply ({what})")
        raise Stopped(self.stopped_by)

    def kill(self, why):
        """Kill the process and everything it started (from any thread)."""
        if not self.stopped_by:
            self.stopped_by = why
        popen = self.popen
        if popen is not None:
            _kill_tree(popen)

    def stop(self, why="stopped"):
        """Kill it, then free its pipes and files (by the thread that started it); idempotent."""
        if self.popen is None:
            return
        self.kill(why)
        self.popen = None
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:  # what bwrap or Python said before the runner silenced them, for a failed start
            self._stderr.seek(0)
            self.stderr_tail = " ".join(self._stderr.read()[-600:].decode("utf-8", "replace").split())
        except (OSError, ValueError):
            pass
        self._stderr.close()
        with _live_lock:
            _live.discard(self)
        self._tmp.cleanup()


def _kill_tree(popen):
    """SIGKILL the process's session and every descendant (also those that left it)."""
    try:
        import psutil

        tree = psutil.Process(popen.pid).children(recursive=True)
    except Exception:  # gone already, or no psutil: the session kill still runs
        tree = []
    try:
        os.killpg(popen.pid, signal.SIGKILL)  # start_new_session: its pid is its group's
    except OSError:
        pass
    for proc in tree:
        try:
            proc.kill()
        except Exception:  # gone already; psutil checks the pid was not reused
            pass
    try:
        popen.wait(10)
    except subprocess.TimeoutExpired:
        pass


def _uid_for(slot):
    return UID_BASE + slot if os.geteuid() == 0 else None


def _environment(home):
    return {"HOME": home, "TMPDIR": home, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "MPLBACKEND": "agg", "MPLCONFIGDIR": os.path.join(home, ".config"),
            "IPYTHONDIR": os.path.join(home, ".config"), "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _python_dirs():
    """The folders the grader's Python needs: its installation, the venv, the site-packages."""
    import site
    import sysconfig

    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
            str(Path(sys.executable).resolve().parents[1])}
    dirs.update(site.getsitepackages())
    dirs.update(sysconfig.get_paths().values())
    found = sorted({os.path.realpath(d) for d in dirs if d and os.path.isdir(d)} | {
        os.path.abspath(d) for d in dirs if d and os.path.isdir(d)})
    # a folder inside another one is mounted with it
    return [d for d in found if not any(d != o and d.startswith(o.rstrip("/") + "/") for o in found)]


def bwrap_command(library, limits, root=False):
    """The ``bwrap`` command line (up to and without the program) for one sandbox."""
    cmd = ["bwrap", "--new-session", "--die-with-parent"]
    if not root:
        cmd += ["--unshare-all", "--unshare-user", "--disable-userns"]
    else:  # root: no user namespace (in one, the processes would still be root's), then drop
        cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    size = str(limits.disk_mb * 2**20)
    # the folders of its own first, so that a library or a Python under /tmp is mounted on top
    cmd += ["--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
            "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
    mounts = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            mounts.append(path)
    pythons = [d for d in _python_dirs() if not any(d == m or d.startswith(m + "/") for m in mounts)]
    mounts += pythons
    library_target = str(RNN_LIB)
    parents = sorted({str(p) for m in pythons + [library_target] for p in Path(m).parents} - {"/"})
    for parent in parents:  # bwrap would make them 0700: the unprivileged user must get through
        if not any(parent == m or parent.startswith(m + "/") for m in mounts):
            cmd += ["--perms", "0755", "--dir", parent]
    for path in mounts:
        cmd += ["--ro-bind", path, path]
    cmd += ["--ro-bind", str(library), library_target]  # over the installed one, if it is there
    cmd += ["--chdir", "/tmp", "--clearenv"]
    for key, value in _environment("/tmp").items():
        cmd += ["--setenv", key, value]
    return cmd + ["--"]
