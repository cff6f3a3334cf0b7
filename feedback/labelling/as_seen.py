"""A label as its annotator saw it.

Answers are stored against canonical positions (see Label): a pick of the response shown
second may be stored as "A", a ranking as [2, 0, 1]. People read labels in the numbers
the page showed ("Response 2"), so every page that shows a label to a person turns it
back with answer_as_seen, and shows the canonical form beside it for reviewers, who
compare labels given under different display orders.
"""
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from feedback.labelling.models import PairChoice, TaskKind
from feedback.labelling.naming import STRENGTH_WORDS, canonical_text, points_text
from feedback.labelling.rubric import Aspect
from feedback.labelling.turns import turn_name

@dataclass(frozen=True)
class SeenResponse:
    number: int  # as shown: "Response <number>", 1 the first shown
    position: int  # the canonical position (pair: 0 is A, 1 is B)
    text: str  # the response's text ("" when not given)
    verdict: str  # what the annotator gave it: "Better", "Good", "Bad", "Rank 2"; "" for nothing
    tone: str  # "good", "bad" or "": for the page's colours
    ratings: str = ""  # its points on the rubric: "helpfulness 4/5, correctness 3/5"; "" for none

    @property
    def title(self) -> str:
        return f"Response {self.number}"


@dataclass(frozen=True)
class AnswerAsSeen:
    summary: str  # one line in the numbers shown: "Response 2, clearly better"
    canonical: str  # the stored form, for reviewers (naming.canonical_text): "Response 2 (clearly better)"
    responses: tuple[SeenResponse, ...]  # in the order shown
    ranked: tuple[SeenResponse, ...]  # rank: best first; other kinds: as shown


def answer_as_seen(kind: str, answer, display_order: Sequence[int] | None,
                   texts: Mapping[int, str] | None = None, aspects: Sequence[Aspect] = ()) -> AnswerAsSeen:
    """The answer in the numbers the annotator saw. `display_order`: the canonical
    positions in the order shown (Label.display_order); `texts`: position → the
    response's text, when the page shows it; `aspects`: the rubric of the label's
    codebook version, for its ratings' scales. An answer that does not fit its kind (an
    old row, a hand-made one) reads as its JSON, never as an error."""
    texts = texts or {}
    order = _shown_order(display_order, texts, answer)
    try:
        verdicts, summary, ranking = _read(kind, answer, order) if kind != TaskKind.RATE else ({}, "", list(order))
        rated = _ratings(answer, order, aspects)
        if rated:
            shown = " · ".join(f"Response {i + 1}: {rated[p]}" for i, p in enumerate(order) if p in rated)
            summary = f"{summary}; {shown}" if summary else shown
        elif kind == TaskKind.RATE:
            raise ValueError(answer)
    except (KeyError, TypeError, ValueError, AttributeError):
        verdicts, summary, ranking, rated = {}, json.dumps(answer, sort_keys=True), list(order), {}
    responses = tuple(
        SeenResponse(number=i + 1, position=position, text=texts.get(position, ""),
                     verdict=verdicts.get(position, ("", ""))[0], tone=verdicts.get(position, ("", ""))[1],
                     ratings=rated.get(position, ""))
        for i, position in enumerate(order)
    )
    by_position = {response.position: response for response in responses}
    ranked = tuple(by_position[position] for position in ranking if position in by_position)
    return AnswerAsSeen(summary=summary, canonical=canonical_text(answer, aspects), responses=responses, ranked=ranked)


def _ratings(answer, order: list[int], aspects: Sequence[Aspect]) -> dict[int, str]:
    """Position → its ratings in words, for the positions the answer rates."""
    ratings = answer.get("ratings") if isinstance(answer, dict) else None
    if not isinstance(ratings, dict):
        return {}
    return {int(key): points_text(points, aspects) for key, points in ratings.items() if int(key) in order}


def _shown_order(display_order, texts: Mapping[int, str], answer) -> list[int]:
    """The positions as shown; the canonical order when the stored one is unusable."""
    order = list(display_order or [])
    count = len(texts) or len(order) or _count_in(answer)
    if all(type(position) is int for position in order) and sorted(order) == list(range(count)):
        return order
    return list(range(count))


def _count_in(answer) -> int:
    if not isinstance(answer, dict):
        return 0
    if isinstance(answer.get("order"), list):
        return len(answer["order"])
    if isinstance(answer.get("thumbs"), dict):
        return len(answer["thumbs"])
    if "turns" in answer:
        return 1  # a turns task's one candidate
    if isinstance(answer.get("ratings"), dict):
        return len(answer["ratings"])
    return 2 if "choice" in answer else 0


def _read(kind: str, answer: dict, order: list[int]) -> tuple[dict, str, list[int]]:
    """(position → (verdict, tone), summary, positions best first)."""
    number = {position: i + 1 for i, position in enumerate(order)}
    if kind == TaskKind.PAIR:
        choice = answer["choice"]
        if choice in (PairChoice.A, PairChoice.B):
            picked = "AB".index(choice)
            words = STRENGTH_WORDS.get(answer.get("strength"))
            summary = f"Response {number[picked]}, {words} better" if words else f"Response {number[picked]} is better"
            return {picked: ("Better", "good")}, summary, [picked] + [p for p in order if p != picked]
        if choice == PairChoice.TIE:
            return {p: ("Tie", "") for p in order}, "Tie", list(order)
        if choice == PairChoice.BOTH_BAD:
            return {p: ("Bad", "bad") for p in order}, "Both bad", list(order)
        raise ValueError(choice)
    if kind == TaskKind.RANK:
        ranking = [int(p) for p in answer["order"]]
        verdicts = {position: (f"Rank {rank}", "good" if rank == 1 else "") for rank, position in enumerate(ranking, 1)}
        return verdicts, " > ".join(f"Response {number[p]}" for p in ranking), ranking
    if kind == TaskKind.THUMBS:
        thumbs = {int(position): value for position, value in answer["thumbs"].items()}
        verdicts = {p: ("Good", "good") if thumbs[p] == "up" else ("Bad", "bad") for p in order}
        summary = " · ".join(f"Response {number[p]} {'good' if thumbs[p] == 'up' else 'bad'}" for p in order)
        return verdicts, summary, list(order)
    if kind == TaskKind.TURNS:
        return _read_turns(answer)
    raise ValueError(kind)


def _read_turns(answer: dict) -> tuple[dict, str, list[int]]:
    """Each judged turn in conversation order ("Turn 2 ✓, Turn 4 ✗ (helpfulness 2)"); the
    one response, the last turn, has that turn's verdict."""
    turns = answer["turns"]
    thumbs = {int(index): turn["thumb"] for index, turn in turns.items()}
    if not thumbs:
        raise ValueError("no turns")
    summary = ", ".join(turn_verdict(index, turns[str(index)]) for index in sorted(thumbs))
    last = thumbs[max(thumbs)]
    return {0: ("Good", "good") if last == "up" else ("Bad", "bad")}, summary, [0]


def turn_verdict(index: int, turn: dict) -> str:
    """One judged turn in a few words: "Turn 2 ✓", "Turn 4 ✗ (helpfulness 2, correctness 1)"."""
    text = f"{turn_name(index)} {'✓' if turn['thumb'] == 'up' else '✗'}"
    points = turn.get("ratings") or {}
    return f"{text} ({', '.join(f'{name} {point}' for name, point in points.items())})" if points else text
