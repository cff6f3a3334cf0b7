import json

import pytest
from django.core.management import CommandError, call_command

from feedback.labelling.errors import ImportRejected
from feedback.labelling.models import Candidate, Prompt, Task
from feedback.labelling.services.imports import import_jsonl
from tests.conftest import jsonl_lines, sample_rows


def counts(project):
    return (
        Prompt.objects.filter(project=project).count(),
        Candidate.objects.filter(prompt__project=project).count(),
        Task.objects.filter(project=project).count(),
    )


def test_import_creates_prompts_candidates_and_tasks_in_order(project):
    rows = sample_rows(3, "rank")
    rows[0]["prompt"] = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}]
    result = import_jsonl(project=project, lines=jsonl_lines(rows))
    assert (result.prompts_created, result.candidates_created, result.tasks_created) == (3, 9, 3)
    first = Prompt.objects.get(project=project, external_id="q-0")
    assert first.is_chat and first.messages[0]["role"] == "system"
    task = first.tasks.get()
    assert [c.text for c in task.ordered_candidates()] == [c["text"] for c in rows[0]["candidates"]]
    candidate = task.ordered_candidates()[0]
    assert (candidate.producer_kind, candidate.producer_name, candidate.sampling) == ("imported", "model-0", {"temperature": 0.7})


def test_reimport_duplicates_nothing(project):
    lines = jsonl_lines(sample_rows(4, "pair"))
    import_jsonl(project=project, lines=lines)
    before = counts(project)
    again = import_jsonl(project=project, lines=lines)
    assert counts(project) == before
    assert (again.prompts_created, again.candidates_created, again.tasks_created) == (0, 0, 0)


def test_reimport_with_a_new_candidate_adds_only_it(project):
    rows = sample_rows(1, "pair")
    import_jsonl(project=project, lines=jsonl_lines(rows))
    rows[0]["candidates"][1] = {"text": "A fresh answer.", "producer": "model-9"}
    result = import_jsonl(project=project, lines=jsonl_lines(rows))
    assert (result.prompts_created, result.candidates_created, result.tasks_created) == (0, 1, 1)


def test_bad_file_is_rejected_whole_with_every_bad_line(project):
    good = sample_rows(2, "pair")
    lines = jsonl_lines(good) + [
        "{not json",
        json.dumps({"external_id": "a", "prompt": "x", "kind": "pair", "candidates": [{"text": "only one", "producer": "m"}]}),
        json.dumps({"external_id": "b", "prompt": "", "candidates": []}),
        json.dumps({"external_id": "q-0", "prompt": "dup id", "candidates": []}),
        json.dumps({"external_id": "c", "prompt": "x", "kind": "essay"}),
        json.dumps({"external_id": "d", "prompt": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}),
    ]
    with pytest.raises(ImportRejected) as rejected:
        import_jsonl(project=project, lines=lines)
    numbers = [n for n, _ in rejected.value.errors]
    assert numbers == [3, 4, 5, 6, 7, 8]
    reasons = dict(rejected.value.errors)
    assert "not valid JSON" in reasons[3]
    assert "exactly 2 candidates" in reasons[4]
    assert "empty" in reasons[5]
    assert "already used on line 1" in reasons[6]
    assert "essay" in reasons[7]
    assert "last message must be a user turn" in reasons[8]
    assert counts(project) == (0, 0, 0)


def test_changed_prompt_text_for_an_existing_id_is_rejected(project):
    import_jsonl(project=project, lines=jsonl_lines(sample_rows(1, "pair")))
    rows = sample_rows(1, "pair")
    rows[0]["prompt"] = "A different question"
    with pytest.raises(ImportRejected) as rejected:
        import_jsonl(project=project, lines=jsonl_lines(rows))
    assert rejected.value.errors[0][0] == 1
    assert "different prompt" in rejected.value.errors[0][1]


def test_management_command_reports_line_numbers(project, tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(sample_rows(1)[0]) + "\n[1, 2]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 bad line"):
        call_command("import_prompts", str(path), project=project.slug)
    assert f"{path}:2: each line must be a JSON object" in capsys.readouterr().err
    assert counts(project) == (0, 0, 0)


def test_management_command_imports_the_demo_file(project, capsys):
    from feedback.labelling.management.commands.load_demo import DEMO_DIR

    call_command("import_prompts", str(DEMO_DIR / "prompts.jsonl"), project=project.slug)
    prompts, candidates, tasks = counts(project)
    assert prompts >= 40 and tasks >= 40
    assert 2 * prompts <= candidates + 10  # mostly 2-4 candidates each
    assert "Imported into answers" in capsys.readouterr().out


def test_unknown_project_is_a_clear_error(db, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        call_command("import_prompts", str(path), project="nope")


def test_load_demo_is_ready_to_train_and_safe_to_run_again(db, capsys):
    from feedback.labelling.models import Label, Project
    from feedback.loop.services.requests import new_preference_count

    call_command("load_demo")
    call_command("load_demo")
    demo = Project.objects.get(slug="demo")
    labels = Label.objects.filter(task__project=demo)
    # Two simulated annotators labelled every task once (not twice after the second call)...
    assert labels.count() == 2 * demo.tasks.count()
    assert set(labels.values_list("annotator__username", flat=True)) == {"sim-annotator-1", "sim-annotator-2"}
    # ...leaving each task open for a human's label, and enough preferences for a run.
    assert demo.tasks.filter(labels_done=2).count() == demo.tasks.count()
    assert new_preference_count(demo, demo.training_settings.algorithm) >= demo.training_settings.min_new_preferences
    assert "admin     password admin-demo" in capsys.readouterr().out
