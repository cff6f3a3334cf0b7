"""A selection's whole cells are the same in Python (which cells to sum, which to cut)
and in SQL (the annotators' sums, the disputed tasks): every cell is counted once."""
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.labelling.models import Project
from feedback.quality.kept.contributions import LabelRow, TaskInfo
from feedback.quality.kept.selection import CUT, OUT, WHOLE, Selection
from feedback.quality.models import MIXED_VERSIONS, AgreementCell
from tests.support.strategies import fuzz_settings

FIRST = date(2026, 3, 1)


def keys():
    """(kind, version, split, first day, last day, version slice): a slice is one version's
    part of a task labelled under several."""
    return st.builds(lambda kind, version, split, first, span, version_slice: (
        kind, version, split, FIRST + timedelta(days=first), FIRST + timedelta(days=first + span),
        version_slice and version != MIXED_VERSIONS),
        st.sampled_from(["pair", "rank", "thumbs"]), st.sampled_from([MIXED_VERSIONS, 1, 2, 3]),
        st.sampled_from(["train", "heldout"]), st.integers(0, 10), st.sampled_from([0, 0, 1, 2, 8]), st.booleans())


def moments():
    return st.none() | st.builds(lambda minutes: datetime(2026, 3, 1, tzinfo=dt_timezone.utc) + timedelta(minutes=minutes),
                                 st.sampled_from([0, 24 * 60, 3 * 24 * 60]) | st.integers(-3000, 20000))


def selections():
    return st.builds(Selection, kinds=st.frozensets(st.sampled_from(["pair", "rank", "thumbs"]), max_size=2),
                     versions=st.frozensets(st.sampled_from([1, 2, 3]), max_size=2), since=moments(), until=moments(),
                     split=st.none() | st.sampled_from(["train", "heldout"]))


@pytest.mark.django_db
@fuzz_settings(examples=40)
@given(cells=st.lists(keys(), unique=True, min_size=1, max_size=12), selection=selections())
def test_whole_cells_agree_in_python_and_in_sql(cells, selection):
    project = Project.objects.create(name="cells", slug=f"cells-{Project.objects.count()}", overlap=3)
    fields = ("kind", "version", "split", "first_day", "last_day", "version_slice")
    AgreementCell.objects.bulk_create([AgreementCell(project=project, **dict(zip(fields, key))) for key in cells])
    in_sql = {tuple(row) for row in AgreementCell.objects.filter(selection.whole_cells(), project=project)
              .values_list(*fields)}
    assert in_sql == {key for key in cells if selection.state(*key) == WHOLE}


@fuzz_settings(examples=200)
@given(key=keys(), selection=selections(), minutes=st.lists(st.integers(0, 24 * 60 - 1), min_size=1, max_size=4),
       versions=st.lists(st.sampled_from([1, 2, 3]), min_size=4, max_size=4))
def test_a_cell_is_out_only_when_none_of_its_labels_is_kept_and_whole_only_when_all_are(key, selection, minutes,
                                                                                         versions):
    kind, version, split, first_day, last_day, version_slice = key
    days = [first_day, last_day, first_day + (last_day - first_day) / 2, last_day]
    labels = [LabelRow(0, {}, [], 0, datetime.combine(day, datetime.min.time(), tzinfo=dt_timezone.utc)
                       + timedelta(minutes=m), version if version != MIXED_VERSIONS else v)
              for day, m, v in zip(days, minutes, versions)]
    task = TaskInfo(1, 1, kind, split, False, None)
    kept = [selection.takes(task, label) for label in labels]
    state = selection.state(*key)
    if state == WHOLE:
        assert all(kept)
    if state == OUT and not (version_slice or version == MIXED_VERSIONS):
        assert not any(kept)  # a task's whole and its slices stand for each other: one of them is read
    assert state in (WHOLE, OUT, CUT)


@given(selection=selections(), version=st.sampled_from([1, 2, 3]))
@fuzz_settings(examples=100)
def test_a_task_of_several_versions_is_read_once_through_its_whole_or_its_slices(selection, version):
    whole = selection.state("pair", MIXED_VERSIONS, "train", FIRST, FIRST)
    part = selection.state("pair", version, "train", FIRST, FIRST, True)
    assert whole == OUT or part == OUT
