"""Export options from request parameters (the API) — one parser for every entry point."""
from dataclasses import dataclass, field

from feedback.exports.filters import ExportFilters, parse_filters
from feedback.exports.services import check_options
from feedback.labelling.filters import FilterError


@dataclass
class ExportOptions:
    dataset: str = "preference"
    fmt: str = "jsonl"
    form: str = "conversational"
    columns: tuple = ()
    filters: ExportFilters = field(default_factory=ExportFilters)


def parse_options(params) -> ExportOptions:
    """Raises ValueError (FilterError is one) with a message naming the parameter."""
    columns = tuple(c for raw in params.getlist("columns") for c in raw.split(",") if c.strip())
    options = ExportOptions(
        dataset=params.get("dataset", "preference"),
        fmt=params.get("format", "jsonl"),
        form=params.get("form", "conversational"),
        columns=columns,
        filters=parse_filters(params),
    )
    check_options(dataset=options.dataset, fmt=options.fmt, form=options.form, columns=options.columns)
    return options


__all__ = ["ExportOptions", "parse_options", "FilterError"]
