"""Conversations: a chat prompt shown as a chat, and the per-turn kind ("turns").

A `turns` task's prompt is a whole conversation up to its last assistant turn, and its
one candidate is that last assistant turn: producers, exports and the candidate
machinery see it as any other task. The annotator judges every assistant turn of the
conversation with the candidate appended as its last message. A turn is named by its
index in that conversation (0-based in stored answers, "Turn <index + 1>" on pages):

    {"turns": {"1": {"thumb": "up"}, "3": {"thumb": "down"}}}

and, when the codebook's rubric gives the kind aspects, each turn also carries its points
in the single-response shape of rubric.valid_ratings, {aspect: point}:

    {"turns": {"1": {"thumb": "up", "ratings": {"helpfulness": 4}}, ...}}
"""
from collections.abc import Mapping, Sequence

from feedback.labelling.errors import InvalidAnswer
from feedback.labelling.rubric import Aspect, aspects_for, parse_rubric, valid_ratings

# A chat prompt on the pair, rank, thumbs and rate pages shows its last few turns; the
# older ones fold behind "Show N earlier turns" (a long history pushes the responses
# being judged below the fold).
RECENT_TURNS = 3
THUMBS = ("up", "down")
KIND = "turns"  # TaskKind.TURNS


def turn_aspects(rubric) -> list[Aspect]:
    """The aspects a codebook version's rubric (its JSON) rates each turn on."""
    return aspects_for(parse_rubric(rubric), KIND)


def conversation(messages: Sequence[dict], candidate_text: str) -> list[dict]:
    """The whole conversation a turns task judges: the prompt, then its candidate."""
    return [*messages, {"role": "assistant", "content": candidate_text}]


def turn_indices(messages: Sequence[dict]) -> list[int]:
    """The assistant turns judged, as indices in the conversation: every assistant
    message of the prompt, then the candidate (appended as the last message)."""
    return [i for i, message in enumerate(messages) if message.get("role") == "assistant"] + [len(messages)]


def turn_name(index) -> str:
    return f"Turn {int(index) + 1}"


def history_split(messages: Sequence[dict], keep: int = RECENT_TURNS) -> tuple[list[dict], list[dict]]:
    """(earlier, recent): the turns folded away and the last `keep` shown. Nothing is
    folded when only one more turn would be (a fold that saves one turn costs a click)."""
    messages = list(messages)
    if len(messages) <= keep + 1:
        return [], messages
    return messages[:-keep], messages[-keep:]


def valid_turns(turns, indices: Sequence[int], aspects: Sequence[Aspect]) -> dict:
    """A turns answer's "turns" in the stored form (keys in conversation order), or
    InvalidAnswer: every judged turn has a thumb, and its points on every aspect exactly
    when there are aspects."""
    keys = [str(i) for i in indices]
    names = ", ".join(turn_name(i) for i in indices)
    if not isinstance(turns, dict):
        raise InvalidAnswer(f'Judge each assistant turn ({names}): "turns" maps each turn\'s index to its judgement.')
    given = {}
    for key, value in turns.items():
        text = str(key) if type(key) is int else key
        if not isinstance(text, str) or text not in keys or text in given:
            raise InvalidAnswer(f"Judge the assistant turns {names} and only those: "
                                f'"turns" has the keys {", ".join(keys)}.')
        given[text] = value
    missing = [turn_name(key) for key in keys if key not in given]
    if missing:
        raise InvalidAnswer(f"Give every assistant turn a thumbs up or down: {', '.join(missing)} still need one.")
    stored = {}
    for key in keys:
        stored[key] = _valid_turn(key, given[key], aspects)
    return stored


def _valid_turn(key: str, value, aspects: Sequence[Aspect]) -> dict:
    name = turn_name(key)
    allowed = {"thumb", "ratings"} if aspects else {"thumb"}
    if not isinstance(value, dict) or set(value) - allowed:
        extra = ' and "ratings" (its points on each aspect)' if aspects else ""
        raise InvalidAnswer(f'{name} is judged with "thumb" ("up" or "down"){extra}.')
    thumb = value.get("thumb")
    if not isinstance(thumb, str) or thumb not in THUMBS:
        raise InvalidAnswer(f'Give {name} a thumbs up or down: "thumb" is "up" or "down".')
    if not aspects:
        return {"thumb": thumb}
    if "ratings" not in value:
        raise InvalidAnswer(f"Rate {name} on {', '.join(a.name for a in aspects)}.")
    points = valid_ratings({key: value["ratings"]}, list(aspects), [key], what="turn")[key]
    return {"thumb": thumb, "ratings": points}


def thumbs_of(answer) -> dict[int, str]:
    """A stored turns answer's thumbs: turn index → "up" | "down" (nothing for a row
    that does not fit)."""
    turns = answer.get("turns") if isinstance(answer, dict) else None
    if not isinstance(turns, dict):
        return {}
    return {int(key): value["thumb"] for key, value in turns.items()
            if isinstance(value, dict) and value.get("thumb") in THUMBS and str(key).isdigit()}


def shown_turns(messages: Sequence[dict], candidate_text: str, post: Mapping, aspects: Sequence[Aspect]) -> list[dict]:
    """The conversation for the turns controls (templates/labelling/partials/turn_controls.html):
    each message with its index and role; each judged turn with what `post` gave it (its
    thumb, and a point per aspect) and the rubric rows to rate it on."""
    judged = set(turn_indices(messages))
    shown = []
    for index, message in enumerate(conversation(messages, candidate_text)):
        item = {"index": index, "number": index + 1, "role": message["role"], "content": message["content"],
                "judged": index in judged, "is_candidate": index == len(messages)}
        if item["judged"]:
            item["posted"] = post.get(f"turn_{index}", "")
            item["aspects"] = [
                {"name": aspect.name, "question": aspect.question, "field": f"turn_{index}_{aspect.name}",
                 "posted": post.get(f"turn_{index}_{aspect.name}", ""),
                 "points": [{"point": p, "describe": aspect.describe(p)} for p in aspect.scale],
                 "described": " · ".join(f"{p} {text}" for p, text in sorted(aspect.points.items()) if text)}
                for aspect in aspects
            ]
        shown.append(item)
    return shown
