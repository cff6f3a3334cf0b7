"""Inter-annotator agreement, vectorized with numpy. No Django here.

Labels come in long form: three equal-length arrays — the unit (task) each label is
for, the annotator who gave it, and its value (a category code; for ordinal data the
codes' numeric order is the scale's order). Missing labels are simply absent rows, so
every metric handles incomplete designs.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

LEVELS = ("nominal", "ordinal", "interval")


def value_counts(units, values) -> tuple[np.ndarray, np.ndarray]:
    """(n_units × n_categories count matrix, the sorted categories)."""
    units, values = np.asarray(units), np.asarray(values)
    if units.shape != values.shape:
        raise ValueError("units and values must have the same length")
    _, unit_index = np.unique(units, return_inverse=True)
    categories, value_index = np.unique(values, return_inverse=True)
    n_units = int(unit_index.max()) + 1 if unit_index.size else 0
    flat = np.bincount(unit_index * len(categories) + value_index, minlength=n_units * len(categories))
    return flat.reshape(n_units, len(categories)).astype(np.float64), categories


def _coincidences(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrix over units with at least two values."""
    per_unit = counts.sum(axis=1)
    pairable = counts[per_unit >= 2]
    weights = 1.0 / (pairable.sum(axis=1) - 1.0)
    weighted = pairable * weights[:, None]
    return weighted.T @ pairable - np.diag(weighted.sum(axis=0))


def _distances(level: str, categories: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    k = len(categories)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "interval":
        scale = categories.astype(np.float64)
        return (scale[:, None] - scale[None, :]) ** 2
    if level == "ordinal":
        cumulative = np.concatenate([[0.0], np.cumsum(marginals)])
        low = np.minimum.outer(np.arange(k), np.arange(k))
        high = np.maximum.outer(np.arange(k), np.arange(k))
        between = cumulative[high + 1] - cumulative[low]
        return (between - (marginals[low] + marginals[high]) / 2.0) ** 2
    raise ValueError(f"level must be one of {', '.join(LEVELS)}")


def krippendorff_alpha(units, values, level: str = "nominal") -> float:
    """Krippendorff's alpha; nan when there is nothing to compare or no variation."""
    counts, categories = value_counts(units, values)
    if counts.size == 0:
        return float("nan")
    return alpha_from_coincidences(_coincidences(counts), categories, level)


def alpha_from_coincidences(observed: np.ndarray, categories: np.ndarray, level: str = "nominal") -> float:
    """Krippendorff's alpha from the coincidence matrix over `categories` (sorted as the
    scale orders them): the from-labels path and the kept figures both end here."""
    marginals = observed.sum(axis=0)
    total = marginals.sum()
    if total <= 1:
        return float("nan")
    delta = _distances(level, categories, marginals)
    disagreement_observed = (observed * delta).sum()
    disagreement_expected = (np.outer(marginals, marginals) * delta).sum() / (total - 1.0)
    if disagreement_expected == 0:
        return float("nan")
    return float(1.0 - disagreement_observed / disagreement_expected)


def _pairwise_agreement_per_unit(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    per_unit = counts.sum(axis=1)
    keep = per_unit >= 2
    counts, per_unit = counts[keep], per_unit[keep]
    agreeing_pairs = (counts * (counts - 1)).sum(axis=1)
    return agreeing_pairs / (per_unit * (per_unit - 1)), counts


def percent_agreement(units, values) -> float:
    """Share of agreeing annotator pairs, averaged over units labelled at least twice."""
    per_unit, _ = _pairwise_agreement_per_unit(value_counts(units, values)[0])
    return float(per_unit.mean()) if per_unit.size else float("nan")


def fleiss_kappa(units, values) -> float:
    """Fleiss' kappa, generalized to a varying number of labels per unit (units with
    fewer than two labels are left out)."""
    per_unit, counts = _pairwise_agreement_per_unit(value_counts(units, values)[0])
    if not per_unit.size:
        return float("nan")
    shares = counts.sum(axis=0) / counts.sum()
    expected = float((shares**2).sum())
    if expected == 1.0:
        return float("nan")
    return float((per_unit.mean() - expected) / (1.0 - expected))


def cohen_kappa(first, second) -> float:
    """Cohen's kappa of two annotators over the same units (aligned arrays)."""
    first, second = np.asarray(first), np.asarray(second)
    if first.shape != second.shape or first.size == 0:
        return float("nan")
    categories, codes = np.unique(np.concatenate([first, second]), return_inverse=True)
    a, b = codes[: first.size], codes[first.size :]
    observed = float((a == b).mean())
    k = len(categories)
    expected = float((np.bincount(a, minlength=k) / a.size) @ (np.bincount(b, minlength=k) / b.size))
    if expected == 1.0:
        return float("nan")
    return (observed - expected) / (1.0 - expected)


def pairwise_cohen_kappa(units, annotators, values, min_shared: int = 1) -> dict[tuple, tuple[float, int]]:
    """(annotator a, annotator b) → (kappa, shared units) for each pair sharing units."""
    units, annotators, values = np.asarray(units), np.asarray(annotators), np.asarray(values)
    order = np.lexsort((units, annotators))
    units, annotators, values = units[order], annotators[order], values[order]
    by_annotator = {}
    for name in np.unique(annotators):
        mask = annotators == name
        by_annotator[name.item() if hasattr(name, "item") else name] = (units[mask], values[mask])
    result = {}
    for a, b in combinations(sorted(by_annotator), 2):
        units_a, values_a = by_annotator[a]
        units_b, values_b = by_annotator[b]
        shared, index_a, index_b = np.intersect1d(units_a, units_b, assume_unique=True, return_indices=True)
        if shared.size >= min_shared:
            result[(a, b)] = (cohen_kappa(values_a[index_a], values_b[index_b]), int(shared.size))
    return result


def agreement_with_others(units, annotators, values) -> dict:
    """annotator → (share of agreeing pairs with the other annotators of the same units,
    the number of such pairs). A label on a unit with n labels, whose value c of them
    give, agrees with c - 1 of its n - 1 pairs. Each annotator labels a unit at most once."""
    units, annotators, values = np.asarray(units), np.asarray(annotators), np.asarray(values)
    if not (units.shape == annotators.shape == values.shape):
        raise ValueError("units, annotators and values must have the same length")
    if units.size == 0:
        return {}
    counts, _ = value_counts(units, values)
    _, unit_index = np.unique(units, return_inverse=True)
    _, value_index = np.unique(values, return_inverse=True)
    names, who = np.unique(annotators, return_inverse=True)
    agreeing = np.bincount(who, weights=counts[unit_index, value_index] - 1.0, minlength=names.size)
    pairs = np.bincount(who, weights=counts.sum(axis=1)[unit_index] - 1.0, minlength=names.size)
    return {
        (name.item() if hasattr(name, "item") else name): (float(agreeing[i] / pairs[i]), int(pairs[i]))
        for i, name in enumerate(names)
        if pairs[i] > 0
    }
