"""Parsing the labelling form (the same fields with or without JavaScript)."""
import re
import time
import uuid
from collections.abc import Sequence

from django import forms

from feedback import json_input
from feedback.bounds import INT_MAX
from feedback.labelling.errors import InvalidAnswer
from feedback.labelling.models import TaskKind
from feedback.labelling.rubric import Aspect, aspects_for, position_keys, rating_field
from feedback.labelling.services.labels import MAX_TIME_SPENT_MS, Submission


def answer_from_post(kind: str, n_candidates: int, post, aspects: Sequence[Aspect] = ()) -> dict:
    """Form fields → the answer in canonical positions.

    pair: choice=A|B|tie|both_bad (+ strength); thumbs: thumb_<pos>=up|down;
    rank: rank_<pos>=1..n (the rank given to the candidate at canonical position pos);
    rate, and pair or rank where the rubric (`aspects`: the codebook version's) rates
    them: rate_<pos>_<aspect>=a point (rubric.rating_field);
    turns: turn_<index>=up|down and turn_<index>_<aspect>=point (see turn_answer_from_post)."""
    if kind == TaskKind.TURNS:
        return turn_answer_from_post(post)
    rated = aspects_for(aspects, kind)
    if kind == TaskKind.RATE:
        return {"ratings": _ratings_from_post(rated, n_candidates, post)}
    answer = _unrated_from_post(kind, n_candidates, post)
    if rated and kind in (TaskKind.PAIR, TaskKind.RANK):
        answer["ratings"] = _ratings_from_post(rated, n_candidates, post)
    return answer


def _unrated_from_post(kind: str, n_candidates: int, post) -> dict:
    if kind == TaskKind.PAIR:
        return {"choice": post.get("choice"), "strength": post.get("strength") or None}
    if kind == TaskKind.THUMBS:
        thumbs = {str(pos): post.get(f"thumb_{pos}") for pos in range(n_candidates)}
        missing = [pos for pos, value in thumbs.items() if not value]
        if missing:
            raise InvalidAnswer("Give every response a thumbs up or down.")
        return {"thumbs": thumbs}
    if kind == TaskKind.RANK:
        # The page's rank selects start blank: a rank is given, never pre-filled.
        given = {pos: post.get(f"rank_{pos}", "") for pos in range(n_candidates)}
        if not all(given.values()):
            raise InvalidAnswer("Give every response a rank (1 is the best) before submitting.")
        try:
            ranks = {pos: int(value) for pos, value in given.items()}
        except ValueError:
            raise InvalidAnswer(f"A rank is a number from 1 to {n_candidates}.") from None
        if sorted(ranks.values()) != list(range(1, n_candidates + 1)):
            raise InvalidAnswer(f"Use each rank from 1 to {n_candidates} exactly once.")
        return {"order": sorted(ranks, key=ranks.get)}
    raise InvalidAnswer("Unknown task kind.")


TURN_FIELD = re.compile(r"turn_(0|[1-9][0-9]{0,3})(?:_([a-z][a-z0-9_]{0,39}))?")


def turn_answer_from_post(post) -> dict:
    """The turns fields as posted, for validate_answer to check against the conversation
    and the rubric (which turns and aspects there are is its to say, with its messages):
    each turn given anything gets an entry; a rating is a whole number, or what was sent."""
    turns: dict[str, dict] = {}
    for name in post:
        match = TURN_FIELD.fullmatch(name)
        value = post.get(name)
        if not match or not value:
            continue
        turn = turns.setdefault(match[1], {})
        if match[2] is None:
            turn["thumb"] = value
        else:
            turn.setdefault("ratings", {})[match[2]] = int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else value
    return {"turns": {key: turns[key] for key in sorted(turns, key=int)}}


def _ratings_from_post(aspects: list[Aspect], n_candidates: int, post) -> dict:
    """The rating fields as ratings; the scale itself is validate_answer's check."""
    if not aspects:
        return {}  # nothing to rate on: validate_answer says why
    ratings = {}
    for key in position_keys(n_candidates):
        ratings[key] = {}
        for aspect in aspects:
            value = (post.get(rating_field(key, aspect)) or "").strip()
            if not value:
                raise InvalidAnswer(f"Rate every response on every aspect ({', '.join(a.name for a in aspects)}) "
                                    "before submitting.")
            if not _is_point(value):
                raise InvalidAnswer(f"{aspect.name} is a whole number from {aspect.low} to {aspect.high}.")
            ratings[key][aspect.name] = int(value)
    return ratings


def _is_point(text: str) -> bool:
    """A point as a form sends it: a few ASCII digits ("²" is a digit to str.isdigit, and
    int() of thousands of digits raises)."""
    return text.isascii() and text.isdigit() and len(text) <= 3


# The field that holds what was given each response, by kind (answer_from_post reads them).
RESPONSE_FIELDS = {TaskKind.THUMBS: "thumb_{}", TaskKind.RANK: "rank_{}"}


def post_from_answer(kind: str, answer: dict | None) -> dict:
    """A stored (canonical) answer as the form fields answer_from_post reads back: a page
    that shows a recorded answer fills in its controls with it. Nothing for no answer."""
    if not isinstance(answer, dict):
        return {}
    fields = {}
    if kind == TaskKind.PAIR:
        fields = {"choice": answer.get("choice") or "", "strength": str(answer.get("strength") or "")}
    elif kind == TaskKind.THUMBS:
        fields = {f"thumb_{position}": thumb for position, thumb in (answer.get("thumbs") or {}).items()}
    elif kind == TaskKind.RANK:
        fields = {f"rank_{position}": str(rank) for rank, position in enumerate(answer.get("order") or [], 1)}
    elif kind == TaskKind.TURNS:
        return turn_post_from_answer(answer)
    ratings = answer.get("ratings")
    if isinstance(ratings, dict):
        fields.update({f"rate_{key}_{name}": str(point) for key, points in ratings.items()
                       if isinstance(points, dict) for name, point in points.items()})
    return fields


def turn_post_from_answer(answer: dict) -> dict:
    fields = {}
    for index, turn in (answer.get("turns") or {}).items():
        if not isinstance(turn, dict):
            continue
        fields[f"turn_{index}"] = turn.get("thumb") or ""
        for aspect, point in (turn.get("ratings") or {}).items():
            fields[f"turn_{index}_{aspect}"] = str(point)
    return fields


def rating_rows(aspects: Sequence[Aspect], key, post) -> list[dict]:
    """One response's rating controls (templates/labelling/partials/rating_rows.html):
    per aspect its field, the point given (from `post`, "" for none) and each point with
    what it means."""
    rows = []
    for aspect in aspects:
        field = rating_field(key, aspect)
        posted = str(post.get(field, "") or "")
        rows.append({"aspect": aspect, "field": field, "posted": posted,
                     "posted_text": aspect.describe(int(posted)) if _is_point(posted) else "",
                     "low_text": aspect.describe(aspect.low), "high_text": aspect.describe(aspect.high),
                     "points": [{"value": point, "text": aspect.describe(point)} for point in aspect.scale]})
    return rows


def shown_responses(kind: str, candidates: list[dict], post, aspects: Sequence[Aspect] = ()) -> list[dict]:
    """The responses in the order shown (`candidates`: each with its position, letter and
    text), numbered from 1, with what `post` gave each ("posted": its thumb, or its rank;
    "ratings": its rating rows where the rubric, `aspects`, rates the kind), for the
    answer controls (templates/labelling/partials/answer_controls.html)."""
    field = RESPONSE_FIELDS.get(kind)
    rated = aspects_for(aspects, kind) if kind in (TaskKind.RATE, TaskKind.PAIR, TaskKind.RANK) else []
    return [dict(candidate, number=i + 1, posted=post.get(field.format(candidate["position"]), "") if field else "",
                 ratings=rating_rows(rated, candidate["position"], post))
            for i, candidate in enumerate(candidates)]


def time_spent_from_post(post) -> int:
    """The browser measures time on the task when it can; without JavaScript the page's
    render time (a hidden field) gives the elapsed time."""
    try:
        measured = int(post.get("time_spent_ms") or 0)
    except ValueError:
        measured = 0
    if measured > 0:
        return min(measured, MAX_TIME_SPENT_MS)
    try:
        rendered_at_ms = int(post.get("rendered_at_ms") or 0)
    except ValueError:
        rendered_at_ms = 0
    elapsed = int(time.time() * 1000) - rendered_at_ms if rendered_at_ms else 0
    return max(0, min(elapsed, MAX_TIME_SPENT_MS))


def submission_from_post(*, kind: str, n_candidates: int, post, aspects: Sequence[Aspect] = ()) -> Submission:
    try:
        submission_id = uuid.UUID(post.get("submission_id", ""))
    except ValueError:
        raise InvalidAnswer("The form is missing its submission id; reload the page.") from None
    try:
        codebook_version = int(post.get("codebook_version") or 0) or None
    except ValueError:
        raise InvalidAnswer("The codebook version must be a number.") from None
    if codebook_version is not None and not 1 <= codebook_version <= INT_MAX:
        raise InvalidAnswer("This project has no such codebook version to label under.")
    return Submission(
        answer=answer_from_post(kind, n_candidates, post, aspects),
        submission_id=submission_id,
        time_spent_ms=time_spent_from_post(post),
        rewrite=post.get("rewrite", ""),
        comment=post.get("comment", ""),
        codebook_version=codebook_version,
        # Set by the page once the annotator ranked (moved, typed, dragged, chose the
        # selects, or pressed k); without JavaScript the selects start blank and must
        # each be chosen, and a <noscript> field sends it (see partials/task.html).
        keep_shown_order=post.get("keep_shown_order") == "1",
    )


class ImportForm(forms.Form):
    file = forms.FileField(help_text="JSON Lines: one prompt with its candidates per line.")


class CodebookForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 24}), help_text="Markdown.")
    rubric = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), required=False, strip=True,
                             help_text="JSON: the aspects each response is rated on; empty for none.")
    change_note = forms.CharField(max_length=300, required=False, help_text="What changed, in one line.")

    def clean_rubric(self):
        """The rubric's JSON as data ([] for an empty box); whether it can be used is the
        publishing service's check (parse_rubric), the same for the page and the API."""
        text = self.cleaned_data["rubric"]
        if not text:
            return []
        try:
            return json_input.loads(text)
        except json_input.JSONInputError as error:
            raise forms.ValidationError(f"The rubric is not JSON we can store: {error}") from None
