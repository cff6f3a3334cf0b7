"""Rows from per-turn labels (task kind "turns", feedback.labelling.turns): each judged
assistant turn of a conversation is a training example of its own, its prompt the
conversation before it (TRL's conversational form, or its text) and its completion the
turn.

- unpaired (KTO): the turn's thumbs by weighted majority, as a thumbs task's responses
  (an even split gives no row), called by builders.unpaired;
- ratings: each turn's points per aspect as given (turn_points), for the ratings
  dataset to aggregate as it does a rated response's.

The `turn_index` column (an extra column, as task_id is) is the turn's index in the
conversation with the candidate appended last, the key of the stored answer."""
from collections import defaultdict
from collections.abc import Iterator

from feedback.exports.builders.tasks import TaskInfo, extras, prompt_of, response, with_infos
from feedback.exports.builders.votes import label_votes
from feedback.exports.filters import ExportFilters
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Project, TaskKind
from feedback.labelling.turns import conversation, thumbs_of


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


def turn_points(project: Project, filters: ExportFilters, summary: ExportSummary, weights: dict, *,
                form: str) -> Iterator[dict]:
    """Per judged turn that was rated: {"task_id", "turn_index", "prompt", "response",
    "split", "points": {aspect: [(point, weight), ...]}}, for the ratings dataset to
    turn into its columns (mean, count, spread) as it does a rated response's."""
    for task_id, votes, info, _ in with_infos(project, label_votes(project, filters, TaskKind.TURNS, weights, summary)):
        points = defaultdict(lambda: defaultdict(list))
        for vote in votes:
            for index, turn in (vote.answer.get("turns") or {}).items():
                for aspect, point in (turn.get("ratings") or {}).items():
                    points[int(index)][aspect].append((point, vote.weight))
        for index in sorted(points):
            history, text = turn_history(info, index)
            yield {"task_id": task_id, "turn_index": index, "prompt": _prompt(history, form),
                   "response": response(text, form), "split": info.split,
                   "points": {aspect: given for aspect, given in points[index].items()}}


def _prompt(history: list[dict], form: str):
    return prompt_of(TaskInfo(prompt_id="", messages=history, split="", texts={}, producers={}), form)
