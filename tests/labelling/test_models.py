import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.labelling.models import (
    HELDOUT_PERCENT,
    Assignment,
    Candidate,
    CodebookVersion,
    Prompt,
    Split,
    split_for_external_id,
)
from feedback.labelling.services.codebooks import codebook_publish


def test_split_is_a_stable_hash_with_the_expected_share():
    ids = [f"prompt-{i}" for i in range(5000)]
    splits = [split_for_external_id(i) for i in ids]
    assert splits == [split_for_external_id(i) for i in ids]  # deterministic
    heldout = splits.count(Split.HELDOUT) / len(splits)
    assert abs(heldout - HELDOUT_PERCENT / 100) < 0.03


def test_prompt_split_is_fixed_and_never_changes(project):
    prompt = Prompt.objects.create(project=project, external_id="x-1", messages=[{"role": "user", "content": "hi"}])
    assert prompt.split == split_for_external_id("x-1")
    prompt.split = Split.TRAIN if prompt.split == Split.HELDOUT else Split.HELDOUT
    prompt.save()  # the stored split is recomputed from the id, so a hand edit cannot move it
    prompt.refresh_from_db()
    assert prompt.split == split_for_external_id("x-1")
    prompt.external_id = "x-2"
    with pytest.raises(ValidationError):
        prompt.save()


def test_external_id_unique_per_project(project):
    Prompt.objects.create(project=project, external_id="dup", messages=[{"role": "user", "content": "a"}])
    with pytest.raises(IntegrityError), transaction.atomic():
        Prompt.objects.create(project=project, external_id="dup", messages=[{"role": "user", "content": "b"}])


def test_published_codebook_is_immutable_and_editing_makes_a_new_version(project, admin_user):
    v1 = codebook_publish(project=project, text="Be kind.", author=admin_user)
    v1.text = "Be terse."
    with pytest.raises(ValidationError):
        v1.save()
    v2 = codebook_publish(project=project, text="Be terse.", author=admin_user)
    assert (v1.version, v2.version) == (1, 2)
    assert list(CodebookVersion.objects.filter(project=project, is_active=True)) == [v2]
    assert CodebookVersion.objects.get(pk=v1.pk).text == "Be kind."


def test_publishing_the_same_text_again_is_not_a_new_version(project, admin_user):
    v1 = codebook_publish(project=project, text="Same.", author=admin_user)
    assert codebook_publish(project=project, text="Same.", author=admin_user).pk == v1.pk


def test_only_one_active_codebook_per_project(project, codebook):
    with pytest.raises(IntegrityError), transaction.atomic():
        CodebookVersion.objects.create(project=project, version=99, text="x", is_active=True)


def test_adapter_candidates_must_name_their_adapter(project):
    prompt = Prompt.objects.create(project=project, external_id="p", messages=[{"role": "user", "content": "a"}])
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.create(prompt=prompt, text="t", producer_kind="adapter", producer_name="v1")


def test_one_assignment_per_annotator_and_task(tasks_of, annotators):
    task = tasks_of("pair", 1)[0]
    from django.utils import timezone

    Assignment.objects.create(task=task, annotator=annotators[0], expires_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(task=task, annotator=annotators[0], expires_at=timezone.now())


@pytest.mark.django_db
def test_no_index_of_the_labelling_tables_is_a_leading_part_of_another():
    """Such an index serves no query the longer one cannot, and costs every write (the
    hot tables are written several times per label). Django adds one per foreign key
    unless told not to (db_index=False)."""
    from django.apps import apps
    from django.db import connection

    redundant = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("labelling").get_models():
            table = model._meta.db_table
            partial = {c.name for c in [*model._meta.indexes, *model._meta.constraints] if getattr(c, "condition", None)}
            indexes = [
                (name, c) for name, c in connection.introspection.get_constraints(cursor, table).items()
                # Postgres's pattern-operator twin of a text column's index (for LIKE) is no duplicate.
                if c["index"] and not name.endswith("_like")
            ]
            for short_name, short in indexes:
                for long_name, long in indexes:
                    covers = long["columns"][:len(short["columns"])] == short["columns"]
                    if short_name != long_name and long_name not in partial and not short["unique"] and covers:
                        redundant.append((table, short_name, long_name))
    assert redundant == []


@pytest.mark.django_db
def test_every_declared_index_and_constraint_exists_in_the_database():
    """Migrations that alter a column can drop more than they say (on Postgres, AlterField
    of a foreign key took a partial unique index on the same column with it)."""
    from django.apps import apps
    from django.db import connection

    missing = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("labelling").get_models():
            present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            declared = {c.name for c in [*model._meta.indexes, *model._meta.constraints]}
            missing += [(model._meta.db_table, name) for name in sorted(declared - present)]
    assert missing == []


def test_the_dispute_threshold_is_edited_with_the_projects_settings_in_the_admin(client, project, make_user):
    """1.0 by default (every disagreement is a dispute, as before the setting); the admin
    takes 0.5 to 1.0 and refuses anything else with a message; the database refuses it too."""
    from django.urls import reverse

    from feedback.labelling.models import Project

    assert project.dispute_threshold == 1.0
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    url = reverse("admin:labelling_project_change", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'name="dispute_threshold"' in page and "majority share of its most split point is at most this" in page
    form = {"name": project.name, "slug": project.slug, "overlap": 3, "default_task_kind": "pair", "base_model": "demo",
            "lease_minutes": 30, "gold_rate": 0.1, "labels_editable_minutes": 1440, "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
            "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0}
    refused = client.post(url, {**form, "dispute_threshold": "0.4"})
    assert refused.status_code == 200 and "greater than or equal to 0.5" in refused.content.decode()
    assert client.post(url, {**form, "dispute_threshold": "0.67"}).status_code == 302
    project.refresh_from_db()
    assert project.dispute_threshold == 0.67
    with transaction.atomic(), pytest.raises(IntegrityError):
        Project.objects.filter(pk=project.pk).update(dispute_threshold=1.5)
