"""Rows from per-turn labels (task kind "turns", feedback.labelling.turns): each judged
assistant turn of a conversation is a training example of its own, its prompt the
conversation before it (TRL's conversational form, or its text) and its completion the
turn.

- unpaired (KTO): the turn's thumbs by weighted majority, as a thumbs task's responses
  (an even split gives no row), called by builders.unpaired;
- ratings: each rated turn's points per aspect, per annotator and rubric (turn_points),
  for builders.ratings to aggregate as it does a rated response's.

The `turn_index` column (an extra column, as task_id is, in both datasets) is the turn's
index in the conversation with the candidate appended last, the key of the stored answer."""
from collections import defaultdict
from collections.abc import Iterator

from feedback.exports.builders.rated import RubricRatings
from feedback.exports.builders.tasks import TaskInfo, extras, prompt_of, response, with_infos
from feedback.exports.builders.votes import label_votes
from feedback.exports.filters import ExportFilters
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project, TaskKind
from feedback.labelling.turns import conversation, thumbs_of
from feedback.quality.rated_labels import Rubric, label_points


def turn_history(info: TaskInfo, index: int) -> tuple[list[dict], str]:
    """(the conversation before turn `index`, the turn's text), the task's candidate
    appended as the conversation's last message."""
    messages = conversation(info.messages, info.texts.get(0, ""))
    return messages[:index], messages[index]["content"]


def turn_majorities(votes) -> list[tuple[int, bool, float]]:
    """(turn index, thumbs up?, agreement: the winning side's weighted share) per judged
    turn whose votes are not evenly split, in conversation order."""
    up, down = defaultdict(float), defaultdict(float)
    for vote in votes:
        for index, thumb in thumbs_of(vote.answer).items():
            (up if thumb == "up" else down)[index] += vote.weight
    outcomes = []
    for index in sorted(up.keys() | down.keys()):
        if up[index] == down[index]:
            continue
        outcomes.append((index, up[index] > down[index], max(up[index], down[index]) / (up[index] + down[index])))
    return outcomes


def turn_unpaired_rows(project: Project, filters: ExportFilters, summary: ExportSummary, weights: dict, *,
                       form: str, columns=()) -> Iterator[dict]:
    for task_id, votes, info, _ in with_infos(project, label_votes(project, filters, TaskKind.TURNS, weights, summary)):
        for index, good, agreement in turn_majorities(votes):
            if filters.min_agreement is not None and agreement < filters.min_agreement:
                summary.excluded["below_min_agreement"] += 1
                continue
            history, text = turn_history(info, index)
            summary.rows[info.split] += 1
            yield {
                "prompt": _prompt(history, form),
                "completion": response(text, form),
                "label": good,
                **extras(columns, info, task_id, agreement=round(agreement, 4), votes=len(votes), turn_index=index),
            }


def turn_points(project: Project, filters: ExportFilters, summary: ExportSummary, rubrics: dict[int, Rubric], *,
                form: str) -> Iterator[dict]:
    """Per judged turn that was rated, in task and turn order: {"task_id", "prompt_id",
    "turn_index", "prompt", "response", "split", "producer", "by_rubric": {rubric
    signature: RubricRatings}}, for the ratings dataset to turn into its columns (mean,
    count, spread) as it does a rated response's. Only labels given under a rubric
    (`rubrics`: codebook id → Rubric) that rates turns are read, each against its own
    version's rubric; the producer is the candidate's on the last turn, none on the turns
    the imported conversation already held."""
    codebooks = [codebook for codebook, rubric in rubrics.items() if rubric.for_kind(TaskKind.TURNS)]
    votes_by_task = label_votes(project, filters, TaskKind.TURNS, {}, summary, codebooks=codebooks)
    for task_id, votes, info, _ in with_infos(project, votes_by_task):
        by_turn = defaultdict(dict)  # turn index → rubric signature → RubricRatings
        for vote in votes:
            rubric = rubrics[vote.codebook_id]
            for index, points in label_points({"ratings": _turn_ratings(vote.answer)}, rubric.for_kind(TaskKind.TURNS)).items():
                ratings = by_turn[index].get(rubric.signature) or by_turn[index].setdefault(rubric.signature, RubricRatings(rubric))
                ratings.versions.add(rubric.version)
                for name, point in points.items():
                    ratings.points[name][vote.annotator].append(point)
        last = len(info.messages)  # the candidate's index: appended after the prompt's messages
        for index in sorted(i for i in by_turn if i <= last):
            history, text = turn_history(info, index)
            yield {"task_id": task_id, "prompt_id": info.prompt_id, "turn_index": index, "prompt": _prompt(history, form),
                   "response": response(text, form), "split": info.split,
                   "producer": info.producers.get(0) if index == last else None, "by_rubric": by_turn[index]}


def _turn_ratings(answer) -> dict:
    """A turns answer's ratings in the rated labels' shape, turn index → {aspect: point},
    so quality.rated_labels.label_points reads them (keeping only points on the scale)."""
    turns = answer.get("turns") if isinstance(answer, dict) else None
    if not isinstance(turns, dict):
        return {}
    return {key: turn.get("ratings") for key, turn in turns.items() if isinstance(turn, dict)}


def _prompt(history: list[dict], form: str):
    return prompt_of(TaskInfo(prompt_id="", messages=history, split="", texts={}, producers={}), form)
