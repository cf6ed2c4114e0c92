"""Chapter 5's comparisons over 5 seeds: the RNN, the LSTM and the GRU on three tasks.

- adding: the adding problem (rnn_lib.data.adding_problem) at several lengths
  T; a `ScratchSequenceRegressor` per cell and seed; the mean squared error
  on a validation set of fresh sequences, against the baseline 1/6.
- digits: chapter 3's task, ``ScratchSimpleRNNClassifier(n_nodes=64,
  random_state=seed, cell=cell)`` with its default training, fitted on 80%
  of the training images and scored on the other 20% (the validation split;
  the test images are not used).
- lm: chapter 4's language model on Human Numbers, ``RNNLanguageModel(V,
  n_nodes=64, random_state=seed, cell=cell)`` with its defaults, next-word
  accuracy on fast.ai's validation split (skipped if the language model is
  not installed).

The results go to benchmarks/results/gated_<task>.json (one entry per run,
written as soon as it finishes), which chapter 5 reads and quotes.

Run:  python benchmarks/bench_gated_tasks.py [adding] [digits] [lm] [--seeds 5]
(with --first-seed k, seeds k .. 4 go to gated_<task>_from<k>.json, so that
two processes can share the seeds; chapter 5 reads both files)
"""
import argparse
import datetime
import json
import pathlib
import platform
import time

import numpy as np

from rnn_lib import ScratchSimpleRNNClassifier, load_digit_sequences
from rnn_lib.data.synthetic import adding_problem
from rnn_lib.models.regressor import ScratchSequenceRegressor

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
CELLS = ("rnn", "lstm", "gru")
ADDING_T = (10, 25, 50)
ADDING = dict(n_train=1500, n_valid=500, n_nodes=16, n_epochs=16, batch_size=32,
              learning_rate=0.01, clip_norm=5.0)


def adding_run(cell, T, seed):
    X, y = adding_problem(ADDING["n_train"], T, random_state=1000 + seed)
    Xv, yv = adding_problem(ADDING["n_valid"], T, random_state=2000 + seed)
    model = ScratchSequenceRegressor(
        cell=cell, n_nodes=ADDING["n_nodes"], learning_rate=ADDING["learning_rate"],
        batch_size=ADDING["batch_size"], n_epochs=ADDING["n_epochs"],
        clip_norm=ADDING["clip_norm"], random_state=seed).fit(X, y, validation_data=(Xv, yv))
    return {"validation_mse": model.validation_loss_curve_[-1],
            "validation_curve": model.validation_loss_curve_}


def digits_split():
    X_train, _, y_train, _ = load_digit_sequences()
    order = np.random.default_rng(0).permutation(len(y_train))
    cut = int(0.8 * len(y_train))
    return (X_train[order[:cut]], y_train[order[:cut]],
            X_train[order[cut:]], y_train[order[cut:]])


def digits_run(cell, seed, split):
    X, y, Xv, yv = split
    model = ScratchSimpleRNNClassifier(n_nodes=64, random_state=seed, cell=cell).fit(X, y)
    return {"validation_accuracy": model.score(Xv, yv), "train_accuracy": model.score(X, y)}


def lm_run(cell, seed):
    from rnn_lib.data import Vocabulary, human_numbers_split, human_numbers_tokens
    from rnn_lib.models.language_model import RNNLanguageModel

    tokens = human_numbers_tokens()
    vocab = Vocabulary(tokens)
    train, valid = human_numbers_split(vocab.encode(tokens))
    model = RNNLanguageModel(len(vocab), n_nodes=64, random_state=seed, cell=cell)
    model.fit(train)
    return {"validation_accuracy": model.accuracy(valid)}


def _save(task, results, first_seed):
    RESULTS.mkdir(exist_ok=True)
    suffix = f"_from{first_seed}" if first_seed else ""  # a second process's share
    path = RESULTS / f"gated_{task}{suffix}.json"
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="*", default=["adding", "digits", "lm"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="run seeds first-seed .. seeds-1 (to share them out)")
    args = parser.parse_args()
    for task in args.tasks:
        results = {"measured": f"{datetime.date.today().isoformat()}, {platform.machine()}, "
                               f"numpy {np.__version__}, {args.seeds} seeds",
                   "settings": {"adding": ADDING, "adding_T": ADDING_T} if task == "adding"
                   else {}, "runs": []}
        split = digits_split() if task == "digits" else None
        for seed in range(args.first_seed, args.seeds):
            for cell in CELLS:
                for T in (ADDING_T if task == "adding" else (None,)):
                    t0 = time.perf_counter()
                    if task == "adding":
                        run = adding_run(cell, T, seed)
                    elif task == "digits":
                        run = digits_run(cell, seed, split)
                    else:
                        run = lm_run(cell, seed)
                    run.update(cell=cell, seed=seed, T=T, seconds=time.perf_counter() - t0)
                    results["runs"].append(run)
                    _save(task, results, args.first_seed)
                    shown = {k: round(v, 4) for k, v in run.items()
                             if isinstance(v, float) and k != "seconds"}
                    print(task, cell, T, seed, shown, f"{run['seconds']:.0f}s", flush=True)


if __name__ == "__main__":
    main()
