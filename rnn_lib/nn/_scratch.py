"""Temporary arrays that stay alive between calls, one set per thread.

A large temporary allocated afresh on every call costs one page fault per
4 KiB page whenever the allocator has handed the freed memory back to the
system, which glibc does after each call at the book's shapes: for the RNN,
about 1,100 faults per float64 forward + backward, a third of its time
(benchmarks/bench_rnn.py counts them). Keeping the buffers alive avoids
that. Each buffer has a name, so that the layers' buffers never
displace each other, and belongs to one thread, so that concurrent calls
never share it. A function that uses one must never return it or a view of
it.
"""
import threading

import numpy as np

__all__ = ["scratch"]

_buffers = threading.local()


def scratch(name, shape, dtype):
    """Return an uninitialized array of `shape` and `dtype`.

    It is the array this thread's last call for `name` got, when that one
    had the same shape and dtype; otherwise a new one, kept for next time.
    """
    held = getattr(_buffers, "held", None)
    if held is None:
        held = _buffers.held = {}
    buf = held.get(name)
    if buf is None or buf.shape != tuple(shape) or buf.dtype != dtype:
        buf = held[name] = np.empty(shape, dtype=dtype)
    return buf
