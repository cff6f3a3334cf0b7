"""The edit and undo pages through Django's test client: what they store, and a clear
4xx with its message for each refusal (not theirs, the window passed, undone already,
an answer that does not fit)."""
from datetime import timedelta

import pytest
from django.urls import reverse

from feedback.labelling.models import Assignment, AssignmentStatus, Label, LabelRevision
from tests.labelling.test_revisions import label_one


@pytest.fixture
def alice_label(project, annotators, tasks_of):
    tasks_of("pair", 3)
    return label_one(project, annotators[0], {"choice": "A"})


def edit_url(label):
    return reverse("labelling:label_edit", args=[label.task.project.slug, label.pk])


def undo_url(label):
    return reverse("labelling:label_undo", args=[label.task.project.slug, label.pk])


def test_the_annotator_edits_from_the_form(client, annotators, alice_label):
    client.force_login(annotators[0])
    form = client.get(edit_url(alice_label))
    assert form.status_code == 200 and b'name="choice" value="A" required checked' in form.content
    response = client.post(edit_url(alice_label), {"choice": "B", "strength": "2", "comment": "clearer"})
    assert response.status_code == 302 and response["Location"].endswith(f"/labels/{alice_label.pk}/")
    alice_label.refresh_from_db()
    assert alice_label.answer == {"choice": "B", "strength": 2} and alice_label.comment == "clearer"
    page = client.get(response["Location"]).content.decode()
    assert "Edited" in page and "Response" in page and "data-testid=\"revision\"" in page


def test_a_bad_answer_is_a_400_with_its_message_and_keeps_what_was_given(client, annotators, alice_label):
    client.force_login(annotators[0])
    response = client.post(edit_url(alice_label), {"choice": "C", "comment": "kept"})
    assert response.status_code == 400
    assert "Choose A, B, tie or both bad" in response.content.decode() and ">kept</textarea>" in response.content.decode()
    assert LabelRevision.objects.count() == 0


def test_a_reviewer_sees_but_cannot_change(client, reviewer, alice_label):
    client.force_login(reviewer)
    assert client.get(reverse("labelling:label_detail", args=["answers", alice_label.pk])).status_code == 200
    refused = client.get(edit_url(alice_label))
    assert refused.status_code == 403 and "only its annotator can" in refused.content.decode()
    posted = client.post(undo_url(alice_label))
    assert posted.status_code == 403 and "Only the annotator who gave a label" in posted.content.decode()
    assert Label.objects.filter(pk=alice_label.pk).exists()


def test_another_annotator_gets_a_404(client, annotators, alice_label):
    client.force_login(annotators[1])
    response = client.post(edit_url(alice_label), {"choice": "B"})
    assert response.status_code == 404 and "No such label of yours" in response.content.decode()


def test_the_window_passed_is_a_403(client, project, annotators, alice_label):
    Label.objects.filter(pk=alice_label.pk).update(created_at=alice_label.created_at - timedelta(days=2))
    client.force_login(annotators[0])
    response = client.post(edit_url(alice_label), {"choice": "B"})
    assert response.status_code == 403 and "1 day after they are submitted" in response.content.decode()
    assert client.post(undo_url(alice_label)).status_code == 403
    assert Label.objects.get(pk=alice_label.pk).answer["choice"] == "A"


def test_undo_from_the_label_page_then_again_is_a_404(client, project, annotators, alice_label):
    client.force_login(annotators[0])
    assert client.get(undo_url(alice_label)).status_code == 405  # POST only
    response = client.post(undo_url(alice_label))
    assert response.status_code == 302 and response["Location"] == reverse("labelling:label", args=[project.slug])
    assert Assignment.objects.get(pk=alice_label.assignment_id).status == AssignmentStatus.LEASED
    again = client.post(undo_url(alice_label))
    assert again.status_code == 404 and "undone already" in again.content.decode()


def test_undo_last_with_htmx_shows_the_task_again(client, project, annotators, alice_label):
    client.force_login(annotators[0])
    url = reverse("labelling:undo_last", args=[project.slug])
    response = client.post(url, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="undone"' in page
    assert f"/label/{alice_label.assignment_id}/submit/" in page
    # Nothing left: the task area says why, and no post writes anything.
    response = client.post(url, headers={"HX-Request": "true"})
    assert "You have no label to undo" in response.content.decode()
    plain = client.post(url)
    assert plain.status_code == 302 and LabelRevision.objects.count() == 1
