"""The demo ships a rubric codebook version and rate tasks (feedback/demo/rubric.py): the
simulated annotators' labels carry ratings wherever the rubric asks for them."""
from django.core.management import call_command

from feedback.labelling.models import Label, Project
from feedback.labelling.rubric import aspects_for, rubric_of


def test_the_demo_rates_on_its_rubric(db):
    call_command("load_demo")
    demo = Project.objects.get(slug="demo")
    active = demo.codebooks.get(is_active=True)
    aspects = rubric_of(active)
    assert [a.name for a in aspects_for(aspects, "rate")] == ["helpfulness", "correctness", "harmlessness"]
    assert [a.name for a in aspects_for(aspects, "pair")] == ["helpfulness"]
    assert all(a.low == 1 and a.high == 5 and a.describe(1) and a.describe(5) for a in aspects)
    rate_labels = Label.objects.filter(task__project=demo, kind="rate")
    assert demo.tasks.filter(kind="rate").count() >= 5 and rate_labels.exists()
    for label in rate_labels:
        assert set(label.answer) == {"ratings"} and len(label.answer["ratings"]) == label.task.candidate_count
    assert all("ratings" in label.answer for label in Label.objects.filter(task__project=demo, kind="pair"))
    call_command("load_demo")  # again: no second rubric version
    assert demo.codebooks.count() == 2
