"""What one import line must be (README.md, "Import format"), checked field by field.

`parse_line` reports every problem of a line, not only the first, so that whoever fixes
the file sees all of a line's mistakes at once. Values are decoded by feedback.json_input,
which refuses what the database cannot store (NaN, Infinity, NUL characters, nesting
deeper than json_input.MAX_DEPTH)."""
from dataclasses import dataclass, field

from django.conf import settings

from feedback.json_input import JSONInputError, loads
from feedback.labelling.models import Candidate, ProducerKind, Prompt, TaskKind

MAX_CANDIDATES = 8
TRANSCRIPT_PRODUCER = "transcript"  # a turns conversation's own last assistant turn, imported as its candidate
CHAT_ROLES = {"system", "user", "assistant"}
IMPORTABLE_PRODUCERS = {ProducerKind.BASE, ProducerKind.HUMAN, ProducerKind.IMPORTED}
LINE_FIELDS = {"external_id", "prompt", "candidates", "kind", "metadata"}
CANDIDATE_FIELDS = {"text", "producer", "sampling"}
EXTERNAL_ID_MAX_CHARS = Prompt._meta.get_field("external_id").max_length
PRODUCER_NAME_MAX_CHARS = Candidate._meta.get_field("producer_name").max_length


@dataclass
class CandidateItem:
    text: str
    producer_kind: str
    producer_name: str
    sampling: dict

    @property
    def key(self) -> str:
        return Candidate.key_for(self.producer_kind, self.producer_name, self.text)


@dataclass
class ImportItem:
    line: int
    external_id: str
    messages: list[dict]
    is_chat: bool
    kind: str
    metadata: dict
    candidates: list[CandidateItem] = field(default_factory=list)


def parse_line(*, raw: str, number: int, default_kind: str) -> tuple[ImportItem | None, list[str]]:
    """The line's item, or None and every reason it is not one."""
    try:
        data = loads(raw)
    except JSONInputError as error:
        return None, error.problems
    if not isinstance(data, dict):
        return None, ["each line must be a JSON object"]
    problems: list[str] = []
    unknown = set(data) - LINE_FIELDS
    if unknown:
        problems.append(f"unknown fields: {', '.join(sorted(unknown))}")
    external_id = _external_id(data.get("external_id"), problems)
    kind = data.get("kind", default_kind)
    turns = kind == TaskKind.TURNS
    messages, is_chat = (_messages(data["prompt"], problems, turns=turns) if "prompt" in data
                         else _missing_prompt(problems))
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        problems.append("metadata must be an object")
    if not isinstance(kind, str) or kind not in TaskKind.values:
        problems.append(f"kind {_shown(kind)} is not one of {', '.join(TaskKind.values)}")
    candidates = _candidates(data.get("candidates", []), kind, problems)
    if turns:
        messages, candidates = _conversation_turns(messages, candidates, data.get("candidates"), problems)
    if problems:
        return None, problems
    return (
        ImportItem(
            line=number,
            external_id=external_id,
            messages=messages,
            is_chat=is_chat,
            kind=kind,
            metadata=metadata,
            candidates=candidates,
        ),
        [],
    )


def _external_id(value, problems: list[str]) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > EXTERNAL_ID_MAX_CHARS:
        problems.append(f"external_id must be a non-empty string of at most {EXTERNAL_ID_MAX_CHARS} characters")
        return ""
    return value.strip()


def _missing_prompt(problems: list[str]) -> tuple[list[dict], bool]:
    problems.append("prompt is missing")
    return [], False


def _messages(value, problems: list[str], *, turns: bool = False) -> tuple[list[dict], bool]:
    """The prompt's messages; a turns line's conversation may end with the assistant turn
    it judges last (see _conversation_turns)."""
    limit = settings.IMPORT_MAX_PROMPT_CHARS
    if isinstance(value, str):
        if not value.strip():
            problems.append("prompt is empty")
        elif len(value) > limit:
            problems.append(f"prompt is {len(value):,} characters long; the limit is {limit:,}")
        return [{"role": "user", "content": value}], False
    if not isinstance(value, list) or not value:
        problems.append("prompt must be a string or a non-empty list of messages")
        return [], True
    messages = []
    for i, message in enumerate(value):
        if not isinstance(message, dict) or set(message) - {"role", "content"}:
            problems.append(f"prompt message {i} must be an object with role and content")
            continue
        role, content = message.get("role"), message.get("content")
        if not isinstance(role, str) or role not in CHAT_ROLES:
            problems.append(f"prompt message {i} has role {_shown(role)}; use system, user or assistant")
        if not isinstance(content, str) or not content.strip():
            problems.append(f"prompt message {i} has no text content")
            continue
        messages.append({"role": role, "content": content})
    last = value[-1].get("role") if isinstance(value[-1], dict) else None
    if turns and last not in ("user", "assistant"):
        problems.append("a turns conversation ends with a user turn (its candidate answers it) or an assistant turn")
    elif not turns and last != "user":
        problems.append("the prompt's last message must be a user turn")
    length = sum(len(m["content"]) for m in messages)
    if length > limit:
        problems.append(f"prompt is {length:,} characters long (all messages together); the limit is {limit:,}")
    return messages, True


def _conversation_turns(messages: list[dict], candidates: list[CandidateItem], given,
                        problems: list[str]) -> tuple[list[dict], list[CandidateItem]]:
    """A turns task has one candidate, the conversation's last assistant turn: the line's
    one candidate after a conversation that ends with a user turn, or the conversation's
    own last assistant turn, split off as a candidate of TRANSCRIPT_PRODUCER."""
    if not messages:
        return messages, candidates
    if messages[-1]["role"] == "assistant":
        if given:
            problems.append("a turns conversation that ends with an assistant turn takes no candidates: "
                            "its last turn is the one judged last")
            return messages, candidates
        if len(messages) < 2:
            problems.append("a turns conversation needs a user turn before its assistant turn")
            return messages, candidates
        last = messages[-1]["content"]
        if len(last) > settings.IMPORT_MAX_CANDIDATE_CHARS:
            problems.append(f"the last assistant turn is {len(last):,} characters long; "
                            f"the limit is {settings.IMPORT_MAX_CANDIDATE_CHARS:,}")
        return messages[:-1], [CandidateItem(text=last, producer_kind=ProducerKind.IMPORTED,
                                             producer_name=TRANSCRIPT_PRODUCER, sampling={})]
    if not isinstance(given, list) or len(given) != 1:
        problems.append("a turns task takes exactly 1 candidate (the final assistant turn), or a conversation "
                        "that ends with its assistant turn")
    return messages, candidates


def _producer(value, problems: list[str], where: str) -> tuple[str, str]:
    if isinstance(value, str) and value.strip():
        kind, name = ProducerKind.IMPORTED, value.strip()
    elif isinstance(value, dict):
        kind, name = value.get("kind", ProducerKind.IMPORTED), value.get("name")
        if not isinstance(kind, str) or kind not in IMPORTABLE_PRODUCERS:
            problems.append(f"{where}: producer kind {_shown(kind)} cannot be imported; use base, human or imported")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: producer needs a name")
            return kind, ""
        name = name.strip()
    else:
        problems.append(f"{where}: producer (required) must be a model name or {{kind, name}}")
        return ProducerKind.IMPORTED, ""
    if len(name) > PRODUCER_NAME_MAX_CHARS:
        problems.append(f"{where}: producer name is longer than {PRODUCER_NAME_MAX_CHARS} characters")
    return kind, name


def _candidate(index: int, value, problems: list[str]) -> CandidateItem | None:
    where = f"candidate {index}"
    if not isinstance(value, dict):
        problems.append(f"{where} must be an object")
        return None
    before = len(problems)
    unknown = set(value) - CANDIDATE_FIELDS
    if unknown:
        problems.append(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    text = value.get("text")
    limit = settings.IMPORT_MAX_CANDIDATE_CHARS
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where} has no text")
    elif len(text) > limit:
        problems.append(f"{where} is {len(text):,} characters long; the limit is {limit:,}")
    kind, name = _producer(value.get("producer"), problems, where)
    sampling = value.get("sampling", {})
    if not isinstance(sampling, dict):
        problems.append(f"{where}: sampling must be an object")
    if len(problems) > before:
        return None
    return CandidateItem(text=text, producer_kind=kind, producer_name=name, sampling=sampling)


def _candidates(value, kind: str, problems: list[str]) -> list[CandidateItem]:
    if not isinstance(value, list):
        problems.append("candidates must be a list")
        return []
    if len(value) > MAX_CANDIDATES:
        problems.append(f"{len(value)} candidates; at most {MAX_CANDIDATES} per prompt")
    candidates = [_candidate(i, c, problems) for i, c in enumerate(value[:MAX_CANDIDATES])]
    parsed = [c for c in candidates if c is not None]
    keys = [c.key for c in parsed]
    if len(set(keys)) != len(keys):
        problems.append("two candidates have the same producer and text")
    if value and kind == TaskKind.PAIR and len(value) != 2:
        problems.append(f"a pair task takes exactly 2 candidates, got {len(value)}; use rank for more")
    if value and kind == TaskKind.RANK and len(value) < 2:
        problems.append("a rank task takes at least 2 candidates")
    return parsed


def _shown(value) -> str:
    """A value for a message: its repr, cut short (it may be a megabyte of JSON)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
