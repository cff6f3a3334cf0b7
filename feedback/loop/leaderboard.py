"""Bradley–Terry ratings of model versions from pairwise comparisons, with bootstrap
intervals. Pure numpy, no Django.

Comparisons are arrays: first player, second player, the first's score (1 win, 0.5 tie,
0 loss) and, optionally, how many times that comparison was made: grouped comparisons
give the same wins matrix as the list they count, so the same fit. Fitted by Hunter's (2004) MM iterations with a small symmetric prior
(pseudo-games between every pair) so sparse or one-sided data still converge. Ratings
are on the Elo scale: 400·log10 of the odds, the anchor player (or the mean) at 1000.
"""
from __future__ import annotations

import numpy as np

SCALE = 400.0 / np.log(10.0)


def _wins(first, second, score, n: int, weights) -> np.ndarray:
    wins = np.zeros((n, n))
    np.add.at(wins, (first, second), score * weights)
    np.add.at(wins, (second, first), (1.0 - score) * weights)
    return wins


def fit_strengths(wins: np.ndarray, prior: float = 0.1, iterations: int = 500, tolerance: float = 1e-10) -> np.ndarray:
    """Strengths p (geometric mean 1) maximizing the BT likelihood of `wins[i, j]` (i over j)."""
    n = wins.shape[0]
    wins = wins + prior * (1.0 - np.eye(n))
    games = wins + wins.T
    total_wins = wins.sum(axis=1)
    strengths = np.ones(n)
    for _ in range(iterations):
        denominator = (games / (strengths[:, None] + strengths[None, :])).sum(axis=1)
        updated = total_wins / denominator
        updated /= np.exp(np.log(updated).mean())
        if np.max(np.abs(updated - strengths)) < tolerance:
            strengths = updated
            break
        strengths = updated
    return strengths


def ratings(strengths: np.ndarray, anchor: int | None = None) -> np.ndarray:
    logs = np.log(strengths)
    return 1000.0 + SCALE * (logs - (logs[anchor] if anchor is not None else logs.mean()))


def bradley_terry(first, second, score, n: int, *, counts=None, anchor: int | None = None, bootstrap: int = 200,
                  seed: int = 0, prior: float = 0.1) -> dict:
    """{"rating": [...], "ci_low": [...], "ci_high": [...]} for players 0..n-1; the 95%
    interval from refits on comparisons resampled with replacement. `counts[g]`: how many
    comparisons group g stands for (1 each when not given)."""
    first, second, score = np.asarray(first, int), np.asarray(second, int), np.asarray(score, float)
    counts = np.ones(len(first)) if counts is None else np.asarray(counts, float)
    rating = ratings(fit_strengths(_wins(first, second, score, n, counts), prior), anchor)
    low = high = np.full(n, np.nan)
    total = int(counts.sum())
    if bootstrap and total:
        # Resampling the `total` comparisons with replacement draws how many times each
        # group comes up from multinomial(total, counts / total): the same distribution as
        # drawing individual comparisons, at a cost that grows with groups, not comparisons.
        rng = np.random.default_rng(seed)
        shares = counts / total
        draws = np.empty((bootstrap, n))
        for b in range(bootstrap):
            resampled = rng.multinomial(total, shares).astype(float)
            draws[b] = ratings(fit_strengths(_wins(first, second, score, n, resampled), prior), anchor)
        low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return {"rating": rating, "ci_low": low, "ci_high": high}


def producer_ratings(comparisons: dict, *, anchor: str | None, bootstrap: int = 200, seed: int = 0) -> dict:
    """(first, second, score) → count, over named producers → {name: {"rating", "ci_low",
    "ci_high"}} for every producer in a comparison, `anchor` (when among them) at 1000;
    no bootstrap leaves the intervals None."""
    groups = [(a, b, s, c) for (a, b, s), c in sorted(comparisons.items()) if c > 0]
    names = sorted({a for a, *_ in groups} | {b for _, b, *_ in groups})
    if not groups:
        return {}
    index = {name: i for i, name in enumerate(names)}
    fit = bradley_terry([index[a] for a, *_ in groups], [index[b] for _, b, *_ in groups],
                        [s for *_, s, _ in groups], len(names), counts=[c for *_, c in groups],
                        anchor=index.get(anchor), bootstrap=bootstrap, seed=seed)
    return {name: {key: float(fit[key][i]) if np.isfinite(fit[key][i]) else None for key in ("rating", "ci_low", "ci_high")}
            for name, i in index.items()}
