"""Per-turn tasks (kind "turns"): a conversation judged assistant turn by assistant turn.
Validation of the answer (thumbs per turn, rubric points per turn), the form's fields,
the import of conversations, and the submit path that reads the conversation and rubric."""
import json
import uuid

import pytest

from feedback.labelling.as_seen import answer_as_seen
from feedback.labelling.errors import ImportRejected, InvalidAnswer
from feedback.labelling.forms import answer_from_post, post_from_answer
from feedback.labelling.models import CodebookVersion, Label, Prompt, Task
from feedback.labelling.naming import canonical_text
from feedback.labelling.rubric import parse_rubric
from feedback.labelling.services.assignments import assignment_next
from feedback.labelling.services.imports import import_jsonl
from feedback.labelling.services.labels import Submission, label_submit, validate_answer
from feedback.labelling.services.revisions import label_edit
from feedback.labelling.turns import history_split, turn_indices

CHAT = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello! How can I help?"},
    {"role": "user", "content": "Capital of France?"},
    {"role": "assistant", "content": "Paris."},
]
RUBRIC = [{"name": "helpfulness", "question": "Does it help?", "scale": {"min": 1, "max": 5}, "kinds": ["turns"]},
          {"name": "tone", "question": "Is it kind?", "scale": {"min": 1, "max": 3}, "kinds": ["turns", "rate"]},
          {"name": "detail", "question": "Only for rate tasks", "scale": {"min": 1, "max": 5}}]
TURN_ASPECTS = [a for a in parse_rubric(RUBRIC) if "turns" in a.kinds]


def test_the_judged_turns_are_the_prompts_assistant_turns_then_the_candidate():
    assert turn_indices(CHAT[:4]) == [2, 4]
    assert turn_indices([{"role": "user", "content": "Hi"}]) == [1]


def test_a_thumb_for_every_turn_is_stored_in_conversation_order():
    answer = {"turns": {"4": {"thumb": "down"}, 2: {"thumb": "up"}}}
    assert validate_answer(kind="turns", n_candidates=1, answer=answer, turns=[2, 4]) == {
        "turns": {"2": {"thumb": "up"}, "4": {"thumb": "down"}}}


@pytest.mark.parametrize("answer, says", [
    ({"turns": {"2": {"thumb": "up"}}}, "Turn 5 still need"),
    ({"turns": {"2": {"thumb": "up"}, "3": {"thumb": "up"}}}, "only those"),
    ({"turns": {"2": {"thumb": "up"}, "4": {"thumb": "meh"}}}, "thumbs up or down"),
    ({"turns": {"2": {"thumb": "up"}, "4": {"thumb": "up", "ratings": {"tone": 1}}}}, '"thumb"'),
    ({"turns": {"2": {"thumb": "up"}, "04": {"thumb": "up"}}}, "only those"),
    ({"turns": {"2": {"thumb": "up"}, True: {"thumb": "up"}}}, "only those"),
    ({"turns": [["2", "up"]]}, "maps each turn"),
    ({"thumbs": {"0": "up"}}, "per-turn answer"),
    ("up", "object"),
])
def test_a_bad_turns_answer_is_refused_with_what_to_change(answer, says):
    with pytest.raises(InvalidAnswer, match=says):
        validate_answer(kind="turns", n_candidates=1, answer=answer, turns=[2, 4])


def test_with_a_rubric_every_turn_is_rated_on_the_kinds_aspects_only():
    good = {"turns": {"2": {"thumb": "up", "ratings": {"helpfulness": 5, "tone": 3}},
                      "4": {"thumb": "down", "ratings": {"helpfulness": 1, "tone": 2}}}}
    assert validate_answer(kind="turns", n_candidates=1, answer=good, turns=[2, 4], aspects=TURN_ASPECTS) == good
    for turn in ({"thumb": "up"}, {"thumb": "up", "ratings": {"helpfulness": 5}},
                 {"thumb": "up", "ratings": {"helpfulness": 6, "tone": 1}},
                 {"thumb": "up", "ratings": {"helpfulness": 5, "tone": 1, "detail": 2}},
                 {"thumb": "up", "ratings": {"helpfulness": 5.0, "tone": 1}}):
        with pytest.raises(InvalidAnswer):
            validate_answer(kind="turns", n_candidates=1, answer={"turns": {**good["turns"], "4": turn}},
                            turns=[2, 4], aspects=TURN_ASPECTS)


def test_the_form_fields_round_trip_through_the_stored_answer():
    post = {"turn_2": "up", "turn_4": "down", "turn_2_helpfulness": "4", "turn_2_tone": "1",
            "turn_4_helpfulness": "2", "turn_4_tone": "3", "comment": "x", "turn_x": "up"}
    answer = answer_from_post("turns", 1, post)
    assert answer == {"turns": {"2": {"thumb": "up", "ratings": {"helpfulness": 4, "tone": 1}},
                                "4": {"thumb": "down", "ratings": {"helpfulness": 2, "tone": 3}}}}
    assert validate_answer(kind="turns", n_candidates=1, answer=answer, turns=[2, 4], aspects=TURN_ASPECTS) == answer
    assert {k: v for k, v in post_from_answer("turns", answer).items()} == {
        k: v for k, v in post.items() if k.startswith("turn_") and k != "turn_x"}
    # A turn left without its thumb is named, never a server error.
    with pytest.raises(InvalidAnswer, match="Turn 5"):
        validate_answer(kind="turns", n_candidates=1, answer=answer_from_post("turns", 1, {"turn_2": "up"}), turns=[2, 4])


def test_per_turn_answers_read_turn_by_turn():
    answer = {"turns": {"2": {"thumb": "up"}, "4": {"thumb": "down", "ratings": {"helpfulness": 2}}}}
    seen = answer_as_seen("turns", answer, [0], {0: "Paris."})
    assert seen.summary == "Turn 3 ✓, Turn 5 ✗ (helpfulness 2)"
    assert seen.responses[0].verdict == "Bad"  # the candidate is the last turn
    assert canonical_text(answer) == "Turn 3 up · Turn 5 down"


def test_a_long_chat_folds_all_but_its_last_turns():
    earlier, recent = history_split(CHAT * 2)
    assert len(earlier) == 7 and recent == (CHAT * 2)[-3:]
    assert history_split(CHAT[:4]) == ([], CHAT[:4])  # folding a single turn saves nothing


def lines(*items):
    return [json.dumps(item) for item in items]


def test_a_conversation_ending_with_its_assistant_turn_imports_as_one_turns_task(project):
    result = import_jsonl(project=project, lines=lines({"external_id": "c1", "kind": "turns", "prompt": CHAT}))
    assert (result.prompts_created, result.candidates_created, result.tasks_created) == (1, 1, 1)
    task = Task.objects.get(project=project)
    assert (task.kind, task.candidate_count) == ("turns", 1)
    assert task.prompt.messages == CHAT[:-1] and task.prompt.is_chat
    candidate = task.ordered_candidates()[0]
    assert (candidate.text, candidate.producer_kind, candidate.producer_name) == ("Paris.", "imported", "transcript")
    # Again: nothing twice.
    again = import_jsonl(project=project, lines=lines({"external_id": "c1", "kind": "turns", "prompt": CHAT}))
    assert (again.prompts_created, again.candidates_created, again.tasks_created) == (0, 0, 0)


def test_a_conversation_ending_with_a_user_turn_takes_its_one_candidate(project):
    item = {"external_id": "c2", "kind": "turns", "prompt": CHAT[:4], "candidates": [{"text": "Paris.", "producer": "m"}]}
    import_jsonl(project=project, lines=lines(item))
    task = Task.objects.get(project=project)
    assert task.prompt.messages == CHAT[:4] and [c.producer_name for c in task.ordered_candidates()] == ["m"]


def test_bad_turns_lines_are_refused_by_line_with_what_is_wrong(project):
    two = [{"text": "a", "producer": "m"}, {"text": "b", "producer": "m"}]
    with pytest.raises(ImportRejected) as rejected:
        import_jsonl(project=project, lines=lines(
            {"external_id": "a", "kind": "turns", "prompt": CHAT[:4]},
            {"external_id": "b", "kind": "turns", "prompt": CHAT[:4], "candidates": two},
            {"external_id": "c", "kind": "turns", "prompt": CHAT, "candidates": two[:1]},
            {"external_id": "d", "kind": "turns", "prompt": [{"role": "assistant", "content": "Hi"}]},
            {"external_id": "e", "kind": "turns", "prompt": CHAT[:1]},
            {"external_id": "f", "kind": "pair", "prompt": CHAT, "candidates": two},
        ))
    problems = {}
    for line, reason in rejected.value.errors:
        problems.setdefault(line, []).append(reason)
    assert "exactly 1 candidate" in " ".join(problems[1]) and "exactly 1 candidate" in " ".join(problems[2])
    assert "takes no candidates" in " ".join(problems[3])
    assert "needs a user turn" in " ".join(problems[4])
    assert "ends with a user turn" in " ".join(problems[5])
    assert "must be a user turn" in " ".join(problems[6])
    assert not Prompt.objects.filter(project=project).exists()


@pytest.fixture
def turns_task(project, codebook):
    import_jsonl(project=project, lines=lines({"external_id": "c1", "kind": "turns", "prompt": CHAT}))
    return Task.objects.get(project=project)


def submit(user, project, answer):
    assignment = assignment_next(project=project, user=user)
    return label_submit(assignment_id=assignment.pk, user=user, project_id=project.pk,
                        submission=Submission(answer=answer, submission_id=uuid.uuid4(), time_spent_ms=1000))


def test_the_submit_checks_the_turns_of_the_tasks_conversation(project, annotators, turns_task):
    with pytest.raises(InvalidAnswer, match="Turn 5"):
        submit(annotators[0], project, {"turns": {"2": {"thumb": "up"}}})
    label, created = submit(annotators[0], project, {"turns": {"2": {"thumb": "up"}, "4": {"thumb": "down"}}})
    assert created and Label.objects.get(pk=label.pk).answer == {"turns": {"2": {"thumb": "up"}, "4": {"thumb": "down"}}}


def test_the_submit_and_an_edit_check_the_points_against_the_labels_rubric(project, annotators, codebook, turns_task):
    CodebookVersion.objects.filter(pk=codebook.pk).update(rubric=RUBRIC)
    with pytest.raises(InvalidAnswer, match="Rate Turn 3"):
        submit(annotators[0], project, {"turns": {"2": {"thumb": "up"}, "4": {"thumb": "down"}}})
    rated = {"turns": {"2": {"thumb": "up", "ratings": {"helpfulness": 4, "tone": 3}},
                       "4": {"thumb": "down", "ratings": {"helpfulness": 1, "tone": 2}}}}
    label, _ = submit(annotators[0], project, rated)
    edited = json.loads(json.dumps(rated))
    edited["turns"]["4"]["thumb"] = "up"
    label, revision = label_edit(project=project, user=annotators[0], label_id=label.pk, answer=edited)
    assert revision is not None and Label.objects.get(pk=label.pk).answer["turns"]["4"]["thumb"] == "up"
    with pytest.raises(InvalidAnswer):
        label_edit(project=project, user=annotators[0], label_id=label.pk, answer={"turns": {"2": {"thumb": "up"}}})


def test_the_api_takes_a_turns_answer_as_the_page_does(project, annotators, turns_task, api_as):
    client = api_as(annotators[0])
    task = client.post(f"/api/v1/projects/{project.slug}/next/").json()
    assert task["task"]["kind"] == "turns" and '"turns"' in task["answer_format"]
    url = f"/api/v1/projects/{project.slug}/assignments/{task['assignment']}/submit/"
    refused = client.post(url, {"answer": {"turns": {"2": {"thumb": "up"}}}, "submission_id": str(uuid.uuid4()),
                                "time_spent_ms": 900}, format="json")
    assert refused.status_code == 400 and "Turn 5" in json.dumps(refused.json())
    stored = client.post(url, {"answer": {"turns": {"2": {"thumb": "down"}, "4": {"thumb": "up"}}},
                               "submission_id": str(uuid.uuid4()), "time_spent_ms": 900}, format="json")
    assert stored.status_code in (200, 201)
    assert Label.objects.get().answer == {"turns": {"2": {"thumb": "down"}, "4": {"thumb": "up"}}}
