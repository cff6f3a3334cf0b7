"""The rubric ratings of each prompt's responses, a chunk of prompts at a time: what the
ratings rows and the rating-derived preference pairs are built from.

Labels that carry ratings (quality.rated_labels: rate labels, and pair and rank labels
where the rubric gives those kinds aspects) stream in prompt order, so every rating of
one response — from a rate task and from a pair task that shows it too — is gathered
before its rows are made, and memory holds one chunk of prompts. Each rating is read
against the rubric of the codebook version its label was given under.

Annotators count once per response: one who rated it in two tasks gives the mean of
their two ratings, so means, counts and spreads are across annotators.
"""
import json
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import TextField
from django.db.models.functions import Cast

from feedback.exports.builders.tasks import filtered_labels
from feedback.exports.filters import ExportFilters
from feedback.exports.streaming import TASK_CHUNK, stream_rows
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project, Prompt, TaskCandidate
from feedback.quality.rated_labels import Rubric, label_points, project_rubrics, rated_labels, score_of


@dataclass
class RubricRatings:
    """One response's ratings under one rubric (versions with the same rubric pooled)."""

    rubric: Rubric
    versions: set = field(default_factory=set)
    points: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))  # aspect → annotator → points


@dataclass
class RatedResponse:
    candidate_id: int
    text: str
    producer: dict
    tasks: set = field(default_factory=set)
    by_rubric: dict = field(default_factory=dict)  # rubric signature → RubricRatings
    scores: dict = field(default_factory=lambda: defaultdict(list))  # annotator → overall scores, any rubric


@dataclass
class RatedPrompt:
    prompt_id: str  # the external id
    messages: list
    split: str
    responses: dict  # candidate id → RatedResponse, in candidate order


def mean_and_spread(values: dict, weights: dict[int, float]) -> tuple[float, float, int]:
    """annotator → their values: (the weighted mean of their means, the weighted population
    standard deviation around it, the number of annotators)."""
    own = {annotator: sum(given) / len(given) for annotator, given in values.items()}
    total = sum(weights.get(a, 1.0) for a in own)
    mean = sum(weights.get(a, 1.0) * v for a, v in own.items()) / total
    variance = sum(weights.get(a, 1.0) * (v - mean) ** 2 for a, v in own.items()) / total
    return mean, max(variance, 0.0) ** 0.5, len(own)


def response_score(response: RatedResponse, weights: dict[int, float]) -> float:
    """The weighted mean across annotators of each one's mean overall score."""
    return mean_and_spread(response.scores, weights)[0]


def _candidates(task_ids) -> dict[int, dict[int, tuple]]:
    """task id → position → (candidate id, text, producer)."""
    links = TaskCandidate.objects.filter(task_id__in=task_ids).values_list(
        "task_id", "position", "candidate_id", "candidate__text", "candidate__producer_kind",
        "candidate__producer_name", "candidate__adapter__version")
    by_task = defaultdict(dict)
    for task_id, position, candidate, text, kind, name, adapter in links:
        by_task[task_id][position] = (candidate, text, {"kind": kind, "name": name, "adapter_version": adapter})
    return by_task


def _prompts(prompt_ids) -> dict[int, tuple]:
    rows = Prompt.objects.filter(pk__in=prompt_ids).values_list("pk", "external_id", Cast("messages", TextField()), "split")
    return {pk: (ext, json.loads(messages), split) for pk, ext, messages, split in rows}


def rated_prompts(project: Project, filters: ExportFilters, summary: ExportSummary, *, kinds=(),
                  count_kinds=None, rubrics: dict[int, Rubric] | None = None):
    """RatedPrompt per prompt whose responses were rated under the filters, in prompt
    order. The summary counts the labels and tasks read (only those of `count_kinds`,
    when given: an export that also reads pair and rank labels another way counts them there)."""
    rubrics = project_rubrics(project) if rubrics is None else rubrics
    labels = (
        rated_labels(filtered_labels(project, filters), rubrics, kinds)
        .order_by("task__prompt_id", "task_id", "id")
        .values_list("task__prompt_id", "task_id", "id", "kind", "annotator_id", "codebook_id", Cast("answer", TextField()))
    )
    chunk, tasks = [], 0
    for prompt_pk, group in groupby(stream_rows(labels), key=lambda row: row[0]):
        group = list(group)
        chunk.append((prompt_pk, group))
        tasks += len({row[1] for row in group})
        if tasks >= TASK_CHUNK:
            yield from _gathered(chunk, rubrics, summary, count_kinds)
            chunk, tasks = [], 0
    if chunk:
        yield from _gathered(chunk, rubrics, summary, count_kinds)


def _gathered(chunk, rubrics: dict[int, Rubric], summary: ExportSummary, count_kinds):
    candidates = _candidates({row[1] for _, group in chunk for row in group})
    prompts = _prompts([prompt_pk for prompt_pk, _ in chunk])
    for prompt_pk, group in chunk:
        ext, messages, split = prompts[prompt_pk]
        responses: dict[int, RatedResponse] = {}
        counted_tasks = set()
        for _, task_id, label_id, kind, annotator, codebook_id, answer in group:
            summary.max_label_id = max(summary.max_label_id, label_id)
            if count_kinds is None or kind in count_kinds:
                summary.labels += 1
                counted_tasks.add(task_id)
            rubric = rubrics[codebook_id]
            aspects = rubric.for_kind(kind)
            for position, points in label_points(json.loads(answer), aspects).items():
                if position not in candidates[task_id]:
                    continue
                candidate, text, producer = candidates[task_id][position]
                response = responses.get(candidate) or responses.setdefault(candidate, RatedResponse(candidate, text, producer))
                response.tasks.add(task_id)
                ratings = response.by_rubric.get(rubric.signature)
                if ratings is None:
                    ratings = response.by_rubric[rubric.signature] = RubricRatings(rubric)
                ratings.versions.add(rubric.version)
                for name, point in points.items():
                    ratings.points[name][annotator].append(point)
                response.scores[annotator].append(score_of(points, aspects))
        summary.tasks += len(counted_tasks)
        if responses:
            yield RatedPrompt(ext, messages, split, dict(sorted(responses.items())))
