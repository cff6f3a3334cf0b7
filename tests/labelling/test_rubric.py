"""Rubric ratings in labelling: the rubric's checks, answers of kind rate and pair/rank
answers with ratings, stored in canonical form from the page, the API, an edit and an
adjudication; a bad rubric refused on the codebook page and the API with nothing saved."""
import json
import uuid

import pytest
from django.urls import reverse

from feedback.labelling.as_seen import answer_as_seen
from feedback.labelling.errors import InvalidAnswer
from feedback.labelling.forms import answer_from_post, post_from_answer
from feedback.labelling.models import Assignment, CodebookVersion, Label, Task
from feedback.labelling.naming import canonical_text
from feedback.labelling.rubric import InvalidRubric, aspects_for, parse_rubric, valid_ratings
from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_publish
from feedback.labelling.services.imports import ImportRejected, import_jsonl
from feedback.labelling.services.labels import validate_answer
from feedback.labelling.services.revisions import label_edit
from feedback.quality import services as quality_services
from feedback.quality.disputes import majority_share
from feedback.quality.measures import agreement_by_kind, unit_values
from feedback.quality.reliability import answer_matches
from tests.support.rows import jsonl_lines

RUBRIC = [
    {"name": "helpfulness", "question": "Does it help?", "scale": {"min": 1, "max": 5},
     "points": {"1": "Not at all", "5": "Fully"}, "weight": 2, "kinds": ["rate", "pair"]},
    {"name": "correctness", "question": "Is it right?", "scale": {"min": 1, "max": 3}},
]
ASPECTS = parse_rubric(RUBRIC)


def rate_rows(n=1, candidates=2, kind="rate"):
    return [{"external_id": f"{kind}-{i}", "prompt": f"Question {i}?", "kind": kind,
             "candidates": [{"text": f"Answer {j} to {i}.", "producer": f"m{j}"} for j in range(candidates)]}
            for i in range(n)]


@pytest.fixture
def rubric_codebook(project, admin_user, annotators, codebook):
    version = codebook_publish(project=project, text=codebook.text, rubric=RUBRIC, author=admin_user)
    for user in annotators:
        codebook_acknowledge(user=user, codebook=version)
    return version


# --- the rubric's own checks ----------------------------------------------------------

@pytest.mark.parametrize("rubric,message", [
    ({"name": "x"}, "list of aspects"),
    (["x"], "Aspect 1 is not an object"),
    ([{"name": "Help", "question": "q", "scale": {"min": 1, "max": 5}}], "lower-case"),
    ([{"name": "h", "question": " ", "scale": {"min": 1, "max": 5}}], "needs a question"),
    ([{"name": "h", "question": "q", "scale": {"min": 1, "max": 1}}], "2 to 11 points"),
    ([{"name": "h", "question": "q", "scale": {"min": 1, "max": 12}}], "2 to 11 points"),
    ([{"name": "h", "question": "q", "scale": {"min": 1.0, "max": 5}}], "whole number"),
    ([{"name": "h", "question": "q", "scale": {"min": 1, "max": 5}, "points": {"6": "x"}}], "'6' is not"),
    ([{"name": "h", "question": "q", "scale": {"min": 1, "max": 5}, "weight": 0}], "weight is a number above 0"),
    ([{"name": "h", "question": "q", "scale": {"min": 1, "max": 5}, "kinds": ["thumbs"]}], "kinds are some of"),
    ([{"name": "h", "question": "q", "scale": {"min": 1, "max": 5}, "colour": "red"}], "unknown fields: colour"),
    ([{"name": "h", "question": "q", "scale": {"min": 1, "max": 5}}] * 2, "h is used twice"),
])
def test_a_rubric_that_cannot_be_used_says_what_to_change(rubric, message):
    with pytest.raises(InvalidRubric, match=message):
        parse_rubric(rubric)


def test_aspects_default_to_rate_and_keep_the_rubrics_order():
    assert [a.name for a in aspects_for(ASPECTS, "rate")] == ["helpfulness", "correctness"]
    assert [a.name for a in aspects_for(ASPECTS, "pair")] == ["helpfulness"]
    assert aspects_for(ASPECTS, "rank") == []
    assert ASPECTS[0].describe(5) == "Fully" and ASPECTS[0].describe(3) == ""


def test_valid_ratings_are_every_key_on_every_aspect_on_the_scale():
    good = {1: {"helpfulness": 4, "correctness": 3}, "0": {"correctness": 1, "helpfulness": 5}}
    assert valid_ratings(good, ASPECTS, ["0", "1"]) == {"0": {"helpfulness": 5, "correctness": 1},
                                                        "1": {"helpfulness": 4, "correctness": 3}}
    for bad, message in [
        (None, '"ratings" maps each response'),
        ({"0": {"helpfulness": 4, "correctness": 3}}, "Rate each of the 2 responses"),
        ({"0": {"helpfulness": 4}, "1": {"helpfulness": 4, "correctness": 3}}, "on every aspect"),
        ({"0": {"helpfulness": 6, "correctness": 3}, "1": {"helpfulness": 4, "correctness": 3}}, "from 1 to 5"),
        ({"0": {"helpfulness": True, "correctness": 3}, "1": {"helpfulness": 4, "correctness": 3}}, "from 1 to 5"),
        ({"0": {"helpfulness": 4.0, "correctness": 3}, "1": {"helpfulness": 4, "correctness": 3}}, "from 1 to 5"),
        ({"0": {"helpfulness": 4, "correctness": 3}, "2": {"helpfulness": 4, "correctness": 3}}, "only those"),
    ]:
        with pytest.raises(InvalidAnswer, match=message):
            valid_ratings(bad, ASPECTS, ["0", "1"])


# --- validate_answer ---------------------------------------------------------------------

def test_a_rate_answer_is_its_ratings_in_canonical_form():
    answer = {"ratings": {"1": {"correctness": 2, "helpfulness": 1}, "0": {"helpfulness": 5, "correctness": 3}},
              "extra": "ignored"}
    assert validate_answer(kind="rate", n_candidates=2, answer=answer, aspects=ASPECTS) == {
        "ratings": {"0": {"helpfulness": 5, "correctness": 3}, "1": {"helpfulness": 1, "correctness": 2}}}
    one = validate_answer(kind="rate", n_candidates=1, answer={"ratings": {"0": {"helpfulness": 2, "correctness": 2}}},
                          aspects=ASPECTS)
    assert one == {"ratings": {"0": {"helpfulness": 2, "correctness": 2}}}


def test_a_rate_task_without_rate_aspects_cannot_be_answered():
    with pytest.raises(InvalidAnswer, match="no aspects for rate tasks"):
        validate_answer(kind="rate", n_candidates=2, answer={"ratings": {}},
                        aspects=parse_rubric([dict(RUBRIC[0], kinds=["pair"])]))
    with pytest.raises(InvalidAnswer, match="no aspects for rate tasks"):
        validate_answer(kind="rate", n_candidates=2, answer={"ratings": {}})


def test_a_pair_answer_carries_ratings_exactly_when_the_rubric_rates_pairs():
    ratings = {"0": {"helpfulness": 4}, "1": {"helpfulness": 2}}
    assert validate_answer(kind="pair", n_candidates=2, answer={"choice": "A", "ratings": ratings}, aspects=ASPECTS) == {
        "choice": "A", "strength": None, "ratings": ratings}
    with pytest.raises(InvalidAnswer, match="Rate each"):
        validate_answer(kind="pair", n_candidates=2, answer={"choice": "A"}, aspects=ASPECTS)
    with pytest.raises(InvalidAnswer, match="only those: helpfulness"):
        validate_answer(kind="pair", n_candidates=2, aspects=ASPECTS, answer={
            "choice": "A", "ratings": {k: {"helpfulness": 3, "correctness": 3} for k in "01"}})
    # rank is not rated by this rubric: ratings are refused, not silently dropped
    with pytest.raises(InvalidAnswer, match='rates no aspects on rank tasks: send no "ratings"'):
        validate_answer(kind="rank", n_candidates=2, answer={"order": [1, 0], "ratings": ratings}, aspects=ASPECTS)
    assert validate_answer(kind="rank", n_candidates=2, answer={"order": [1, 0]}, aspects=ASPECTS) == {"order": [1, 0]}


# --- the form's fields --------------------------------------------------------------------

def test_the_forms_rating_fields_read_back_as_the_answer_and_fill_the_controls():
    post = {"rate_0_helpfulness": "5", "rate_0_correctness": "3", "rate_1_helpfulness": "2", "rate_1_correctness": "1"}
    answer = answer_from_post("rate", 2, post, ASPECTS)
    stored = validate_answer(kind="rate", n_candidates=2, answer=answer, aspects=ASPECTS)
    assert stored == {"ratings": {"0": {"helpfulness": 5, "correctness": 3}, "1": {"helpfulness": 2, "correctness": 1}}}
    assert post_from_answer("rate", stored) == post
    pair = answer_from_post("pair", 2, {"choice": "B", "rate_0_helpfulness": "1", "rate_1_helpfulness": "4"}, ASPECTS)
    assert pair == {"choice": "B", "strength": None, "ratings": {"0": {"helpfulness": 1}, "1": {"helpfulness": 4}}}
    with pytest.raises(InvalidAnswer, match="Rate every response on every aspect"):
        answer_from_post("rate", 2, {"rate_0_helpfulness": "5"}, ASPECTS)
    with pytest.raises(InvalidAnswer, match="whole number"):
        answer_from_post("rate", 1, {"rate_0_helpfulness": "5.5", "rate_0_correctness": "1"}, ASPECTS)


# --- how a rated answer reads ----------------------------------------------------------

def test_ratings_read_in_the_numbers_shown_with_their_scales():
    answer = {"ratings": {"0": {"helpfulness": 4, "correctness": 3}, "1": {"helpfulness": 2, "correctness": 1}}}
    seen = answer_as_seen("rate", answer, [1, 0], aspects=ASPECTS)
    assert seen.summary == ("Response 1: helpfulness 2/5, correctness 1/3 · "
                            "Response 2: helpfulness 4/5, correctness 3/3")
    assert [r.ratings for r in seen.responses] == ["helpfulness 2/5, correctness 1/3", "helpfulness 4/5, correctness 3/3"]
    assert seen.canonical == canonical_text(answer, ASPECTS)  # the task's own order, for reviewers
    assert seen.canonical.startswith("Response 1: helpfulness 4/5")
    pair = answer_as_seen("pair", {"choice": "B", "strength": 2, "ratings": {"0": {"helpfulness": 4}, "1": {"helpfulness": 5}}},
                          [1, 0], aspects=ASPECTS)
    assert pair.summary == "Response 1, clearly better; Response 1: helpfulness 5/5 · Response 2: helpfulness 4/5"


# --- codebook versions with a rubric -------------------------------------------------

def test_a_new_rubric_is_a_new_version_and_text_alone_keeps_the_rubric(project, admin_user, codebook):
    v2 = codebook_publish(project=project, text=codebook.text, rubric=RUBRIC, author=admin_user)
    assert v2.version == 2 and parse_rubric(v2.rubric) == ASPECTS
    assert codebook_publish(project=project, text=codebook.text, rubric=RUBRIC) == v2  # nothing changed
    v3 = codebook_publish(project=project, text="New words.")
    assert v3.version == 3 and v3.rubric == v2.rubric  # the rubric is kept unless given
    with pytest.raises(InvalidRubric, match="weight"):
        codebook_publish(project=project, text="Other.", rubric=[dict(RUBRIC[1], weight=-1)])
    assert project.codebooks.count() == 3 and project.codebooks.get(is_active=True) == v3


def test_the_codebook_page_refuses_a_bad_rubric_with_400_and_saves_nothing(client, project, admin_user, codebook):
    client.force_login(admin_user)
    url = reverse("labelling:codebook_edit", args=[project.slug])
    assert "How a rubric is written" in client.get(url).content.decode()
    for rubric, message in [("[{", "not valid JSON"), (json.dumps([{"name": "h"}]), "needs a question")]:
        response = client.post(url, {"text": "# Rules\n\nRate them.", "rubric": rubric})
        assert response.status_code == 400 and message in response.content.decode()
        assert "Rate them." in response.content.decode()  # what was typed stays
    assert CodebookVersion.objects.filter(project=project).count() == 1
    response = client.post(url, {"text": "# Rules\n\nRate them.", "rubric": json.dumps(RUBRIC)})
    assert response.status_code == 302
    active = project.codebooks.get(is_active=True)
    assert active.version == 2 and parse_rubric(active.rubric) == ASPECTS
    page = client.get(reverse("labelling:codebook", args=[project.slug])).content.decode()
    assert 'data-testid="rubric"' in page and "Does it help?" in page and "Not at all" in page and "weight 2" in page


def test_the_api_publishes_a_rubric_and_refuses_a_bad_one(api_as, project, admin_user, codebook):
    api = api_as(admin_user)
    url = f"/api/v1/projects/{project.slug}/codebooks/"
    refused = api.post(url, {"text": "Rules.", "rubric": [{"name": "h", "question": "q", "scale": {"min": 3, "max": 2}}]},
                       format="json")
    assert refused.status_code == 400 and "2 to 11 points" in refused.json()["rubric"][0]
    assert project.codebooks.count() == 1
    created = api.post(url, {"text": "Rules.", "rubric": RUBRIC}, format="json")
    assert created.status_code == 201 and [a["name"] for a in created.json()["rubric"]] == ["helpfulness", "correctness"]


def test_a_published_rubric_never_changes(rubric_codebook):
    from django.core.exceptions import ValidationError

    rubric_codebook.rubric = []
    with pytest.raises(ValidationError, match="immutable"):
        rubric_codebook.save()
    bad = CodebookVersion(project=rubric_codebook.project, version=9, text="x", rubric=[{"name": "h"}])
    with pytest.raises(ValidationError, match="needs a question"):
        bad.clean()


# --- rate tasks: import, submit, edit, adjudicate ---------------------------------------

def test_rate_tasks_are_imported_only_under_a_rubric_that_rates_them(project, codebook):
    with pytest.raises(ImportRejected) as refused:
        import_jsonl(project=project, lines=jsonl_lines(rate_rows()))
    assert "kind rate needs a rubric" in str(refused.value.errors)
    assert not Task.objects.exists()


def test_rate_tasks_take_one_or_more_candidates(project, rubric_codebook):
    import_jsonl(project=project, lines=jsonl_lines(rate_rows(1, candidates=1) + [dict(rate_rows(1, 3)[0], external_id="r3")]))
    assert sorted(Task.objects.filter(kind="rate").values_list("candidate_count", flat=True)) == [1, 3]


def test_a_rate_label_from_the_page_stores_the_canonical_ratings(client, project, annotators, rubric_codebook):
    import_jsonl(project=project, lines=jsonl_lines(rate_rows(2)))
    client.force_login(annotators[0])
    page = client.get(reverse("labelling:label", args=[project.slug])).content.decode()
    assignment = Assignment.objects.get(annotator=annotators[0])
    assert page.count('data-testid="rating-row"') == 4 and 'name="rate_0_helpfulness"' in page
    assert "Not at all" in page and "Fully" in page  # the ends' descriptions
    url = reverse("labelling:submit", args=[project.slug, assignment.pk])
    base = {"submission_id": str(uuid.uuid4()), "codebook_version": "2", "rendered_at_ms": "1"}
    refused = client.post(url, {**base, "rate_0_helpfulness": "5"})
    assert refused.status_code == 400 and "Rate every response on every aspect" in refused.content.decode()
    assert not Label.objects.exists()
    fields = {"rate_0_helpfulness": "5", "rate_0_correctness": "2", "rate_1_helpfulness": "1", "rate_1_correctness": "3"}
    assert client.post(url, {**base, "submission_id": str(uuid.uuid4()), **fields}).status_code == 302
    label = Label.objects.get()
    assert label.codebook == rubric_codebook and label.kind == "rate"
    assert label.answer == {"ratings": {"0": {"helpfulness": 5, "correctness": 2}, "1": {"helpfulness": 1, "correctness": 3}}}
    listed = client.get(reverse("labelling:labels", args=[project.slug])).content.decode()
    assert "helpfulness 5/5, correctness 2/3" in listed
    detail = client.get(reverse("labelling:label_detail", args=[project.slug, label.pk])).content.decode()
    assert 'data-testid="seen-ratings"' in detail


def test_a_rate_label_over_the_api(api_as, project, annotators, rubric_codebook):
    import_jsonl(project=project, lines=jsonl_lines(rate_rows(1)))
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    assert task["task"]["kind"] == "rate" and '"ratings"' in task["answer_format"]
    body = {"submission_id": str(uuid.uuid4()), "time_spent_ms": 1000}
    url = f"/api/v1/projects/{project.slug}/assignments/{task['assignment']}/submit/"
    refused = api.post(url, {**body, "answer": {"ratings": {"0": {"helpfulness": 9, "correctness": 1},
                                                             "1": {"helpfulness": 1, "correctness": 1}}}}, format="json")
    assert refused.status_code == 400 and "from 1 to 5" in refused.json()["detail"] and not Label.objects.exists()
    ratings = {1: {"correctness": 1, "helpfulness": 2}, 0: {"helpfulness": 3, "correctness": 3}}
    created = api.post(url, {**body, "submission_id": str(uuid.uuid4()), "answer": {"ratings": ratings}}, format="json")
    assert created.status_code == 201
    assert Label.objects.get().answer == {"ratings": {"0": {"helpfulness": 3, "correctness": 3},
                                                      "1": {"helpfulness": 2, "correctness": 1}}}


def test_a_pair_under_the_rubric_needs_its_ratings_over_the_api(api_as, project, annotators, rubric_codebook):
    import_jsonl(project=project, lines=jsonl_lines(rate_rows(1, kind="pair")))
    api = api_as(annotators[0])
    task = api.post(f"/api/v1/projects/{project.slug}/next/").json()
    url = f"/api/v1/projects/{project.slug}/assignments/{task['assignment']}/submit/"
    body = {"time_spent_ms": 1000}
    refused = api.post(url, {**body, "submission_id": str(uuid.uuid4()), "answer": {"choice": "A"}}, format="json")
    assert refused.status_code == 400 and "helpfulness" in refused.json()["detail"]
    answer = {"choice": "A", "strength": 1, "ratings": {"0": {"helpfulness": 5}, "1": {"helpfulness": 2}}}
    assert api.post(url, {**body, "submission_id": str(uuid.uuid4()), "answer": answer}, format="json").status_code == 201
    assert Label.objects.get().answer == answer


def test_an_edit_is_checked_against_the_labels_own_rubric(project, annotators, rubric_codebook, admin_user):
    from tests.support.labels import make_label

    import_jsonl(project=project, lines=jsonl_lines(rate_rows(1)))
    task = Task.objects.get(kind="rate")
    label = make_label(task, annotators[0], rubric_codebook,
                       {"ratings": {"0": {"helpfulness": 1, "correctness": 1}, "1": {"helpfulness": 1, "correctness": 1}}})
    # A later version rates other aspects: the label keeps being read against its own.
    codebook_publish(project=project, text="Other rules.", rubric=[{"name": "tone", "question": "Polite?",
                                                                     "scale": {"min": 0, "max": 1}}])
    new = {"ratings": {"0": {"helpfulness": 4, "correctness": 2}, "1": {"helpfulness": 3, "correctness": 3}}}
    edited, revision = label_edit(project=project, user=annotators[0], label_id=label.pk, answer=new)
    assert revision is not None and Label.objects.get(pk=label.pk).answer == new
    with pytest.raises(InvalidAnswer):
        label_edit(project=project, user=annotators[0], label_id=label.pk, answer={"ratings": {"0": {"tone": 1}, "1": {"tone": 0}}})


def test_adjudication_rates_on_the_latest_labels_rubric(project, annotators, rubric_codebook, admin_user):
    from tests.support.labels import make_label

    import_jsonl(project=project, lines=jsonl_lines(rate_rows(1)))
    task = Task.objects.get(kind="rate")
    make_label(task, annotators[0], rubric_codebook,
               {"ratings": {"0": {"helpfulness": 1, "correctness": 1}, "1": {"helpfulness": 2, "correctness": 1}}})
    codebook_publish(project=project, text="Other rules.", rubric=[dict(RUBRIC[0], kinds=["pair"])])  # rates no rate tasks
    final = {"ratings": {"0": {"helpfulness": 5, "correctness": 3}, "1": {"helpfulness": 2, "correctness": 2}}}
    adjudication = quality_services.adjudicate(task=task, reviewer=admin_user, answer=final, make_gold=True)
    assert adjudication.answer == final
    task.refresh_from_db()
    assert task.is_gold and task.gold_answer == final


# --- quality figures on the new kind --------------------------------------------------

def test_quality_figures_take_rate_labels_without_breaking():
    a = {"ratings": {"0": {"helpfulness": 4, "correctness": 3}, "1": {"helpfulness": 2, "correctness": 1}}}
    b = {"ratings": {"0": {"helpfulness": 4, "correctness": 2}, "1": {"helpfulness": 2, "correctness": 1}}}
    assert unit_values(1, "rate", a) == []  # per-aspect agreement is its own figure
    assert "rate" not in agreement_by_kind([(1, "rate", a), (1, "rate", b)])
    assert majority_share("rate", [a, a, b]) == round(2 / 3, 3)  # the most split point: 0's correctness
    assert majority_share("rate", [a, a]) is None
    assert answer_matches("rate", a, a) and not answer_matches("rate", b, a)
    # ratings beside a pick leave the pair figures as they were
    rated_pair = {"choice": "A", "strength": None, "ratings": {"0": {"helpfulness": 1}, "1": {"helpfulness": 5}}}
    assert unit_values(1, "pair", rated_pair) == [("1", "A")]


def test_a_project_whose_default_kind_is_rate_imports_rate_tasks(project, rubric_codebook):
    project.default_task_kind = "rate"
    project.save()
    rows = [{k: v for k, v in row.items() if k != "kind"} for row in rate_rows(2)]
    import_jsonl(project=project, lines=jsonl_lines(rows))
    assert set(Task.objects.values_list("kind", flat=True)) == {"rate"} and Task.objects.count() == 2


def test_the_review_pages_take_rate_labels(client, project, rubric_codebook, annotators, reviewer):
    from tests.support.labels import make_label

    import_jsonl(project=project, lines=jsonl_lines(rate_rows(1)))
    task = Task.objects.get(kind="rate")
    for user, point in zip(annotators, (1, 1, 4)):
        make_label(task, user, rubric_codebook, {"ratings": {"0": {"helpfulness": point, "correctness": 2},
                                                             "1": {"helpfulness": 3, "correctness": 2}}})
    client.force_login(reviewer)
    assert client.get(reverse("quality:dashboard", args=[project.slug])).status_code == 200
    assert client.get(reverse("quality:dashboard", args=[project.slug]) + "?kind=rate").status_code == 200
    queue = client.get(reverse("quality:queue", args=[project.slug]) + "?kind=rate").content.decode()
    assert f"#{task.pk}" in queue and "Response 1 helpfulness: 1 ×2 · 4 ×1" in queue
    page = client.get(reverse("quality:adjudicate", args=[project.slug, task.pk])).content.decode()
    assert page.count('data-testid="rating-row"') == 4 and "helpfulness 4/5, correctness 2/3" in page


def test_rating_rows_show_again_whatever_a_refused_form_sent():
    from feedback.labelling.forms import rating_rows

    for odd in ("²", "0" * 5000, "x", ""):
        rows = rating_rows(ASPECTS, 0, {"rate_0_helpfulness": odd})
        assert rows[0]["posted_text"] == "" and [p["value"] for p in rows[0]["points"]] == [1, 2, 3, 4, 5]
        with pytest.raises(InvalidAnswer):
            answer_from_post("rate", 1, {"rate_0_helpfulness": odd, "rate_0_correctness": "1"}, ASPECTS)
    assert rating_rows(ASPECTS, 0, {"rate_0_helpfulness": "5"})[0]["posted_text"] == "Fully"


def test_a_rank_rated_by_its_rubric_reads_its_ratings_from_the_form():
    aspects = parse_rubric([dict(RUBRIC[1], kinds=["rank"])])
    post = {"rank_0": "2", "rank_1": "1", "rate_0_correctness": "3", "rate_1_correctness": "1"}
    answer = validate_answer(kind="rank", n_candidates=2, answer=answer_from_post("rank", 2, post, aspects), aspects=aspects)
    assert answer == {"order": [1, 0], "ratings": {"0": {"correctness": 3}, "1": {"correctness": 1}}}
    assert post_from_answer("rank", answer) == post
