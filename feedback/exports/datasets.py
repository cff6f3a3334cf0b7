"""Dataset rows derived from raw labels, streamed in constant memory.

Labels are read with a server-side cursor ordered by task, grouped per task, aggregated
(feedback.exports.aggregate) and joined to their prompt and candidate texts a chunk of
tasks at a time. Nothing is written back: raw labels stay as they are.

Row shapes are TRL's dataset formats:
  preference  {"prompt", "chosen", "rejected"}         (DPO, reward model)
  unpaired    {"prompt", "completion", "label"}        (KTO)
  sft         {"messages"} or {"prompt", "completion"} (SFT, from rewrites)
  raw         one row per label, for people who aggregate their own way
in TRL's conversational form (lists of messages) or its plain-text form.
"""
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby, islice

from django.conf import settings

from feedback.exports.aggregate import Vote, pair_majority, rank_pairs, thumbs_majority
from feedback.exports.filters import ExportFilters
from feedback.labelling.models import Label, Membership, Project, Task, TaskCandidate, TaskKind

TASK_CHUNK = 2000
LABEL_FETCH = 10_000
EXTRA_COLUMNS = ("agreement", "strength", "votes", "task_id", "prompt_id", "split", "adjudicated")
FORMS = ("conversational", "text")


@dataclass
class ExportSummary:
    labels: int = 0
    tasks: int = 0
    rows: Counter = field(default_factory=Counter)  # per split
    excluded: Counter = field(default_factory=Counter)  # why labels or pairs were left out
    max_label_id: int = 0

    def as_manifest(self) -> dict:
        return {
            "labels": self.labels,
            "tasks": self.tasks,
            "rows": dict(self.rows),
            "rows_total": sum(self.rows.values()),
            "excluded": dict(self.excluded),
            "max_label_id": self.max_label_id,
        }


@dataclass
class TaskInfo:
    prompt_id: str
    messages: list
    is_chat: bool
    split: str
    texts: dict  # position → candidate text
    producers: dict  # position → {"kind", "name", "adapter_version"}


def pseudonym(project: Project, user_id: int) -> str:
    """Stable per project, not reversible without the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{project.pk}:{user_id}".encode(), hashlib.sha256)
    return "a-" + digest.hexdigest()[:12]


def _labels(project: Project, filters: ExportFilters):
    return filters.apply(Label.objects.filter(task__project=project))


def _task_infos(task_ids: list[int]) -> dict[int, TaskInfo]:
    infos = {
        tid: TaskInfo(external, messages, is_chat, split, {}, {})
        for tid, external, messages, is_chat, split in Task.objects.filter(pk__in=task_ids).values_list(
            "pk", "prompt__external_id", "prompt__messages", "prompt__is_chat", "prompt__split"
        )
    }
    links = TaskCandidate.objects.filter(task_id__in=task_ids).values_list(
        "task_id", "position", "candidate__text", "candidate__producer_kind", "candidate__producer_name",
        "candidate__adapter__version",
    )
    for tid, position, text, kind, name, adapter_version in links:
        infos[tid].texts[position] = text
        infos[tid].producers[position] = {"kind": kind, "name": name, "adapter_version": adapter_version}
    return infos


def _grouped_votes(project: Project, filters: ExportFilters, summary: ExportSummary, weights: dict[int, float]):
    """(task_id, kind, [Vote]) per task, in task order, in chunks of TASK_CHUNK tasks."""
    rows = (
        _labels(project, filters)
        .order_by("task_id", "id")
        .values_list("task_id", "kind", "answer", "annotator_id", "id")
        .iterator(chunk_size=LABEL_FETCH)
    )
    # Each group is materialized as it is read: groupby's groups die when it moves on.
    grouped = ((task_id, list(group)) for task_id, group in groupby(rows, key=lambda row: row[0]))
    while True:
        chunk = list(islice(grouped, TASK_CHUNK))
        if not chunk:
            return
        out = []
        for task_id, group in chunk:
            summary.labels += len(group)
            summary.tasks += 1
            summary.max_label_id = max(summary.max_label_id, max(row[4] for row in group))
            votes = [Vote(answer, weights.get(annotator, 1.0)) for _, _, answer, annotator, _ in group]
            out.append((task_id, group[0][1], votes))
        yield out


def _prompt(info: TaskInfo, form: str):
    if form == "conversational":
        return info.messages
    return "\n\n".join(m["content"] for m in info.messages)


def _response(text: str, form: str):
    return [{"role": "assistant", "content": text}] if form == "conversational" else text


def _extras(columns, info: TaskInfo, task_id: int, **values) -> dict:
    available = {"task_id": task_id, "prompt_id": info.prompt_id, "split": info.split, **values}
    return {name: available.get(name) for name in columns}


def _weights(project: Project, filters: ExportFilters) -> dict[int, float]:
    if not filters.weight_by_reliability:
        return {}
    from feedback.quality.selectors import annotator_weights

    return annotator_weights(project)


def _adjudications(task_ids: list[int]) -> dict[int, dict]:
    from feedback.quality.models import Adjudication

    return dict(Adjudication.objects.filter(task_id__in=task_ids).values_list("task_id", "answer"))


def preference_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    """One row per aggregated pair: pair tasks by majority (an adjudicated answer wins),
    rank tasks by the pairs their rankings imply."""
    for chunk in _grouped_votes(project, filters, summary, _weights(project, filters)):
        infos = _task_infos([task_id for task_id, _, _ in chunk])
        adjudicated = _adjudications([task_id for task_id, kind, _ in chunk if kind == TaskKind.PAIR])
        for task_id, kind, votes in chunk:
            info = infos[task_id]
            if kind == TaskKind.PAIR:
                final = adjudicated.get(task_id)
                status, outcome = pair_majority([Vote(final)] if final else votes)
                if outcome is None:
                    summary.excluded[status] += 1
                    continue
                outcomes = [outcome]
            elif kind == TaskKind.RANK:
                outcomes, undecided = rank_pairs(votes)
                summary.excluded["rank_pair_no_majority"] += undecided
            else:
                continue
            for outcome in outcomes:
                if filters.min_agreement is not None and outcome.agreement < filters.min_agreement and not (
                    kind == TaskKind.PAIR and task_id in adjudicated
                ):
                    summary.excluded["below_min_agreement"] += 1
                    continue
                summary.rows[info.split] += 1
                yield {
                    "prompt": _prompt(info, form),
                    "chosen": _response(info.texts[outcome.chosen], form),
                    "rejected": _response(info.texts[outcome.rejected], form),
                    **_extras(
                        columns, info, task_id,
                        agreement=round(outcome.agreement, 4),
                        strength=outcome.strength,
                        votes=outcome.votes,
                        adjudicated=task_id in adjudicated,
                    ),
                }


def unpaired_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    """KTO rows: thumbs by majority per candidate; pair tasks whose answer is "both bad"
    give both candidates as negatives."""
    for chunk in _grouped_votes(project, filters, summary, _weights(project, filters)):
        infos = _task_infos([task_id for task_id, _, _ in chunk])
        adjudicated = _adjudications([task_id for task_id, kind, _ in chunk if kind == TaskKind.PAIR])
        for task_id, kind, votes in chunk:
            info = infos[task_id]
            if kind == TaskKind.THUMBS:
                outcomes = thumbs_majority(votes, len(info.texts))
            elif kind == TaskKind.PAIR:
                final = adjudicated.get(task_id)
                status, _ = pair_majority([Vote(final)] if final else votes)
                if status != "both_bad":
                    continue
                share = 1.0 if final else sum(v.weight for v in votes if v.answer["choice"] == "both_bad") / sum(v.weight for v in votes)
                outcomes = [(0, False, share), (1, False, share)]
            else:
                continue
            for position, good, agreement in outcomes:
                if filters.min_agreement is not None and agreement < filters.min_agreement:
                    summary.excluded["below_min_agreement"] += 1
                    continue
                summary.rows[info.split] += 1
                yield {
                    "prompt": _prompt(info, form),
                    "completion": _response(info.texts[position], form),
                    "label": good,
                    **_extras(columns, info, task_id, agreement=round(agreement, 4), votes=len(votes)),
                }


def sft_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    """One row per rewrite: the prompt and the annotator's better answer."""
    rewrites = (
        _labels(project, filters)
        .exclude(rewrite="")
        .order_by("task_id", "id")
        .values_list("task_id", "rewrite", "id")
        .iterator(chunk_size=LABEL_FETCH)
    )
    while True:
        chunk = list(islice(rewrites, TASK_CHUNK))
        if not chunk:
            return
        infos = _task_infos(sorted({task_id for task_id, _, _ in chunk}))
        for task_id, rewrite, label_id in chunk:
            info = infos[task_id]
            summary.labels += 1
            summary.max_label_id = max(summary.max_label_id, label_id)
            summary.rows[info.split] += 1
            extras = _extras(columns, info, task_id)
            if form == "conversational":
                yield {"messages": info.messages + [{"role": "assistant", "content": rewrite}], **extras}
            else:
                yield {"prompt": _prompt(info, form), "completion": rewrite, **extras}


def raw_rows(project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()) -> Iterator[dict]:
    """Every label with a pseudonymous annotator id and everything needed to aggregate."""
    tiers = dict(Membership.objects.filter(project=project).values_list("user_id", "tier"))
    labels = (
        _labels(project, filters)
        .order_by("id")
        .values_list(
            "id", "task_id", "kind", "annotator_id", "codebook__version", "answer", "display_order",
            "time_spent_ms", "rewrite", "comment", "created_at",
        )
        .iterator(chunk_size=LABEL_FETCH)
    )
    while True:
        chunk = list(islice(labels, TASK_CHUNK))
        if not chunk:
            return
        infos = _task_infos(sorted({row[1] for row in chunk}))
        for label_id, task_id, kind, annotator, version, answer, shown, spent, rewrite, comment, created in chunk:
            info = infos[task_id]
            summary.labels += 1
            summary.max_label_id = max(summary.max_label_id, label_id)
            summary.rows[info.split] += 1
            yield {
                "label_id": label_id,
                "task_id": task_id,
                "prompt_id": info.prompt_id,
                "split": info.split,
                "kind": kind,
                "annotator": pseudonym(project, annotator),
                "tier": tiers.get(annotator),
                "codebook_version": version,
                "answer": answer,
                "shown_order": shown,
                "time_spent_ms": spent,
                "candidates": [{"position": p, **info.producers[p]} for p in sorted(info.producers)],
                "rewrite": rewrite,
                "comment": comment,
                "created_at": created.isoformat(),
            }


BUILDERS = {"preference": preference_rows, "unpaired": unpaired_rows, "sft": sft_rows, "raw": raw_rows}
