"""A vocabulary: the tokens of a text, numbered 0 .. V-1 in a fixed order.

>>> vocab = Vocabulary("one two one three".split())
>>> vocab.tokens
['one', 'two', 'three']
>>> vocab.encode("three one")
array([2, 0])
>>> vocab.decode([0, 1])
'one two'

The order never depends on Python's ``set`` (whose order of strings changes
from one run to the next): it is the order of first appearance, or sorted.
"""
import numpy as np

from ..nn.embedding import check_token_ids

__all__ = ["Vocabulary"]


class Vocabulary:
    """Tokens numbered in a deterministic order, with encode and decode.

    Parameters
    ----------
    tokens : str or iterable of str
        A string builds a *character* vocabulary (each character a token); a
        list (or any iterable) of strings builds a *word* vocabulary.
    order : {"first", "sorted"}, default "first"
        "first": ids in the order tokens first appear (as fast.ai numbers
        its vocabulary); "sorted": in sorted order.
    unknown : str or None, default None
        None: `encode` refuses a token it has never seen (ValueError). A
        string: that token is added to the vocabulary (last), and every
        unseen token is encoded as it.

    Attributes
    ----------
    tokens : list of str
        ``tokens[i]`` is the token with id i.
    level : {"char", "word"}
    """

    def __init__(self, tokens, *, order="first", unknown=None):
        if order not in ("first", "sorted"):
            raise ValueError(f"order must be 'first' or 'sorted'; got {order!r}")
        if unknown is not None and not isinstance(unknown, str):
            raise TypeError(f"unknown must be None or a string; got {type(unknown).__name__}")
        self.level = "char" if isinstance(tokens, str) else "word"
        if self.level == "word":
            if isinstance(tokens, np.ndarray) and tokens.dtype.kind != "U":
                raise TypeError(f"tokens must be strings; got an array of dtype {tokens.dtype}")
            tokens = list(tokens)
            odd = next((t for t in tokens if not isinstance(t, str)), None)
            if odd is not None:
                raise TypeError(f"tokens must be strings; got {type(odd).__name__} {odd!r}")
        unique = list(dict.fromkeys(tokens))  # first-appearance order, duplicates dropped
        if order == "sorted":
            unique.sort()
        if unknown is not None and unknown not in unique:
            unique.append(unknown)
        if not unique:
            raise ValueError("tokens must hold at least one token; got none")
        self.tokens = unique
        self.unknown = unknown
        self._index = {t: i for i, t in enumerate(unique)}

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, token):
        return token in self._index

    def __repr__(self):
        shown = ", ".join(repr(t) for t in self.tokens[:6])
        more = ", ..." if len(self) > 6 else ""
        return f"Vocabulary({self.level}-level, {len(self)} tokens: {shown}{more})"

    def _split(self, text):
        """A str as tokens: its characters, or its words split on whitespace."""
        if isinstance(text, str):
            return list(text) if self.level == "char" else text.split()
        return list(text)

    def encode(self, text):
        """Token ids of `text`.

        Parameters
        ----------
        text : str or iterable of str
            A string is split into characters (character vocabulary) or on
            whitespace (word vocabulary); a list is taken as its tokens.

        Returns
        -------
        ids : ndarray of int64, shape (T,)
        """
        tokens = self._split(text)
        ids = np.empty(len(tokens), dtype=np.int64)
        for i, token in enumerate(tokens):
            j = self._index.get(token) if isinstance(token, str) else None
            if j is None:
                if self.unknown is None or not isinstance(token, str):
                    raise ValueError(self._unseen_message(token, i))
                j = self._index[self.unknown]
            ids[i] = j
        return ids

    def _unseen_message(self, token, position):
        if not isinstance(token, str):
            return (f"tokens must be strings; got {type(token).__name__} {token!r} "
                    f"at position {position}")
        shown = ", ".join(repr(t) for t in self.tokens[:8])
        return (f"token {token!r} (position {position}) is not in the vocabulary of "
                f"{len(self)} tokens ({shown}{', ...' if len(self) > 8 else ''}); build "
                "the vocabulary from a text that holds it, or pass unknown='<unk>'")

    def decode(self, ids, join=True):
        """The tokens of `ids`, joined into one string by default.

        Parameters
        ----------
        ids : array-like of int, shape (T,)
        join : bool, default True
            True: one string, characters joined with "" and words with " ".
            False: the list of tokens.

        Returns
        -------
        text : str or list of str
        """
        ids = check_token_ids(ids, len(self), "ids")
        if ids.ndim != 1:
            raise ValueError(f"ids must have shape (T,), one sequence; got shape {ids.shape}")
        tokens = [self.tokens[i] for i in ids]
        if not join:
            return tokens
        return ("" if self.level == "char" else " ").join(tokens)
