"""`RNNLanguageModel`: predict the next token at every step, then sample from it.

The model, with the book's symbols (V tokens, D embedding size, H hidden)::

    x = W_e[ids]                        # (N, T, D)  embedding_forward
    h = cell(x, state)                  # (N, T, H)  get_cell(cell).forward
    logits = h @ W_y + B_y              # (N, T, V)  affine_forward (3-D)
    loss = mean over (n, t) of -log softmax(logits)[n, t, targets[n, t]]

Public API (names stable):

- ``RNNLanguageModel(vocab_size, n_nodes=64, *, cell="rnn", embedding_dim=32,
  seq_len=16, batch_size=64, stateful=True, optimizer="adam",
  learning_rate=0.01, lr_schedule="one_cycle", clip_norm=5.0, n_epochs=15,
  random_state=None)``
- ``fit(ids, validation_ids=None, verbose=False)``, ``loss(ids)``,
  ``perplexity(ids)``, ``accuracy(ids)``, ``predict_proba(ids)``,
  ``sample(n, prefix, temperature=1.0, random_state=None)``,
  ``loss_and_grads(x, y, state)``, ``save(path)``, ``load(path)``
- learned: ``W_e, W_x, W_h, B, W_y, B_y``, ``loss_curve_``,
  ``validation_loss_curve_``, ``validation_accuracy_curve_``, ``grad_norms_``
- data: ``rnn_lib.data.human_numbers_tokens``, ``human_numbers_split``,
  ``human_numbers_results`` (the benchmark's figures),
  ``human_numbers_text``, ``Vocabulary``
"""
import numpy as np

from ..nn.cells import get_cell
from ..nn.embedding import embedding_backward, embedding_forward
from ..nn.layers import affine_backward, affine_forward
from ..nn.losses import log_softmax, temporal_softmax_cross_entropy
from ..utils.validation import check_positive_int, check_random_state
from . import _lm_training, persistence
from ._lm_inputs import ONE_HOT, check_fitted, validate_ids, validate_settings
from ._lm_weights import LM_FORMAT, initial_weights
from .sampling import check_temperature, next_token_probabilities

__all__ = ["RNNLanguageModel"]


class RNNLanguageModel:
    """A recurrent language model trained with truncated BPTT and a carried state.

    Parameters
    ----------
    vocab_size : int
        V, the number of token ids (``len(vocabulary)``).
    n_nodes : int, default 64
        Hidden units H.
    cell : str, default "rnn"
        The recurrent cell, a name in `rnn_lib.nn.cells.CELLS`.
    embedding_dim : int or "one_hot", default 32
        D, the size of the learned token vectors; "one_hot" feeds one-hot
        vectors instead (a fixed identity W_e, D = V).
    seq_len : int, default 16
        Steps of one chunk of truncated BPTT.
    batch_size : int, default 64
        Parallel streams (rows) of a batch.
    stateful : bool, default True
        True: the chunks of each stream follow each other and the hidden
        state is carried over; False: shuffled chunks, each from a zero state.
    optimizer : {"adam", "rmsprop", "adagrad", "momentum", "sgd"}, default "adam"
    learning_rate : float, default 0.01
    lr_schedule : {"one_cycle", "cosine", "constant"}, default "one_cycle"
        "one_cycle" warms up over the first quarter, then anneals to ~0.
    clip_norm : float or None, default 5.0
    n_epochs : int, default 15
    random_state : int or None, default None
        Seed of ``np.random.default_rng``, resolved in `fit`.
    """

    def __init__(self, vocab_size, n_nodes=64, *, cell="rnn", embedding_dim=32, seq_len=16,
                 batch_size=64, stateful=True, optimizer="adam", learning_rate=0.01,
                 lr_schedule="one_cycle", clip_norm=5.0, n_epochs=15, random_state=None):
        self.vocab_size = vocab_size
        self.n_nodes = n_nodes
        self.cell = cell
        self.embedding_dim = embedding_dim
        self.seq_len = seq_len
        self.batch_size = batch_size
        self.stateful = stateful
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.clip_norm = clip_norm
        self.n_epochs = n_epochs
        self.random_state = random_state
        self.W_e = self.W_x = self.W_h = self.B = self.W_y = self.B_y = None

    # ----------------------------------------------------------------- weights
    def _initialize_weights(self, rng):
        for name, value in initial_weights(self, rng).items():
            setattr(self, name, value)

    def _params(self):
        """The trainable arrays by name (W_e only when learned)."""
        names = ("W_x", "W_h", "B", "W_y", "B_y")
        if self.embedding_dim != ONE_HOT:
            names = ("W_e",) + names
        return {name: getattr(self, name) for name in names}

    def _zero_state(self, N):
        return tuple(np.zeros((N, self.n_nodes)) for _ in range(get_cell(self.cell).n_states))

    def _forget_fit(self):
        self.W_e = self.W_x = self.W_h = self.B = self.W_y = self.B_y = None
        for name in ("n_iter_", "optimizer_"):
            vars(self).pop(name, None)

    # ----------------------------------------------------------------- training
    def _forward(self, x, state):
        cell = get_cell(self.cell)
        emb, emb_cache = embedding_forward(x, self.W_e)  # (N, T, D)
        h, cell_cache = cell.forward(emb, state, self.W_x, self.W_h, self.B)  # (N, T, H)
        logits, out_cache = affine_forward(h, self.W_y, self.B_y)  # (N, T, V)
        return logits, (emb_cache, cell_cache, out_cache), cell.final_state(cell_cache)

    def loss_and_grads(self, x, y, state=None):
        """Mean next-token loss on one chunk, its gradients, and the state it ends in.

        Parameters
        ----------
        x, y : ndarray of int, shape (N, T)
            Input ids and their targets (``y[:, t]`` follows ``x[:, t]``).
        state : tuple of ndarray of shape (N, H), optional
            The state to start from (zeros by default), e.g. the state the
            previous chunk ended in. No gradient flows into it.

        Returns
        -------
        loss : float
        grads : dict of str to ndarray
            Same names and shapes as the trainable parameters.
        state : tuple of ndarray of shape (N, H)
            The state after the last step, for the next chunk.
        """
        check_fitted(self)
        x = np.asarray(x)
        if x.ndim != 2:
            raise ValueError(f"x must have shape (N, T); got shape {x.shape}")
        state = self._zero_state(x.shape[0]) if state is None else tuple(state)
        logits, (emb_cache, cell_cache, out_cache), state = self._forward(x, state)
        loss, dlogits = temporal_softmax_cross_entropy(logits, y)  # divided by N*T
        dh, dW_y, dB_y = affine_backward(dlogits, out_cache)
        # dh is non-zero at every step: each step has its own loss.
        dx, _, dW_x, dW_h, dB = get_cell(self.cell).backward(dh, cell_cache)
        grads = {"W_x": dW_x, "W_h": dW_h, "B": dB, "W_y": dW_y, "B_y": dB_y}
        if self.embedding_dim != ONE_HOT:
            grads["W_e"] = embedding_backward(dx, emb_cache)
        return loss, grads, state

    def fit(self, ids, validation_ids=None, verbose=False, callback=None):
        """Train on one long sequence of token ids; return self.

        Parameters
        ----------
        ids : ndarray of int, shape (L,)
        validation_ids : ndarray of int, shape (L_val,), optional
            Scored after every epoch into ``validation_loss_curve_`` and
            ``validation_accuracy_curve_``.
        verbose : bool, default False
            Print one line per epoch.
        callback : callable, optional
            Called as ``callback(model, epoch)`` after every epoch (epoch
            counts from 1), e.g. to sample from the model as it learns.

        Returns
        -------
        self
        """
        validate_settings(self)
        V = self.vocab_size
        if self.stateful:
            need = self.batch_size + 1
            why = f"an input and its target in each of the batch_size = {need - 1} streams"
        else:
            need = self.seq_len + 1
            why = f"one sequence of seq_len = {need - 1} and its targets"
        ids = validate_ids(ids, V, "ids", need, why)
        if validation_ids is not None:
            validation_ids = validate_ids(validation_ids, V, "validation_ids")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be a function callback(model, epoch) or None; "
                            f"got {type(callback).__name__}")
        rng = np.random.default_rng(self.random_state)  # resolved here: refits are identical
        return _lm_training.train(self, ids, validation_ids, rng, verbose, callback)

    # --------------------------------------------------------------- evaluation
    def _log_probs(self, ids, chunk_len=None):
        """log p(next token) after each of ids[:-1], as one stream from a zero state."""
        n = len(ids) - 1  # inputs
        if chunk_len is not None:
            # Chunks that each start from zero are independent: one batch, a row each.
            k = chunk_len
            m = n // k
            out = []
            for r in range(0, m, 4096):  # blocks of rows bound the memory
                rows = ids[r * k:min(m, r + 4096) * k].reshape(-1, k)
                logits, _, _ = self._forward(rows, self._zero_state(len(rows)))
                out.append(log_softmax(logits).reshape(-1, self.vocab_size))
            if m * k < n:  # the last, shorter chunk
                logits, _, _ = self._forward(ids[None, m * k:n], self._zero_state(1))
                out.append(log_softmax(logits[0]))
            return np.concatenate(out)
        state, out = self._zero_state(1), []
        for s in range(0, n, 1024):  # pieces of one stream, the state carried
            logits, _, state = self._forward(ids[None, s:min(s + 1024, n)], state)
            out.append(log_softmax(logits[0]))
        return np.concatenate(out)  # (L - 1, V)

    def _evaluate(self, ids, chunk_len=None):
        log_p = self._log_probs(ids, chunk_len)
        targets = ids[1:]
        loss = -float(log_p[np.arange(len(targets)), targets].mean())
        return loss, float(np.mean(log_p.argmax(axis=1) == targets))

    def _checked(self, ids, chunk_len):
        check_fitted(self)
        if chunk_len is not None:
            check_positive_int(chunk_len, "chunk_len")
        return validate_ids(ids, self.vocab_size)

    def loss(self, ids, chunk_len=None):
        """Mean cross-entropy of predicting ``ids[1:]`` from what comes before.

        The state runs through the whole sequence from a zero start; with
        `chunk_len`, it is reset to zero every `chunk_len` steps instead.

        Parameters
        ----------
        ids : ndarray of int, shape (L,), L >= 2
        chunk_len : int, optional

        Returns
        -------
        loss : float
            In nats per token; ``ln V`` for a model that knows nothing.
        """
        return self._evaluate(self._checked(ids, chunk_len), chunk_len)[0]

    def perplexity(self, ids, chunk_len=None):
        """``exp(loss(ids))``: the number of equally likely tokens the model hesitates between."""
        return float(np.exp(self.loss(ids, chunk_len)))

    def accuracy(self, ids, chunk_len=None):
        """Fraction of ``ids[1:]`` that is the model's most probable next token."""
        return self._evaluate(self._checked(ids, chunk_len), chunk_len)[1]

    def predict_proba(self, ids):
        """Next-token probabilities after each prefix of `ids`.

        Parameters
        ----------
        ids : ndarray of int, shape (L,), L >= 1

        Returns
        -------
        proba : ndarray of shape (L, V)
            Row t is the distribution of the token after ``ids[:t + 1]``.
        """
        check_fitted(self)
        ids = validate_ids(ids, self.vocab_size, "ids", 1, "a prefix")
        return np.exp(self._log_probs(np.append(ids, 0)))

    def sample(self, n, prefix, temperature=1.0, random_state=None):
        """Generate `n` tokens after `prefix`, each fed back in as the next input.

        Parameters
        ----------
        n : int >= 1
        prefix : array-like of int, shape (P,), P >= 1
            Read first, to set the state; not part of the result.
        temperature : float >= 0, default 1.0
            Divides the logits; 0 picks the most probable token every time.
        random_state : int or None
            Seed of the draws: the same seed gives the same tokens.

        Returns
        -------
        ids : ndarray of int64, shape (n,)
        """
        check_fitted(self)
        n = check_positive_int(n, "n")
        prefix = validate_ids(prefix, self.vocab_size, "prefix", 1, "to start from")
        temperature = check_temperature(temperature)
        rng = np.random.default_rng(check_random_state(random_state))
        logits, _, state = self._forward(prefix[None], self._zero_state(1))
        out = np.empty(n, dtype=np.int64)
        for i in range(n):
            p = next_token_probabilities(logits[0, -1], temperature)
            out[i] = p.argmax() if temperature == 0 else rng.choice(len(p), p=p)
            logits, _, state = self._forward(out[None, i:i + 1], state)
        return out

    # ------------------------------------------------------------- model files
    def save(self, path):
        """Write the fitted model to `path` as an .npz of plain arrays (never pickle)."""
        check_fitted(self)
        persistence.save_model(self, path, LM_FORMAT)

    @classmethod
    def load(cls, path):
        """Read a model written by `save`; ModelFileError for any other file."""
        return persistence.load_model(cls, path, LM_FORMAT)
