"""Which labels a dashboard filter keeps, and for each cell whether the filter takes all
of its labels ("whole"), none ("out"), or cuts through it ("cut": its tasks are
recomputed from the labels the filter keeps).

A cell holds the tasks of one kind, split and codebook version whose labels lie between
two UTC days. Kind, split and a single version are the same for every label of a cell,
so a filter on them takes or leaves it whole. A task labelled under several versions is
in a cell of mixed versions and, once per version, in a version slice: a filter on one
version reads that slice, no filter reads the whole, and a filter on several versions
cuts the whole. A date range cuts the cells of the days its ends fall in, and the cells
of tasks labelled across one of its ends. Annotator tiers are not a property of a cell
(they are the annotators' tiers now): the dashboard computes a tier filter from the
labels (dashboard.py).
"""
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Q

from feedback.quality.kept.contributions import LabelRow, TaskInfo
from feedback.quality.models import MIXED_VERSIONS

WHOLE, OUT, CUT = "whole", "out", "cut"
DAY = timedelta(days=1)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=dt_timezone.utc)


def day_end(day: date) -> datetime:
    return day_start(day) + DAY if day < date.max else datetime.max.replace(tzinfo=dt_timezone.utc)


@dataclass(frozen=True)
class Selection:
    kinds: frozenset = frozenset()  # empty: every kind; likewise versions
    versions: frozenset = frozenset()
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    split: str | None = None

    def narrowed(self, *, since: datetime | None = None, until: datetime | None = None) -> "Selection":
        """The same filter within [since, until) as well."""
        return replace(self, since=max(filter(None, (self.since, since)), default=None),
                       until=min(filter(None, (self.until, until)), default=None))

    def takes(self, task: TaskInfo, label: LabelRow) -> bool:
        return ((not self.kinds or task.kind in self.kinds) and (not self.split or task.split == self.split)
                and (not self.versions or label.version in self.versions)
                and (self.since is None or label.created_at >= self.since)
                and (self.until is None or label.created_at < self.until))

    def state(self, kind: str, version: int, split: str, first_day: date, last_day: date,
              version_slice: bool = False) -> str:
        """Whether the selection takes a cell whole, leaves it out, or cuts it. With one
        codebook version chosen, a task labelled under several is read from its slice of
        that version; otherwise from its whole (cut by a filter on several versions)."""
        if (self.kinds and kind not in self.kinds) or (self.split and split != self.split):
            return OUT
        one = next(iter(self.versions)) if len(self.versions) == 1 else None
        if version_slice and version != one:
            return OUT
        if not version_slice and version == MIXED_VERSIONS and one is not None:
            return OUT  # its slice of that version stands for it
        if self.versions and version != MIXED_VERSIONS and version not in self.versions:
            return OUT
        start, end = day_start(first_day), day_end(last_day)
        if (self.since and end <= self.since) or (self.until and start >= self.until):
            return OUT
        cut = (version == MIXED_VERSIONS and bool(self.versions)) or (self.since and start < self.since) or (
            self.until and end > self.until)
        return CUT if cut else WHOLE

    def for_version(self, version: int) -> "Selection":
        """The same filter on that codebook version alone."""
        return replace(self, versions=frozenset([version]))

    def whole_cells(self) -> Q:
        """The cells whose state is WHOLE, as a filter on CellKey's fields."""
        query = Q()
        if self.kinds:
            query &= Q(kind__in=self.kinds)
        if self.split:
            query &= Q(split=self.split)
        if len(self.versions) == 1:
            query &= Q(version__in=self.versions)  # slices included: a mixed cell's version is none of them
        else:
            query &= Q(version_slice=False) & (Q(version__in=self.versions) if self.versions else Q())
        if self.since:
            since = self.since.astimezone(dt_timezone.utc)
            if since != day_start(since.date()) and since.date() == date.max:
                return Q(pk__in=[])
            query &= Q(first_day__gte=since.date() if since == day_start(since.date()) else since.date() + DAY)
        if self.until:
            # a cell is whole when its last day ends by `until`: that day is before until's own day
            query &= Q(last_day__lt=self.until.astimezone(dt_timezone.utc).date())
        return query


def week_of(day: date) -> date:
    """The Monday of `day`'s week, as the by-week figures group labels."""
    return day - timedelta(days=day.weekday())

