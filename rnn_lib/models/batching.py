"""Cutting one long stream of token ids into mini-batches for truncated BPTT.

A language model learns from one long sequence. Truncated BPTT trains on
chunks of `seq_len` steps; to use a batch, the stream is first cut into
`batch_size` parallel streams, one per row::

    ids     a b c d e f g h i j k l m      (13 ids, 12 targets)
    row 0   a b c d e f   -> targets b c d e f g
    row 1   g h i j k l   -> targets h i j k l m

and batch k holds columns ``k*seq_len .. (k+1)*seq_len - 1`` of every row.
Row b of batch k+1 then continues row b of batch k exactly where it stopped,
so the hidden state a batch ends with is the right start for the next one
(fast.ai's ``group_chunks``, d2l's sequential partitioning). Cutting batch
after batch straight from the stream would not line up: row b of the next
batch would be a piece of text far from where row b stopped.
"""
import numpy as np

from ..utils.validation import check_positive_int

__all__ = ["stream_batches", "sequence_batches"]


def _as_ids(ids):
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu" or ids.ndim != 1:
        raise TypeError(f"ids must be a 1-D array of integer token ids; got dtype "
                        f"{ids.dtype} and shape {ids.shape}")
    return ids


def stream_batches(ids, batch_size, seq_len):
    """Consecutive chunks of `batch_size` parallel streams: inputs and targets.

    Parameters
    ----------
    ids : ndarray of int, shape (L,)
        One long sequence; the target of ``ids[i]`` is ``ids[i + 1]``.
    batch_size : int
        Parallel streams N; each gets ``n = (L - 1) // N`` inputs, and the
        last ``(L - 1) % N`` targets are left out.
    seq_len : int
        Steps T per chunk; the last chunk is shorter when T does not divide n.

    Returns
    -------
    batches : list of (x, y)
        ``x`` and ``y`` of shape (N, T), ``y[:, t]`` the id after ``x[:, t]``;
        row b of batch k+1 continues row b of batch k.
    """
    ids = _as_ids(ids)
    N = check_positive_int(batch_size, "batch_size")
    T = check_positive_int(seq_len, "seq_len")
    n = (len(ids) - 1) // N  # inputs per stream
    if n < 1:
        raise ValueError(f"ids must hold more than batch_size = {N} ids, one input "
                         f"and its target per stream at least; got {len(ids)}")
    x = ids[:N * n].reshape(N, n)  # row b: ids b*n .. b*n + n - 1
    y = ids[1:N * n + 1].reshape(N, n)  # each shifted by one
    return [(x[:, s:s + T], y[:, s:s + T]) for s in range(0, n, T)]


def sequence_batches(ids, batch_size, seq_len, rng):
    """Independent chunks in shuffled mini-batches, for training without carried state.

    The stream is cut into sequences of `seq_len` inputs (the last, shorter
    one is dropped), which are shuffled and grouped `batch_size` at a time.

    Parameters
    ----------
    ids : ndarray of int, shape (L,)
    batch_size, seq_len : int
    rng : numpy.random.Generator
        Shuffles the sequences.

    Returns
    -------
    batches : list of (x, y)
        ``x`` and ``y`` of shape (N, T); the last batch may have fewer rows.
    """
    ids = _as_ids(ids)
    N = check_positive_int(batch_size, "batch_size")
    T = check_positive_int(seq_len, "seq_len")
    n_seqs = (len(ids) - 1) // T
    if n_seqs < 1:
        raise ValueError(f"ids must hold more than seq_len = {T} ids for one sequence and "
                         f"its targets; got {len(ids)}")
    x = ids[:n_seqs * T].reshape(n_seqs, T)
    y = ids[1:n_seqs * T + 1].reshape(n_seqs, T)
    order = rng.permutation(n_seqs)
    return [(x[order[s:s + N]], y[order[s:s + N]]) for s in range(0, n_seqs, N)]
