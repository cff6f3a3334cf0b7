"""Export filters: the label filters (feedback.labelling.filters) and what only an
export asks: which aggregated rows come out (minimum agreement) and how votes are
weighed, and where preference pairs come from (pair choices and rankings, rubric ratings, or
both: builders/rating_pairs.py). Parsed the same way from API query parameters and
command-line options."""
from dataclasses import dataclass

from feedback.labelling.filters import FilterError, LabelFilters, parse_label_filters

DATASETS = ("preference", "unpaired", "sft", "ratings", "raw")
# A snapshot is what a training run reads: raw labels are no training set, and no
# trainer here regresses on ratings (a preference snapshot can take pairs derived from them).
SNAPSHOT_DATASETS = tuple(d for d in DATASETS if d not in ("raw", "ratings"))
PAIR_SOURCES = ("choices", "ratings", "both")  # choices: pair majorities and rankings, as always
REJECTED = ("each", "worst")  # rating-derived pairs: the best against each lower response, or the worst
DEFAULT_MIN_MARGIN = 0.05
# A manifest's "filters" keep the order they have always been written in.
MANIFEST_ORDER = ("codebook_versions", "since", "until", "min_agreement", "tiers", "split", "max_label_id",
                  "weight_by_reliability")
# Written only when pairs come from ratings too, so an export from choices keeps its manifest.
RATING_PAIR_ORDER = ("source", "rejected", "min_margin")


@dataclass
class ExportFilters(LabelFilters):
    min_agreement: float | None = None
    weight_by_reliability: bool = False
    source: str = "choices"
    rejected: str = "each"
    min_margin: float = DEFAULT_MIN_MARGIN

    def as_manifest(self) -> dict:
        data = super().as_manifest()
        keys = MANIFEST_ORDER + (RATING_PAIR_ORDER if self.source != "choices" else ())
        return {key: data[key] for key in keys}


def parse_filters(get, *, until_includes_day: bool = False) -> ExportFilters:
    """The label filters, then min_agreement and weight_by_reliability. Raises FilterError."""
    filters = ExportFilters(**vars(parse_label_filters(get, until_includes_day=until_includes_day)))
    if get.get("min_agreement") not in (None, ""):
        try:
            filters.min_agreement = float(get.get("min_agreement"))
        except (TypeError, ValueError):
            raise FilterError("min_agreement: a number between 0 and 1") from None
        if not 0 <= filters.min_agreement <= 1:
            raise FilterError("min_agreement: a number between 0 and 1")
    filters.weight_by_reliability = str(get.get("weight_by_reliability", "")).lower() in ("1", "true", "yes")
    _parse_rating_pairs(get, filters)
    return filters


def _parse_rating_pairs(get, filters: ExportFilters) -> None:
    for name, allowed in (("source", PAIR_SOURCES), ("rejected", REJECTED)):
        value = get.get(name)
        if value in (None, ""):
            continue
        if value not in allowed:
            raise FilterError(f"{name}: one of {', '.join(allowed)}")
        setattr(filters, name, value)
    if get.get("min_margin") not in (None, ""):
        try:
            filters.min_margin = float(get.get("min_margin"))
        except (TypeError, ValueError):
            raise FilterError("min_margin: a number between 0 and 1") from None
        if not 0 <= filters.min_margin <= 1:
            raise FilterError("min_margin: a number between 0 and 1")
