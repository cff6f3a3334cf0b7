"""Newest-first pages of labels that start from a label, not from a page number: a page
is the labels just older (or just newer) than the one its link names, read from
label_recent_idx / label_annotator_idx ((created_at, id) in that order), so a page costs
the same at the millionth label as at the first. A page number would need the rows
before it walked and a page count every label counted; the pager says "older" and
"newer" instead."""
from dataclasses import dataclass

from django.db.models import F, QuerySet
# Django's tuple lookups (those of composite primary keys): "(created_at, id) < (…)", a row
# comparison Postgres takes as the index condition; "a < x OR (a = x AND b < y)" it takes
# only as a filter, and walked every newer label to reach a page.
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

ORDER = ("created_at", "id")


@dataclass
class LabelPage:
    labels: list
    newer: int | None  # the first label's id, when newer labels exist: ?after= shows them
    older: int | None  # the last label's id, when older labels exist: ?before= shows them
    is_first: bool  # the newest page


def _position(visible: QuerySet, label_id: int | None):
    """(created_at, id) of a label the user may see, or None (no such label: the newest page)."""
    if label_id is None:
        return None
    return visible.filter(pk=label_id).values_list(*ORDER).first()


def newest_first(labels: QuerySet, *, visible: QuerySet, size: int, before: int | None = None,
                 after: int | None = None) -> LabelPage:
    """A page of `labels` (already filtered), newest first: the `size` labels newer than
    label `after`, else those older than label `before`, else the newest. The named
    label is looked up among `visible` (the user's labels, before any filter), so a link
    still works when the filter leaves that label out, and another's label is no
    position. Fewer than `size` newer labels: the newest page."""
    key = Tuple(*(F(name) for name in ORDER))
    edge = _position(visible, after)
    if edge is not None:
        rows = list(labels.filter(TupleGreaterThan(key, edge)).order_by(*ORDER)[: size + 1])
        if len(rows) > size:
            shown = rows[:size][::-1]
            return LabelPage(shown, newer=shown[0].pk, older=shown[-1].pk, is_first=False)
        before = None
    edge = _position(visible, before)
    page = labels if edge is None else labels.filter(TupleLessThan(key, edge))
    rows = list(page.order_by(*(f"-{name}" for name in ORDER))[: size + 1])
    shown = rows[:size]
    return LabelPage(shown, newer=shown[0].pk if edge is not None and shown else None,
                     older=shown[-1].pk if len(rows) > size else None, is_first=edge is None)
