"""The annotator pages through Django's test client, with and without htmx."""
import io
import re
import uuid

import pytest
from django.urls import reverse

from feedback.labelling.models import Assignment, Label
from feedback.labelling.services.codebooks import codebook_publish
from tests.support.rows import jsonl_lines, sample_rows


@pytest.fixture
def alice_client(client, annotators):
    client.force_login(annotators[0])
    return client


def label_url(project):
    return reverse("labelling:label", args=[project.slug])


def test_login_required(client, project):
    response = client.get(label_url(project))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_project_list_shows_only_my_projects(alice_client, project, make_user):
    from feedback.labelling.models import Project

    Project.objects.create(name="Secret project", slug="secret")
    page = alice_client.get(reverse("labelling:project_list")).content.decode()
    assert "Assistant answers" in page and "Secret project" not in page


@pytest.mark.parametrize("role, natural, others", [
    ("annotator", "labelling:label", ["labelling:codebook", "labelling:labels"]),
    ("reviewer", "quality:dashboard", ["quality:queue", "labelling:label"]),
    ("admin", "quality:dashboard", ["quality:queue", "loop:runs", "labelling:import", "labelling:label"]),
])
def test_the_project_card_leads_each_role_to_its_page(client, make_user, project, role, natural, others):
    """The card's name and its first button go to the role's natural page; the other
    buttons to the pages that role uses next, and nowhere the role may not go."""
    client.force_login(make_user("someone", project=project, role=role))
    page = client.get(reverse("labelling:project_list")).content.decode()
    card = page[page.index('data-testid="project-card"'):page.index("</article>")]
    heading = re.search(r'<h2><a href="([^"]+)">', card).group(1)
    buttons = re.findall(r'<a class="button( primary)?" href="([^"]+)"', card)
    assert heading == reverse(natural, args=[project.slug])
    assert buttons == [(" primary", heading)] + [("", reverse(name, args=[project.slug])) for name in others]
    for href in [heading] + [href for _, href in buttons]:
        assert client.get(href).status_code != 404, href


def test_non_members_get_404(client, make_user, project, codebook):
    client.force_login(make_user("mallory"))
    assert client.get(label_url(project)).status_code == 404
    assert client.get(reverse("labelling:labels", args=[project.slug])).status_code == 404


def test_label_page_renders_task_codebook_and_shortcuts(alice_client, project, tasks_of):
    tasks_of("pair", 2)
    page = alice_client.get(label_url(project)).content.decode()
    assert 'id="label-form"' in page
    assert "Codebook v1" in page and "Prefer correct, short answers." in page
    assert "<kbd>Enter</kbd>" in page and "Keyboard shortcuts" in page
    assert 'name="submission_id"' in page


def test_no_js_submit_saves_and_redirects_to_the_next_task(alice_client, annotators, project, tasks_of):
    tasks_of("pair", 2)
    alice_client.get(label_url(project))
    assignment = Assignment.objects.get(annotator=annotators[0])
    response = alice_client.post(
        reverse("labelling:submit", args=[project.slug, assignment.pk]),
        {"submission_id": str(uuid.uuid4()), "choice": "B", "strength": "2", "codebook_version": "1", "rendered_at_ms": "1"},
    )
    assert response.status_code == 302 and response["Location"] == label_url(project)
    label = Label.objects.get()
    assert label.answer == {"choice": "B", "strength": 2}
    assert label.display_order == assignment.display_order
    assert label.time_spent_ms > 0  # from the rendered_at field, without JavaScript


def test_htmx_submit_swaps_in_the_next_task(alice_client, annotators, project, tasks_of):
    tasks_of("thumbs", 2)
    alice_client.get(label_url(project))
    first = Assignment.objects.get(annotator=annotators[0])
    response = alice_client.post(
        reverse("labelling:submit", args=[project.slug, first.pk]),
        {"submission_id": str(uuid.uuid4()), "thumb_0": "up", "thumb_1": "down", "time_spent_ms": "2500"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="label-form"' in body and "Saved" in body
    second = Assignment.objects.exclude(pk=first.pk).get(annotator=annotators[0])
    assert f"/label/{second.pk}/submit/" in body
    assert Label.objects.get().time_spent_ms == 2500


def test_invalid_answer_shows_the_task_again_with_a_message(alice_client, annotators, project, tasks_of):
    tasks_of("rank", 1)
    alice_client.get(label_url(project))
    assignment = Assignment.objects.get(annotator=annotators[0])
    response = alice_client.post(
        reverse("labelling:submit", args=[project.slug, assignment.pk]),
        {"submission_id": str(uuid.uuid4()), "rank_0": "1", "rank_1": "1", "rank_2": "2"},
    )
    assert response.status_code == 400
    assert "Use each rank from 1 to 3 exactly once." in response.content.decode()
    assert not Label.objects.exists()


def test_a_refused_submit_warns_and_does_not_say_saved(alice_client, annotators, project, tasks_of):
    tasks_of("pair", 2)
    alice_client.get(label_url(project))
    assignment = Assignment.objects.get(annotator=annotators[0])
    url = reverse("labelling:submit", args=[project.slug, assignment.pk])
    saved = alice_client.post(url, {"submission_id": str(uuid.uuid4()), "choice": "A"}, follow=True)
    assert "Saved." in saved.content.decode()
    response = alice_client.post(url, {"submission_id": str(uuid.uuid4()), "choice": "B"}, follow=True)
    page = response.content.decode()
    assert "You already labelled this task." in page and "Saved." not in page
    assert Label.objects.count() == 1


def test_rank_form_maps_ranks_to_canonical_order(alice_client, annotators, project, tasks_of):
    tasks_of("rank", 1)
    alice_client.get(label_url(project))
    assignment = Assignment.objects.get(annotator=annotators[0])
    alice_client.post(
        reverse("labelling:submit", args=[project.slug, assignment.pk]),
        {"submission_id": str(uuid.uuid4()), "rank_0": "3", "rank_1": "1", "rank_2": "2", "keep_shown_order": "1"},
    )
    assert Label.objects.get().answer == {"order": [1, 2, 0]}


def test_the_rank_selects_start_blank_and_must_each_be_chosen(alice_client, annotators, project, tasks_of):
    tasks_of("rank", 1)
    page = alice_client.get(label_url(project)).content.decode()
    assert page.count('<option value="">—</option>') == 3 and "selected" not in page.split('id="rank-list"')[1]
    assignment = Assignment.objects.get(annotator=annotators[0])
    response = alice_client.post(reverse("labelling:submit", args=[project.slug, assignment.pk]),
                                 {"submission_id": str(uuid.uuid4()), "rank_0": "1", "rank_1": "", "rank_2": "",
                                  "keep_shown_order": "1"})
    assert response.status_code == 400 and "Give every response a rank" in response.content.decode()
    assert not Label.objects.exists()


def test_the_page_shares_the_services_rule_for_the_order_shown(alice_client, annotators, project, tasks_of):
    """The ranks of the order shown, without the field the page sets once the annotator
    ranked: refused by the service, the task shown again with the ranks kept."""
    tasks_of("rank", 1)
    alice_client.get(label_url(project))
    assignment = Assignment.objects.get(annotator=annotators[0])
    ranks = {f"rank_{position}": str(rank) for rank, position in enumerate(assignment.display_order, 1)}
    url = reverse("labelling:submit", args=[project.slug, assignment.pk])
    refused = alice_client.post(url, {"submission_id": str(uuid.uuid4()), "keep_shown_order": "", **ranks})
    page = refused.content.decode()
    assert refused.status_code == 400 and "the order the responses were shown in" in page
    assert page.count(" selected>") == 3 and not Label.objects.exists()
    alice_client.post(url, {"submission_id": str(uuid.uuid4()), "keep_shown_order": "1", **ranks})
    assert Label.objects.get().answer == {"order": assignment.display_order}


def test_a_reused_submission_id_shows_the_task_again(alice_client, annotators, project, tasks_of):
    project.gold_rate = 0
    project.save()
    tasks_of("pair", 2)
    alice_client.get(label_url(project))
    first = Assignment.objects.get(annotator=annotators[0])
    sid = str(uuid.uuid4())
    alice_client.post(reverse("labelling:submit", args=[project.slug, first.pk]), {"submission_id": sid, "choice": "A"})
    second = Assignment.objects.exclude(pk=first.pk).get(annotator=annotators[0])
    response = alice_client.post(reverse("labelling:submit", args=[project.slug, second.pk]),
                                 {"submission_id": sid, "choice": "B"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "already used for another task" in body and f"/label/{second.pk}/submit/" in body and sid not in body
    second.refresh_from_db()
    assert second.status == "leased" and Label.objects.count() == 1


def test_all_caught_up_says_none_left_while_others_hold_the_last_task(client, annotators, project, tasks_of):
    from feedback.labelling.services.assignments import assignment_next

    project.overlap, project.gold_rate = 1, 0
    project.save()
    tasks_of("pair", 1)
    assignment_next(project=project, user=annotators[1])  # bob holds the only slot
    client.force_login(annotators[0])
    page = client.get(label_url(project)).content.decode()
    assert 'data-testid="no-task"' in page and '<span data-testid="remaining-count">0</span> left' in page
    assert "1 more task is with other annotators right now; it comes back here if a lease runs out" in page


def test_skip_moves_on(alice_client, annotators, project, tasks_of):
    tasks_of("pair", 2)
    alice_client.get(label_url(project))
    first = Assignment.objects.get(annotator=annotators[0])
    alice_client.post(reverse("labelling:skip", args=[project.slug, first.pk]))
    first.refresh_from_db()
    assert first.status == "skipped"


def test_new_codebook_redirects_to_acknowledge_first(alice_client, annotators, admin_user, project, tasks_of):
    tasks_of("pair", 1)
    codebook_publish(project=project, text="## v2\n\nNew rule: <script>alert(1)</script> be brief.", author=admin_user)
    response = alice_client.get(label_url(project))
    assert response.status_code == 302 and "codebook" in response["Location"]
    page = alice_client.get(response["Location"]).content.decode()
    assert "New rule:" in page and "<script>alert(1)</script>" not in page  # sanitized
    response = alice_client.post(
        reverse("labelling:codebook_ack", args=[project.slug]), {"version": "2", "next": "label"}
    )
    assert response["Location"] == label_url(project)
    assert alice_client.get(label_url(project)).status_code == 200


def test_htmx_request_gets_a_client_redirect_to_the_codebook(alice_client, annotators, admin_user, project, tasks_of):
    tasks_of("pair", 2)
    alice_client.get(label_url(project))
    assignment = Assignment.objects.get(annotator=annotators[0])
    codebook_publish(project=project, text="Changed while labelling.", author=admin_user)
    response = alice_client.post(
        reverse("labelling:submit", args=[project.slug, assignment.pk]),
        {"submission_id": str(uuid.uuid4()), "choice": "A", "codebook_version": "1"},
        HTTP_HX_REQUEST="true",
    )
    # The label given under v1 is kept (nothing lost); the next task waits for v2.
    assert Label.objects.get().codebook.version == 1
    assert "codebook" in response["HX-Redirect"]


def test_annotator_cannot_read_another_annotators_label(client, annotators, project, tasks_of):
    tasks_of("pair", 1)
    from feedback.labelling.services.assignments import assignment_next
    from feedback.labelling.services.labels import Submission, label_submit

    bob = annotators[1]
    label, _ = label_submit(
        assignment_id=assignment_next(project=project, user=bob).pk,
        user=bob,
        submission=Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=5),
    )
    client.force_login(annotators[0])
    assert client.get(reverse("labelling:label_detail", args=[project.slug, label.pk])).status_code == 404
    assert "bob" not in client.get(reverse("labelling:labels", args=[project.slug])).content.decode()
    client.force_login(bob)
    assert client.get(reverse("labelling:label_detail", args=[project.slug, label.pk])).status_code == 200


def test_reviewer_sees_all_labels_of_the_project(client, annotators, reviewer, project, tasks_of):
    tasks_of("pair", 1)
    from feedback.labelling.services.assignments import assignment_next
    from feedback.labelling.services.labels import Submission, label_submit

    label, _ = label_submit(
        assignment_id=assignment_next(project=project, user=annotators[1]).pk,
        user=annotators[1],
        submission=Submission(answer={"choice": "A"}, submission_id=uuid.uuid4(), time_spent_ms=5),
    )
    client.force_login(reviewer)
    assert client.get(reverse("labelling:label_detail", args=[project.slug, label.pk])).status_code == 200
    assert "bob" in client.get(reverse("labelling:labels", args=[project.slug])).content.decode()


def test_import_upload_is_for_admins_and_reports_bad_lines(client, admin_user, annotators, project):
    url = reverse("labelling:import", args=[project.slug])
    client.force_login(annotators[0])
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    bad = io.BytesIO(("\n".join(jsonl_lines(sample_rows(2))) + "\n{oops\n").encode())
    bad.name = "bad.jsonl"
    response = client.post(url, {"file": bad})
    assert response.status_code == 400 and "Line 3:" in response.content.decode()
    assert not project.prompts.exists()
    good = io.BytesIO("\n".join(jsonl_lines(sample_rows(2))).encode())
    good.name = "good.jsonl"
    response = client.post(url, {"file": good}, follow=True)
    assert "2 new prompts" in response.content.decode()


def test_admin_publishes_a_new_codebook_version(client, admin_user, annotators, project, codebook):
    url = reverse("labelling:codebook_edit", args=[project.slug])
    client.force_login(annotators[0])
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    client.post(url, {"text": "# Rules v2", "change_note": "shorter"})
    assert project.codebooks.get(is_active=True).version == 2


def test_labels_read_as_the_annotator_saw_them(client, annotators, reviewer, project, codebook, tasks_of):
    """A pick of the response shown second is "Response 2", whatever its canonical
    letter; reviewers also see the stored form."""
    from tests.support.labels import make_label

    pair, = tasks_of("pair", 1)
    rank, = tasks_of("rank", 1)
    alice = annotators[0]
    picked = make_label(pair, alice, codebook, {"choice": "A", "strength": 2})
    ranked = make_label(rank, alice, codebook, {"order": [2, 0, 1]})
    Label.objects.filter(pk=picked.pk).update(display_order=[1, 0])  # A (position 0) was shown second
    Label.objects.filter(pk=ranked.pk).update(display_order=[1, 2, 0])
    client.force_login(alice)
    page = client.get(reverse("labelling:labels", args=[project.slug])).content.decode()
    assert "Response 2, clearly better" in page and "Response 2 &gt; Response 3 &gt; Response 1" in page
    assert "Answer 0 to question 0." in page  # the responses' text
    assert 'data-testid="canonical"' not in page
    detail = client.get(reverse("labelling:label_detail", args=[project.slug, picked.pk])).content.decode()
    assert "Response 2, clearly better" in detail and "{&#x27;choice&#x27;" not in detail and "canonical" not in detail
    client.force_login(reviewer)
    page = client.get(reverse("labelling:labels", args=[project.slug])).content.decode()
    assert "Response 1 (clearly better)" in page and "3 &gt; 1 &gt; 2" in page  # the task's own numbering
    detail = client.get(reverse("labelling:label_detail", args=[project.slug, picked.pk])).content.decode()
    assert "Response 2, clearly better" in detail and "Response 1 (clearly better)" in detail and "in the task: Response 1 (A)" in detail


def test_label_list_pages_from_a_label_newest_first(client, annotators, reviewer, project, codebook, tasks_of):
    """Fifty a page, newest first; "Older" starts the next page after the page's last
    label, "Newer" goes back, and the annotator filter stays on both."""
    from tests.support.labels import make_label

    labels = [make_label(task, user, codebook, {"choice": "A"}) for task in tasks_of("pair", 18) for user in annotators]
    newest = [label.pk for label in sorted(labels, key=lambda label: (label.created_at, label.pk), reverse=True)]
    url = reverse("labelling:labels", args=[project.slug])

    def rows(query=None) -> tuple[list[int], str]:
        page = client.get(url, query or {}).content.decode()
        return [int(pk) for pk in re.findall(rf'href="/p/{project.slug}/labels/(\d+)/"', page)], page

    client.force_login(reviewer)
    first, page = rows()
    assert first == newest[:50] and "Newer" not in page and f'href="?before={newest[49]}&annotator="' in page
    older, page = rows({"before": newest[49]})
    assert older == newest[50:] and "Older →" not in page
    assert f'href="?after={newest[50]}&annotator="' in page and "Newest" in page
    assert rows({"after": newest[50]})[0] == first
    bobs, page = rows({"annotator": "bob", "before": newest[0]})
    bob = annotators[1]
    assert bobs == [pk for pk in newest[1:] if Label.objects.get(pk=pk).annotator_id == bob.pk]
    assert rows({"annotator": "nobody"})[0] == []
    assert rows({"before": "x²", "after": "-1"})[0] == first
