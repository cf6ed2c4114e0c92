"""Human Numbers: the numbers 1 to 9999 written out in English words, generated here.

The text is that of fast.ai's ``HUMAN_NUMBERS`` data set (Howard & Gugger,
*Deep Learning for Coders*, 2020, chapter 12), built by code so that nothing
is downloaded: one number a line, no hyphens and no "and"
("eight thousand one hundred twenty six"), the lines joined with " . ". Split
on spaces it is 63,098 tokens over a vocabulary of 30 words.

- `number_to_words`: one number, 1 <= n <= 9999.
- `human_numbers_text`: the whole text, one string (the character view).
- `human_numbers_tokens`: the same text as a list of words.
- `human_numbers_split`: fast.ai's split, the first 80% of the `seq_len`
  sequences for training, the rest for validation.
- `human_numbers_results`: the figures `benchmarks/bench_language_model.py`
  measured on it, stored with the package (chapter 4 reads them).
"""
import json
import numbers
import pathlib

from ..utils.validation import check_positive_int

__all__ = ["number_to_words", "human_numbers_text", "human_numbers_tokens",
           "human_numbers_split", "human_numbers_results", "RESULTS_FILE"]

RESULTS_FILE = pathlib.Path(__file__).with_name("human_numbers_results.json")

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve "
         "thirteen fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_to_words(n):
    """`n` in English words, as fast.ai's data set writes it.

    Parameters
    ----------
    n : int, 1 <= n <= 9999

    Returns
    -------
    words : str
        E.g. ``number_to_words(8126) == "eight thousand one hundred twenty six"``.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be an integer from 1 to 9999; got {n!r}")
    if not 1 <= n <= 9999:
        raise ValueError(f"n must be an integer from 1 to 9999; got {n}")
    words = []
    thousands, rest = divmod(int(n), 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [_ONES[thousands], "thousand"]
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, rest = divmod(rest, 10)
        words.append(_TENS[tens])
    if rest:
        words.append(_ONES[rest])
    return " ".join(words)


def human_numbers_text(start=1, stop=9999):
    """The numbers `start` to `stop` (both included) in words, joined with " . ".

    fast.ai's file has no full stop after the last number, and neither
    has this text. Read character by character, it is the character view
    of the data set: 365,495 characters over 20 distinct ones (the 18
    letters the words use, the space and the full stop).

    Returns
    -------
    text : str
    """
    if isinstance(start, bool) or not isinstance(start, numbers.Integral) \
            or isinstance(stop, bool) or not isinstance(stop, numbers.Integral):
        raise TypeError(f"start and stop must be integers; got {start!r} and {stop!r}")
    if not 1 <= start <= stop <= 9999:
        raise ValueError("start and stop must satisfy 1 <= start <= stop <= 9999; "
                         f"got start={start}, stop={stop}")
    return " . ".join(number_to_words(n) for n in range(start, stop + 1))


def human_numbers_tokens(start=1, stop=9999):
    """The text of `human_numbers_text` split on spaces: 63,098 words for 1 to 9999.

    Returns
    -------
    tokens : list of str
    """
    return human_numbers_text(start, stop).split(" ")


def human_numbers_split(tokens=None, seq_len=16, train_fraction=0.8):
    """fast.ai's split of a token stream into a training and a validation part.

    fast.ai cuts the stream into sequences of `seq_len` inputs, each with
    its `seq_len` targets one token further on (sequence i reads tokens
    ``i*seq_len ..`` and predicts ``i*seq_len + 1 ..``); the first
    ``int(0.8 * n_sequences)`` sequences train and the rest validate. The
    two parts returned here are the token stretches those sequences cover,
    so that a model reading part[:-1] predicts exactly fast.ai's targets
    part[1:]. The validation part starts where the training part's last
    target ends, so the two share one token (an input of one, a target of
    neither twice).

    Parameters
    ----------
    tokens : sequence, optional
        Tokens or ids, e.g. a list of str or an int array. Default: the
        words of `human_numbers_tokens`.
    seq_len : int, default 16
        fast.ai's sequence length: 16 for its models 4 to 7 (3 for 1 to 3).
    train_fraction : float, default 0.8

    Returns
    -------
    train, valid : sequences of the type of `tokens`
    """
    if tokens is None:
        tokens = human_numbers_tokens()
    seq_len = check_positive_int(seq_len, "seq_len")
    if isinstance(train_fraction, bool) or not isinstance(train_fraction, numbers.Real) \
            or not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be a number strictly between 0 and 1; "
                         f"got {train_fraction!r}")
    n = len(tokens)
    n_seqs = len(range(0, n - seq_len - 1, seq_len))  # fast.ai's range: the last tokens may go
    cut = int(n_seqs * train_fraction)
    if cut < 1 or cut >= n_seqs:
        raise ValueError(f"{n} tokens make {n_seqs} sequences of seq_len = {seq_len}, too "
                         "few to split into a training and a validation part")
    end_train = cut * seq_len
    return tokens[:end_train + 1], tokens[end_train:n_seqs * seq_len + 1]


def human_numbers_results():
    """What `benchmarks/bench_language_model.py` measured, as it wrote it.

    Returns
    -------
    results : dict
        ``"measured"`` (date), ``"machine"``, ``"numpy"``, ``"command"``;
        ``"baselines"``; ``"models"``: for each model (cell, and the RNN
        without carried state) its settings, seeds, validation accuracies,
        losses and fit times; ``"fastai"``: the published table.
    """
    return json.loads(RESULTS_FILE.read_text())
