"""Import prompts with their candidates and tasks from JSON Lines.

One object per line (see README.md, "Import format"):

    {"external_id": "geo-001",
     "prompt": "What is the capital of France?"            # or [{"role": "user", "content": ...}, ...]
     "candidates": [{"text": "Paris.", "producer": "gpt-x", "sampling": {"temperature": 0.7}},
                    {"text": "Lyon.", "producer": {"kind": "human", "name": "editor"}}],
     "kind": "pair",                                        # optional: thumbs | pair | rank
     "metadata": {"topic": "geography"}}                    # optional

The whole file is checked before anything is written: a bad file is rejected whole with
every bad line's number and reason. Re-importing the same lines changes nothing:
prompts are matched by external id, candidates by producer + text, tasks by their
candidate set.
"""
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from feedback.labelling.errors import ImportRejected
from feedback.labelling.models import (
    Candidate,
    ProducerKind,
    Project,
    Prompt,
    Task,
    TaskCandidate,
    TaskKind,
    split_for_external_id,
)

MAX_CANDIDATES = 8
MAX_TEXT_CHARS = 50_000
MAX_ERRORS_REPORTED = 200
CHAT_ROLES = {"system", "user", "assistant"}
IMPORTABLE_PRODUCERS = {ProducerKind.BASE, ProducerKind.HUMAN, ProducerKind.IMPORTED}


@dataclass
class CandidateItem:
    text: str
    producer_kind: str
    producer_name: str
    sampling: dict

    @property
    def key(self) -> str:
        return Candidate.key_for(self.producer_kind, self.producer_name, self.text)


@dataclass
class ImportItem:
    line: int
    external_id: str
    messages: list[dict]
    is_chat: bool
    kind: str
    metadata: dict
    candidates: list[CandidateItem] = field(default_factory=list)


@dataclass
class ImportResult:
    lines: int = 0
    prompts_created: int = 0
    candidates_created: int = 0
    tasks_created: int = 0

    @property
    def summary(self) -> str:
        return (
            f"{self.lines} lines: {self.prompts_created} new prompts, "
            f"{self.candidates_created} new candidates, {self.tasks_created} new tasks"
        )


def _parse_messages(value) -> tuple[list[dict], bool]:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("prompt is empty")
        return [{"role": "user", "content": value}], False
    if not isinstance(value, list) or not value:
        raise ValueError("prompt must be a string or a non-empty list of messages")
    messages = []
    for i, message in enumerate(value):
        if not isinstance(message, dict) or set(message) - {"role", "content"}:
            raise ValueError(f"prompt message {i} must be an object with role and content")
        role, content = message.get("role"), message.get("content")
        if role not in CHAT_ROLES:
            raise ValueError(f"prompt message {i} has role {role!r}; use system, user or assistant")
        if not isinstance(content, str) or not content.strip():
            raise ValueError(f"prompt message {i} has no text content")
        messages.append({"role": role, "content": content})
    if messages[-1]["role"] != "user":
        raise ValueError("the prompt's last message must be a user turn")
    return messages, True


def _parse_producer(value) -> tuple[str, str]:
    if isinstance(value, str) and value.strip():
        return ProducerKind.IMPORTED, value.strip()
    if isinstance(value, dict):
        kind = value.get("kind", ProducerKind.IMPORTED)
        name = value.get("name")
        if kind not in IMPORTABLE_PRODUCERS:
            raise ValueError(f"producer kind {kind!r} cannot be imported; use base, human or imported")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("producer needs a name")
        return kind, name.strip()
    raise ValueError("producer must be a model name or {kind, name}")


def _parse_candidate(index: int, value) -> CandidateItem:
    if not isinstance(value, dict):
        raise ValueError(f"candidate {index} must be an object")
    unknown = set(value) - {"text", "producer", "sampling"}
    if unknown:
        raise ValueError(f"candidate {index} has unknown fields: {', '.join(sorted(unknown))}")
    text = value.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"candidate {index} has no text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"candidate {index} is longer than {MAX_TEXT_CHARS} characters")
    try:
        kind, name = _parse_producer(value.get("producer"))
    except ValueError as error:
        raise ValueError(f"candidate {index}: {error}") from None
    sampling = value.get("sampling", {})
    if not isinstance(sampling, dict):
        raise ValueError(f"candidate {index}: sampling must be an object")
    return CandidateItem(text=text, producer_kind=kind, producer_name=name, sampling=sampling)


def _check_kind(kind: str, n_candidates: int) -> None:
    if kind == TaskKind.PAIR and n_candidates != 2:
        raise ValueError(f"a pair task takes exactly 2 candidates, got {n_candidates}; use rank for more")
    if kind == TaskKind.RANK and n_candidates < 2:
        raise ValueError("a rank task takes at least 2 candidates")


def parse_line(number: int, raw: str, default_kind: str) -> ImportItem:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    unknown = set(data) - {"external_id", "prompt", "candidates", "kind", "metadata"}
    if unknown:
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
    external_id = data.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if not isinstance(external_id, str) or not external_id.strip() or len(external_id) > 200:
        raise ValueError("external_id must be a non-empty string of at most 200 characters")
    if "prompt" not in data:
        raise ValueError("prompt is missing")
    messages, is_chat = _parse_messages(data["prompt"])
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be an object")
    kind = data.get("kind", default_kind)
    if kind not in TaskKind.values:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(TaskKind.values)}")
    raw_candidates = data.get("candidates", [])
    if not isinstance(raw_candidates, list):
        raise ValueError("candidates must be a list")
    if len(raw_candidates) > MAX_CANDIDATES:
        raise ValueError(f"at most {MAX_CANDIDATES} candidates per prompt")
    candidates = [_parse_candidate(i, c) for i, c in enumerate(raw_candidates)]
    keys = [c.key for c in candidates]
    if len(set(keys)) != len(keys):
        raise ValueError("two candidates have the same producer and text")
    if candidates:
        _check_kind(kind, len(candidates))
    return ImportItem(
        line=number,
        external_id=external_id.strip(),
        messages=messages,
        is_chat=is_chat,
        kind=kind,
        metadata=metadata,
        candidates=candidates,
    )


def parse_import(lines: Iterable[str], *, default_kind: str) -> list[ImportItem]:
    """Parse and check every line; raise ImportRejected listing every bad one."""
    items: list[ImportItem] = []
    errors: list[tuple[int, str]] = []
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors.append((number, "not UTF-8 text"))
                continue
        if not raw.strip():
            continue
        try:
            item = parse_line(number, raw, default_kind)
        except ValueError as error:
            errors.append((number, str(error)))
            continue
        if item.external_id in first_line_of:
            errors.append(
                (number, f"external_id {item.external_id!r} already used on line {first_line_of[item.external_id]}")
            )
            continue
        first_line_of[item.external_id] = number
        items.append(item)
        if len(errors) >= MAX_ERRORS_REPORTED:
            break
    if errors:
        raise ImportRejected(errors)
    if not items:
        raise ImportRejected([(0, "the file has no lines to import")])
    return items


def task_candidate_key(kind: str, candidate_ids: list[int], calibration_for: int | None = None) -> str:
    payload = f"{kind}:{','.join(map(str, candidate_ids))}:{calibration_for or ''}"
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


def _check_against_stored(items: list[ImportItem], stored: dict[str, Prompt]) -> None:
    errors = []
    for item in items:
        prompt = stored.get(item.external_id)
        if prompt is not None and prompt.messages != item.messages:
            errors.append((item.line, f"external_id {item.external_id!r} exists with a different prompt"))
    if errors:
        raise ImportRejected(errors)


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@transaction.atomic
def prompts_import(*, project: Project, items: list[ImportItem]) -> ImportResult:
    """Write parsed items in one transaction; existing prompts, candidates and tasks are
    reused, so importing the same file twice writes nothing the second time."""
    result = ImportResult(lines=len(items))
    external_ids = [item.external_id for item in items]
    stored: dict[str, Prompt] = {}
    for chunk in _chunks(external_ids):
        stored.update({p.external_id: p for p in Prompt.objects.filter(project=project, external_id__in=chunk)})
    _check_against_stored(items, stored)

    new_prompts = []
    for item in items:
        if item.external_id not in stored:
            new_prompts.append(
                Prompt(
                    project=project,
                    external_id=item.external_id,
                    messages=item.messages,
                    is_chat=item.is_chat,
                    metadata=item.metadata,
                    # bulk_create skips save(), so fix the split here from the same hash.
                    split=split_for_external_id(item.external_id),
                )
            )
    for prompt in Prompt.objects.bulk_create(new_prompts, batch_size=500):
        stored[prompt.external_id] = prompt
    result.prompts_created = len(new_prompts)

    prompt_ids = [stored[item.external_id].pk for item in items]
    existing_candidates: dict[tuple[int, str], int] = {}
    for chunk in _chunks(prompt_ids):
        for cid, pid, key in Candidate.objects.filter(prompt_id__in=chunk).values_list("id", "prompt_id", "content_key"):
            existing_candidates[(pid, key)] = cid

    new_candidates = []
    for item in items:
        prompt = stored[item.external_id]
        for c in item.candidates:
            if (prompt.pk, c.key) not in existing_candidates:
                new_candidates.append(
                    Candidate(
                        prompt=prompt,
                        text=c.text,
                        producer_kind=c.producer_kind,
                        producer_name=c.producer_name,
                        sampling=c.sampling,
                        content_key=c.key,
                    )
                )
    for candidate in Candidate.objects.bulk_create(new_candidates, batch_size=500):
        existing_candidates[(candidate.prompt_id, candidate.content_key)] = candidate.pk
    result.candidates_created = len(new_candidates)

    wanted: dict[str, tuple[ImportItem, list[int]]] = {}
    for item in items:
        if not item.candidates:
            continue
        prompt = stored[item.external_id]
        ids = [existing_candidates[(prompt.pk, c.key)] for c in item.candidates]
        wanted[task_candidate_key(item.kind, ids)] = (item, ids)
    existing_tasks = set()
    for chunk in _chunks(list(wanted)):
        existing_tasks.update(Task.objects.filter(project=project, candidate_key__in=chunk).values_list("candidate_key", flat=True))
    new_tasks, links = [], []
    for key, (item, ids) in wanted.items():
        if key in existing_tasks:
            continue
        task = Task(
            project=project, prompt=stored[item.external_id], kind=item.kind, candidate_key=key, candidate_count=len(ids)
        )
        new_tasks.append((task, ids))
    Task.objects.bulk_create([task for task, _ in new_tasks], batch_size=500)
    for task, ids in new_tasks:
        links.extend(TaskCandidate(task=task, candidate_id=cid, position=pos) for pos, cid in enumerate(ids))
    TaskCandidate.objects.bulk_create(links, batch_size=1000)
    result.tasks_created = len(new_tasks)
    return result


def import_jsonl(*, project: Project, lines: Iterable[str]) -> ImportResult:
    """Parse, check and write: the one entry point for the command, the form and the API."""
    items = parse_import(lines, default_kind=project.default_task_kind)
    return prompts_import(project=project, items=items)
