"""Import prompts with their candidates and tasks from JSON Lines.

One object per line (see README.md, "Import format", and import_format.py):

    {"external_id": "geo-001",
     "prompt": "What is the capital of France?"            # or [{"role": "user", "content": ...}, ...]
     "candidates": [{"text": "Paris.", "producer": "gpt-x", "sampling": {"temperature": 0.7}},
                    {"text": "Lyon.", "producer": {"kind": "human", "name": "editor"}}],
     "kind": "pair",                                        # optional: thumbs | pair | rank | rate
     "metadata": {"topic": "geography"}}                    # optional

Every line is checked, and a bad file is rejected whole with every problem of every bad
line, numbered. Lines are read one at a time and written in batches inside one
transaction: a large upload never sits in memory, and a bad line anywhere rolls back
what was written before it, so nothing is written. Re-importing the same lines changes
nothing: prompts are matched by external id, candidates by producer + text, tasks by
their candidate set.
"""
import codecs
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction

from feedback.labelling.errors import ImportRejected
from feedback.labelling.models import (
    Candidate,
    Project,
    Prompt,
    Task,
    TaskCandidate,
    TaskKind,
    split_for_external_id,
)
from feedback.labelling.rubric import rubric_of
from feedback.labelling.selectors import active_codebook
from feedback.labelling.services.import_format import ImportItem, parse_line

MAX_ERRORS_REPORTED = 200
BATCH_LINES = 500
MAX_BAD_BYTES_COUNTED = 100


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


class LineChecker:
    """Yields the good items of `lines` (str, or bytes as read from a file opened in
    binary) and collects (line number, reason) for every problem of the others."""

    def __init__(self, *, default_kind: str, rubric_kinds: Iterable[str] = ()):
        self.default_kind = default_kind
        # The kinds the active codebook's rubric rates: a rate task needs aspects to be
        # answered at all, so one made without them is refused here, not at each submit.
        self.rubric_kinds = set(rubric_kinds)
        self.errors: list[tuple[int, str]] = []
        self.first_line_of: dict[str, int] = {}

    def items(self, lines: Iterable[str | bytes]) -> Iterator[ImportItem]:
        offset = 0  # bytes before this line, to point at bad bytes in the file
        for number, raw in enumerate(lines, start=1):
            if len(self.errors) >= MAX_ERRORS_REPORTED:
                self.errors.append((0, f"stopped checking after {MAX_ERRORS_REPORTED} problems"))
                return
            text, bad_bytes = _decode(raw, first_line=number == 1, offset=offset)
            if isinstance(raw, bytes):
                offset += len(raw)
            if bad_bytes:
                self.errors.append((number, bad_bytes))
            if not text.strip():
                continue
            item, problems = parse_line(raw=text, number=number, default_kind=self.default_kind)
            self.errors.extend((number, problem) for problem in problems)
            if item is not None and item.kind == TaskKind.RATE and item.candidates and TaskKind.RATE not in self.rubric_kinds:
                self.errors.append((number, "kind rate needs a rubric: the active codebook version's rubric has no "
                                            "aspects for rate tasks (publish one whose aspects list the kind rate)"))
                continue
            if item is None or bad_bytes:
                continue
            first = self.first_line_of.setdefault(item.external_id, number)
            if first != number:
                self.errors.append((number, f"external_id {item.external_id!r} already used on line {first}"))
                continue
            yield item


def _decode(raw: str | bytes, *, first_line: bool, offset: int) -> tuple[str, str | None]:
    """The line's text, and what is wrong with its bytes if they are not UTF-8.

    A line with bad bytes comes back decoded with the bad bytes replaced, so that its
    other problems can be reported with it; it is never imported."""
    # A BOM that an editor put at the start of the file is not part of line 1.
    if isinstance(raw, str):
        return (raw.removeprefix("\ufeff") if first_line else raw), None
    start = len(codecs.BOM_UTF8) if first_line and raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[start:].decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    bad = _bad_byte_offsets(raw, start)
    first = bad[0]
    shown = f"byte 0x{raw[first]:02x} at offset {first} of the line (offset {offset + first} of the file, counting from 0)"
    more = f", and {len(bad) - 1}{'+' if len(bad) == MAX_BAD_BYTES_COUNTED else ''} more bad bytes" if len(bad) > 1 else ""
    return raw[start:].decode("utf-8", errors="replace"), f"not UTF-8 text: {shown}{more}"


def _bad_byte_offsets(raw: bytes, start: int) -> list[int]:
    found, position = [], start
    while len(found) < MAX_BAD_BYTES_COUNTED:
        try:
            raw[position:].decode("utf-8")
            break
        except UnicodeDecodeError as error:
            found.append(position + error.start)
            position += error.end
    return found


def import_jsonl(*, project: Project, lines: Iterable[str | bytes]) -> ImportResult:
    """Check and write: the one entry point for the command, the Import page and the API.

    Once a problem is found nothing more is written, but checking goes on so that the
    rejection lists every bad line; raising inside the transaction rolls back the
    batches already written."""
    aspects = rubric_of(active_codebook(project))
    checker = LineChecker(default_kind=project.default_task_kind,
                          rubric_kinds={kind for aspect in aspects for kind in aspect.kinds})
    result = ImportResult()
    with transaction.atomic():
        batch: list[ImportItem] = []
        for item in checker.items(lines):
            batch.append(item)
            if len(batch) == BATCH_LINES:
                _import_batch(project, batch, result, checker.errors)
                batch = []
        if batch:
            _import_batch(project, batch, result, checker.errors)
        if checker.errors:
            raise ImportRejected(sorted(checker.errors, key=lambda error: error[0] or float("inf")))
        if not result.lines:
            raise ImportRejected([(0, "the file has no lines to import")])
    return result


def _import_batch(project: Project, items: list[ImportItem], result: ImportResult, errors: list) -> None:
    stored = _stored_prompts(project, items)
    for item in items:
        prompt = stored.get(item.external_id)
        if prompt is not None and prompt.messages != item.messages:
            errors.append((item.line, f"external_id {item.external_id!r} exists with a different prompt"))
    if errors:
        return  # the import is rejected: keep checking, stop writing
    _write_batch(project, items, stored, result)


def task_candidate_key(*, kind: str, candidate_ids: list[int], calibration_for: int | None = None) -> str:
    payload = f"{kind}:{','.join(map(str, candidate_ids))}:{calibration_for or ''}"
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _stored_prompts(project: Project, items: list[ImportItem]) -> dict[str, Prompt]:
    stored: dict[str, Prompt] = {}
    for chunk in _chunks([item.external_id for item in items]):
        stored.update({p.external_id: p for p in Prompt.objects.filter(project=project, external_id__in=chunk)})
    return stored


def _write_batch(project: Project, items: list[ImportItem], stored: dict[str, Prompt], result: ImportResult) -> None:
    """Write one batch of checked items, adding to `result`; existing prompts (`stored`,
    by external id), candidates and tasks are reused, so importing the same file twice
    writes nothing the second time. Runs inside import_jsonl's transaction."""
    result.lines += len(items)
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
    result.prompts_created += len(new_prompts)

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
    result.candidates_created += len(new_candidates)

    wanted: dict[str, tuple[ImportItem, list[int]]] = {}
    for item in items:
        if not item.candidates:
            continue
        prompt = stored[item.external_id]
        ids = [existing_candidates[(prompt.pk, c.key)] for c in item.candidates]
        wanted[task_candidate_key(kind=item.kind, candidate_ids=ids)] = (item, ids)
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
    result.tasks_created += len(new_tasks)
