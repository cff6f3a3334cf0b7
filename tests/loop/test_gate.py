"""The promotion gate on constructed held-out sets: it promotes a clear win, and refuses
noise, ties, too few pairs, and an adapter that beats the base but not the promoted one —
for policies (implicit reward against chance) and reward models (head against the base
LM's likelihood ranking)."""
from feedback.loop.models import AdapterEvent, AdapterStatus, AdapterVersion
from feedback.loop.services.gate import GateRule, gate_apply, gate_decide

RULE = GateRule(margin=0.0, min_pairs=30)


def adapter(project, version, eval_metrics, parent=None, status=AdapterStatus.CANDIDATE, algorithm="dpo"):
    return AdapterVersion.objects.create(
        project=project, version=version, algorithm=algorithm, role="reward" if algorithm == "reward" else "policy",
        base_model="demo", directory=f"x/v{version}", weights_sha256="0" * 64, eval_metrics=eval_metrics,
        parent=parent, status=status,
    )


def outcomes(right: int, pairs: int) -> str:
    return "1" * right + "0" * (pairs - right)


def policy(implicit: str, likelihood: str | None = None) -> dict:
    """An eval entry as training/evaluate.py writes it for a policy adapter."""
    likelihood = likelihood or implicit
    return {"preference_accuracy": likelihood.count("1") / len(likelihood), "preference_outcomes": likelihood,
            "implicit_reward_accuracy": implicit.count("1") / len(implicit), "implicit_reward_outcomes": implicit,
            "rows": len(implicit)}


def ranking(outcome: str) -> dict:
    """An eval entry for a reward head, or for the base LM's likelihood ranking."""
    return {"preference_accuracy": outcome.count("1") / len(outcome), "preference_outcomes": outcome,
            "rows": len(outcome)}


def test_a_clear_win_over_chance_is_promoted(project):
    v1 = adapter(project, 1, {"new": policy(outcomes(32, 40)), "base": ranking(outcomes(20, 40))})
    decision = gate_apply(adapter=v1, rule=RULE)
    assert decision.promote, decision.reason
    assert "Promoted: v1 ranks 32 of 40 held-out pairs right" in decision.reason
    assert "Against chance (0.500) it gains +0.300, at least +0.168 with 95% confidence" in decision.reason
    v1.refresh_from_db()
    assert v1.status == AdapterStatus.PROMOTED and v1.gate_reason == decision.reason


def test_noise_is_refused_even_when_the_point_accuracy_beats_chance(project):
    # The case: 7 of 11 held-out rows (0.636) against chance, margin 0.
    noisy = adapter(project, 1, {"new": policy(outcomes(7, 11)), "base": ranking(outcomes(5, 11))})
    decision = gate_decide(adapter=noisy, rule=GateRule(margin=0.0, min_pairs=10))
    assert not decision.promote
    assert "at least -0.150 with 95% confidence" in decision.reason and "could be noise" in decision.reason
    # The same share on 40 pairs is still not enough at 95%; 26 of 40 is.
    assert not gate_decide(adapter=adapter(project, 2, {"new": policy(outcomes(25, 40)), "base": ranking(outcomes(20, 40))}),
                           rule=RULE).promote
    assert gate_decide(adapter=adapter(project, 3, {"new": policy(outcomes(26, 40)), "base": ranking(outcomes(20, 40))}),
                       rule=RULE).promote


def test_a_tie_with_chance_is_refused(project):
    tie = adapter(project, 1, {"new": policy("10" * 30), "base": ranking("10" * 30)})
    decision = gate_apply(adapter=tie, rule=RULE)
    assert not decision.promote and "gains +0.000" in decision.reason
    tie.refresh_from_db()
    assert tie.status == AdapterStatus.REJECTED and tie.events.get().action == AdapterEvent.Action.REJECTED


def test_too_few_pairs_promote_nothing_whatever_they_show(project):
    perfect = adapter(project, 1, {"new": policy("1" * 29), "base": ranking("1" * 29)})
    decision = gate_apply(adapter=perfect, rule=RULE)
    assert not decision.promote
    assert decision.reason.startswith("Not enough held-out data (29 of 30 pairs)")
    perfect.refresh_from_db()
    assert perfect.status == AdapterStatus.REJECTED and not project.adapters.filter(status="promoted").exists()
    assert gate_decide(adapter=perfect, rule=GateRule(min_pairs=29)).promote  # the project's own minimum decides


def test_beating_the_base_but_not_the_promoted_adapter_is_refused(project):
    v1_scores = outcomes(30, 40)
    v1 = adapter(project, 1, {"new": policy(v1_scores), "base": ranking(outcomes(20, 40))},
                 status=AdapterStatus.PROMOTED)
    # v2 ranks 33 of 40 right: far above chance, and above v1's 30 as a point estimate,
    # but only 4 pairs against 1 favour it over v1 on the same pairs.
    v2_scores = "1" * 29 + "0" + "1111" + "0" * 6
    assert (v2_scores.count("1"), sum(a > b for a, b in zip(v2_scores, v1_scores))) == (33, 4)
    v2 = adapter(project, 2, {"new": policy(v2_scores), "v1": policy(v1_scores), "base": ranking(outcomes(20, 40))},
                 parent=v1)
    decision = gate_apply(adapter=v2, rule=RULE)
    assert not decision.promote
    assert "Against v1, the promoted adapter (0.750) it gains +0.075" in decision.reason
    assert "(4 pairs only v2 ranks right, 1 only its rival)" in decision.reason
    assert "chance" not in decision.reason  # only the comparison that failed is named
    v1.refresh_from_db()
    assert v1.status == AdapterStatus.PROMOTED

    # Nine pairs against none is a win over v1 too: v1 is retired.
    v3_scores = outcomes(39, 40)
    assert sum(a > b for a, b in zip(v3_scores, v1_scores)) == 9
    v3 = adapter(project, 3, {"new": policy(v3_scores), "v1": policy(v1_scores), "base": ranking(outcomes(20, 40))},
                 parent=v1)
    decision = gate_apply(adapter=v3, rule=RULE)
    assert decision.promote, decision.reason
    assert "(9 pairs only v3 ranks right, 0 only its rival)" in decision.reason
    v1.refresh_from_db()
    assert v1.status == AdapterStatus.RETIRED


def test_policies_are_judged_on_implicit_reward_not_likelihood(project):
    # Its likelihood ranking is chance, but relative to the base (its reference) it learned the preference.
    learned = adapter(project, 1, {"new": policy(outcomes(34, 40), likelihood="10" * 20), "base": ranking("10" * 20)})
    assert gate_decide(adapter=learned, rule=RULE).promote
    assert "implicit-reward accuracy 0.850" in gate_decide(adapter=learned, rule=RULE).reason


def test_the_margin_applies_to_the_lower_bound(project):
    clear = adapter(project, 1, {"new": policy(outcomes(34, 40)), "base": ranking(outcomes(20, 40))})
    lower = gate_decide(adapter=clear, rule=RULE).evidence.comparisons[0].lower
    assert 0.2 < lower < 0.25  # the point gain is 0.35
    assert gate_decide(adapter=clear, rule=GateRule(margin=0.2, min_pairs=30)).promote
    refused = gate_decide(adapter=clear, rule=GateRule(margin=0.25, min_pairs=30))
    assert not refused.promote and "not above the margin 0.250" in refused.reason


def test_reward_models_must_beat_the_base_likelihood_ranking_on_the_same_pairs(project):
    base = "1" * 20 + "0" * 20  # the base LM ranks half the pairs right
    head = "1" * 20 + "1" * 12 + "0" * 8  # the head gets those and 12 more
    winner = adapter(project, 1, {"new": ranking(head), "base": ranking(base)}, algorithm="reward")
    decision = gate_decide(adapter=winner, rule=RULE)
    assert decision.promote, decision.reason
    assert "ranking accuracy 0.800" in decision.reason
    assert "Against the base model's likelihood ranking (0.500) it gains +0.300" in decision.reason

    # The same 32 right, but the base already ranked 28 of them right: 4 against 0 is not enough.
    base_alike = "1" * 28 + "0" * 12
    same = adapter(project, 2, {"new": ranking(head), "base": ranking(base_alike)}, algorithm="reward")
    refused = gate_decide(adapter=same, rule=RULE)
    assert not refused.promote and "(4 pairs only v2 ranks right, 0 only its rival)" in refused.reason


def test_without_a_comparable_evaluation_nothing_is_promoted(project):
    assert "No held-out evaluation" in gate_decide(adapter=adapter(project, 1, {}), rule=RULE).reason
    failed = adapter(project, 2, {"new": {"error": "could not load"}, "base": ranking("1" * 40)})
    assert not gate_decide(adapter=failed, rule=RULE).promote
    parent = adapter(project, 3, {}, status=AdapterStatus.PROMOTED)
    orphan = adapter(project, 4, {"new": policy("1" * 40), "base": ranking("1" * 40), "v3": {"error": "wrong base"}},
                     parent=parent)
    assert "v3 (promoted) could not be scored on the same pairs" in gate_decide(adapter=orphan, rule=RULE).reason
    head_only = adapter(project, 5, {"new": ranking("1" * 40), "base": {"error": "no LM"}}, algorithm="reward")
    assert "likelihood ranking was not scored" in gate_decide(adapter=head_only, rule=RULE).reason


def test_adapters_evaluated_before_per_pair_outcomes_are_refused_with_a_reason(project):
    old = adapter(project, 1, {"new": {"preference_accuracy": 0.9, "implicit_reward_accuracy": 0.9, "rows": 100},
                               "base": {"preference_accuracy": 0.5, "rows": 100}})
    decision = gate_apply(adapter=old, rule=RULE)
    assert not decision.promote and "predates per-pair outcomes" in decision.reason


def test_a_run_gates_with_the_settings_it_was_queued_with():
    assert GateRule.of_run({"promotion_margin": 0.05, "min_heldout_pairs": 12}) == GateRule(margin=0.05, min_pairs=12)
    assert GateRule.of_run({}) == GateRule()  # queued before the minimum existed: the default
