"""Quality pages are for reviewers and admins."""
from django.urls import reverse

from feedback.labelling.models import Role, Task
from feedback.quality.models import Adjudication
from tests.conftest import jsonl_lines
from tests.support.labels import make_label


def test_dashboard_and_adjudication_are_reviewer_only(client, project, annotators, codebook, make_user):
    from feedback.labelling.services.imports import import_jsonl

    import_jsonl(project=project, lines=jsonl_lines([{"external_id": "x", "prompt": "Q?", "kind": "pair",
                 "candidates": [{"text": "one", "producer": "m"}, {"text": "two", "producer": "m"}]}]))
    task = Task.objects.get(project=project)
    make_label(task, annotators[0], codebook, {"choice": "A", "strength": None})
    make_label(task, annotators[1], codebook, {"choice": "B", "strength": None})
    dashboard = reverse("quality:dashboard", args=[project.slug])
    adjudicate = reverse("quality:adjudicate", args=[project.slug, task.pk])
    client.force_login(annotators[0])
    assert client.get(dashboard).status_code == 403 and client.get(adjudicate).status_code == 403
    assert client.post(adjudicate, {"choice": "A"}).status_code == 403 and not Adjudication.objects.exists()

    reviewer = make_user("rita", project=project, role=Role.REVIEWER)
    client.force_login(reviewer)
    page = client.get(dashboard).content.decode()
    assert adjudicate in page and "alice" in page
    assert "two" in client.get(adjudicate).content.decode()
    assert client.post(adjudicate, {"choice": "B", "note": "two is right", "make_gold": "on"}).status_code == 302
    adjudication = Adjudication.objects.get(task=task)
    assert adjudication.answer["choice"] == "B" and adjudication.reviewer == reviewer
    task.refresh_from_db()
    assert not task.is_gold  # only admins make gold items
    assert client.post(adjudicate, {"choice": ""}).status_code == 400
