"""Bradley–Terry ratings of model versions from pairwise comparisons, with bootstrap
intervals. Pure numpy, no Django.

Comparisons are arrays: first player, second player, and the first's score (1 win,
0.5 tie, 0 loss). Fitted by Hunter's (2004) MM iterations with a small symmetric prior
(pseudo-games between every pair) so sparse or one-sided data still converge. Ratings
are on the Elo scale: 400·log10 of the odds, the anchor player (or the mean) at 1000.
"""
from __future__ import annotations

import numpy as np

SCALE = 400.0 / np.log(10.0)


def _wins(first, second, score, n: int, weights=None) -> np.ndarray:
    weights = np.ones(len(first)) if weights is None else weights
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


def bradley_terry(first, second, score, n: int, *, anchor: int | None = None, bootstrap: int = 200,
                  seed: int = 0, prior: float = 0.1) -> dict:
    """{"rating": [...], "ci_low": [...], "ci_high": [...]} for players 0..n-1; the 95%
    interval from refits on comparisons resampled with replacement."""
    first, second, score = np.asarray(first, int), np.asarray(second, int), np.asarray(score, float)
    rating = ratings(fit_strengths(_wins(first, second, score, n), prior), anchor)
    low = high = np.full(n, np.nan)
    if bootstrap and len(first):
        rng = np.random.default_rng(seed)
        draws = np.empty((bootstrap, n))
        for b in range(bootstrap):
            counts = rng.multinomial(len(first), np.full(len(first), 1.0 / len(first)))
            draws[b] = ratings(fit_strengths(_wins(first, second, score, n, counts.astype(float)), prior), anchor)
        low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    return {"rating": rating, "ci_low": low, "ci_high": high}
