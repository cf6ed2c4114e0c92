"""Train the classifier with its defaults on the digits read row by row; print accuracy and fit time.

    ScratchSimpleRNNClassifier(n_nodes=64, random_state=seed).fit(X_train, y_train)

with every other setting at its default, for several seeds. Fit time is the
median of --repeats runs of the first seed (runs are identical: same seed).

Run:  python benchmarks/bench_digits.py [--seeds 0 1 2 3 4] [--repeats 3]
Target: test accuracy >= 97% for every seed, fit in under 30 s on 2 cores.
"""
import argparse
import statistics
import time

import numpy as np

from rnn_lib import ScratchSimpleRNNClassifier, load_digit_sequences


def fit_and_score(seed, X_train, X_test, y_train, y_test):
    start = time.perf_counter()
    model = ScratchSimpleRNNClassifier(n_nodes=64, random_state=seed).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    n_correct = int(np.sum(model.predict(X_test) == y_test))
    return model, n_correct, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    X_train, X_test, y_train, y_test = load_digit_sequences()
    print(f"digits as sequences: train {X_train.shape}, test {X_test.shape} (N, T, D)")
    defaults = ScratchSimpleRNNClassifier()
    print(f"defaults: optimizer={defaults.optimizer}, learning_rate={defaults.learning_rate}, "
          f"batch_size={defaults.batch_size}, lr_schedule={defaults.lr_schedule}, "
          f"clip_norm={defaults.clip_norm}, input_noise={defaults.input_noise}")
    n_test = len(y_test)
    accuracies, times = [], []
    for seed in args.seeds:
        model, n_correct, seconds = fit_and_score(seed, X_train, X_test, y_train, y_test)
        accuracies.append(n_correct / n_test)
        times.append(seconds)
        print(f"random_state={seed}: test accuracy {100 * n_correct / n_test:.2f}% "
              f"({n_correct}/{n_test}), epochs {model.n_iter_}, "
              f"final training loss {model.loss_curve_[-1]:.4f}, fit {seconds:.1f} s")
    for _ in range(args.repeats - 1):  # more timings of the first seed
        times_first = fit_and_score(args.seeds[0], X_train, X_test, y_train, y_test)[2]
        times.append(times_first)
    first_seed_times = [times[0]] + times[len(args.seeds):]
    print(f"fit time, random_state={args.seeds[0]}: median {statistics.median(first_seed_times):.1f} s "
          f"over {len(first_seed_times)} runs (all fits: {min(times):.1f} to {max(times):.1f} s)")
    print(f"test accuracy over seeds {args.seeds}: min {100 * min(accuracies):.2f}%, "
          f"mean {100 * statistics.mean(accuracies):.2f}%, max {100 * max(accuracies):.2f}%")
    target_met = min(accuracies) >= 0.97 and statistics.median(first_seed_times) < 30
    print("target (>= 97% for every seed, median fit < 30 s):", "met" if target_met else "NOT met")


if __name__ == "__main__":
    main()
