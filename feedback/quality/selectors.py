"""Reads for the review pages: disputed tasks (the adjudication queue), gold items with
how annotators do on them, and a codebook version's calibration set. Each is a fixed
number of queries, whatever the number of labels."""
from collections import Counter, defaultdict

from django.db.models import Exists, OuterRef

from feedback.labelling.models import CodebookVersion, Label, Project, Task, TaskCandidate
from feedback.quality.disputes import DISPUTABLE, majority_share
from feedback.quality.kept.folding import fold_for_page
from feedback.quality.models import Adjudication, TaskFigures
from feedback.quality.queue_choice import QueueChoice
from feedback.quality.reliability import answer_matches, pair_choice



def disputed_tasks(rows, limit: int | None = 10) -> list[dict]:
    """Tasks labelled at least twice and not unanimous, the smallest majority share first
    (a thumbs task's share is that of its most split response). `rows`: (task_id, kind,
    answer, display_order) tuples. Each comes with its labels' (kind, answer,
    display_order) as "given" (presenters.with_readable_answers words them)."""
    labels = defaultdict(list)
    for task_id, kind, answer, shown in rows:
        if kind in DISPUTABLE:
            labels[task_id].append((kind, answer, shown))
    disputed = []
    for task_id, given in labels.items():
        share = majority_share(given[0][0], [answer for _, answer, _ in given])
        if share is not None:
            disputed.append({"task_id": task_id, "kind": given[0][0], "labels": len(given), "majority_share": share,
                             "given": given})
    disputed.sort(key=lambda d: (d["majority_share"], -d["labels"], d["task_id"]))
    disputed = disputed if limit is None else disputed[:limit]
    adjudicated = set(Adjudication.objects.filter(task_id__in=[d["task_id"] for d in disputed])
                      .values_list("task_id", flat=True))
    for item in disputed:
        item["adjudicated"] = item["task_id"] in adjudicated
    return disputed


def adjudication_queue(project: Project, choice: QueueChoice | None = None, *, limit: int = 100) -> list[dict]:
    """Disputed tasks of the project as `choice` asks (by default those without a final
    answer whose majority share is at most the project's dispute threshold, the most split
    first), each with its labels, its prompt's first words and its responses' (see
    describe_disputes). Read from the kept disputes (an index), folded first; with a
    codebook version, from the task's figures over that version's labels alone."""
    choice = choice or QueueChoice(threshold=project.dispute_threshold, max_share=project.dispute_threshold)
    fold_for_page()
    disputed = TaskFigures.objects.filter(project=project, majority_share__isnull=False,
                                          majority_share__lte=choice.max_share)
    # A task's row over all its labels; with a version, the row over that version's: the
    # whole row when every label is of it, else the version's slice (models.CellKey).
    disputed = disputed.filter(version=choice.version) if choice.version else disputed.filter(version_slice=False)
    if choice.kind:
        disputed = disputed.filter(kind=choice.kind)
    if choice.open_only:
        disputed = disputed.exclude(Exists(Adjudication.objects.filter(task_id=OuterRef("task_id"))))
    ranked = list(disputed.order_by(*choice.ordering).values_list("task_id", "kind", "labels", "majority_share")[:limit])
    ids = [task_id for task_id, *_ in ranked]
    shown_labels = Label.objects.filter(task_id__in=ids)
    if choice.version:
        shown_labels = shown_labels.filter(codebook__version=choice.version)
    given = defaultdict(list)
    for task_id, kind, answer, shown in shown_labels.order_by("id").values_list("task_id", "kind", "answer", "display_order"):
        given[task_id].append((kind, answer, shown))
    adjudicated = set(Adjudication.objects.filter(task_id__in=ids).values_list("task_id", flat=True))
    return describe_disputes([{"task_id": task_id, "kind": kind, "labels": labels, "majority_share": share,
                               "given": given[task_id], "adjudicated": task_id in adjudicated}
                              for task_id, kind, labels, share in ranked])


def describe_disputes(disputed: list[dict]) -> list[dict]:
    """Adds each disputed task's prompt ("prompt", its first words) and responses
    ("responses": [(number, first words, whole text)], numbered as on every reviewer page;
    the page shows the first words and opens to the whole text, rendered). Two queries."""
    ids = [d["task_id"] for d in disputed]
    prompts = dict(Task.objects.filter(pk__in=ids).values_list("pk", "prompt__messages"))
    responses = defaultdict(list)
    for task_id, position, text in TaskCandidate.objects.filter(task_id__in=ids).order_by("task_id", "position").values_list(
            "task_id", "position", "candidate__text"):
        responses[task_id].append((position + 1, _excerpt(text, 80), text))
    for item in disputed:
        item["prompt"], item["responses"] = _first_words(prompts[item["task_id"]]), responses[item["task_id"]]
    return disputed


def _first_words(messages, length: int = 90) -> str:
    return _excerpt(next((m.get("content", "") for m in messages if m.get("role") == "user"), ""), length)


def _excerpt(text: str, length: int) -> str:
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
