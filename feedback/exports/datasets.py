"""Dataset rows derived from raw labels, streamed in constant memory.

Nothing is written back: raw labels stay as they are. Row shapes are TRL's formats:
  preference  {"prompt", "chosen", "rejected"}         (DPO, reward model)
  unpaired    {"prompt", "completion", "label"}        (KTO)
  sft         {"messages"} or {"prompt", "completion"} (SFT, from rewrites)
  raw         one row per label, for people who aggregate their own way
in TRL's conversational form (lists of messages) or its plain-text form.

How it stays fast at a million labels: pair tasks (the bulk) are tallied by the
database — one row of weighted vote sums per task, streamed from a server-side cursor
in task order; rank and thumbs labels stream one row each. Prompts and candidates are
then read a chunk of tasks at a time by id range, and JSON stays text until a row
needs it (feedback.exports.aggregate decides every majority, whoever summed the votes).
Preference pairs go further: one query streams each pair task's tally with its prompt
and candidate texts, and rows written as JSON Lines are formatted straight from those
columns, the prompt's stored JSON text reused where it is already exactly what
json.dumps would write.
"""
import hashlib
import hmac
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby, islice
from json.encoder import encode_basestring

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Case, CharField, Count, FloatField, Max, Q, QuerySet, Sum, TextField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from feedback.exports.aggregate import PairTally, Vote, rank_pairs, tally_majority, thumbs_majority
from feedback.exports.filters import ExportFilters
from feedback.labelling.models import Candidate, Label, Membership, Project, Prompt, Task, TaskCandidate, TaskKind

TASK_CHUNK = 2000
FETCH = 10_000
ROW_FETCH = 5000  # rows per round trip of the one-query pair stream (wide rows: texts included)
EXTRA_COLUMNS = ("agreement", "strength", "votes", "task_id", "prompt_id", "split", "adjudicated")
FORMS = ("conversational", "text")


@dataclass
class ExportSummary:
    labels: int = 0
    tasks: int = 0
    rows: Counter = field(default_factory=Counter)  # per split
    excluded: Counter = field(default_factory=Counter)  # why tasks or pairs were left out
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
    split: str
    texts: dict  # position → candidate text
    producers: dict  # position → {"kind", "name", "adapter_version"}


def pseudonym(project: Project, user_id: int) -> str:
    """Stable per project, not reversible without the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{project.pk}:{user_id}".encode(), hashlib.sha256)
    return "a-" + digest.hexdigest()[:12]


def stream_rows(queryset: QuerySet, size: int = FETCH):
    """The queryset's rows as plain tuples from a server-side cursor (on Postgres),
    without Django's per-value converters, so JSON columns arrive as text."""
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield from rows


def chunks(iterable, size: int = TASK_CHUNK):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _labels(project: Project, filters: ExportFilters) -> QuerySet:
    return filters.apply(Label.objects.filter(task__project=project))


def _task_infos(project: Project, low: int, high: int) -> dict[int, TaskInfo]:
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


def _adjudications(project: Project, low: int, high: int) -> dict[int, dict]:
    from feedback.quality.models import Adjudication

    return dict(
        Adjudication.objects.filter(task__project=project, task_id__gte=low, task_id__lte=high).values_list("task_id", "answer")
    )


def _weights(project: Project, filters: ExportFilters) -> dict[int, float]:
    if not filters.weight_by_reliability:
        return {}
    from feedback.quality.reliability import annotator_weights

    return annotator_weights(project)


def _weight_expression(weights: dict[int, float]):
    if not weights:
        return Value(1.0, output_field=FloatField())
    return Case(
        *[When(annotator_id=user_id, then=Value(float(w))) for user_id, w in weights.items()],
        default=Value(1.0),
        output_field=FloatField(),
    )


def _pair_tally_queryset(project: Project, filters: ExportFilters, weights: dict[int, float], *,
                         strengths: bool = True, **more):
    """Per pair task, in task order, the vote sums by choice (a, b, tie, bad), the label
    count n, the newest label id, mean strengths (sa, sb) when asked, and `more`."""
    # Cast to plain text: a bare key transform compares as JSON on SQLite.
    choice, weight = Cast(KT("answer__choice"), CharField()), _weight_expression(weights)

    def votes_for(value):
        # Without weights every vote weighs 1.0: a filtered count is the same sum, much
        # cheaper than summing numerics, and compares and divides to the same floats.
        # With weights, cast in SQL: the same value as float() of the database's sum.
        if not weights:
            return Count("id", filter=Q(choice=value))
        return Cast(Sum(Case(When(choice=value, then=weight), default=Value(0.0), output_field=FloatField())), FloatField())

    def strength_of(value):
        return Avg(Cast(KT("answer__strength"), FloatField()), filter=Q(choice=value))

    if strengths:
        more.update(sa=strength_of("A"), sb=strength_of("B"))
    return (
        _labels(project, filters)
        .filter(kind=TaskKind.PAIR)
        .alias(choice=choice)
        .values("task_id")
        .annotate(a=votes_for("A"), b=votes_for("B"), tie=votes_for("tie"), bad=votes_for("both_bad"),
                  n=Count("id"), newest=Max("id"), **more)
        .order_by("task_id")
    )


def _pair_tallies(project: Project, filters: ExportFilters, weights: dict[int, float], summary: ExportSummary):
    """(task_id, PairTally) per pair task, in task order, summed by the database."""
    tallies = _pair_tally_queryset(project, filters, weights).values_list(
        "task_id", "a", "b", "tie", "bad", "n", "sa", "sb", "newest")
    for task_id, a, b, tie, bad, n, sa, sb, newest in stream_rows(tallies):
        summary.labels += n
        summary.tasks += 1
        summary.max_label_id = max(summary.max_label_id, newest)
        # float(): Postgres sums numeric literals as numeric, and stream_rows skips converters.
        yield task_id, PairTally(
            a=float(a), b=float(b), tie=float(tie), both_bad=float(bad), votes=n,
            strength_a=None if sa is None else float(sa), strength_b=None if sb is None else float(sb),
        )


def _label_votes(project: Project, filters: ExportFilters, kind: str, weights: dict[int, float], summary: ExportSummary):
    """(task_id, [Vote]) per task of `kind`, in task order, one label row at a time."""
    labels = (
        _labels(project, filters)
        .filter(kind=kind)
        .order_by("task_id", "id")
        .values_list("task_id", Cast("answer", TextField()), "annotator_id", "id")
    )
    for task_id, group in groupby(stream_rows(labels), key=lambda row: row[0]):
        group = list(group)
        summary.labels += len(group)
        summary.tasks += 1
        summary.max_label_id = max(summary.max_label_id, group[-1][3])
        yield task_id, [Vote(json.loads(answer), weights.get(annotator, 1.0)) for _, answer, annotator, _ in group]


def _prompt(info: TaskInfo, form: str):
    if form == "conversational":
        return info.messages
    return "\n\n".join(m["content"] for m in info.messages)


def _response(text: str, form: str):
    return [{"role": "assistant", "content": text}] if form == "conversational" else text


def _extras(columns, info: TaskInfo, task_id: int, **values) -> dict:
    available = {"task_id": task_id, "prompt_id": info.prompt_id, "split": info.split, **values}
    return {name: available.get(name) for name in columns}


def _with_infos(project: Project, per_task):
    """(task_id, item, TaskInfo, adjudicated answer or None), a chunk of tasks at a time."""
    for chunk in chunks(per_task):
        low, high = chunk[0][0], chunk[-1][0]
        infos, adjudicated = _task_infos(project, low, high), _adjudications(project, low, high)
        for task_id, item in chunk:
            yield task_id, item, infos[task_id], adjudicated.get(task_id)


def _pair_outcome(tally: PairTally, adjudicated: dict | None, summary: ExportSummary):
    """The pair's outcome; an adjudicated answer wins over the majority."""
    status, outcome = tally_majority(PairTally.of([Vote(adjudicated)]) if adjudicated else tally)
    if outcome is None:
        summary.excluded[status] += 1
    elif adjudicated:
        outcome.votes = tally.votes
    return status, outcome


class RowStream:
    """An iterator of row dicts that can also give the same rows as JSON Lines text,
    encoded without building the dicts (writers.jsonl_chunks asks for that). Either way
    of reading it may be used, once."""

    def __init__(self, dicts, lines):
        self._dicts, self._lines, self._iterator = dicts, lines, None

    def __iter__(self):
        return self

    def __next__(self) -> dict:
        if self._iterator is None:
            self._iterator = self._dicts()
        return next(self._iterator)

    def json_lines(self) -> Iterator[str]:
        """Each row as writers.jsonl_chunks would encode its dict (", " and ": ", no ASCII escaping)."""
        if self._iterator is not None:
            raise RuntimeError("rows already being read")
        self._iterator = iter(())
        return self._lines()

    def close(self) -> None:
        close = getattr(self._iterator, "close", None)
        if close is not None:
            close()


# Exactly what json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) writes when it
# contains no numbers: strings with only the escapes Python writes, the ", " and ": "
# separators, no other whitespace. A prompt's stored JSON text that matches is written
# as it is; anything else (numbers, ASCII-escaped text from SQLite, ...) is parsed and
# written again, so the bytes never depend on which way a row went.
_CANONICAL_JSON = re.compile(
    r'(?:"[^"\\\x00-\x1f]*(?:\\(?:["\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))[^"\\\x00-\x1f]*)*"|[\[\]{}]|, |: |true|false|null)*'
).fullmatch
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_ASSISTANT = '[{"role": "assistant", "content": '


def _messages_json(messages: str) -> str:
    return messages if _CANONICAL_JSON(messages) else _dumps(json.loads(messages))


def _pair_rows_query(project: Project, filters: ExportFilters, weights: dict[int, float], columns=()):
    """One query for every pair task: its vote tally (summed by the database, as in
    _pair_tallies), prompt, the texts of candidates 0 and 1 and any adjudicated answer, in
    task order. Mean strengths and the prompt's external id only when a column shows
    them (NULL otherwise). (sql, params)."""
    from feedback.quality.models import Adjudication

    strengths = "strength" in columns
    tallies = _pair_tally_queryset(project, filters, weights, strengths=strengths, prompt=Max("task__prompt_id"))
    inner, params = tallies.query.sql_with_params()
    q = connection.ops.quote_name
    prompt, link, candidate = (q(m._meta.db_table) for m in (Prompt, TaskCandidate, Candidate))

    candidates = f"{link} tc INNER JOIN {candidate} c ON c.{q('id')} = tc.{q('candidate_id')} WHERE tc.{q('task_id')} = t.{q('task_id')}"
    if connection.vendor == "postgresql":
        # One index range scan of the task's two links, not one lookup per position.
        texts, lateral = "cc.t0, cc.t1", (
            f" CROSS JOIN LATERAL (SELECT MAX(c.{q('text')}) FILTER (WHERE tc.{q('position')} = 0) AS t0, "
            f"MAX(c.{q('text')}) FILTER (WHERE tc.{q('position')} = 1) AS t1 FROM {candidates}) cc"
        )
    else:
        texts, lateral = ", ".join(f"(SELECT c.{q('text')} FROM {candidates} AND tc.{q('position')} = {position})"
                                   for position in (0, 1)), ""
    sql = (
        f"SELECT t.{q('task_id')}, t.{q('a')}, t.{q('b')}, t.{q('tie')}, t.{q('bad')}, t.{q('n')}, "
        f"{'t.' + q('sa') + ', t.' + q('sb') if strengths else 'NULL, NULL'}, t.{q('newest')}, "
        f"{'p.' + q('external_id') if 'prompt_id' in columns else 'NULL'}, CAST(p.{q('messages')} AS TEXT), "
        f"p.{q('split')}, {texts}, "
        f"(SELECT CAST(j.{q('answer')} AS TEXT) FROM {q(Adjudication._meta.db_table)} j WHERE j.{q('task_id')} = t.{q('task_id')}) "
        f"FROM ({inner}) t INNER JOIN {prompt} p ON p.{q('id')} = t.{q('prompt')}{lateral} ORDER BY t.{q('task_id')}"
    )
    return sql, params


def _connection_busy(execute, sql, params, many, context):
    raise RuntimeError("the database connection is streaming export rows: read them all (or close the "
                       "iterator) before running another query")


def _stream_sql(sql: str, params, size: int = ROW_FETCH):
    """Rows of raw SQL, in order and in constant memory. On Postgres one statement whose
    rows arrive in chunks as the server produces them (libpq ≥ 17), so the database
    computes the next rows while these are written; a server-side cursor would make it
    wait for each FETCH (or, outside a transaction, compute every row before the first).
    Until the rows are read the connection is busy: another query on it meanwhile
    raises (psycopg would otherwise wait forever for its own lock)."""
    if connection.vendor == "postgresql":
        import psycopg

        if psycopg.pq.version() >= 170000:
            # A transaction only to scope the setting: JIT-compiling a plan whose estimated
            # cost is its row count times the per-task lookups takes longer than it saves,
            # and happens before the first row.
            with transaction.atomic(), connection.cursor() as cursor, connection.wrap_database_errors:
                cursor.execute("SET LOCAL jit = off")
                with connection.execute_wrapper(_connection_busy):
                    yield from cursor.cursor.stream(sql, params, size=size)
            return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield from rows


def _preference_pairs(project, filters, summary, form, columns, weights, as_json: bool):
    """Rows from pair tasks, as dicts or as JSON text: one streamed query, the majority
    decided inline (aggregate.tally_majority's rule, which it still applies to anything
    but a clear win for A or B), no per-row objects on the common path."""
    min_agreement = filters.min_agreement
    need_agreement = bool(columns) or min_agreement is not None
    agreement = None
    conversational = form == "conversational"
    labels = tasks = newest_id = 0
    rows: dict[str, int] = {}  # added to the summary at the end, as are the counts above
    sql, params = _pair_rows_query(project, filters, weights, columns)
    try:
        for task_id, a, b, tie, bad, n, sa, sb, newest, ext, messages, split, text0, text1, adjudication in _stream_sql(sql, params):
            labels += n
            tasks += 1
            if newest > newest_id:
                newest_id = newest
            if adjudication is None and a > 0 and a > b and a > tie and a > bad:
                chosen, rejected, win, strength, adjudicated = text0, text1, a, sa, False
            elif adjudication is None and b > 0 and b > a and b > tie and b > bad:
                chosen, rejected, win, strength, adjudicated = text1, text0, b, sb, False
            else:
                tally = PairTally(a=a, b=b, tie=tie, both_bad=bad, votes=n, strength_a=sa, strength_b=sb)
                adjudicated = adjudication is not None
                status, outcome = _pair_outcome(tally, json.loads(adjudication) if adjudicated else None, summary)
                if outcome is None:
                    continue
                texts = (text0, text1)
                chosen, rejected, strength = texts[outcome.chosen], texts[outcome.rejected], outcome.strength
                agreement = outcome.agreement
                win = None
            if win is not None and need_agreement:
                # sum() of the positive weights in A, B, tie, both_bad order, as _plurality adds them.
                total = a if a > 0 else 0
                if b > 0:
                    total += b
                if tie > 0:
                    total += tie
                if bad > 0:
                    total += bad
                agreement = win / total
            if min_agreement is not None and agreement < min_agreement and not adjudicated:
                summary.excluded["below_min_agreement"] += 1
                continue
            rows[split] = rows.get(split, 0) + 1
            if as_json:
                if conversational:
                    line = (f'{{"prompt": {_messages_json(messages)}, "chosen": {_ASSISTANT}{encode_basestring(chosen)}}}], '
                            f'"rejected": {_ASSISTANT}{encode_basestring(rejected)}}}]')
                else:
                    prompt = "\n\n".join(m["content"] for m in json.loads(messages))
                    line = (f'{{"prompt": {encode_basestring(prompt)}, "chosen": {encode_basestring(chosen)}, '
                            f'"rejected": {encode_basestring(rejected)}')
                if columns:
                    extras = _dumps(_extras(columns, _Info(ext, split), task_id, agreement=round(agreement, 4),
                                            strength=strength, votes=n, adjudicated=adjudicated))
                    line += ", " + extras[1:-1] if len(extras) > 2 else ""
                yield line + "}"
            else:
                info = TaskInfo(ext, json.loads(messages), split, {0: chosen, 1: rejected}, {})
                yield {
                    "prompt": _prompt(info, form),
                    "chosen": _response(chosen, form),
                    "rejected": _response(rejected, form),
                    **(_extras(columns, info, task_id, agreement=round(agreement, 4), strength=strength,
                               votes=n, adjudicated=adjudicated) if columns else {}),
                }
    finally:
        summary.labels += labels
        summary.tasks += tasks
        summary.max_label_id = max(summary.max_label_id, newest_id)
        summary.rows.update(rows)


@dataclass
class _Info:
    prompt_id: str
    split: str


def _preference_ranked(project, filters, summary, form, columns, weights):
    """Rows from rank tasks: the pairs their rankings imply."""
    for task_id, votes, info, _ in _with_infos(project, _label_votes(project, filters, TaskKind.RANK, weights, summary)):
        outcomes, undecided = rank_pairs(votes)
        summary.excluded["rank_pair_no_majority"] += undecided
        for outcome in outcomes:
            if filters.min_agreement is not None and outcome.agreement < filters.min_agreement:
                summary.excluded["below_min_agreement"] += 1
                continue
            summary.rows[info.split] += 1
            yield {
                "prompt": _prompt(info, form),
                "chosen": _response(info.texts[outcome.chosen], form),
                "rejected": _response(info.texts[outcome.rejected], form),
                **_extras(columns, info, task_id, agreement=round(outcome.agreement, 4), strength=outcome.strength,
                          votes=outcome.votes, adjudicated=False),
            }


def preference_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> RowStream:
    """One row per aggregated pair: pair tasks by majority (an adjudicated answer wins),
    then rank tasks by the pairs their rankings imply. Read as dicts, or (what
    writers.jsonl_chunks does) as JSON Lines text built without them: the same bytes."""

    def dicts():
        weights = _weights(project, filters)
        yield from _preference_pairs(project, filters, summary, form, columns, weights, as_json=False)
        yield from _preference_ranked(project, filters, summary, form, columns, weights)

    def lines():
        weights = _weights(project, filters)
        yield from _preference_pairs(project, filters, summary, form, columns, weights, as_json=True)
        for row in _preference_ranked(project, filters, summary, form, columns, weights):
            yield _dumps(row)

    return RowStream(dicts, lines)


def unpaired_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    """KTO rows: thumbs by majority per candidate; pair tasks whose answer is "both bad"
    give both candidates as negatives."""
    weights = _weights(project, filters)

    def rows_for(task_id, info, outcomes, votes):
        for position, good, agreement in outcomes:
            if filters.min_agreement is not None and agreement < filters.min_agreement:
                summary.excluded["below_min_agreement"] += 1
                continue
            summary.rows[info.split] += 1
            yield {
                "prompt": _prompt(info, form),
                "completion": _response(info.texts[position], form),
                "label": good,
                **_extras(columns, info, task_id, agreement=round(agreement, 4), votes=votes),
            }

    for task_id, tally, info, adjudicated in _with_infos(project, _pair_tallies(project, filters, weights, summary)):
        status, _ = tally_majority(PairTally.of([Vote(adjudicated)]) if adjudicated else tally)
        if status == "both_bad":
            share = 1.0 if adjudicated else tally.both_bad / (tally.a + tally.b + tally.tie + tally.both_bad)
            yield from rows_for(task_id, info, [(0, False, share), (1, False, share)], tally.votes)
    for task_id, votes, info, _ in _with_infos(project, _label_votes(project, filters, TaskKind.THUMBS, weights, summary)):
        yield from rows_for(task_id, info, thumbs_majority(votes, len(info.texts)), len(votes))


def sft_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    """One row per rewrite: the prompt and the annotator's better answer."""
    rewrites = _labels(project, filters).exclude(rewrite="").order_by("task_id", "id").values_list("task_id", "rewrite", "id")
    for chunk in chunks(stream_rows(rewrites)):
        infos = _task_infos(project, chunk[0][0], chunk[-1][0])
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


def raw_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    """Every label with a pseudonymous annotator id and everything needed to aggregate."""
    tiers = dict(Membership.objects.filter(project=project).values_list("user_id", "tier"))
    labels = (
        _labels(project, filters)
        .order_by("task_id", "id")
        .values_list("id", "task_id", "kind", "annotator_id", "codebook__version", "answer", "display_order",
                     "time_spent_ms", "rewrite", "comment", "created_at")
        .iterator(chunk_size=FETCH)
    )
    for chunk in chunks(labels):
        infos = _task_infos(project, chunk[0][1], chunk[-1][1])
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
