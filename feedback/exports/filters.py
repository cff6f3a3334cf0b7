"""Export filters: the label filters (feedback.labelling.filters) and what only an
export asks: which aggregated rows come out (minimum agreement) and how votes are
weighed. Parsed the same way from API query parameters and command-line options."""
from dataclasses import dataclass

from feedback.labelling.filters import FilterError, LabelFilters, parse_label_filters

DATASETS = ("preference", "unpaired", "sft", "raw")
# A snapshot is what a training run reads: raw labels are no training set.
SNAPSHOT_DATASETS = tuple(d for d in DATASETS if d != "raw")
# A manifest's "filters" keep the order they have always been written in.
MANIFEST_ORDER = ("codebook_versions", "since", "until", "min_agreement", "tiers", "split", "max_label_id",
                  "weight_by_reliability")


@dataclass
class ExportFilters(LabelFilters):
    min_agreement: float | None = None
    weight_by_reliability: bool = False

    def as_manifest(self) -> dict:
        data = super().as_manifest()
        return {key: data[key] for key in MANIFEST_ORDER}


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
    return filters
