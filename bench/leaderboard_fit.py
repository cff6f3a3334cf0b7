"""The leaderboard's Bradley–Terry fit with 200 bootstrap refits, from grouped
comparisons (what the refit job fits: one row per first, second, score) against the
comparisons one by one, on the same synthetic data.

    .venv/bin/python bench/leaderboard_fit.py                       # 1,000,000 comparisons, 10 producers
    .venv/bin/python bench/leaderboard_fit.py --comparisons 200000 --producers 30

Grouping makes the fit's cost depend on producers, not comparisons; the one-by-one fit
is timed on a slice (--one-by-one) since its bootstrap grows with every comparison.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback.loop.leaderboard import bradley_terry  # noqa: E402


def synthetic(comparisons: int, producers: int, seed: int):
    rng = np.random.default_rng(seed)
    strengths = np.exp(rng.normal(0, 0.5, producers))
    first = rng.integers(0, producers, comparisons)
    second = (first + rng.integers(1, producers, comparisons)) % producers
    p_first = strengths[first] / (strengths[first] + strengths[second])
    score = np.where(rng.random(comparisons) < 0.1, 0.5, (rng.random(comparisons) < p_first).astype(float))
    return first, second, score


def timed(label, fn):
    started = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comparisons", type=int, default=1_000_000)
    parser.add_argument("--producers", type=int, default=10)
    parser.add_argument("--one-by-one", type=int, default=20_000, help="comparisons the ungrouped fit is timed on")
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    first, second, score = synthetic(args.comparisons, args.producers, args.seed)
    keys, counts = timed("grouping", lambda: np.unique(np.stack([first, second, score]).T, axis=0, return_counts=True))
    grouped = timed(f"grouped fit, {len(counts)} groups, {args.bootstrap} refits", lambda: bradley_terry(
        keys[:, 0].astype(int), keys[:, 1].astype(int), keys[:, 2], args.producers, counts=counts,
        bootstrap=args.bootstrap, seed=args.seed))
    ungrouped = bradley_terry(first, second, score, args.producers, bootstrap=0)
    print("point ratings identical to the ungrouped fit:", np.array_equal(grouped["rating"], ungrouped["rating"]))
    n = args.one_by_one
    timed(f"one-by-one fit, {n} comparisons, {args.bootstrap} refits",
          lambda: bradley_terry(first[:n], second[:n], score[:n], args.producers, bootstrap=args.bootstrap))


if __name__ == "__main__":
    main()
