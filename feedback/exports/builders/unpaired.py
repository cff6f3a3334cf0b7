"""Unpaired rows (prompt, completion, label), for KTO: thumbs by majority per
candidate; pair tasks whose answer is "both bad" give both candidates as negatives;
per-turn tasks give each judged assistant turn by majority (builders.turn_rows)."""
from collections.abc import Iterator

from feedback.exports.aggregate import decided_majority, pair_agreement, thumbs_majority
from feedback.exports.builders.tasks import extras, prompt_of, response, with_infos
from feedback.exports.builders.turn_rows import turn_unpaired_rows
from feedback.exports.builders.votes import label_votes, pair_tallies, weights_for
from feedback.exports.filters import ExportFilters
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project, TaskKind


def unpaired_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    weights = weights_for(project, filters)

    def rows_for(task_id, info, outcomes, votes):
        for position, good, agreement in outcomes:
            if filters.min_agreement is not None and agreement < filters.min_agreement:
                summary.excluded["below_min_agreement"] += 1
                continue
            summary.rows[info.split] += 1
            yield {
                "prompt": prompt_of(info, form),
                "completion": response(info.texts[position], form),
                "label": good,
                **extras(columns, info, task_id, agreement=round(agreement, 4), votes=votes),
            }

    for task_id, tally, info, adjudicated in with_infos(project, pair_tallies(project, filters, weights, summary)):
        status, _ = decided_majority(tally, adjudicated)
        if status == "both_bad":
            share = 1.0 if adjudicated else pair_agreement(tally.both_bad, tally.a, tally.b, tally.tie, tally.both_bad)
            yield from rows_for(task_id, info, [(0, False, share), (1, False, share)], tally.votes)
    for task_id, votes, info, _ in with_infos(project, label_votes(project, filters, TaskKind.THUMBS, weights, summary)):
        yield from rows_for(task_id, info, thumbs_majority(votes, len(info.texts)), len(votes))
    yield from turn_unpaired_rows(project, filters, summary, weights, form=form, columns=columns)
