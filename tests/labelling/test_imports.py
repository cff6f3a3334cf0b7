import json

import pytest
from django.core.management import CommandError, call_command

from feedback.labelling.errors import ImportRejected
from feedback.labelling.models import Candidate, Prompt, Task
from feedback.labelling.services.imports import import_jsonl
from tests.support.rows import jsonl_lines, sample_rows


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
    with pytest.raises(CommandError, match=r"1 problem\(s\) on 1 line\(s\)"):
        call_command("import_prompts", str(path), project=project.slug)
    assert f"{path}:2: each line must be a JSON object" in capsys.readouterr().err
    assert counts(project) == (0, 0, 0)


def test_unknown_project_is_a_clear_error(db, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match="No project with slug 'nope'"):
        call_command("import_prompts", str(path), project="nope")


# --- Rough edges: values the database cannot store, deep nesting, encodings, caps ---

def line(**fields):
    row = {"external_id": "x-1", "prompt": "Which is better?", "kind": "pair",
           "candidates": [{"text": "One.", "producer": "m-a"}, {"text": "Two.", "producer": "m-b"}]}
    row.update(fields)
    return json.dumps(row)


def rejected_errors(project, lines):
    with pytest.raises(ImportRejected) as rejected:
        import_jsonl(project=project, lines=lines)
    assert counts(project) == (0, 0, 0)
    return rejected.value.errors


@pytest.mark.parametrize("literal, shown", [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e999", "Infinity")])
def test_non_finite_numbers_are_a_line_error_not_a_write_error(project, literal, shown):
    # Python's json reads these; Postgres jsonb refuses them at write time (it was an
    # IntegrityError with no line number).
    bad = line(external_id="x-2").replace('"kind"', f'"metadata": {{"score": {literal}}}, "kind"')
    errors = rejected_errors(project, jsonl_lines(sample_rows(1)) + [bad])
    assert len(errors) == 1 and errors[0][0] == 2
    assert f"metadata.score is {shown}" in errors[0][1] and "finite" in errors[0][1]


def test_every_non_finite_number_of_a_line_is_named(project):
    bad = line().replace('"producer": "m-a"}', '"producer": "m-a", "sampling": {"temperature": NaN, "top_p": -Infinity}}')
    errors = rejected_errors(project, [bad])
    assert [e[1].split(" is ")[0] for e in errors] == ["candidates[0].sampling.temperature", "candidates[0].sampling.top_p"]


def test_nul_characters_are_refused_before_postgres_sees_them(project):
    errors = rejected_errors(project, [line(prompt="Before\u0000after")])
    assert errors == [(1, "prompt contains a NUL character (\\u0000), which cannot be stored")]


@pytest.mark.parametrize("depth", [100, 5000])
def test_deep_nesting_is_a_line_error(project, depth):
    # 5000 deep raised RecursionError in json.loads; 100 decodes but is still refused, so
    # nothing deep reaches code that recurses later.
    bad = line().replace('"kind"', '"metadata": {"a": ' + "[" * depth + "]" * depth + '}, "kind"')
    errors = rejected_errors(project, [bad])
    assert len(errors) == 1 and errors[0][0] == 1 and "nested deeper than 64 levels" in errors[0][1]


def test_a_utf8_bom_is_not_part_of_line_one(project):
    raw = ("\ufeff" + "\n".join(jsonl_lines(sample_rows(2)))).encode("utf-8")
    import_jsonl(project=project, lines=raw.splitlines(keepends=True))  # bytes, as from a file
    import_jsonl(project=project, lines=raw.decode("utf-8").splitlines())  # text
    assert counts(project)[0] == 2


def test_bytes_that_are_not_utf8_are_named_by_line_and_offset(project):
    first = (jsonl_lines(sample_rows(1))[0] + "\n").encode()
    second = line(external_id="x-2").replace("Which", "Caf\u00e9: which").encode("latin-1") + b"\n"  # é as one byte
    errors = rejected_errors(project, [first, second])
    at = second.index(b"\xe9")
    assert errors == [(2, f"not UTF-8 text: byte 0xe9 at offset {at} of the line (offset {len(first) + at} of the file, counting from 0)")]


def test_prompts_are_capped_like_candidates(project, settings):
    errors = rejected_errors(project, [line(prompt="x" * 2_000_000)])
    assert errors == [(1, "prompt is 2,000,000 characters long; the limit is 50,000")]
    settings.IMPORT_MAX_PROMPT_CHARS = 20
    chat = [{"role": "system", "content": "x" * 15}, {"role": "user", "content": "y" * 6}]
    assert "all messages together" in rejected_errors(project, [line(prompt=chat)])[0][1]
    settings.IMPORT_MAX_CANDIDATE_CHARS = 3
    assert rejected_errors(project, [line(prompt="ok")]) == [
        (1, "candidate 0 is 4 characters long; the limit is 3"), (1, "candidate 1 is 4 characters long; the limit is 3")]
    settings.IMPORT_MAX_PROMPT_CHARS = 2_000_000
    import_jsonl(project=project, lines=[line(prompt="y" * 2_000_000, candidates=[{"text": "abc", "producer": "m"}], kind="thumbs")])
    assert counts(project) == (1, 1, 1)


def test_every_problem_of_a_line_is_reported(project):
    bad = json.dumps({"external_id": "", "prompt": "", "kind": "essay", "colour": "red",
                      "candidates": [{"text": ""}, {"text": "ok", "producer": {"kind": "adapter", "name": "v1"}}]})
    errors = rejected_errors(project, [bad, line(external_id="fine")])
    assert all(number == 1 for number, _ in errors)
    assert [reason for _, reason in errors] == [
        "unknown fields: colour",
        "external_id must be a non-empty string of at most 200 characters",
        "prompt is empty",
        "kind 'essay' is not one of thumbs, pair, rank, rate, turns",
        "candidate 0 has no text",
        "candidate 0: producer (required) must be a model name or {kind, name}",
        "candidate 1: producer kind 'adapter' cannot be imported; use base, human or imported",
    ]
    assert "(and 2 more)" in str(ImportRejected(errors))  # the summary shows 5


def test_a_bad_line_after_written_batches_leaves_nothing_written(project):
    from feedback.labelling.services.imports import BATCH_LINES

    good = [json.dumps({"external_id": f"p-{i}", "prompt": f"Question {i}?"}) for i in range(2 * BATCH_LINES + 1)]
    errors = rejected_errors(project, good + [line(prompt=None)])
    assert errors == [(2 * BATCH_LINES + 2, "prompt must be a string or a non-empty list of messages")]
    assert import_jsonl(project=project, lines=good).prompts_created == 2 * BATCH_LINES + 1


def test_checking_stops_after_200_problems(project):
    errors = rejected_errors(project, ["[]"] * 300)
    assert len(errors) == 201 and errors[-1] == (0, "stopped checking after 200 problems")


def test_management_command_streams_bytes_and_reports_each_problem(project, tmp_path, capsys):
    path = tmp_path / "mixed.jsonl"
    deep = "[" * 3000 + "]" * 3000
    path.write_bytes(
        b"\xef\xbb\xbf" + jsonl_lines(sample_rows(1))[0].encode() + b"\n"
        + line(external_id="n", metadata={"m": 1}).replace('"m": 1', '"m": NaN').encode() + b"\n"
        + line(external_id="d").replace('"kind"', f'"metadata": {{"x": {deep}}}, "kind"').encode() + b"\r\n"
        + b'{"external_id": "\xff"}\n'
    )
    with pytest.raises(CommandError, match=r"4 problem\(s\) on 3 line\(s\); nothing was written"):
        call_command("import_prompts", str(path), project=project.slug)
    err = capsys.readouterr().err.splitlines()
    bad_byte_at = path.read_bytes().rindex(b"\xff")
    assert err == [
        f"{path}:2: metadata.m is NaN; JSON numbers must be finite (use null or a string)",
        f"{path}:3: nested deeper than 64 levels",
        f"{path}:4: not UTF-8 text: byte 0xff at offset 17 of the line (offset {bad_byte_at} of the file, counting from 0)",
        f"{path}:4: prompt is missing",
    ]
    assert counts(project) == (0, 0, 0)


# --- The Import page ---

def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/jsonl")


def test_import_page_reports_every_problem_by_line(client, admin_user, project):
    from django.urls import reverse

    client.force_login(admin_user)
    deep = "{" + '"a":{' * 2000 + "}" * 2001
    content = "\n".join([line(), line(external_id="y", metadata={"k": 1}).replace('"k": 1', f'"k": {deep}'),
                         line(external_id="z", prompt="", kind="essay")]).encode()
    response = client.post(reverse("labelling:import", args=[project.slug]), {"file": upload("bad.jsonl", content)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Line 2: nested deeper than 64 levels" in text
    assert "Line 3: prompt is empty" in text and "Line 3: kind &#x27;essay&#x27; is not one of" in text
    assert "3 problems to fix" in text and counts(project) == (0, 0, 0)


def test_import_page_streams_a_file_past_the_memory_limit(client, admin_user, project, settings):
    from django.urls import reverse

    client.force_login(admin_user)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # this upload goes to a temporary file
    content = b"\xef\xbb\xbf" + "\n".join(jsonl_lines(sample_rows(40))).encode() + b"\n"
    assert len(content) > 4 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(reverse("labelling:import", args=[project.slug]), {"file": upload("big.jsonl", content)}, follow=True)
    assert "40 new prompts" in response.content.decode() and counts(project) == (40, 80, 40)


def test_import_page_answers_a_file_over_the_limit_with_a_form_error(client, admin_user, project, settings):
    from django.urls import reverse

    settings.IMPORT_MAX_BYTES = 2000
    client.force_login(admin_user)
    content = "\n".join(jsonl_lines(sample_rows(30))).encode()
    response = client.post(reverse("labelling:import", args=[project.slug]), {"file": upload("big.jsonl", content)})
    assert response.status_code == 413
    assert "This file is larger than the 2.0\xa0KB an import may be; nothing was read." in response.content.decode()
    assert 'id="import-form"' in response.content.decode() and counts(project) == (0, 0, 0)
