"""Label pages that start from a label: every label once, newest first (created_at, then
id), whichever way the pages are walked."""
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.labelling.keyset import newest_first
from feedback.labelling.models import Label
from tests.support.labels import make_label


@pytest.fixture
def labelled(annotators, codebook, tasks_of):
    """Nine labels by three annotators, three to a moment (so id decides within one),
    created out of id order: the newest moment holds the lowest ids."""
    tasks = tasks_of("pair", 3)
    start = timezone.now()
    labels = []
    for n, (task, user) in enumerate((t, u) for t in tasks for u in annotators):
        labels.append(make_label(task, user, codebook, {"choice": "A"}, when=start - timedelta(minutes=n // 3)))
    return labels


def order_of(labels) -> list[int]:
    return [label.pk for label in sorted(labels, key=lambda label: (label.created_at, label.pk), reverse=True)]


def walk_older(labels, visible, size):
    page = newest_first(labels, visible=visible, size=size)
    pages = [page]
    while page.older is not None:
        page = newest_first(labels, visible=visible, size=size, before=page.older)
        pages.append(page)
    return pages


def test_older_pages_hold_every_label_once_in_order(labelled, project):
    labels = Label.objects.filter(task__project=project)
    pages = walk_older(labels, labels, size=4)
    assert [len(p.labels) for p in pages] == [4, 4, 1]
    assert [label.pk for p in pages for label in p.labels] == order_of(labelled)
    assert [p.is_first for p in pages] == [True, False, False]
    assert pages[0].newer is None and pages[1].newer == pages[1].labels[0].pk


def test_newer_pages_walk_back_to_the_newest(labelled, project):
    labels = Label.objects.filter(task__project=project)
    oldest = walk_older(labels, labels, size=4)[-1]
    back = newest_first(labels, visible=labels, size=4, after=oldest.newer)
    assert [label.pk for label in back.labels] == order_of(labelled)[4:8] and back.older == back.labels[-1].pk
    # Fewer than a page newer than this one: the newest page, as from the start.
    top = newest_first(labels, visible=labels, size=4, after=back.newer)
    assert top.is_first and [label.pk for label in top.labels] == order_of(labelled)[:4] and top.newer is None


def test_a_filter_pages_within_the_visible_labels(labelled, project, annotators):
    """The edge label is looked up among the visible labels, so a filtered page can
    start from a label the filter leaves out."""
    visible = Label.objects.filter(task__project=project)
    bobs = visible.filter(annotator=annotators[1])
    everyone = order_of(labelled)
    edge = everyone[3]
    page = newest_first(bobs, visible=visible, size=10, before=edge)
    older_bobs = [pk for pk in everyone[4:] if Label.objects.get(pk=pk).annotator_id == annotators[1].pk]
    assert [label.pk for label in page.labels] == older_bobs


def test_a_label_out_of_sight_is_no_place_to_start(labelled, project, annotators):
    """Another annotator's label (or no such label) gives the newest page, not a page
    placed by that label's time."""
    alices = Label.objects.filter(task__project=project, annotator=annotators[0])
    bobs_label = next(label for label in labelled if label.annotator_id == annotators[1].pk)
    for edge in (bobs_label.pk, 10**12):
        page = newest_first(alices, visible=alices, size=2, before=edge)
        assert page.is_first and [label.pk for label in page.labels] == order_of(alices)[:2]


def test_no_labels_no_pages(project):
    page = newest_first(Label.objects.filter(task__project=project), visible=Label.objects.none(), size=2, before=1)
    assert page.labels == [] and page.older is None and page.newer is None
