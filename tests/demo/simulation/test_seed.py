"""Simulated labels go through the labelling services: leases, overlap, codebook."""
import random

from feedback.labelling.models import Label
from feedback.demo.simulation.annotators import SimulatedAnnotator
from feedback.demo.simulation.rules import prefer_shorter
from feedback.demo.simulation.seed import seed_labels, simulated_user
from tests.support.rows import jsonl_lines


def test_simulated_annotators_label_each_task_once_under_the_active_codebook(project, codebook):
    from feedback.labelling.services.imports import import_jsonl

    rows = [{"external_id": f"s-{i}", "prompt": f"Question {i}?", "kind": "pair",
             "candidates": [{"text": "Short.", "producer": "m"}, {"text": "A much longer answer here.", "producer": "m"}]}
            for i in range(6)]
    import_jsonl(project=project, lines=jsonl_lines(rows))
    users = [simulated_user(project, f"sim-{i}") for i in range(4)]
    assert not users[0].has_usable_password()
    counts = [seed_labels(project, user, SimulatedAnnotator(prefer_shorter, rng=random.Random(i))) for i, user in enumerate(users)]
    assert counts == [6, 6, 6, 0]  # overlap k=3 fills every task; the fourth finds none
    labels = Label.objects.filter(task__project=project)
    assert labels.count() == 18 and {label.codebook_id for label in labels} == {codebook.pk}
    assert all(label.answer["choice"] == "A" for label in labels)  # the short answer is candidate A
    assert seed_labels(project, users[0], SimulatedAnnotator(prefer_shorter), limit=1) == 0
