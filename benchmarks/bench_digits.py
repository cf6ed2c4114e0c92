"""Train the classifier with its defaults on the digits read row by row; print accuracy and fit time.

    ScratchSimpleRNNClassifier(n_nodes=64, random_state=seed).fit(X_train, y_train)

with every other setting at its default, for several seeds. Fit time is the
median of --repeats runs of the first seed (runs are identical: same seed).

Run:  python benchmarks/bench_digits.py [--seeds 0 1 2 3 4] [--repeats 3]
Target: test accuracy >= 97% for every seed, fit in under 30 s on 2 cores.

With --ablation it instead makes chapter 3's comparison at the default size,
too slow for the chapter: the 64-unit model with its defaults, without input
noise, with a constant learning rate, and with neither, trained on the
chapter's training part (1,150 images) and scored on its validation part
(the other 288 of the training set; the test set is not used), mean and
standard deviation over the seeds. --clipping and --init make chapter 3's
other slow comparisons on the same split, on the digits read pixel by pixel
(T = 64 steps of D = 1): plain SGD with and without clipping, and W_h drawn
Glorot-uniform or orthogonal.
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


ABLATION = {
    "defaults": {},
    "no input noise": {"input_noise": 0.0},
    "constant learning rate": {"lr_schedule": "constant"},
    "neither": {"input_noise": 0.0, "lr_schedule": "constant"},
}


def validation_split(n, n_val=288, seed=0):
    """Chapter 3's split of the training set: (train indices, validation indices)."""
    order = np.random.default_rng(seed).permutation(n)
    return order[n_val:], order[:n_val]


def ablation(seeds):
    X_train, _, y_train, _ = load_digit_sequences()
    fit_idx, val_idx = validation_split(len(y_train))
    print(f"64 units, 40 epochs; trained on {len(fit_idx)} images, scored on "
          f"{len(val_idx)} validation images; seeds {seeds}")
    for label, kwargs in ABLATION.items():
        accs, losses = [], []
        for seed in seeds:
            model = ScratchSimpleRNNClassifier(n_nodes=64, random_state=seed, **kwargs)
            model.fit(X_train[fit_idx], y_train[fit_idx])
            accs.append(model.score(X_train[val_idx], y_train[val_idx]))
            losses.append(model.loss_curve_[-1])
        print(f"{label:24s} validation accuracy {100 * np.mean(accs):.1f} ± "
              f"{100 * np.std(accs, ddof=1):.1f}%  (final training loss "
              f"{np.mean(losses):.3f})", flush=True)


def _pixels():
    X_train, _, y_train, _ = load_digit_sequences()
    fit_idx, val_idx = validation_split(len(y_train))
    P = X_train.reshape(-1, 64, 1)  # (N, 64, 1): one pixel per step
    return P[fit_idx], y_train[fit_idx], P[val_idx], y_train[val_idx]


def _compare(runs, seeds, n_epochs, header):
    P, y, P_val, y_val = _pixels()
    print(header)
    for label, kwargs in runs.items():
        accs, clipped = [], []
        for seed in seeds:
            model = ScratchSimpleRNNClassifier(random_state=seed, **kwargs)
            model.fit(P, y, n_epochs=n_epochs)
            accs.append(model.score(P_val, y_val))
            norms = np.array(model.grad_norms_)
            clipped.append(np.mean(norms > (kwargs.get("clip_norm") or np.inf)))
        print(f"{label:34s} validation accuracy {100 * np.mean(accs):.1f} ± "
              f"{100 * np.std(accs, ddof=1):.1f}%  steps clipped {100 * np.mean(clipped):.0f}%",
              flush=True)


CLIPPING = {  # chapter 3's runs: 16 units, plain SGD, constant step size, no noise
    "learning rate 0.1, no clipping": dict(learning_rate=0.1, clip_norm=None),
    "learning rate 0.1, clipped at 1": dict(learning_rate=0.1, clip_norm=1.0),
    "learning rate 0.1, clipped at 4": dict(learning_rate=0.1, clip_norm=4.0),
    "learning rate 0.03, no clipping": dict(learning_rate=0.03, clip_norm=None),
}
INIT = {"W_h Glorot-uniform": dict(init="glorot"), "W_h orthogonal": dict(init="orthogonal")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ablation", action="store_true",
                        help="chapter 3's ablation of the defaults, on the validation split")
    parser.add_argument("--clipping", action="store_true",
                        help="chapter 3's clipping runs, pixel by pixel, over the seeds")
    parser.add_argument("--init", action="store_true",
                        help="Glorot against orthogonal W_h, pixel by pixel, over the seeds")
    args = parser.parse_args()
    if args.ablation:
        ablation(args.seeds)
    if args.clipping:
        runs = {k: dict(v, n_nodes=16, optimizer="sgd", lr_schedule="constant",
                        input_noise=0.0) for k, v in CLIPPING.items()}
        _compare(runs, args.seeds, 6, f"pixel by pixel, 16 units, plain SGD, 6 epochs; "
                                      f"seeds {args.seeds}")
    if args.init:
        runs = {k: dict(v, n_nodes=16) for k, v in INIT.items()}
        _compare(runs, args.seeds, 5, f"pixel by pixel, 16 units, other settings at their "
                                      f"defaults, 5 epochs; seeds {args.seeds}")
    if args.ablation or args.clipping or args.init:
        return

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
    sd = f", sd {100 * statistics.stdev(accuracies):.2f}" if len(accuracies) > 1 else ""
    print(f"test accuracy over seeds {args.seeds}: min {100 * min(accuracies):.2f}%, "
          f"mean {100 * statistics.mean(accuracies):.2f}%{sd}, max {100 * max(accuracies):.2f}%")
    target_met = min(accuracies) >= 0.97 and statistics.median(first_seed_times) < 30
    print("target (>= 97% for every seed, median fit < 30 s):", "met" if target_met else "NOT met")


if __name__ == "__main__":
    main()
