"""The promotion gate: a newly trained adapter is promoted only when its held-out
evaluation shows, with confidence, that it ranks preference pairs better than what it
would replace — never on a point estimate alone.

What is compared (all on the same held-out pairs, in the same order):
- a policy adapter (DPO, KTO) by its implicit reward against the base model, its
  reference: on how many pairs does it raise the chosen response's log-probability
  ratio over the base above the rejected one's. The base's implicit reward is zero
  everywhere, so the base scores chance (0.5);
- a reward model by its head's ranking, against the base LM's own likelihood ranking;
- either one against the promoted adapter of its role, scored the same way.

The rule: there must be at least the project's minimum of held-out pairs, and for every
rival the one-sided 95% lower confidence bound of the accuracy gain must be above the
project's margin (confidence.py has the exact bounds). Requiring every rival to be
beaten at 95% keeps the whole decision at 95%: a no-better adapter passes at most 5%
of the time. Why 95%: a wrong promotion costs a round of labelling on a model that is
no better (a rollback undoes it); a wrong refusal only waits for the next round's larger
held-out set. 95% keeps the first rare without asking for an impractical held-out split:
at 99% the same observed improvement would need about twice the held-out pairs
((2.33 / 1.64) ** 2).
"""
from dataclasses import dataclass, field

from django.db import transaction

from feedback.loop.confidence import (
    CHANCE, PairedOutcomes, accuracy_lower_bound, chance_gain_lower_bound, paired_gain_lower_bound,
)
from feedback.loop.models import DEFAULT_MIN_HELDOUT_PAIRS, AdapterEvent, AdapterStatus, AdapterVersion
from feedback.loop.services.adapters import adapter_promote

CONFIDENCE = 0.95
IMPLICIT = "implicit_reward_accuracy"
PREFERENCE = "preference_accuracy"


@dataclass(frozen=True)
class GateRule:
    """What a run's gate applies: the project's settings as they were when it was queued."""

    margin: float = 0.0
    min_pairs: int = DEFAULT_MIN_HELDOUT_PAIRS
    confidence: float = CONFIDENCE

    @classmethod
    def of_run(cls, config: dict) -> "GateRule":
        # Runs queued before the minimum existed carry no min_heldout_pairs: the default applies.
        return cls(margin=float(config.get("promotion_margin") or 0.0),
                   min_pairs=int(config.get("min_heldout_pairs", DEFAULT_MIN_HELDOUT_PAIRS)))


@dataclass(frozen=True)
class Comparison:
    """The new adapter against one rival on the same pairs."""

    key: str  # the rival's entry in the eval block: "base", or the promoted adapter's label
    name: str  # in words: "chance", "the base model's likelihood ranking", "v2, the promoted adapter"
    rival_accuracy: float
    gain: float  # accuracy(new) - accuracy(rival)
    lower: float  # one-sided lower confidence bound of the gain
    only_new: int | None = None  # paired rivals: pairs only the new one ranks right
    only_rival: int | None = None  # ... and only the rival

    @property
    def short_name(self) -> str:
        return {"chance": "chance", "the base model's likelihood ranking": "base model"}.get(self.name, self.key)

    def words(self, label: str, level: str) -> str:
        text = (f"against {self.name} ({self.rival_accuracy:.3f}) it gains {self.gain:+.3f}, "
                f"at least {self.lower:+.3f} with {level} confidence")
        if self.only_new is not None:
            text += f" ({self.only_new} pairs only {label} ranks right, {self.only_rival} only its rival)"
        return text


@dataclass(frozen=True)
class Evidence:
    """What the held-out evaluation says about an adapter, with confidence bounds."""

    metric: str
    label: str  # the new adapter's name
    pairs: int | None = None  # None: no per-pair outcomes to judge by
    right: int = 0
    lower: float | None = None  # lower bound of the new adapter's accuracy
    comparisons: list[Comparison] = field(default_factory=list)
    problem: str = ""  # why it cannot be judged (set with pairs None, or a rival not comparable)

    @property
    def accuracy(self) -> float | None:
        return self.right / self.pairs if self.pairs else None

    @property
    def metric_words(self) -> str:
        return "implicit-reward accuracy" if self.metric == IMPLICIT else "ranking accuracy"


@dataclass
class GateDecision:
    promote: bool
    reason: str
    evidence: Evidence | None = None


def gate_metric(*, adapter: AdapterVersion) -> str:
    new = (adapter.eval_metrics or {}).get("new")
    return IMPLICIT if isinstance(new, dict) and IMPLICIT in new else PREFERENCE


def _outcomes(entry, metric: str) -> str | None:
    key = metric.replace("_accuracy", "_outcomes")
    value = entry.get(key) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and set(value) <= {"0", "1"} else None


def _paired(key: str, name: str, new: str, other: str, confidence: float) -> Comparison:
    paired = PairedOutcomes.of(new, other)
    return Comparison(key, name, paired.rival_right / paired.pairs, paired.gain,
                      paired_gain_lower_bound(paired, confidence), paired.only_new, paired.only_rival)


def gate_evidence(*, adapter: AdapterVersion, confidence: float = CONFIDENCE) -> Evidence:
    """The new adapter's accuracy and its gain over each rival, with lower bounds. The
    rivals are the base (chance for policies) and the adapter that was promoted when it
    was trained (its parent), which the evaluation scored on the same pairs."""
    scores, metric, label = adapter.eval_metrics or {}, gate_metric(adapter=adapter), adapter.label
    new_entry = scores.get("new")
    if not isinstance(new_entry, dict) or new_entry.get(metric) is None:
        return Evidence(metric, label, problem="No held-out evaluation: nothing to compare, so not promoted.")
    new = _outcomes(new_entry, metric)
    if new is None:
        return Evidence(metric, label, problem=(
            "This evaluation predates per-pair outcomes, so no confidence bound can be computed: not promoted "
            "(promote it by hand if you trust its point accuracy)."))
    pairs, right = len(new), new.count("1")
    evidence = dict(metric=metric, label=label, pairs=pairs, right=right,
                    lower=accuracy_lower_bound(right, pairs, confidence) if pairs else None)
    if not pairs:
        return Evidence(**evidence)
    comparisons, problems = [], []
    if metric == IMPLICIT:
        comparisons.append(Comparison("base", "chance", CHANCE, right / pairs - CHANCE,
                                      chance_gain_lower_bound(new, confidence)))
    else:
        base = _outcomes(scores.get("base"), PREFERENCE)
        if base is None or len(base) != pairs:
            problems.append("The base model's likelihood ranking was not scored on the same pairs.")
        else:
            comparisons.append(_paired("base", "the base model's likelihood ranking", new, base, confidence))
    if adapter.parent is not None:
        key = adapter.parent.label
        other = _outcomes(scores.get(key), metric)
        if other is None or len(other) != pairs:
            problems.append(f"{key} (promoted) could not be scored on the same pairs.")
        else:
            comparisons.append(_paired(key, f"{key}, the promoted adapter", new, other, confidence))
    return Evidence(**evidence, comparisons=comparisons, problem=" ".join(problems))


def gate_decide(*, adapter: AdapterVersion, rule: GateRule = GateRule()) -> GateDecision:
    """Promote only with enough held-out pairs and every lower bound above the margin."""
    evidence = gate_evidence(adapter=adapter, confidence=rule.confidence)
    if evidence.pairs is None:
        return GateDecision(False, evidence.problem, evidence)
    if evidence.pairs < rule.min_pairs:
        return GateDecision(False, (
            f"Not enough held-out data ({evidence.pairs} of {rule.min_pairs} pairs): the project needs at least "
            f"{rule.min_pairs} held-out pairs to judge an adapter, so nothing was promoted."), evidence)
    if evidence.problem:
        return GateDecision(False, f"{evidence.problem} Not promoted.", evidence)
    level = f"{rule.confidence:.0%}"
    head = (f"{evidence.label} ranks {evidence.right} of {evidence.pairs} held-out pairs right "
            f"({evidence.metric_words} {evidence.accuracy:.3f}).")
    short = [c for c in evidence.comparisons if not c.lower > rule.margin]  # a draw is never a win
    if short:
        against = "; ".join(c.words(evidence.label, level) for c in short)
        return GateDecision(False, (
            f"Not promoted: {head} {against[0].upper()}{against[1:]}: not above the margin {rule.margin:.3f}, "
            f"so the difference could be noise."), evidence)
    against = "; ".join(c.words(evidence.label, level) for c in evidence.comparisons)
    return GateDecision(True, (
        f"Promoted: {head} {against[0].upper()}{against[1:]}. Every bound is above the margin {rule.margin:.3f}."),
        evidence)


def gate_apply(*, adapter: AdapterVersion, rule: GateRule = GateRule()) -> GateDecision:
    """Decide, keep the reason on the adapter (a later promotion by hand leaves it), and
    promote or reject, with its audit event."""
    decision = gate_decide(adapter=adapter, rule=rule)
    with transaction.atomic():
        AdapterVersion.objects.filter(pk=adapter.pk).update(gate_reason=decision.reason)
        if decision.promote:
            adapter_promote(adapter=adapter, actor=None, note=f"Promotion gate: {decision.reason}")
        else:
            AdapterVersion.objects.filter(pk=adapter.pk).update(status=AdapterStatus.REJECTED)
            AdapterEvent.objects.create(adapter=adapter, action=AdapterEvent.Action.REJECTED, note=decision.reason)
    adapter.refresh_from_db()
    return decision
