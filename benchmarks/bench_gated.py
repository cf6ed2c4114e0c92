"""Forward + backward speed of rnn_lib's LSTM and GRU against PyTorch and a per-step loop.

Shapes (N, T, D, H) = (64, 28, 28, 128), in float64 and float32. For each
cell, four runners go interleaved in one process, so a burst of load on a
shared machine hits them alike: each round runs every runner in turn, one
untimed call and then a block of timed calls (the untimed call absorbs what
the previous runner's freed memory costs; see bench_rnn.py). We report
medians, ratios of medians and the spread of the per-round ratios.

- "rnn_lib": `lstm_forward` + `lstm_backward` (`gru_*` with
  ``reset_after=True``, PyTorch's formulation, so that the work is the same).
- "step loop": the same math written the obvious way: the step functions'
  arithmetic per step, caches in lists, weight gradients summed step by step.
- "products only": the matrix products rnn_lib does (the input projection,
  the recurrent products of every step forward and backward, the weight
  gradients and dx), with the same flops but in batch-rows layout, (N, .) @
  (., G H), and nothing else: what the products cost done that way. rnn_lib
  lays its recurrent products out as (G H, H) @ (H, N), which OpenBLAS runs
  faster in float32, so this row is not a floor; the next one is.
- "torch": ``torch.nn.LSTM`` / ``torch.nn.GRU`` on the CPU, when installed.

Below the runners, the arithmetic floor: the floating-point operations that
forward and backward cannot avoid (three products per weight matrix: the
forward product, the gradient flowing back, the weight gradient), divided
by the best rate of one large square product on this machine, thread and
BLAS (the best of 7 runs, measured after the rounds). No implementation that
does this arithmetic with this BLAS is faster, so when the floor is above
half of torch's time, the 0.5x target cannot be met here.

Every runner uses one thread (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
torch.set_num_threads, unless set otherwise in the environment): on a shared
machine, a multi-threaded BLAS call waits for whichever of its threads the
system has descheduled, and a product that takes 0.1 ms alone took 50 ms here
under load. One thread each measures the implementations, not the scheduler.

Run:  python benchmarks/bench_gated.py [--rounds 30] [--block 3]
Target: rnn_lib <= 0.5x torch's time in both dtypes.
"""
import argparse
import os
import sys
import time

# PyTorch's OpenMP threads spin after each call by default and would steal
# the cores the next NumPy run needs (set before torch is imported).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before NumPy loads its BLAS

import numpy as np

from rnn_lib import gru_backward, gru_forward, lstm_backward, lstm_forward
from rnn_lib.nn.convert import gru_to_torch, lstm_to_torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # run as a script or loaded from a file
from _timing import interleaved, median_ms, ratio_quartiles  # noqa: E402

try:  # optional comparison, never required
    import torch
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
except ImportError:
    torch = None

SHAPE = (64, 28, 28, 128)  # N, T, D, H


def _sig(a):
    return 1 / (1 + np.exp(-a))


def lstm_step_loop(x, h0, W_x, W_h, B, dh):
    """LSTM forward and BPTT written the obvious way, one step at a time."""
    N, T, D = x.shape
    H = h0.shape[1]
    h_prev, c_prev = h0, np.zeros_like(h0)
    hs, caches = [], []
    for t in range(T):
        a = x[:, t] @ W_x + h_prev @ W_h + B
        i, f, o = _sig(a[:, :H]), _sig(a[:, H:2 * H]), _sig(a[:, 2 * H:3 * H])
        g = np.tanh(a[:, 3 * H:])
        c = f * c_prev + i * g
        h = o * np.tanh(c)
        caches.append((x[:, t], h_prev, c_prev, i, f, o, g, c))
        hs.append(h)
        h_prev, c_prev = h, c
    dx = np.zeros_like(x)
    dW_x, dW_h, dB = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(B)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        x_t, h_prev, c_prev, i, f, o, g, c = caches[t]
        dh_t = dh[:, t] + dh_next
        tc = np.tanh(c)
        dc = dc_next + dh_t * o * (1 - tc**2)
        da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                             dh_t * tc * o * (1 - o), dc * i * (1 - g**2)], axis=1)
        dx[:, t] = da @ W_x.T
        dW_x += x_t.T @ da
        dW_h += h_prev.T @ da
        dB += da.sum(axis=0)
        dh_next, dc_next = da @ W_h.T, dc * f
    return np.stack(hs, axis=1), dx, dh_next, dW_x, dW_h, dB


def gru_step_loop(x, h0, W_x, W_h, B, dh):
    """GRU (reset after the product) forward and BPTT written the obvious way."""
    N, T, D = x.shape
    H = h0.shape[1]
    h_prev, hs, caches = h0, [], []
    for t in range(T):
        ax = x[:, t] @ W_x + B
        ah = h_prev @ W_h
        r = _sig(ax[:, :H] + ah[:, :H])
        z = _sig(ax[:, H:2 * H] + ah[:, H:2 * H])
        n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
        h = (1 - z) * n + z * h_prev
        caches.append((x[:, t], h_prev, r, z, n, ah[:, 2 * H:]))
        hs.append(h)
        h_prev = h
    dx = np.zeros_like(x)
    dW_x, dW_h, dB = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros_like(B)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        x_t, h_prev, r, z, n, u = caches[t]
        dh_t = dh[:, t] + dh_next
        da_n = dh_t * (1 - z) * (1 - n**2)
        da_z = dh_t * (h_prev - n) * z * (1 - z)
        da_r = da_n * u * r * (1 - r)
        da_x = np.concatenate([da_r, da_z, da_n], axis=1)
        da_h = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dx[:, t] = da_x @ W_x.T
        dW_x += x_t.T @ da_x
        dW_h += h_prev.T @ da_h
        dB += da_x.sum(axis=0)
        dh_next = dh_t * z + da_h @ W_h.T
    return np.stack(hs, axis=1), dx, dh_next, dW_x, dW_h, dB


def lib_lstm(x, h0, W_x, W_h, B, dh):
    h, cache = lstm_forward(x, h0, W_x, W_h, B)
    return (h,) + lstm_backward(dh, cache)


def lib_gru(x, h0, W_x, W_h, B, dh):
    h, cache = gru_forward(x, h0, W_x, W_h, B, reset_after=True)
    return (h,) + gru_backward(dh, cache)


def products_only(cell, x, h0, W_x, W_h, B, dh):
    """A runner doing rnn_lib's matrix products for `cell`, with its shapes, and nothing else."""
    N, T, D = x.shape
    H = h0.shape[1]
    G = W_h.shape[1] // H
    x2 = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)
    h_tm = np.ascontiguousarray(np.tanh(x2[:, :1] + np.zeros((1, H)))).reshape(T, N, H)
    da = np.full((T, N, G * H), 0.5, dtype=x.dtype)  # stand-in values; cost does not depend on them
    W_hT = np.ascontiguousarray(W_h.T)
    W_hrzT = np.ascontiguousarray(W_h[:, :2 * H].T)
    W_hnT = np.ascontiguousarray(W_h[:, 2 * H:].T)
    rec = np.empty((N, G * H), dtype=x.dtype)
    back = np.empty((N, H), dtype=x.dtype)
    dah = np.ascontiguousarray(da[..., 2 * H:3 * H])

    def run():
        x2 @ W_x
        for t in range(T):
            np.matmul(h_tm[t], W_h, out=rec)
        for t in range(T - 1, -1, -1):
            if cell == "lstm":
                np.matmul(da[t], W_hT, out=back)
            else:  # the GRU's r, z blocks and its n block (scaled by r) go back separately
                np.matmul(dah[t], W_hnT, out=back)
                np.matmul(da[t, :, :2 * H], W_hrzT, out=back)
        d2 = da.reshape(T * N, G * H)
        x2.T @ d2
        h0.T @ da[0]
        h_tm[:-1].reshape((T - 1) * N, H).T @ d2[N:]
        d2 @ W_x.T
        if cell == "gru":
            h_tm.reshape(T * N, H).T @ dah.reshape(T * N, H)

    return run


def make_torch(cell, x, h0, W_x, W_h, B, dh):
    D, GH = W_x.shape
    H = h0.shape[1]
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    module = (torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(
        D, H, batch_first=True, dtype=dtype)
    weights = (lstm_to_torch if cell == "lstm" else gru_to_torch)(W_x, W_h, B)
    params = dict(module.named_parameters())
    with torch.no_grad():
        for name, value in weights.items():
            params[name].copy_(torch.from_numpy(np.ascontiguousarray(value)))
    xt = torch.from_numpy(x).requires_grad_(True)
    h0t = torch.from_numpy(h0)[None].requires_grad_(True)
    state = (h0t, torch.zeros_like(h0t)) if cell == "lstm" else h0t
    dht = torch.from_numpy(dh)

    def run():
        module.zero_grad(set_to_none=True)
        xt.grad = None
        h, _ = module(xt, state)
        h.backward(dht)
        return h

    ours = (lib_lstm if cell == "lstm" else lib_gru)(x, h0, W_x, W_h, B, dh)
    out = run()
    tol = 1e-4 if x.dtype == np.float32 else 1e-10
    assert np.allclose(out.detach().numpy(), ours[0], atol=tol), "torch disagrees"
    assert np.allclose(xt.grad.numpy(), ours[1], atol=tol * 100), "torch's dx disagrees"
    return run


def problem(cell, dtype, shape=SHAPE, seed=0):
    N, T, D, H = shape
    G = 4 if cell == "lstm" else 3
    rng = np.random.default_rng(seed)
    return tuple(a.astype(dtype) for a in (
        rng.standard_normal((N, T, D)), 0.5 * rng.standard_normal((N, H)),
        rng.standard_normal((D, G * H)) / np.sqrt(D), rng.standard_normal((H, G * H)) / np.sqrt(H),
        0.1 * rng.standard_normal(G * H), rng.standard_normal((N, T, H))))


def bench(cell, dtype, rounds, block):
    """Median milliseconds of every runner, and the quartiles of its per-round ratio to rnn_lib."""
    args = problem(cell, dtype)
    lib, loop = (lib_lstm, lstm_step_loop) if cell == "lstm" else (lib_gru, gru_step_loop)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for a, b in zip(loop(*args), lib(*args)):  # the loop being beaten computes the same thing
        assert np.allclose(a, b, atol=tol * max(1.0, np.abs(a).max())), "step loop disagrees"
    runners = {"rnn_lib": lambda: lib(*args), "step loop": lambda: loop(*args),
               "products only": products_only(cell, *args)}
    if torch is not None:
        runners["torch"] = make_torch(cell, *args)
    times, _ = interleaved(runners, rounds, block, warmup=3)
    med = median_ms(times)
    spread = {name: ratio_quartiles(times["rnn_lib"], times[name]) for name in runners}
    return med, spread


def arithmetic_floor(cell, dtype, shape=SHAPE, n=1024, repeats=7):
    """Unavoidable flops of forward + backward, their time at the peak product rate, and that rate."""
    N, T, D, H = shape
    G = 4 if cell == "lstm" else 3
    flops = 3 * 2 * N * T * G * H * (D + H)  # x W_x and h W_h; each forward, back and into dW
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    out = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=out)
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        best.append(time.perf_counter() - t0)
    rate = 2 * n**3 / min(best)  # the best case: the floor must not be set by a slow run
    return flops, flops / rate * 1e3, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--block", type=int, default=3, help="timed calls per runner per round")
    args = parser.parse_args()
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__} "
          f"({torch.get_num_threads()} thread{'s' * (torch.get_num_threads() != 1)})" if torch is not None else ", torch not installed"))
    print(f"forward+backward, (N, T, D, H) = {SHAPE}, median of {args.rounds * args.block} "
          f"runs each ({args.rounds} interleaved rounds of {args.block})")
    for cell in ("lstm", "gru"):
        for dtype in (np.float64, np.float32):
            med, spread = bench(cell, dtype, args.rounds, args.block)
            print(f"{cell} {np.dtype(dtype).name:8s}" + "".join(
                f"  {name} {ms:7.2f} ms" for name, ms in med.items()))
            for name in med:
                if name == "rnn_lib":
                    continue
                q1, q3 = spread[name]
                target = "  (target <= 0.50)" if name == "torch" else ""
                print(f"{'':13s}rnn_lib / {name} = {med['rnn_lib'] / med[name]:.2f}{target}; "
                      f"per round, middle half {q1:.2f} to {q3:.2f}")
            flops, floor_ms, rate = arithmetic_floor(cell, dtype)
            line = (f"{'':13s}arithmetic floor {flops / 1e6:.0f} Mflop at {rate / 1e9:.0f} "
                    f"Gflop/s (one 1024-square product) = {floor_ms:.2f} ms")
            if "torch" in med:
                reach = ("within reach" if floor_ms < 0.5 * med["torch"]
                         else "out of reach of any implementation on this BLAS")
                line += f" = {floor_ms / med['torch']:.2f}x torch: 0.5x is {reach}"
            print(line)


if __name__ == "__main__":
    main()
