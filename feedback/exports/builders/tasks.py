"""What a row needs besides its votes: each task's prompt, split and candidates (read a
chunk of tasks at a time, by id range), any adjudicated answer, and the shapes rows
take (TRL's conversational or plain-text form, the extra columns asked for)."""
import json
from dataclasses import dataclass

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from feedback.exports.filters import ExportFilters
from feedback.exports.streaming import chunks, stream_rows
from feedback.labelling.models import Label, Project, Task, TaskCandidate
from feedback.quality.models import Adjudication


@dataclass
class TaskInfo:
    prompt_id: str
    messages: list
    split: str
    texts: dict  # position → candidate text
    producers: dict  # position → {"kind", "name", "adapter_version"}


def filtered_labels(project: Project, filters: ExportFilters) -> QuerySet:
    return filters.apply(Label.objects.filter(task__project=project))


def task_infos(project: Project, low: int, high: int) -> dict[int, TaskInfo]:
    """Prompts and candidates of the project's tasks with ids in [low, high]: a range,
    not a list of ids, so a chunk costs two short queries."""
    tasks = Task.objects.filter(project=project, pk__gte=low, pk__lte=high).values_list(
        "pk", "prompt__external_id", Cast("prompt__messages", TextField()), "prompt__split"
    )
    infos = {tid: TaskInfo(ext, json.loads(messages), split, {}, {}) for tid, ext, messages, split in stream_rows(tasks)}
    links = TaskCandidate.objects.filter(task__project=project, task_id__gte=low, task_id__lte=high).values_list(
        "task_id", "position", "candidate__text", "candidate__producer_kind", "candidate__producer_name",
        "candidate__adapter__version",
    )
    for tid, position, text, kind, name, adapter_version in stream_rows(links):
        infos[tid].texts[position] = text
        infos[tid].producers[position] = {"kind": kind, "name": name, "adapter_version": adapter_version}
    return infos


def adjudications(project: Project, low: int, high: int) -> dict[int, dict]:
    """task id → its adjudicated answer, for the project's tasks with ids in [low, high]."""
    return dict(
        Adjudication.objects.filter(task__project=project, task_id__gte=low, task_id__lte=high).values_list("task_id", "answer")
    )


def with_infos(project: Project, per_task):
    """(task_id, item, TaskInfo, adjudicated answer or None), a chunk of tasks at a time."""
    for chunk in chunks(per_task):
        low, high = chunk[0][0], chunk[-1][0]
        infos, adjudicated = task_infos(project, low, high), adjudications(project, low, high)
        for task_id, item in chunk:
            yield task_id, item, infos[task_id], adjudicated.get(task_id)


def prompt_of(info: TaskInfo, form: str):
    if form == "conversational":
        return info.messages
    return "\n\n".join(m["content"] for m in info.messages)


def response(text: str, form: str):
    return [{"role": "assistant", "content": text}] if form == "conversational" else text


def extras(columns, info, task_id: int, **values) -> dict:
    """The extra columns asked for; `info`: anything with prompt_id and split."""
    available = {"task_id": task_id, "prompt_id": info.prompt_id, "split": info.split, **values}
    return {name: available.get(name) for name in columns}
