"""Forward + backward speed of rnn_lib against plain per-step loops and PyTorch.

Four implementations of the same forward + backward pass: rnn_lib's fast
`rnn_forward`/`rnn_backward` (rnn_lib/nn/rnn.py), the plain reference the
book shows (rnn_lib/nn/rnn_reference.py), a naive loop written the way a
first implementation writes it (it caches a_t and recomputes the tanh in the
backward pass), and PyTorch's torch.nn.RNN when it is installed.

Shapes (N, T, D, H) = (64, 28, 28, 128), in float64 and float32. The
implementations run interleaved, so a burst of load on a shared machine hits
them alike: each round runs every implementation in turn, one untimed call and
then a block of timed calls. We report medians, the ratios of medians and the
spread of the per-round ratios. PyTorch is optional: its column appears when it
is installed.

Why blocks and not one call of each in turn: freed memory that the allocator
hands back to the system costs a page fault per 4 KiB page when it is touched
again, and glibc does that after each call of the naive loop. A call that
directly follows another implementation pays for that one's freed memory; the
untimed call absorbs it, so the timed calls measure each implementation in its
own steady state, as in a training loop. The page faults per timed call are
printed too (where the platform counts them).

A fourth runner, "products only", does exactly the 61 matrix products that
rnn_lib does (the input projection, one product per step forward and one per
step backward, dW_x, the two parts of dW_h, dx) and nothing else: no tanh, no
bias, no elementwise work. Its time is a floor for any implementation that
does these products one after another, so its ratio to the naive loop says
how much of the naive loop's time is matrix products that cannot be avoided.

Run:  python benchmarks/bench_rnn.py [--rounds 60] [--block 5] [--csv FILE]
On a machine shared with other jobs, multi-threaded BLAS and PyTorch threads
fight over the cores and the timings measure that fight; run with
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 to compare the implementations on
one thread each.
With --csv, the medians and ratios are also written to FILE (the book's page
"Making it fast" shows benchmarks/results/bench_rnn.csv), with the date, the
machine's core count and the versions in FILE's first lines.
Targets: rnn_lib <= 0.5x the naive loop's time and <= 0.7x torch.nn.RNN's.
"""
import argparse
import os
import sys

# PyTorch's OpenMP threads spin for a while after each call by default; in one
# process with NumPy's BLAS threads, that spinning would steal the cores the
# next rnn_lib run needs and make the comparison unfair to rnn_lib. Passive
# waiting puts them to sleep instead (set before torch is imported).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

from rnn_lib import rnn_backward, rnn_forward
from rnn_lib.nn import rnn_reference

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # run as a script or loaded from a file
from _timing import interleaved, median_ms, ratio_quartiles, resource  # noqa: E402

try:  # optional comparison, never required
    import torch
except ImportError:
    torch = None


def naive_loop(x, h0, W_x, W_h, B, dh):
    """Forward and BPTT as a first implementation writes them: per step, a_t cached."""
    N, T, D = x.shape
    H = W_h.shape[0]
    Hs = np.zeros((N, T, H), dtype=x.dtype)
    A = np.zeros((N, T, H), dtype=x.dtype)
    Hp = np.zeros((N, T, H), dtype=x.dtype)
    h_prev = h0
    for t in range(T):
        a_t = np.dot(x[:, t, :], W_x) + np.dot(h_prev, W_h) + B
        h_t = np.tanh(a_t)
        Hs[:, t, :], A[:, t, :], Hp[:, t, :] = h_t, a_t, h_prev
        h_prev = h_t
    dW_x, dW_h, dB = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(B)
    dx = np.zeros_like(x)
    dh_next = np.zeros((N, H), dtype=x.dtype)
    for t in reversed(range(T)):
        da = (dh[:, t, :] + dh_next) * (1 - np.tanh(A[:, t, :]) ** 2)
        dW_x += np.dot(x[:, t, :].T, da)
        dW_h += np.dot(Hp[:, t, :].T, da)
        dB += np.sum(da, axis=0)
        dx[:, t, :] = np.dot(da, W_x.T)
        dh_next = np.dot(da, W_h.T)
    return Hs, dx, dh_next, dW_x, dW_h, dB


def lib(x, h0, W_x, W_h, B, dh):
    h, cache = rnn_forward(x, h0, W_x, W_h, B)
    return (h,) + rnn_backward(dh, cache)


def reference(x, h0, W_x, W_h, B, dh):
    h, cache = rnn_reference.rnn_forward(x, h0, W_x, W_h, B)
    return (h,) + rnn_reference.rnn_backward(dh, cache)


def products_only(x, h0, W_x, W_h, B, dh):
    """Return a runner doing rnn_lib's matrix products, with the same shapes and
    memory layouts, on the states of a real run, and nothing else."""
    N, T, D = x.shape
    H = W_h.shape[0]
    h, _ = rnn_forward(x, h0, W_x, W_h, B)
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))
    h_tm = np.ascontiguousarray(h.transpose(1, 0, 2))
    da_tm = np.ascontiguousarray(h_tm * 0.5)  # stand-in values; the products' cost does not depend on them
    W_hT = np.ascontiguousarray(W_h.T)
    proj = np.empty((T * N, H), dtype=x.dtype)
    a_t = np.empty((N, H), dtype=x.dtype)

    def run():
        np.matmul(x_tm.reshape(T * N, D), W_x, out=proj)
        np.matmul(h0, W_h, out=a_t)
        for t in range(1, T):
            np.matmul(h_tm[t - 1], W_h, out=a_t)
        for t in range(T - 1, -1, -1):
            np.matmul(da_tm[t], W_hT, out=a_t)
        da = da_tm.reshape(T * N, H)
        x_tm.reshape(T * N, D).T @ da
        h0.T @ da_tm[0]
        h_tm[:-1].reshape((T - 1) * N, H).T @ da[N:]
        da @ W_x.T

    return run


def make_torch(x, h0, W_x, W_h, B, dh):
    D, H = W_x.shape
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(W_x.T.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(W_h.T.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(B))
        rnn.bias_hh_l0.zero_()
    xt = torch.from_numpy(x).requires_grad_(True)
    h0t = torch.from_numpy(h0)[None].requires_grad_(True)
    dht = torch.from_numpy(dh)

    def run():
        rnn.zero_grad(set_to_none=True)
        xt.grad = None
        h, _ = rnn(xt, h0t)
        h.backward(dht)
        return h

    # Same numbers first: the comparison is only fair if the work is the same.
    ours = lib(x, h0, W_x, W_h, B, dh)
    out = run()
    tol = 1e-4 if x.dtype == np.float32 else 1e-10
    assert np.allclose(out.detach().numpy(), ours[0], atol=tol)
    assert np.allclose(rnn.weight_hh_l0.grad.numpy().T, ours[4], atol=tol * 100)
    return run


def bench(dtype, rounds, block):
    """Time every runner; return medians (ms), per-round ratio quartiles and faults per call."""
    rng = np.random.default_rng(0)
    N, T, D, H = 64, 28, 28, 128
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = np.zeros((N, H), dtype=dtype)
    W_x = (rng.standard_normal((D, H)) / np.sqrt(D)).astype(dtype)
    W_h = (rng.standard_normal((H, H)) / np.sqrt(H)).astype(dtype)
    B = np.zeros(H, dtype=dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)
    args = (x, h0, W_x, W_h, B, dh)

    got = lib(*args)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for name, other in (("naive loop", naive_loop), ("reference", reference)):
        for a, b in zip(other(*args), got):  # the loops being beaten compute the same thing
            assert np.allclose(a, b, atol=tol * max(1.0, np.abs(a).max())), f"{name} disagrees"

    runners = {"rnn_lib": lambda: lib(*args), "reference": lambda: reference(*args),
               "naive loop": lambda: naive_loop(*args), "products only": products_only(*args)}
    if torch is not None:
        runners["torch.nn.RNN"] = make_torch(*args)
    times, per_call = interleaved(runners, rounds, block, warmup=5)
    med = median_ms(times)
    # Blocks of one round ran back to back, so their ratio is the least
    # disturbed by load that comes and goes; report its spread.
    spread = {name: ratio_quartiles(times[name], times["naive loop"]) for name in runners}
    return med, spread, per_call


def write_csv(path, results, args):
    """The medians and ratios of `results` (dtype -> bench() output) as a CSV table."""
    import csv
    import datetime

    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dtype", "implementation", "median (ms)", "time / rnn_lib's",
                    "time / naive loop's", "middle half of the per-round ratios to the naive loop",
                    "page faults per call"])
        for dtype, (med, spread, faults) in results.items():
            for name, ms in med.items():
                q1, q3 = spread[name]
                w.writerow([dtype, name, f"{ms:.2f}", f"{ms / med['rnn_lib']:.2f}",
                            f"{ms / med['naive loop']:.2f}", f"{q1:.2f} to {q3:.2f}",
                            f"{faults[name]:.0f}" if resource is not None else "n/a"])
    meta = path[:-4] + "_machine.csv" if path.endswith(".csv") else path + ".machine"
    with open(meta, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["measured", "value"])
        w.writerow(["date (UTC)", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")])
        w.writerow(["cores", os.cpu_count()])
        if hasattr(os, "getloadavg"):  # a shared machine's load distorts single timings
            w.writerow(["load average at the end (1, 5, 15 min)",
                        ", ".join(f"{v:.1f}" for v in os.getloadavg())])
        w.writerow(["numpy", np.__version__])
        w.writerow(["BLAS threads asked for (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS)",
                    ", ".join(os.environ.get(k, "unset")
                              for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"))])
        w.writerow(["torch", f"{torch.__version__} ({torch.get_num_threads()} threads)"
                    if torch is not None else "not installed"])
        w.writerow(["shapes (N, T, D, H)", "(64, 28, 28, 128)"])
        w.writerow(["runs per implementation", f"{args.rounds * args.block} "
                    f"({args.rounds} interleaved rounds of {args.block})"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--block", type=int, default=5, help="timed calls per runner per round")
    parser.add_argument("--csv", help="also write the table to this CSV file")
    args = parser.parse_args()
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} "
          f"({torch.get_num_threads()} threads)" if torch is not None else ", torch not installed"))
    print(f"forward+backward, (N, T, D, H) = (64, 28, 28, 128), median of {args.rounds * args.block} "
          f"runs each ({args.rounds} interleaved rounds of {args.block})")
    results = {}
    for dtype in (np.float64, np.float32):
        med, spread, faults = results[np.dtype(dtype).name] = bench(dtype, args.rounds, args.block)
        line = f"{np.dtype(dtype).name:8s}" + "".join(
            f"  {name} {ms:7.3f} ms" for name, ms in med.items())
        print(line)
        for name, target in (("rnn_lib", "  (target <= 0.50)"), ("reference", ""),
                             ("products only", "  (floor)")):
            q1, q3 = spread[name]
            print(f"{'':8s}  {name} / naive loop = {med[name] / med['naive loop']:.2f}{target}"
                  f"; per round, middle half {q1:.2f} to {q3:.2f}")
        print(f"{'':8s}  rnn_lib / reference = {med['rnn_lib'] / med['reference']:.2f}")
        if "torch.nn.RNN" in med:
            ratio = med["rnn_lib"] / med["torch.nn.RNN"]
            print(f"{'':8s}  rnn_lib / torch.nn.RNN = {ratio:.2f}  (target <= 0.70)")
        if resource is not None:
            print(f"{'':8s}  page faults per call: " + ", ".join(
                f"{name} {n:.0f}" for name, n in faults.items()))
    if args.csv:
        write_csv(args.csv, results, args)


if __name__ == "__main__":
    main()
