"""Objects going both ways between the grader and a submission's process: dicts and callbacks.

The process is the grader's runner without bubblewrap (the same protocol, and
fast); `test_grading_sandbox` grades whole notebooks in the sandbox.
"""
import linecache

import numpy as np
import pytest

from rnn_lib.checks.model import check_loss_and_grads, check_train_epoch
from rnn_lib.grading import runner
from rnn_lib.grading.remote import RemoteValue, Session
from rnn_lib.grading.sandbox import Process

SOURCE = '''\
import numpy as np
from rnn_lib import rnn_forward, rnn_backward, softmax_cross_entropy
from rnn_lib.optim import clip_grad_norm

def grads_of(x):
    return 2.0, {"a": x * 2, "b": np.ones(2)}

def with_a_cache(x):
    return {"a": x, "cache": object()}

def use(f, a):
    f(a)                    # the grader's f doubles a in place
    return float(a.sum())

def steps(optimizer, params, g):
    optimizer.step(params, {"w": g})
    optimizer.step(params, {"w": g})
    return params["w"].copy(), optimizer.learning_rate

def draws(rng, n):
    order = rng.permutation(n)
    rng.shuffle(order)
    return order, rng.integers(0, 10, size=3)

def my_loss_and_grads(params, X, y, lengths):
    N, T, _ = X.shape
    H = params["W_h"].shape[0]
    rows, last = np.arange(N), lengths - 1
    h, cache = rnn_forward(X, np.zeros((N, H)), params["W_x"], params["W_h"], params["B"])
    h_last = h[rows, last]
    logits = h_last @ params["W_y"] + params["B_y"]
    loss, dlogits = softmax_cross_entropy(logits, y)
    dh = np.zeros_like(h)
    dh[rows, last] = dlogits @ params["W_y"].T
    _, _, dW_x, dW_h, dB = rnn_backward(dh, cache)
    return loss, {"W_x": dW_x, "W_h": dW_h, "B": dB,
                  "W_y": h_last.T @ dlogits, "B_y": dlogits.sum(axis=0)}

def epoch(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size=32, clip_norm=5.0,
          clip_after=False):
    N = X.shape[0]
    order = rng.permutation(N)
    total = 0.0
    for start in range(0, N, batch_size):
        idx = order[start:start + batch_size]
        loss, grads = loss_and_grads(params, X[idx], y[idx], lengths[idx])
        if clip_norm is not None and not clip_after:
            clip_grad_norm(grads, clip_norm)
        optimizer.step(params, grads)
        if clip_norm is not None and clip_after:  # in place, after the step
            clip_grad_norm(grads, clip_norm)
        total += loss * len(idx)
    return total / N

def my_train_epoch(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size=32,
                   clip_norm=5.0):
    return epoch(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size, clip_norm)

def clipped_after_the_step(params, X, y, lengths, loss_and_grads, optimizer, rng,
                           batch_size=32, clip_norm=5.0):
    return epoch(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size, clip_norm,
                 clip_after=True)

def wrong_step(params, X, y, lengths, loss_and_grads, optimizer, rng, batch_size=32,
               clip_norm=5.0):
    loss, grads = loss_and_grads(params, X, y, lengths)
    optimizer.step(grads)
    return loss

def spin(f):
    while True:
        f()

KEPT = []

def keep(rng):
    KEPT.append(rng)

def draw_from_kept(rng):
    return KEPT[0].random()

def private_parts(rng):
    return rng._bit_generator

def forged_callback(rng, forged):
    import gc
    serving = [o for o in gc.get_objects() if type(o).__name__ == "Runner"][0]
    wire = type(serving).serve.__globals__
    rng.random()  # a true callback first: the grader is listening for them
    forged = dict({"id": rng._key}, **forged)
    wire["write_message"](serving.fd_out, dict(forged, op="callback", cid=99))
    return wire["read_message"](serving.fd_in)
'''


@pytest.fixture(scope="module")
def process():
    proc = Process(sandboxed=False).start()
    reply = proc.request({"op": "run", "source": SOURCE, "timeout": 60}, 70)
    assert reply["error"] is None, reply
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def here():
    """SOURCE run in this process, its lines known as IPython makes them known."""
    filename = "<callbacks cell>"
    linecache.cache[filename] = (len(SOURCE), None, SOURCE.splitlines(True), filename)
    namespace = {}
    exec(compile(SOURCE, filename, "exec"), namespace)
    return namespace


def remote(process, name, timeout=60):
    return Session(process, timeout).lookup([name])[name]


def test_a_dict_of_plain_data_comes_back_as_a_dict(process):
    loss, grads = remote(process, "grads_of")(np.arange(3.0))
    assert loss == 2.0 and type(grads) is dict and list(grads) == ["a", "b"]
    assert np.array_equal(grads["a"], [0.0, 2.0, 4.0]) and np.array_equal(grads["b"], [1.0, 1.0])
    kept = remote(process, "with_a_cache")(np.zeros(1))  # an object in it: the dict stays there
    assert isinstance(kept, RemoteValue)


def test_the_wire_sends_maps_only_when_asked_and_only_of_plain_data():
    value = {"w": np.ones(2), "inner": {"t": [1, "x"]}}
    back = runner.decode(runner.encode(value, runner.refuse, maps=True), runner.refuse)
    assert back.keys() == value.keys() and back["inner"] == {"t": [1, "x"]}
    with pytest.raises(runner.NotPlain):
        runner.encode(value, runner.refuse)
    with pytest.raises(runner.NotPlain):  # a key that is not a str
        runner.encode({1: 2}, runner.refuse, maps=True)
    with pytest.raises(ValueError, match="malformed map"):
        runner.decode({"t": "map", "v": [[1, 2]]}, runner.refuse)


def test_a_callable_of_the_graders_runs_here_and_its_in_place_change_shows_there(process):
    calls = []

    def double(a):
        calls.append(a.copy())
        a *= 2

    a = np.array([1.0, 2.0])
    assert remote(process, "use")(double, a) == 6.0  # the sandbox summed the doubled copy
    assert np.array_equal(calls[0], [1.0, 2.0])
    assert np.array_equal(a, [2.0, 4.0])  # and back here, as in one process


def test_methods_attributes_and_a_dict_of_the_graders_stay_in_step(process):
    class Optimizer:
        learning_rate = 0.5

        def __init__(self):
            self.received = []

        def step(self, params, grads):
            self.received.append(grads["w"])
            params["w"] -= self.learning_rate * grads["w"]

    optimizer, params = Optimizer(), {"w": np.array([1.0, 1.0])}
    w, lr = remote(process, "steps")(optimizer, params, np.array([1.0, 2.0]))
    assert lr == 0.5 and np.array_equal(w, [0.0, -1.0])  # the second step saw the first
    assert np.array_equal(params["w"], [0.0, -1.0])  # and the grader's dict has it too
    assert len(optimizer.received) == 2


def test_a_generator_of_the_graders_draws_as_in_one_process(process, here):
    rng, mine = np.random.default_rng(7), np.random.default_rng(7)
    order, ints = remote(process, "draws")(rng, 6)
    want_order, want_ints = here["draws"](mine, 6)
    assert np.array_equal(order, want_order) and np.array_equal(ints, want_ints)
    assert rng.random() == mine.random()  # the grader's generator moved on as far


@pytest.mark.parametrize("name", ["my_train_epoch", "clipped_after_the_step", "wrong_step"])
def test_train_epoch_feedback_reads_as_in_the_notebook(process, here, name):
    expected = str(check_train_epoch(here[name]))
    assert str(check_train_epoch(remote(process, name))) == expected
    if name == "my_train_epoch":
        assert "passed (3 of 3 tests)" in expected
    if name == "clipped_after_the_step":  # the gradients the optimizer kept, clipped later
        assert "clipped after the optimizer step" in expected


def test_loss_and_grads_feedback_reads_as_in_the_notebook(process, here):
    expected = str(check_loss_and_grads(here["my_loss_and_grads"]))
    assert "passed (3 of 3 tests)" in expected
    assert str(check_loss_and_grads(remote(process, "my_loss_and_grads"))) == expected


def test_time_spent_in_the_graders_objects_counts_in_the_time_limit(process):
    import time

    calls = []
    start = time.monotonic()
    with pytest.raises(Exception, match="did not return within 1.5 s") as info:
        remote(process, "spin", timeout=1.5)(lambda: calls.append(time.sleep(0.01)))
    assert type(info.value).__name__ == "TimeoutError" and calls
    assert time.monotonic() - start < 4
    assert remote(process, "grads_of")(np.zeros(1))[0] == 2.0  # and the process goes on


def test_an_object_kept_from_an_earlier_call_says_so(process):
    remote(process, "keep")(np.random.default_rng(0))
    with pytest.raises(Exception, match="only during the call it was passed to"):
        remote(process, "draw_from_kept")(np.random.default_rng(0))


def test_only_public_methods_of_a_lent_object_can_be_reached(process):
    with pytest.raises(Exception, match="has no attribute '_bit_generator' here") as info:
        remote(process, "private_parts")(np.random.default_rng(0))
    assert type(info.value).__name__ == "AttributeError"


FORGED = {"an unknown id": {"do": "call", "id": "x1", "args": {"t": "list", "v": []}, "kwargs": {}},
          "a private attribute": {"do": "get", "name": "__class__"},
          "arguments that are not data": {"do": "call", "args": {"t": "pickle"}, "kwargs": {}},
          "no arguments": {"do": "call"}}


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
def test_a_forged_callback_stops_only_its_own_submission(forged):
    hostile = Process(sandboxed=False).start()
    try:
        hostile.request({"op": "run", "source": SOURCE, "timeout": 60}, 70)
        with pytest.raises(Exception, match="malformed callback") as info:
            remote(hostile, "forged_callback")(np.random.default_rng(0), forged)
        assert type(info.value).__name__ == "SandboxStopped"
        assert not hostile.alive
    finally:
        hostile.stop()
    other = Process(sandboxed=False).start()
    try:
        other.request({"op": "run", "source": SOURCE, "timeout": 60}, 70)
        assert remote(other, "grads_of")(np.zeros(1))[0] == 2.0
    finally:
        other.stop()
