"""The timing loop the speed benchmarks share: runners interleaved in one process.

Each round runs every runner in turn: one untimed call, which pays for what
the previous runner left behind (memory it freed, caches it filled), then a
block of timed calls. A burst of load on a shared machine then hits every
runner alike, and the ratio of two runners' blocks in one round is the least
disturbed figure there is.
"""
import statistics
import time

try:  # page-fault counts; Unix only
    import resource
except ImportError:
    resource = None


def minor_faults():
    """Minor page faults of this process so far (0 where the count is not available)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource else 0


def interleaved(runners, rounds, block, warmup):
    """Time `runners` (name -> callable) in `rounds` interleaved rounds of `block` calls.

    Returns
    -------
    times : dict
        name -> one list of `block` seconds per round.
    faults : dict
        name -> minor page faults per timed call.
    """
    for fn in runners.values():  # warm-up: caches, BLAS threads, allocator
        for _ in range(warmup):
            fn()
    times = {name: [] for name in runners}
    faults = dict.fromkeys(runners, 0)
    for _ in range(rounds):
        for name, fn in runners.items():
            fn()  # untimed: pays for what the previous runner left behind
            ts = []
            f0 = minor_faults()
            for _ in range(block):
                t0 = time.perf_counter()
                fn()
                ts.append(time.perf_counter() - t0)
            faults[name] += minor_faults() - f0
            times[name].append(ts)
    return times, {name: f / (rounds * block) for name, f in faults.items()}


def median_ms(times):
    """name -> median of every timed call, in milliseconds."""
    return {name: statistics.median(t for ts in blocks for t in ts) * 1e3
            for name, blocks in times.items()}


def ratio_quartiles(numerator, denominator):
    """First and third quartile of the per-round ratio of two runners' median block times."""
    per_round = [statistics.median(a) / statistics.median(b)
                 for a, b in zip(numerator, denominator)]
    if len(per_round) == 1:
        return per_round[0], per_round[0]
    q1, _, q3 = statistics.quantiles(per_round, n=4)
    return q1, q3
