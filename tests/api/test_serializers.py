"""Hand-written representations match what their declared (schema) fields would give."""
import uuid

from rest_framework import serializers

from feedback.api.serializers import LabelSerializer, SubmitSerializer
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


def test_submit_serializers_validate_with_fields_of_their_own():
    """The declared fields are copied shallowly per instance, not deep-copied."""
    good = SubmitSerializer(data={"answer": {"choice": "A"}, "submission_id": str(uuid.uuid4()), "time_spent_ms": 5})
    bad = SubmitSerializer(data={"answer": {}, "submission_id": "nope", "time_spent_ms": -1, "rewrite": "x" * 20_001})
    assert good.is_valid() and not bad.is_valid()
    assert set(bad.errors) == {"submission_id", "time_spent_ms", "rewrite"}
    assert (good.validated_data["rewrite"], good.validated_data["codebook_version"]) == ("", None)
    for serializer in (good, bad):
        assert all(field.parent is serializer for field in serializer.fields.values())
    assert all(getattr(field, "parent", None) is None for field in SubmitSerializer._declared_fields.values())
