"""Preference rows (prompt, chosen, rejected), for DPO and reward models: pair tasks by
majority (an adjudicated answer wins), then rank tasks by the pairs their rankings imply;
with source=ratings or both, pairs derived from rubric ratings (builders/rating_pairs.py)
instead or after them, each row then saying where it came from (source, score_margin,
agreement).

Pair tasks are the bulk of a large export, so they take the fast road: one query
streams each pair task's vote tally (summed by the database) with its prompt and the
texts of its two candidates; the majority is decided row by row by
aggregate.pair_plurality, the one rule, on those sums; and rows written as JSON Lines
are formatted straight from the columns, the prompt's stored JSON text reused where it
is already exactly what json.dumps would write (json_text)."""
import json
from dataclasses import dataclass
from json.encoder import encode_basestring

from django.db import connection
from django.db.models import Max

from feedback.exports.aggregate import PairTally, decided_majority, pair_agreement, pair_plurality, rank_pairs
from feedback.exports.builders.rating_pairs import rating_pair_rows
from feedback.exports.builders.tasks import TaskInfo, extras, prompt_of, response, with_infos
from feedback.exports.builders.votes import label_votes, pair_tally_queryset, weights_for
from feedback.exports.filters import ExportFilters
from feedback.exports.json_text import ASSISTANT, dumps, messages_json
from feedback.exports.row_stream import RowStream
from feedback.exports.streaming import stream_sql
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Candidate, Project, Prompt, TaskCandidate, TaskKind
from feedback.quality.models import Adjudication

# What every row says when pairs come from ratings too, so a mixed file tells them apart.
SOURCE_COLUMNS = ("source", "score_margin", "agreement")


def _pair_rows_query(project: Project, filters: ExportFilters, weights: dict[int, float], columns=()):
    """One query for every pair task: its vote tally (summed by the database, as in
    votes.pair_tallies), prompt, the texts of candidates 0 and 1 and any adjudicated
    answer, in task order. Mean strengths and the prompt's external id only when a column
    shows them (NULL otherwise). (sql, params)."""
    strengths = "strength" in columns
    tallies = pair_tally_queryset(project, filters, weights, strengths=strengths, prompt=Max("task__prompt_id"))
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


@dataclass
class _Info:
    """What extras() reads of a task, on the fast road (no TaskInfo built)."""

    prompt_id: str
    split: str


def _preference_pairs(project, filters, summary, form, columns, weights, as_json: bool):
    """Rows from pair tasks, as dicts or as JSON text: one streamed query, the majority
    decided inline by aggregate.pair_plurality, no per-row objects on the common path."""
    min_agreement = filters.min_agreement
    need_agreement = bool(columns) or min_agreement is not None
    agreement = None
    conversational = form == "conversational"
    labels = tasks = newest_id = 0
    rows: dict[str, int] = {}  # added to the summary at the end, as are the counts above
    sql, params = _pair_rows_query(project, filters, weights, columns)
    try:
        for task_id, a, b, tie, bad, n, sa, sb, newest, ext, messages, split, text0, text1, adjudication in stream_sql(sql, params):
            labels += n
            tasks += 1
            if newest > newest_id:
                newest_id = newest
            if adjudication is None:
                adjudicated = False
                choice = pair_plurality(a, b, tie, bad)
                if choice == "A":
                    chosen, rejected, strength, win = text0, text1, sa, a
                elif choice == "B":
                    chosen, rejected, strength, win = text1, text0, sb, b
                else:
                    summary.excluded[choice or "no_majority"] += 1
                    continue
                if need_agreement:
                    agreement = pair_agreement(win, a, b, tie, bad)
            else:
                adjudicated = True
                tally = PairTally(a=a, b=b, tie=tie, both_bad=bad, votes=n, strength_a=sa, strength_b=sb)
                status, outcome = decided_majority(tally, json.loads(adjudication))
                if outcome is None:
                    summary.excluded[status] += 1
                    continue
                texts = (text0, text1)
                chosen, rejected, strength = texts[outcome.chosen], texts[outcome.rejected], outcome.strength
                agreement = outcome.agreement
            if min_agreement is not None and agreement < min_agreement and not adjudicated:
                summary.excluded["below_min_agreement"] += 1
                continue
            rows[split] = rows.get(split, 0) + 1
            if as_json:
                if conversational:
                    line = (f'{{"prompt": {messages_json(messages)}, "chosen": {ASSISTANT}{encode_basestring(chosen)}}}], '
                            f'"rejected": {ASSISTANT}{encode_basestring(rejected)}}}]')
                else:
                    prompt = "\n\n".join(m["content"] for m in json.loads(messages))
                    line = (f'{{"prompt": {encode_basestring(prompt)}, "chosen": {encode_basestring(chosen)}, '
                            f'"rejected": {encode_basestring(rejected)}')
                if columns:
                    more = dumps(extras(columns, _Info(ext, split), task_id, agreement=round(agreement, 4),
                                        strength=strength, votes=n, adjudicated=adjudicated, source="choice",
                                        score_margin=None))
                    line += ", " + more[1:-1] if len(more) > 2 else ""
                yield line + "}"
            else:
                info = TaskInfo(ext, json.loads(messages), split, {0: chosen, 1: rejected}, {})
                yield {
                    "prompt": prompt_of(info, form),
                    "chosen": response(chosen, form),
                    "rejected": response(rejected, form),
                    **(extras(columns, info, task_id, agreement=round(agreement, 4), strength=strength,
                              votes=n, adjudicated=adjudicated, source="choice", score_margin=None) if columns else {}),
                }
    finally:
        summary.labels += labels
        summary.tasks += tasks
        summary.max_label_id = max(summary.max_label_id, newest_id)
        summary.rows.update(rows)


def _preference_ranked(project, filters, summary, form, columns, weights):
    """Rows from rank tasks: the pairs their rankings imply."""
    for task_id, votes, info, _ in with_infos(project, label_votes(project, filters, TaskKind.RANK, weights, summary)):
        outcomes, undecided = rank_pairs(votes)
        summary.excluded["rank_pair_no_majority"] += undecided
        for outcome in outcomes:
            if filters.min_agreement is not None and outcome.agreement < filters.min_agreement:
                summary.excluded["below_min_agreement"] += 1
                continue
            summary.rows[info.split] += 1
            yield {
                "prompt": prompt_of(info, form),
                "chosen": response(info.texts[outcome.chosen], form),
                "rejected": response(info.texts[outcome.rejected], form),
                **extras(columns, info, task_id, agreement=round(outcome.agreement, 4), strength=outcome.strength,
                         votes=outcome.votes, adjudicated=False, source="rank", score_margin=None),
            }


def preference_columns(filters: ExportFilters, columns) -> tuple:
    """The extra columns the rows carry: those asked for, and with pairs from ratings
    too, SOURCE_COLUMNS."""
    columns = tuple(columns)
    if filters.source == "choices":
        return columns
    return columns + tuple(c for c in SOURCE_COLUMNS if c not in columns)


def preference_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> RowStream:
    """One row per aggregated pair: pair tasks by majority (an adjudicated answer wins),
    then rank tasks by the pairs their rankings imply, then (source=ratings or both) the
    pairs ratings imply. Read as dicts, or (what writers.jsonl_chunks does) as JSON Lines
    text built without them: the same bytes."""
    columns = preference_columns(filters, columns)
    from_choices, from_ratings = filters.source != "ratings", filters.source != "choices"
    # Pair and rank labels that carry ratings are read by both roads under "both": count them once.
    counted = ("rate",) if from_choices else None

    def rated(weights):
        if from_ratings:
            yield from rating_pair_rows(project, filters, summary, form=form, columns=columns, weights=weights,
                                        count_kinds=counted)

    def dicts():
        weights = weights_for(project, filters)
        if from_choices:
            yield from _preference_pairs(project, filters, summary, form, columns, weights, as_json=False)
            yield from _preference_ranked(project, filters, summary, form, columns, weights)
        yield from rated(weights)

    def lines():
        weights = weights_for(project, filters)
        if from_choices:
            yield from _preference_pairs(project, filters, summary, form, columns, weights, as_json=True)
            for row in _preference_ranked(project, filters, summary, form, columns, weights):
                yield dumps(row)
        for row in rated(weights):
            yield dumps(row)

    return RowStream(dicts, lines, columns=columns)
