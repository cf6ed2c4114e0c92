"""Vocabulary: a fixed order, round trips, and clear errors for unseen tokens."""
import subprocess
import sys

import numpy as np
import pytest

from rnn_lib import Vocabulary
from rnn_lib.data import human_numbers_text, human_numbers_tokens


def test_words_in_first_appearance_order():
    vocab = Vocabulary("one two one three".split())
    assert vocab.tokens == ["one", "two", "three"]
    assert len(vocab) == 3 and vocab.level == "word"


def test_sorted_order():
    assert Vocabulary(list("cabca"), order="sorted").tokens == ["a", "b", "c"]


def test_a_string_builds_a_character_vocabulary():
    vocab = Vocabulary("hello")
    assert vocab.level == "char" and vocab.tokens == ["h", "e", "l", "o"]
    np.testing.assert_array_equal(vocab.encode("hole"), [0, 3, 2, 1])


def test_word_round_trip():
    tokens = human_numbers_tokens(1, 120)
    vocab = Vocabulary(tokens)
    ids = vocab.encode(tokens)
    assert ids.dtype == np.int64 and ids.shape == (len(tokens),)
    assert vocab.decode(ids, join=False) == tokens
    assert vocab.decode(ids) == " ".join(tokens)
    np.testing.assert_array_equal(vocab.encode(" ".join(tokens)), ids)  # a str is split on spaces


def test_character_round_trip():
    text = human_numbers_text(1, 50)
    vocab = Vocabulary(text)
    assert vocab.decode(vocab.encode(text)) == text


def test_order_is_the_same_in_a_fresh_interpreter():
    # str hashes (and so set order) change between runs; the vocabulary must not.
    code = ("import sys; from rnn_lib.data.vocabulary import Vocabulary;"
            "print(Vocabulary(sys.argv[1].split()).tokens)")
    words = " ".join(human_numbers_tokens(1, 300))
    fresh = subprocess.run([sys.executable, "-c", code, words], capture_output=True,
                           text=True, env={"PYTHONHASHSEED": "12345"}, check=True).stdout
    assert fresh.strip() == str(Vocabulary(words.split()).tokens)


def test_unseen_token_is_refused_with_its_name():
    vocab = Vocabulary(["one", "two"])
    with pytest.raises(ValueError, match=r"token 'eleventy' \(position 1\) is not in the "
                                         r"vocabulary of 2 tokens \('one', 'two'\)"):
        vocab.encode(["one", "eleventy"])


def test_explicit_unknown_token():
    vocab = Vocabulary(["one", "two"], unknown="<unk>")
    assert vocab.tokens[-1] == "<unk>"
    np.testing.assert_array_equal(vocab.encode("two zillion"), [1, 2])


def test_decode_refuses_ids_out_of_range():
    with pytest.raises(ValueError, match=r"ids must hold token ids in 0 \.\. 1 \(V = 2"):
        Vocabulary(["a", "b"]).decode([0, 2])


@pytest.mark.parametrize("tokens, error, match", [
    ([], ValueError, "at least one token"),
    (["a", 3], TypeError, "tokens must be strings; got int 3"),
])
def test_bad_tokens_are_refused(tokens, error, match):
    with pytest.raises(error, match=match):
        Vocabulary(tokens)


def test_bad_order_is_refused():
    with pytest.raises(ValueError, match="order must be 'first' or 'sorted'; got 'set'"):
        Vocabulary(["a"], order="set")


# ------------------------------------------------------------ Human Numbers
def test_human_numbers_has_fastai_size_and_format():
    from rnn_lib.data import number_to_words
    tokens = human_numbers_tokens()
    assert len(tokens) == 63_098 and len(Vocabulary(tokens)) == 30
    assert number_to_words(8126) == "eight thousand one hundred twenty six"
    assert number_to_words(9000) == "nine thousand" and number_to_words(101) == "one hundred one"
    assert human_numbers_text(1, 3) == "one . two . three"  # no full stop at the end


def test_human_numbers_split_is_fastais():
    from rnn_lib import human_numbers_split
    ids = np.arange(63_098)
    train, valid = human_numbers_split(ids, seq_len=16)
    n_seqs = len(range(0, 63_098 - 17, 16))
    cut = int(0.8 * n_seqs)
    assert train[-1] == valid[0] == 16 * cut  # the last target of train, the first input of valid
    assert len(valid) - 1 == 16 * (n_seqs - cut)  # exactly fast.ai's validation targets
    tokens = human_numbers_tokens()
    _, valid_words = human_numbers_split(tokens)
    frequent = np.mean(np.array(valid_words[1:]) == "thousand")
    assert round(frequent, 3) == 0.152  # fast.ai's baseline


def test_bad_numbers_are_refused():
    from rnn_lib.data import number_to_words
    with pytest.raises(ValueError, match="from 1 to 9999; got 10000"):
        number_to_words(10_000)
    with pytest.raises(TypeError, match="an integer from 1 to 9999; got 2.0"):
        number_to_words(2.0)


def test_stored_benchmark_results_hold_what_chapter_4_reads():
    from rnn_lib.data import human_numbers_results
    results = human_numbers_results()
    assert {"measured", "machine", "numpy", "baselines", "models", "fastai"} <= set(results)
    for run in results["models"].values():
        assert len(run["accuracy"]) == len(run["seeds"]) >= 5
