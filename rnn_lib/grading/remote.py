"""Stand-ins, in the grader, for the functions a submission defined in its sandbox.

A check (from `rnn_lib.checks`) is called unchanged on `RemoteFunction`
objects: calling one sends the arguments to the sandbox as plain data, runs
the student's function there, and returns what it returned, as arrays and
numbers, or as a `RemoteValue` handle for an object that stays in the sandbox
(a cache in the student's own format; a check only passes it back). An
exception in the student's code is raised again here, with its type's name,
its message and the student's line, so the check's feedback reads exactly as
in the notebook; an argument the function changed in place is changed here
too, so the check sees it. The comparison with the reference values happens
here, in the grader, where no code of the submission runs.

An object of the check's that the function is given (a recording
`loss_and_grads`, an optimizer, a random generator) is lent to it: the sandbox
gets a stand-in, and calling it or one of its methods there calls the real
object here (`Session.callback`), on the arguments decoded as data. Only what
the grader sent can be called, and of it only its public methods; what comes
from the sandbox is decoded, never run. The arguments come back as the object
left them (an optimizer's step changes the parameters in place), and an array
the object kept (the gradients an optimizer records) is updated with what the
sandbox did to it later, at the end of the call, as in one process.
"""
import itertools
import linecache
import time

import numpy as np

from . import runner
from .sandbox import Stopped

__all__ = ["RemoteFunction", "RemoteValue", "Session"]

_names = itertools.count()
_lent_ids = itertools.count()  # thread-safe in CPython: one grader, several jobs
_issued = [0]  # the handles made so far, about: for a clearer message only


def _lent_id():
    n = next(_lent_ids)
    _issued[0] = max(_issued[0], n + 1)
    return f"c{n}"
_BUILTIN = {"NotImplementedError": NotImplementedError}  # the checks test for this one by type


class Session:
    """The calls of one check into one sandbox, within one time budget."""

    def __init__(self, process, timeout):
        self.process = process
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self._sent = {}  # id of a dict of the grader's -> (handle, the dict), kept alive here
        self._lent = {}  # handle -> an object of the grader's the sandbox may call back
        self._methods = {}  # (handle, name) -> the handle of that method of the object
        self._kept = {}  # key -> an array from the sandbox that a lent object kept (this call)
        self.depth = 0  # calls under way (a lent object may call the sandbox in turn)

    def lookup(self, names):
        """name -> RemoteFunction / RemoteValue, or None when the notebook does not define it."""
        found = self.process.request({"op": "lookup", "names": list(names)}, 30).get("found")
        if not isinstance(found, dict) or not all(
                found.get(n) is None or isinstance(found[n], dict) and isinstance(found[n].get("id"), str)
                for n in names):
            self.process.broken("a lookup without the names asked for")
        return {n: None if found.get(n) is None else _remote(self, found[n]) for n in names}

    def encode(self, value, maps=False):
        def opaque(v):
            if isinstance(v, RemoteValue):
                return {"t": "ref", "id": v._id}
            if type(v) is dict:
                if id(v) in self._sent:
                    return {"t": "ref", "id": self._sent[id(v)][0]}
                key = f"g{len(self._sent)}"
                self._sent[id(v)] = (key, v)
                return {"t": "dict", "id": key,
                        "v": [[self.encode(k), self.encode(x, maps)] for k, x in v.items()]}
            return self._lend(v)
        return runner.encode(value, opaque, maps=maps)

    def _lend(self, obj, key=None):
        key = key or _lent_id()  # unique in the grader: a stale one is known as such
        self._lent[key] = obj
        return {"t": "cb", "id": key, "type": type(obj).__name__[:100]}

    def callback(self, message):
        """Answer a ``callback`` message: run the lent object (or get its attribute) here."""
        key = message.get("id")
        if key not in self._lent and isinstance(key, str) and key[:1] == "c" and key[1:].isdigit() and (
                int(key[1:]) < _issued[0]):  # kept by the student from an earlier check
            return {"ok": False, "exc": {"type": "RuntimeError", "args": None, "message": (
                "an object of the grader's can be used only during the call it was passed to")}}
        try:
            obj = self._lent[key]
            do = message["do"]
            if do == "get":
                name = message["name"]
                if type(name) is not str or name.startswith("_") or len(name) > 100:
                    raise ValueError("an attribute that is not public")
            elif do == "call":
                args, kwargs = self.decode(message["args"]), message["kwargs"]
                if type(args) is not list or type(kwargs) is not dict:
                    raise ValueError("malformed arguments")
                kwargs = {str(k): self.decode(v) for k, v in kwargs.items()}
            else:
                raise ValueError(f"no {str(do)[:20]!r}")
        except Exception as exc:  # a message no runner sends
            self.process.broken(f"a malformed callback ({type(exc).__name__}: {str(exc)[:100]})")
        try:
            if do == "get":
                value = getattr(obj, name)
                if getattr(value, "__self__", None) is obj and callable(value):  # a method of it
                    if (key, name) not in self._methods:
                        self._methods[key, name] = _lent_id()
                    return {"ok": True, "value": self._lend(value, self._methods[key, name])}
                return {"ok": True, "value": runner.encode(value, runner.refuse, maps=True)}
            every = list(args) + list(kwargs.values())
            before = [dict(a) if type(a) is dict else None for a in every]
            value = obj(*args, **kwargs)
            reply = {"ok": True, "value": self.encode(value, maps=True)}
        except Exception as exc:  # the check's object refuses what it was given: the student's error
            if isinstance(exc, runner.NotPlain):
                exc = AttributeError(f"the grader's {type(obj).__name__}.{name} cannot be used in "
                                     "the sandbox")
            try:
                exc_args = runner.encode(list(exc.args), runner.refuse)
            except runner.NotPlain:
                exc_args = None
            return {"ok": False, "exc": {"type": type(exc).__name__[:100], "args": exc_args,
                                         "message": str(exc)[:1000]}}
        reply["after"] = [runner.after_state(a, b) for a, b in zip(every, before)]
        reply["lent"] = []
        for index, arg in enumerate(every):  # arrays the object may keep: keep them up to date
            for name, array in (arg.items() if type(arg) is dict else [(None, arg)]):
                if isinstance(array, np.ndarray):
                    key = f"k{len(self._kept)}"
                    self._kept[key] = array
                    reply["lent"].append([key, index, name])
        return reply

    def decode(self, data):
        def opaque(d):
            if d.get("t") == "ref" and isinstance(d.get("id"), str):
                return _remote(self, d)
            raise ValueError("the sandbox sent data of an unknown kind")
        return runner.decode(data, opaque)


class RemoteValue:
    """An object that stays in the sandbox; `type_name` is its type's name there."""

    def __init__(self, session, handle, name=None, type_name="object"):
        self._session, self._id = session, handle
        if name is not None:
            self.__name__ = name

    def __repr__(self):
        return f"<{type(self).__name__} in the sandbox>"


class RemoteFunction(RemoteValue):
    """A callable of the sandbox: calling it runs it there (see the module's docstring)."""

    def __call__(self, *args, **kwargs):
        session = self._session
        left = session.deadline - time.monotonic()
        name = getattr(self, "__name__", type(self).__name__)
        if left <= 0:
            raise _exception("TimeoutError", f"the check ran out of its {session.timeout:g} s")
        message = {"op": "call", "id": self._id, "args": session.encode(list(args)),
                   "kwargs": {k: session.encode(v) for k, v in kwargs.items()}, "timeout": left,
                   "limit": session.timeout}  # the time it is told it had: the same in every run
        if not session.depth:
            session._kept = {}
        session.depth += 1
        try:
            reply = session.process.request(message, left + 5, on_callback=session.callback)
        except Stopped as exc:
            raise _exception("SandboxStopped", f"`{name}` did not return: {exc}; the submission's "
                             "sandbox was stopped") from None
        finally:
            session.depth -= 1
        if not reply.get("ok"):
            info = reply.get("exc") if isinstance(reply.get("exc"), dict) else {}
            raise _exception(str(info.get("type", "Exception"))[:100], str(info.get("message", ""))[:1000],
                             bool(info.get("not_implemented")), info.get("where"))
        try:
            value = session.decode(reply["value"])
            for arg, after in zip(args, reply.get("after") or []):
                if isinstance(arg, (np.ndarray, dict)) and after is not None:  # in place only
                    runner.apply_after(arg, after, session.decode, replace=False)
            for key, after in reply.get("lent") or []:
                if after is not None and key in session._kept:
                    _write_back(session._kept[key], session.decode(after))
        except Exception as exc:  # whatever the data, the grader goes on
            raise _exception("GradingError", "the sandbox sent back a malformed reply "
                                             f"({type(exc).__name__}: {str(exc)[:100]})") from None
        return value


def _remote(session, data):
    name = data.get("name") if isinstance(data.get("name"), str) else None
    type_name = str(data.get("type") or "object")[:100]
    # the stand-in's type carries the name of the object's type, which checks may show
    cls = type(type_name.replace("\x00", ""), (RemoteFunction if data.get("callable") else RemoteValue,), {})
    return cls(session, data["id"], name)


def _write_back(arg, after):
    """Make `arg` what the sandbox's copy became (an in-place change the check must see)."""
    if not isinstance(after, np.ndarray):
        raise ValueError("an array that is not one")
    runner.write_back(arg, after)


def _exception(type_name, message, not_implemented=False, where=None):
    """An exception named `type_name` whose traceback ends at the student's line `where`."""
    if type_name in _BUILTIN:
        cls = _BUILTIN[type_name]
    else:
        base = NotImplementedError if not_implemented else Exception
        cls = type(type_name.replace("\x00", "") or "Exception", (base,), {})
    exc = cls(message)
    # Raised from a code object named as the student's function, at a line that reads as the
    # student's: the checks name the last such line. Without one, a line with no text, which
    # they do not name (and the grader's own frames come before it).
    filename = f"<submission {next(_names)}>"  # one each: the checks read it in their thread
    if where and isinstance(where, list) and len(where) == 2:
        linecache.cache[filename] = (len(str(where[1])), None, [str(where[1]) + "\n"], filename)
        code = compile("raise exc", filename, "exec").replace(co_name=str(where[0])[:100])
    else:
        code = compile("raise exc", filename, "exec")
    try:
        exec(code, {"exc": exc})
    except BaseException as raised:
        return raised.with_traceback(raised.__traceback__.tb_next)
