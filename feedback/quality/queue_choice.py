"""What the disputed queue shows, from its query string: open tasks or every disputed
one, one kind, a majority share at most some value (the project's dispute threshold
unless the reviewer asks for another), one codebook version, and the order. One parser,
so the page's controls, its links and the read agree; a bad value is a FilterError that
names the parameter (the page answers 400 with it)."""
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from feedback.bounds import INT_MAX
from feedback.labelling.filters import FilterError, parse_ints
from feedback.quality.disputes import DISPUTABLE

# name → (what the page calls it, the kept rows' order: the index's first, see TaskFigures)
SORTS = {
    "split": ("Most split first", ("majority_share", "-labels", "task_id")),
    "agreed": ("Least split first", ("-majority_share", "-labels", "task_id")),
    "labels": ("Most labels first", ("-labels", "majority_share", "task_id")),
    "newest": ("Newest labels first", ("-last_day", "-task_id")),
}
SHOWS = ("open", "all")


@dataclass(frozen=True)
class QueueChoice:
    threshold: float  # the project's dispute threshold
    max_share: float  # a task is listed when its majority share is at most this
    open_only: bool = True
    sort: str = "split"
    kind: str = ""  # "": every kind
    version: int | None = None  # None: labels of every version

    @property
    def max_share_text(self) -> str:
        return f"{self.max_share:g}"  # 0.5, 0.667, 1: as typed, for the page's field

    @property
    def threshold_text(self) -> str:
        return f"{self.threshold:g}"

    @property
    def ordering(self) -> tuple[str, ...]:
        return SORTS[self.sort][1]

    def query(self, **changes) -> str:
        """The query string of this choice with `changes`, for the page's links (the
        threshold is left out when it is the project's: the link follows the setting)."""
        values = {"show": "open" if self.open_only else "all", "sort": self.sort, "kind": self.kind,
                  "max_share": "" if self.max_share == self.threshold else self.max_share_text,
                  "codebook_version": self.version or "", **changes}
        return urlencode({name: value for name, value in values.items() if value not in ("", None)})


def parse_queue_choice(get, *, threshold: float) -> QueueChoice:
    """From a QueryDict-like `get`; `threshold`, the project's, is the default share.
    Raises FilterError."""
    show = get.get("show") or "open"
    if show not in SHOWS:
        raise FilterError(f"show: use {' or '.join(SHOWS)}")
    sort = get.get("sort") or "split"
    if sort not in SORTS:
        raise FilterError(f"sort: use {', '.join(SORTS)}")
    kind = get.get("kind") or ""
    if kind and kind not in DISPUTABLE:
        raise FilterError(f"kind: use {', '.join(DISPUTABLE)}")
    version = None
    if get.get("codebook_version"):
        numbers = parse_ints([get.get("codebook_version")], "codebook_version", maximum=INT_MAX)
        if len(numbers) != 1 or numbers[0] < 1:
            raise FilterError("codebook_version: one version number")
        version = numbers[0]
    max_share = threshold if get.get("max_share") in (None, "") else _share(get.get("max_share"))
    return QueueChoice(threshold=threshold, max_share=max_share, open_only=show == "open", sort=sort, kind=kind, version=version)


def _share(text: str) -> float:
    """A share from 0 to 1: "0.67", ".5", "1"; never NaN, infinity or "1e400"."""
    try:
        share = float(text) if len(text) <= 20 else math.nan
    except ValueError:
        share = math.nan
    if not 0 <= share <= 1:  # NaN compares false
        raise FilterError(f"max_share: a majority share from 0 to 1, such as 0.67, not {text[:20]!r}")
    return share
