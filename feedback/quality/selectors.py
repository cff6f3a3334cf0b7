"""Reads for the review pages: disputed tasks (the adjudication queue), gold items with
how annotators do on them, and a codebook version's calibration set. Each is a fixed
number of queries, whatever the number of labels."""
from collections import Counter, defaultdict

from feedback.labelling.models import CodebookVersion, Label, Project, Task, TaskKind
from feedback.quality.models import Adjudication
from feedback.quality.reliability import answer_matches, pair_choice

DISPUTABLE = (TaskKind.PAIR, TaskKind.RANK)


def disputed_tasks(rows, limit: int | None = 10) -> list[dict]:
    """Pair and rank tasks labelled at least twice and not unanimously, the smallest
    majority share first. `rows`: (task_id, kind, answer, ...) tuples."""
    votes = defaultdict(list)
    for task_id, kind, answer, *_ in rows:
        if kind in DISPUTABLE:
            votes[task_id].append(pair_choice(kind, answer))
    disputed = []
    for task_id, values in votes.items():
        counts = Counter(values)
        if len(values) < 2 or len(counts) < 2:
            continue
        disputed.append({"task_id": task_id, "labels": len(values),
                         "majority_share": round(counts.most_common(1)[0][1] / len(values), 3), "answers": dict(counts)})
    disputed.sort(key=lambda d: (d["majority_share"], -d["labels"], d["task_id"]))
    disputed = disputed if limit is None else disputed[:limit]
    adjudicated = set(Adjudication.objects.filter(task_id__in=[d["task_id"] for d in disputed])
                      .values_list("task_id", flat=True))
    for item in disputed:
        item["adjudicated"] = item["task_id"] in adjudicated
    return disputed


def adjudication_queue(project: Project, *, open_only: bool = True, limit: int = 100) -> list[dict]:
    """Disputed tasks of the project (those without a final answer when `open_only`),
    each with its prompt's first words. Three queries."""
    rows = Label.objects.filter(task__project=project, kind__in=DISPUTABLE, task__labels_done__gte=2).values_list(
        "task_id", "kind", "answer")
    disputed = [d for d in disputed_tasks(rows.iterator(chunk_size=5000), limit=None)
                if not (open_only and d["adjudicated"])][:limit]
    tasks = Task.objects.filter(pk__in=[d["task_id"] for d in disputed]).select_related("prompt")
    by_id = {task.pk: task for task in tasks}
    for item in disputed:
        task = by_id[item["task_id"]]
        item["kind"], item["prompt"] = task.kind, _first_words(task.prompt.messages)
    return disputed


def _first_words(messages, length: int = 90) -> str:
    text = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def gold_items(project: Project) -> list[dict]:
    """Gold tasks with their expected answer and how many labels on them match it."""
    tasks = list(Task.objects.filter(project=project, is_gold=True).select_related("prompt").order_by("id"))
    scores = defaultdict(lambda: [0, 0])
    for task_id, kind, answer, expected in Label.objects.filter(task__in=tasks).values_list(
            "task_id", "kind", "answer", "task__gold_answer"):
        scores[task_id][0] += answer_matches(kind, answer, expected)
        scores[task_id][1] += 1
    return [{"task": task, "prompt": _first_words(task.prompt.messages), "correct": scores[task.pk][0],
             "labels": scores[task.pk][1],
             "accuracy": scores[task.pk][0] / scores[task.pk][1] if scores[task.pk][1] else None} for task in tasks]


def calibration_items(codebook: CodebookVersion | None) -> list[dict]:
    """A version's calibration tasks with how many annotators labelled each and their
    most common answer's share."""
    if codebook is None:
        return []
    tasks = list(codebook.calibration_tasks.select_related("prompt").order_by("id"))
    votes = defaultdict(list)
    for task_id, kind, answer in Label.objects.filter(task__in=tasks).values_list("task_id", "kind", "answer"):
        votes[task_id].append(pair_choice(kind, answer))
    items = []
    for task in tasks:
        values = votes[task.pk]
        share = Counter(values).most_common(1)[0][1] / len(values) if values else None
        items.append({"task": task, "prompt": _first_words(task.prompt.messages), "labels": len(values),
                      "majority_share": share})
    return items


def calibration_candidates(project: Project, count: int) -> list[Task]:
    """`count` regular tasks at random, to start a calibration set from."""
    return list(Task.objects.filter(project=project, is_gold=False, calibration_for__isnull=True, is_active=True)
                .order_by("?")[:count])
