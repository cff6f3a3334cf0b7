"""Label filters: which labels count (codebook versions, dates, annotator tiers, the
prompt split, the newest label id), and the one parser for their values: the quality
dashboard, the exports (feedback.exports.filters adds what only an export asks) and the
API's list filters read query parameters through these functions.

Here, at the bottom of the layers, because every one of them selects labels by
labelling's own fields; nothing here knows about agreement or datasets."""
from dataclasses import asdict, dataclass, field
from datetime import MAXYEAR, datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from feedback.bounds import BIGINT_MAX, INT_MAX
from feedback.labelling.models import Split, Tier


class FilterError(ValueError):
    """A bad filter value; the message names the parameter."""


@dataclass
class LabelFilters:
    codebook_versions: list[int] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    tiers: list[str] = field(default_factory=list)
    split: str | None = None
    max_label_id: int | None = None  # pins the label set, so a repeated export is byte-identical

    def as_manifest(self) -> dict:
        data = asdict(self)
        for key in ("since", "until"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data

    def apply(self, labels: QuerySet) -> QuerySet:
        if self.codebook_versions:
            labels = labels.filter(codebook__version__in=self.codebook_versions)
        if self.since:
            labels = labels.filter(created_at__gte=self.since)
        if self.until:
            labels = labels.filter(created_at__lt=self.until)
        if self.tiers:
            # The tier is per project: match the membership of the label's own project.
            labels = labels.filter(
                annotator__memberships__project=F("task__project"), annotator__memberships__tier__in=self.tiers
            )
        if self.split:
            labels = labels.filter(task__prompt__split=self.split)
        if self.max_label_id is not None:
            labels = labels.filter(pk__lte=self.max_label_id)
        return labels


def parse_when(value: str, name: str, *, upper: bool = False, include_day: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD) or an ISO datetime as an aware datetime (a naive one is in
    the current time zone); `upper` for an upper bound. A date is its day's first
    moment; with `include_day`, the next day's, so that an exclusive upper bound takes
    the day in (the dashboard's "until", both ends included).

    None, no bound, where the moment lies beyond what a datetime holds in UTC on the
    side that asks for none: an upper bound past the end of year 9999 (the browser's
    date picker offers 9999-12-31), a lower bound before year 1. Raises FilterError,
    naming `name`, for anything else that is not a real moment."""
    text = str(value).strip()
    try:
        day = parse_date(text)
        parsed = None if day else parse_datetime(text)
    except ValueError as error:  # well-formed but not a real date: 2020-13-45, 2020-02-30
        raise FilterError(f"{name}: {text!r} is not a real date ({error})") from None
    if day is None and parsed is None:
        raise FilterError(f"{name}: {text!r} is not a date (YYYY-MM-DD) or an ISO datetime")
    try:
        if day is not None:
            parsed = datetime.combine(day, time.min) + (timedelta(days=1) if include_day else timedelta(0))
        parsed = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        parsed.astimezone(dt_timezone.utc)  # what the database is given
    except OverflowError:
        past_the_end = (day or parsed).year == MAXYEAR
        if past_the_end == upper:
            return None
        raise FilterError(f"{name}: {text!r} is out of range") from None
    return parsed


MAX_ID = BIGINT_MAX


def parse_ints(values: list[str], name: str, *, maximum: int = MAX_ID) -> list[int]:
    """Comma-separated whole numbers from 0 to `maximum` (database integer range)."""
    try:
        numbers = sorted({int(v) for raw in values for v in str(raw).split(",") if v.strip()})
    except ValueError:
        raise FilterError(f"{name}: whole numbers, comma-separated") from None
    if any(not 0 <= n <= maximum for n in numbers):
        raise FilterError(f"{name}: numbers from 0 to {maximum}")
    return numbers


def parse_tiers(values: list[str]) -> list[str]:
    """Comma-separated annotator tiers, each one of Tier's values."""
    tiers = sorted({t for raw in values for t in str(raw).split(",") if t.strip()})
    unknown = set(tiers) - set(Tier.values)
    if unknown:
        raise FilterError(f"tier: unknown {', '.join(sorted(unknown))}; use {', '.join(Tier.values)}")
    return tiers


def parse_split(value: str) -> str:
    if value not in Split.values:
        raise FilterError(f"split: use {' or '.join(Split.values)}")
    return value


def getlist_of(get):
    """`get`'s getlist (a QueryDict's, or one that reads a plain dict's value as a list)."""
    return getattr(get, "getlist", lambda name: [get.get(name)] if get.get(name) else [])


def parse_label_filters(get, *, until_includes_day: bool = False) -> LabelFilters:
    """From a QueryDict-like `get(name) -> str|None` and `getlist`. Raises FilterError.
    A date as `until` is exclusive (labels before that day), or with
    `until_includes_day` inclusive (labels up to the end of that day)."""
    filters = LabelFilters()
    getlist = getlist_of(get)
    filters.codebook_versions = parse_ints(getlist("codebook_version"), "codebook_version", maximum=INT_MAX)
    if get.get("since"):
        filters.since = parse_when(get.get("since"), "since")
    if get.get("until"):
        filters.until = parse_when(get.get("until"), "until", upper=True, include_day=until_includes_day)
    filters.tiers = parse_tiers(getlist("tier"))
    if get.get("split"):
        filters.split = parse_split(get.get("split"))
    if get.get("max_label_id") not in (None, ""):
        numbers = parse_ints([get.get("max_label_id")], "max_label_id")
        if len(numbers) != 1:
            raise FilterError("max_label_id: one whole number")
        filters.max_label_id = numbers[0]
    return filters
