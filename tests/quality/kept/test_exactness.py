"""The kept figures equal the figures computed from the labels, for random label streams
folded in random steps (kinds, codebook versions, days and weeks crossed, gold answers
set midway) and random filters (versions, date ranges cut anywhere, kinds, split)."""
import itertools
import os
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.labelling.filters import LabelFilters
from feedback.labelling.models import Membership, Project, Task
from feedback.labelling.services.codebooks import codebook_publish
from feedback.labelling.services.imports import import_jsonl
from feedback.quality.dashboard import dashboard_from_labels, selected_labels
from feedback.quality.dashboard_kept import dashboard_kept, selection_of
from feedback.quality.kept.folding import fold
from feedback.quality.kept.reading import alpha_and_percent, kept_figures
from feedback.quality.measures import MEASURES, Agreement, unit_values
from feedback.quality.metrics import krippendorff_alpha, percent_agreement
from feedback.quality.models import QualitySettings
from feedback.quality.services import gold_mark
from tests.support.agreement import package_alpha
from tests.support.labels import make_label
from tests.support.rows import jsonl_lines
from tests.support.strategies import fuzz_settings

MONDAY = datetime(2026, 3, 2, tzinfo=dt_timezone.utc)
# turns: the number of assistant turns judged (the last one the task's one candidate)
SIZES = {"pair": st.just(2), "rank": st.integers(3, 4), "thumbs": st.integers(2, 3), "rate": st.integers(1, 3),
         "turns": st.integers(1, 3)}
# Every version rates rate tasks on two small scales (points often agree, sometimes not).
RUBRIC = [{"name": "helpfulness", "question": "Helps?", "scale": {"min": 1, "max": 3}},
          {"name": "correctness", "question": "Right?", "scale": {"min": 0, "max": 1}}]
ANNOTATORS = 5
serial = itertools.count()
# A small search in CI; FUZZ_EXAMPLES=200 (say) runs a bigger, random one.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))


def answers(kind: str, n: int):
    if kind == "pair":
        return st.builds(lambda c: {"choice": c, "strength": None}, st.sampled_from(["A", "B", "tie", "both_bad"]))
    if kind == "rank":
        return st.builds(lambda order: {"order": list(order)}, st.permutations(range(n)))
    if kind == "turns":  # turns 1, 3, ...: a user question before each
        return st.builds(lambda ups: {"turns": {str(2 * i + 1): {"thumb": "up" if up else "down"}
                                                for i, up in enumerate(ups)}},
                         st.lists(st.booleans(), min_size=n, max_size=n))
    if kind == "rate":
        points = st.fixed_dictionaries({"helpfulness": st.integers(1, 3), "correctness": st.integers(0, 1)})
        return st.builds(lambda rated: {"ratings": {str(p): r for p, r in enumerate(rated)}},
                         st.lists(points, min_size=n, max_size=n))
    return st.builds(lambda ups: {"thumbs": {str(p): "up" if up else "down" for p, up in enumerate(ups)}},
                     st.lists(st.booleans(), min_size=n, max_size=n))


def conversation_before(i: int, n: int) -> list[dict]:
    """The prompt of a turns task judging `n` assistant turns: the first n - 1 of them,
    each after its user question, then the last question (its candidate answers it)."""
    messages = []
    for turn in range(n - 1):
        messages += [{"role": "user", "content": f"Q {i}.{turn}?"}, {"role": "assistant", "content": f"A {i}.{turn}."}]
    return messages + [{"role": "user", "content": f"Q {i}.{n - 1}?"}]


def import_line(i: int, kind: str, n: int, producers: list) -> dict:
    if kind == "turns":
        return {"external_id": f"t{i}", "prompt": conversation_before(i, n), "kind": kind,
                "candidates": [{"text": f"r{i}-last", "producer": producers[0]}]}
    return {"external_id": f"t{i}", "prompt": f"Q {i}?", "kind": kind,
            "candidates": [{"text": f"r{i}-{p}", "producer": producers[p]} for p in range(n)]}


@st.composite
def streams(draw):
    """(tasks: [(kind, responses, producers, gold answer or None)], labels in arrival
    order: [(task, annotator, answer, version, when, shown, ms)], fold points, gold midway)."""
    tasks, labels = [], []
    for t in range(draw(st.integers(2, 7))):
        kind = draw(st.sampled_from(sorted(SIZES)))
        n = draw(SIZES[kind])
        producers = draw(st.lists(st.sampled_from(["m1", "m2", "m3"]), min_size=n, max_size=n))
        gold = draw(st.none() | answers(kind, n))
        tasks.append((kind, n, producers, gold))
        first_day = draw(st.integers(0, 15))
        for annotator in draw(st.lists(st.integers(0, ANNOTATORS - 1), unique=True, min_size=1, max_size=4)):
            when = MONDAY + timedelta(days=first_day + draw(st.sampled_from([0, 0, 0, 1, 3])),
                                      minutes=draw(st.integers(0, 24 * 60 - 1)))
            labels.append((t, annotator, draw(answers(kind, n)), draw(st.sampled_from([1, 1, 2, 3])), when,
                           list(draw(st.permutations(range(1 if kind == "turns" else n)))), draw(st.integers(0, 4000))))
    order = draw(st.permutations(labels))
    folds = draw(st.sets(st.integers(0, len(order))))
    return tasks, list(order), folds, draw(st.booleans())


def moments():
    return st.none() | st.builds(lambda hours: MONDAY + timedelta(hours=hours), st.integers(-24, 24 * 20))


@st.composite
def selections(draw):
    since, until = draw(moments()), draw(moments())
    return LabelFilters(codebook_versions=sorted(draw(st.sets(st.sampled_from([1, 2, 3]), max_size=2))),
                        since=since, until=until, split=draw(st.none() | st.sampled_from(["train", "heldout"]))), \
        sorted(draw(st.sets(st.sampled_from(["pair", "rank", "thumbs", "rate", "turns"]), max_size=2)))


def build(stream):
    tasks, labels, folds, gold_midway = stream
    project = Project.objects.create(name="kept", slug=f"kept-{next(serial)}", overlap=5)
    # flags from the first label, with tight bounds, so that they are compared too
    QualitySettings.objects.create(project=project, min_labels_for_flags=1, max_thumbs_up_gap=0.1,
                                   position_bias_low=0.45, position_bias_high=0.55)
    codebooks = {v: codebook_publish(project=project, text=f"rules v{v}", rubric=RUBRIC) for v in (1, 2, 3)}
    import_jsonl(project=project, lines=jsonl_lines([
        import_line(i, kind, n, producers) for i, (kind, n, producers, _) in enumerate(tasks)]))
    by_index = {int(task.prompt.external_id[1:]): task for task in Task.objects.filter(project=project)
                .select_related("prompt")}
    from django.contrib.auth import get_user_model

    users = []
    for a in range(ANNOTATORS):
        user = get_user_model().objects.create_user(username=f"{project.slug}-u{a}")
        Membership.objects.create(project=project, user=user)
        users.append(user)

    def mark_gold():
        for i, (_, _, _, gold) in enumerate(tasks):
            if gold is not None:
                gold_mark(task=by_index[i], answer=gold)

    if not gold_midway:
        mark_gold()
    for step, (t, a, answer, version, when, shown, ms) in enumerate(labels):
        if step in folds:
            fold()
        if gold_midway and step == len(labels) // 2:
            mark_gold()
        made = make_label(by_index[t], users[a], codebooks[version], answer, when=when)
        made.display_order, made.time_spent_ms = shown, ms
        made.save(update_fields=["display_order", "time_spent_ms"])
    if gold_midway and len(labels) // 2 >= len(labels):
        mark_gold()
    return project


def assert_same(kept, scratch, where="figures"):
    if isinstance(scratch, Agreement):
        assert (kept.kind, kept.labels, kept.units) == (scratch.kind, scratch.labels, scratch.units), where
        for name in ("alpha", "percent"):
            a, b = getattr(kept, name), getattr(scratch, name)
            # both are rounded to 3 places from sums taken in another order: one step apart at most
            assert (a is None) == (b is None) and (a is None or abs(a - b) <= 0.0011), f"{where}.{name}: {a} vs {b}"
    elif is_dataclass(scratch):
        assert asdict(kept) == asdict(scratch), where
    elif isinstance(scratch, dict):
        assert list(kept) == list(scratch), f"{where}: keys {list(kept)} vs {list(scratch)}"
        for key in scratch:
            assert_same(kept[key], scratch[key], f"{where}[{key!r}]")
    elif isinstance(scratch, (list, tuple)):
        assert len(kept) == len(scratch), f"{where}: {kept} vs {scratch}"
        for i, (a, b) in enumerate(zip(kept, scratch)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert kept == scratch, f"{where}: {kept!r} vs {scratch!r}"


@pytest.mark.django_db
@fuzz_settings(examples=EXAMPLES)
@given(stream=streams(), chosen=st.lists(selections(), min_size=2, max_size=4))
def test_the_kept_dashboard_equals_the_one_from_labels(stream, chosen):
    project = build(stream)
    for filters, kinds in [(LabelFilters(), []), *chosen]:
        kept, scratch = dashboard_kept(project, filters, kinds), dashboard_from_labels(project, filters, kinds)
        kept.pop("bounds"), scratch.pop("bounds")
        assert_same(kept, scratch, f"filters {filters}, kinds {kinds}")


@pytest.mark.django_db
@fuzz_settings(examples=EXAMPLES)
@given(stream=streams(), chosen=selections())
def test_kept_alphas_equal_the_labels_and_the_krippendorff_package(stream, chosen):
    project = build(stream)
    filters, kinds = chosen
    figures = kept_figures(project, selection_of(filters, kinds))
    labels = list(selected_labels(project, filters, kinds).values_list(
        "task_id", "kind", "answer", "annotator_id", "task__candidate_count"))
    for kind in MEASURES:
        rows = [row for row in labels if row[1] == kind]
        units, values = zip(*[pair for t, k, a, *_ in rows for pair in unit_values(t, k, a)]) if rows else ((), ())
        expected_alpha = krippendorff_alpha(list(units), list(values), MEASURES[kind].level) if units else float("nan")
        expected_percent = percent_agreement(list(units), list(values)) if units else float("nan")
        if kind not in figures.overall or not figures.overall[kind].get("units"):
            assert np.isnan(expected_percent), kind
            continue
        alpha, percent = alpha_and_percent(kind, figures.overall[kind])
        assert np.isclose(alpha, expected_alpha, equal_nan=True, atol=1e-9), (kind, alpha, expected_alpha)
        assert np.isclose(percent, expected_percent, atol=1e-9), (kind, percent, expected_percent)
        # a turns task's units are its judged turns (all of them in every answer), not its one candidate
        sizes = {t: len(answer["turns"]) if kind == "turns" else n for t, _, answer, _, n in rows}
        oracle = package_alpha(kind, [(a, t, answer) for t, _, answer, a, _ in rows], sizes)
        assert np.isclose(alpha, oracle, equal_nan=True, atol=1e-9), (kind, alpha, oracle)
