"""A small hand-built set of labels whose right exports are known.

Three annotators (trainee, regular, expert) label, under codebook v1:
  pair-majority   A, A, B            → chosen 0 over 1, agreement 2/3, strengths 2 and 3
  pair-tie        tie, tie, A        → excluded (tie)
  pair-bad        both_bad ×2, B     → excluded (both bad); two negatives in unpaired
  pair-split      A, B, tie          → excluded (no majority)
  rank            [2,0,1] [2,1,0] [0,2,1] → 0>1 (2/3), 2>0 (2/3), 2>1 (3/3)
  thumbs          pos 0 up,up,down; pos 1 down ×3 → good (2/3), bad (3/3)
and one rewrite on pair-majority. Another pair task is labelled only under v2 (all A).
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.labelling.models import Label, Split, Task, Tier, split_for_external_id
from feedback.labelling.services.codebooks import codebook_publish
from tests.support.rows import jsonl_lines
from tests.support.labels import make_label

TEXTS = {n: [f"{n} answer {i}" for i in range(3)] for n in ("pair-majority", "pair-tie", "pair-bad", "pair-split", "rank", "thumbs", "pair-v2")}


def external_id(name: str, split: str) -> str:
    """An external id for `name` that hashes into `split`."""
    for i in range(1000):
        candidate = f"{name}-{i}"
        if split_for_external_id(candidate) == split:
            return candidate
    raise AssertionError("no id found")


@pytest.fixture
def known_labels(project, make_user, codebook, admin_user):
    from feedback.labelling.services.imports import import_jsonl

    splits = {"pair-majority": Split.TRAIN, "pair-tie": Split.TRAIN, "pair-bad": Split.TRAIN, "pair-split": Split.TRAIN,
              "rank": Split.HELDOUT, "thumbs": Split.TRAIN, "pair-v2": Split.HELDOUT}
    kinds = {"rank": "rank", "thumbs": "thumbs"}
    rows = []
    ids = {}
    for name, split in splits.items():
        ids[name] = external_id(name, split)
        n = 3 if name == "rank" else 2
        rows.append({"external_id": ids[name], "prompt": f"Prompt for {name}?", "kind": kinds.get(name, "pair"),
                     "candidates": [{"text": TEXTS[name][i], "producer": f"m{i}"} for i in range(n)]})
    import_jsonl(project=project, lines=jsonl_lines(rows))
    task = {name: Task.objects.get(project=project, prompt__external_id=ids[name]) for name in splits}
    trainee = make_user("tina", project=project, tier=Tier.TRAINEE)
    regular = make_user("reg", project=project, tier=Tier.REGULAR)
    expert = make_user("exa", project=project, tier=Tier.EXPERT)
    users = [trainee, regular, expert]
    old = timezone.now() - timedelta(days=10)

    def label_all(name, answers, **kw):
        return [make_label(task[name], u, codebook, a, **kw) for u, a in zip(users, answers)]

    label_all("pair-majority", [{"choice": "A", "strength": 2}, {"choice": "A", "strength": 3}, {"choice": "B", "strength": None}], when=old)
    Label.objects.filter(task=task["pair-majority"], annotator=regular).update(rewrite="A much better answer.")
    label_all("pair-tie", [{"choice": "tie", "strength": None}] * 2 + [{"choice": "A", "strength": None}])
    label_all("pair-bad", [{"choice": "both_bad", "strength": None}] * 2 + [{"choice": "B", "strength": None}])
    label_all("pair-split", [{"choice": "A", "strength": None}, {"choice": "B", "strength": None}, {"choice": "tie", "strength": None}])
    label_all("rank", [{"order": [2, 0, 1]}, {"order": [2, 1, 0]}, {"order": [0, 2, 1]}])
    label_all("thumbs", [{"thumbs": {"0": "up", "1": "down"}}, {"thumbs": {"0": "up", "1": "down"}}, {"thumbs": {"0": "down", "1": "down"}}])
    v2 = codebook_publish(project=project, text="v2", author=admin_user)
    [make_label(task["pair-v2"], u, v2, {"choice": "A", "strength": None}) for u in users]
    return {"task": task, "ids": ids, "users": users, "v2": v2, "old": old}
