"""Hand-written representations match what their declared (schema) fields would give."""
from rest_framework import serializers

from feedback.api.serializers import LabelSerializer
from feedback.labelling.models import Label
from tests.support.labels import make_label


def test_label_representation_matches_its_declared_fields(annotators, codebook, tasks_of):
    task = tasks_of("rank", 1)[0]
    made = make_label(task, annotators[0], codebook, {"order": [2, 0, 1]}, rewrite="Better: ünïcode.")
    label = Label.objects.select_related("task__prompt", "annotator", "codebook").get(pk=made.pk)
    direct = LabelSerializer(label).data
    by_fields = serializers.Serializer.to_representation(LabelSerializer(label), label)
    assert list(direct) == list(by_fields)
    assert dict(direct) == dict(by_fields)
    assert direct["created_at"].endswith("Z") and direct["submission_id"] == str(made.submission_id)
