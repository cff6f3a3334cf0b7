"""Krippendorff's alpha over many labels: our vectorized metric vs the `krippendorff`
package (the independent oracle the tests use), on the same synthetic data.

    .venv/bin/python bench/agreement.py                 # 1,000,000 labels
    .venv/bin/python bench/agreement.py --labels 200000 --annotators 50 --categories 4

Target (issue 6): alpha over 1,000,000 labels in under 2 s.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feedback.settings")

from feedback.quality.metrics import fleiss_kappa, krippendorff_alpha, percent_agreement  # noqa: E402


def synthetic(labels: int, annotators: int, categories: int, per_unit: int, seed: int):
    """Units labelled by `per_unit` distinct annotators each; 70% give the unit's true value."""
    rng = np.random.default_rng(seed)
    units = labels // per_unit
    unit = np.repeat(np.arange(units), per_unit)
    coder = np.concatenate([rng.choice(annotators, per_unit, replace=False) for _ in range(min(units, 2000))])
    coder = np.resize(coder, unit.size)  # the pattern of who labels what repeats; fine for timing
    truth = rng.integers(0, categories, units)[unit]
    value = np.where(rng.random(unit.size) < 0.7, truth, rng.integers(0, categories, unit.size))
    return unit, coder, value


def timed(label, fn, repeat=3):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<44} {best:8.3f} s   value {result:.4f}")
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--annotators", type=int, default=50)
    parser.add_argument("--categories", type=int, default=4)
    parser.add_argument("--per-unit", type=int, default=5)
    parser.add_argument("--no-oracle", action="store_true")
    args = parser.parse_args()
    unit, coder, value = synthetic(args.labels, args.annotators, args.categories, args.per_unit, seed=0)
    print(f"{unit.size:,} labels, {unit.max() + 1:,} units, {args.annotators} annotators, {args.categories} categories")
    ours, alpha = timed("alpha nominal (feedback.quality.metrics)", lambda: krippendorff_alpha(unit, value))
    timed("alpha ordinal (feedback.quality.metrics)", lambda: krippendorff_alpha(unit, value, "ordinal"))
    timed("Fleiss' kappa", lambda: fleiss_kappa(unit, value))
    timed("percent agreement", lambda: percent_agreement(unit, value))
    if not args.no_oracle:
        import krippendorff

        matrix = np.full((args.annotators, unit.max() + 1), np.nan)
        matrix[coder, unit] = value
        _, oracle = timed("alpha nominal (krippendorff package)",
                          lambda: krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"), repeat=1)
        print(f"difference from the oracle: {abs(alpha - oracle):.2e}")
    print(f"target: < 2 s for 1M labels → {'met' if ours < 2 else 'NOT met'} ({ours:.3f} s)")


if __name__ == "__main__":
    main()
