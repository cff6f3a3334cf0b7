"""Exact one-sided confidence bounds for held-out preference accuracy (no Django here).

The promotion gate asks "is the new adapter better?" of a few dozen held-out pairs, so
these are exact binomial bounds rather than normal approximations or a bootstrap (both
are too optimistic on small sets, and a bootstrap's answer depends on its seed):

- against chance: the Clopper-Pearson lower bound of the accuracy, minus 0.5;
- against another model scored on the same pairs: only the pairs where exactly one of
  the two ranks right say anything about which is better (McNemar). Of those d
  discordant pairs, b favour the new model; the Clopper-Pearson lower bound q of b/d
  gives the gain's lower bound (d / n) * (2q - 1). It is above 0 exactly when McNemar's
  exact one-sided test rejects "no better" at the same level.

Each bound is one-sided: the gate only needs to rule out "not better", and a one-sided
95% bound wrongly clears a model that is no better at most 5% of the time.
"""
from dataclasses import dataclass

CHANCE = 0.5


def accuracy_lower_bound(right: int, pairs: int, confidence: float) -> float:
    """One-sided Clopper-Pearson lower bound of an accuracy seen as `right` of `pairs`."""
    from scipy.stats import binomtest  # scipy loads only when a bound is asked for

    if pairs == 0:
        return 0.0
    return float(binomtest(right, pairs, alternative="greater").proportion_ci(confidence, method="exact").low)


@dataclass(frozen=True)
class PairedOutcomes:
    """Two models' per-pair outcomes ("1" ranked right, "0" not) on the same pairs."""

    pairs: int
    new_right: int
    rival_right: int
    only_new: int  # pairs the new model ranks right and the rival wrong
    only_rival: int

    @classmethod
    def of(cls, new: str, rival: str) -> "PairedOutcomes":
        if len(new) != len(rival):
            raise ValueError(f"outcomes of {len(new)} and {len(rival)} pairs are not the same pairs")
        only_new = sum(a == "1" and b == "0" for a, b in zip(new, rival))
        only_rival = sum(a == "0" and b == "1" for a, b in zip(new, rival))
        return cls(len(new), new.count("1"), rival.count("1"), only_new, only_rival)

    @property
    def gain(self) -> float:
        return (self.only_new - self.only_rival) / self.pairs if self.pairs else 0.0


def paired_gain_lower_bound(paired: PairedOutcomes, confidence: float) -> float:
    """Lower bound of accuracy(new) - accuracy(rival) from the discordant pairs; 0 when
    there are none (the two rank every pair alike: no evidence either way)."""
    discordant = paired.only_new + paired.only_rival
    if not discordant:
        return 0.0
    share = accuracy_lower_bound(paired.only_new, discordant, confidence)
    return discordant / paired.pairs * (2 * share - 1)


def chance_gain_lower_bound(outcomes: str, confidence: float) -> float:
    """Lower bound of accuracy - 0.5 for a model whose rival is chance."""
    return accuracy_lower_bound(outcomes.count("1"), len(outcomes), confidence) - CHANCE
