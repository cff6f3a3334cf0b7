"""Ratings rows, for reward-model regression (HelpSteer's shape): one row per prompt,
response and rubric, with each aspect's mean across annotators, how many rated it and
their spread, and the weighted overall score.

  {"prompt", "completion", "<aspect>", "<aspect>_count", "<aspect>_std", …, "score",
   "codebook_versions", "producer", "split"}

A turns task's rated turns are rows too, after the responses' (builders.turn_rows): the
prompt the conversation before the turn, the completion the turn, its columns made by
the same code from its annotators' points; the `turn_index` extra column tells them
apart (null on a response's row), and a turn from the imported history has no producer.

Rubrics: the codebook versions whose rubrics are the same (aspects, scales, weights) pool
their ratings into one row; a response rated under two different rubrics gets a row for
each, since a 4 on a 1–5 scale and a 4 on a 1–7 scale are not the same rating. Every row
carries the union of the export's aspects, null where its rubric has no such aspect, so
every row has the same columns (what `datasets` and Parquet need); an aspect's column
holds points on the scale of the row's rubric. An aspect whose name is taken by a column
above (or by another aspect's _count or _std) is written as aspect_<name>.

means and spreads are weighted by reliability when the export asks; the spread is the
population standard deviation (0 for one annotator: read it with the count); the score
is labelling.rubric.overall_score of the row's aspect means, each placed on its own scale,
in [0, 1]. min_agreement does not apply: a rating has no winning side.
"""
from feedback.exports.builders.rated import RubricRatings, mean_and_spread, rated_prompts
from feedback.exports.builders.tasks import prompt_of, response
from feedback.exports.builders.turn_rows import turn_points
from feedback.exports.builders.votes import weights_for
from feedback.exports.filters import ExportFilters
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project, TaskKind
from feedback.quality.rated_labels import RATED_KINDS, Rubric, project_rubrics, score_of

BASE_COLUMNS = ("prompt", "completion", "score", "codebook_versions", "producer", "split")
RATINGS_EXTRA_COLUMNS = ("prompt_id", "split", "votes", "turn_index")  # the extra columns a ratings row can have
ROW_KINDS = (*RATED_KINDS, TaskKind.TURNS)  # the kinds whose ratings become rows (turns: one row per rated turn)


def aspect_columns(rubrics: dict[int, Rubric]) -> dict[str, str]:
    """aspect name → its column name, for every aspect a rated kind carries, in version
    and rubric order."""
    taken, columns = set(BASE_COLUMNS) | set(RATINGS_EXTRA_COLUMNS), {}
    for rubric in sorted(rubrics.values(), key=lambda r: r.version):
        for aspect in rubric.aspects:
            if aspect.name in columns or not set(aspect.kinds) & set(ROW_KINDS):
                continue
            name = aspect.name
            while {name, f"{name}_count", f"{name}_std"} & taken:
                name = f"aspect_{name}"
            taken |= {name, f"{name}_count", f"{name}_std"}
            columns[aspect.name] = name
    return columns


class RatingRows:
    """The rows, and (for the Parquet writer) the aspect columns they carry: known before
    the first row, from the codebook versions."""

    def __init__(self, project, filters, summary, form, columns):
        self.project, self.filters, self.summary, self.form, self.extra = project, filters, summary, form, columns
        self.rubrics = project_rubrics(project, filters.codebook_versions)
        self.aspects = aspect_columns(self.rubrics)
        self._rows = None

    @property
    def fields(self) -> list[tuple[str, str]]:
        """(column, Arrow type name) of the aspect columns, in row order."""
        return [(f"{column}{suffix}", kind) for column in self.aspects.values()
                for suffix, kind in (("", "float64"), ("_count", "int32"), ("_std", "float64"))]

    def __iter__(self):
        return self

    def __next__(self) -> dict:
        if self._rows is None:
            self._rows = self._build()
        return next(self._rows)

    def _build(self):
        weights = weights_for(self.project, self.filters)
        for prompt in rated_prompts(self.project, self.filters, self.summary, rubrics=self.rubrics):
            for candidate in prompt.responses.values():
                for ratings in candidate.by_rubric.values():
                    yield self._row(prompt_of(prompt, self.form), response(candidate.text, self.form), ratings, weights,
                                    producer=candidate.producer, split=prompt.split, prompt_id=prompt.prompt_id)
        for turn in turn_points(self.project, self.filters, self.summary, self.rubrics, form=self.form):
            for ratings in turn["by_rubric"].values():
                yield self._row(turn["prompt"], turn["response"], ratings, weights, producer=turn["producer"],
                                split=turn["split"], prompt_id=turn["prompt_id"], turn_index=turn["turn_index"])

    def _row(self, prompt, completion, ratings: RubricRatings, weights, *, producer, split, prompt_id,
             turn_index=None) -> dict:
        row = {"prompt": prompt, "completion": completion}
        means, votes = {}, set()
        for name, column in self.aspects.items():
            given = ratings.points.get(name)
            if given:
                mean, spread, count = mean_and_spread(given, weights)
                means[name] = mean
                votes |= set(given)
                row.update({column: round(mean, 4), f"{column}_count": count, f"{column}_std": round(spread, 4)})
            else:
                row.update({column: None, f"{column}_count": None, f"{column}_std": None})
        score = score_of(means, list(ratings.rubric.aspects))
        row.update({"score": None if score is None else round(score, 4),
                    "codebook_versions": sorted(ratings.versions), "producer": producer, "split": split})
        more = {"prompt_id": prompt_id, "split": split, "votes": len(votes), "turn_index": turn_index}
        row.update({name: more[name] for name in self.extra})
        self.summary.rows[split] += 1
        return row


def ratings_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> RatingRows:
    return RatingRows(project, filters, summary, form, tuple(columns))
