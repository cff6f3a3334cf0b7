"""The leaderboard as pages and the API show it: exact live counts per producer (base
model, adapter versions, imported models) from the project's tallies, beside the
Bradley–Terry ratings of the stored fit, which say when and on what they were computed."""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from feedback.labelling.models import Project
from feedback.loop.models import LeaderboardFit
from feedback.quality.producer_tallies import producer_comparisons, producer_thumbs


def grouped(comparisons: Counter) -> list[list]:
    """(first, second, score) → count as the sorted [first, second, score, count] rows a
    fit stores: two tallies are the same comparisons exactly when these are equal."""
    return [[a, b, float(s), int(c)] for (a, b, s), c in sorted(comparisons.items()) if c > 0]


def stored_fit(project: Project) -> LeaderboardFit | None:
    """The project's fit, once one has been computed (a row may wait for its first)."""
    return LeaderboardFit.objects.filter(project=project, computed_at__isnull=False).first()


def fit_is_behind(fit: LeaderboardFit | None, groups: list[list]) -> bool:
    """Whether the comparisons `groups` are not exactly the ones `fit` was fitted on; no
    fit is behind as soon as there is a comparison."""
    return groups != (fit.comparisons if fit is not None else [])


@dataclass(frozen=True)
class Leaderboard:
    rows: list[dict]
    comparison_count: int  # comparisons in the labels now
    computed_at: datetime | None  # when the stored ratings were fitted; None: never
    fitted_count: int  # comparisons the stored ratings were fitted on
    bootstrap: int  # refits behind the stored intervals
    stale: bool  # the labels' comparisons are not the ones the ratings were fitted on
    refit_queued: bool

    @property
    def new_comparisons(self) -> int:
        return self.comparison_count - self.fitted_count


def leaderboard(project: Project) -> Leaderboard:
    """One row per producer seen in comparisons or thumbs, best stored rating first."""
    comparisons, thumbs = producer_comparisons(project), producer_thumbs(project)
    fit = LeaderboardFit.objects.filter(project=project).first()
    fitted = fit if fit is not None and fit.computed_at is not None else None
    groups = grouped(comparisons)
    return Leaderboard(
        rows=leaderboard_rows(comparisons, thumbs, fitted.ratings if fitted else {}),
        comparison_count=sum(count for *_, count in groups),
        computed_at=fitted.computed_at if fitted else None,
        fitted_count=fitted.comparison_count if fitted else 0,
        bootstrap=fitted.bootstrap if fitted else 0,
        stale=fit_is_behind(fitted, groups),
        refit_queued=fit is not None and fit.refit_queued_at is not None,
    )


def leaderboard_rows(comparisons: Counter, thumbs: dict[str, tuple[int, int]], ratings: dict) -> list[dict]:
    """Rows from (first, second, score) → count, producer → (thumbs up, given) and the
    stored ratings (producer → rating, ci_low, ci_high)."""
    comparisons = {key: count for key, count in comparisons.items() if count > 0}
    names = sorted({a for a, _, _ in comparisons} | {b for _, b, _ in comparisons} | set(thumbs))
    rows = {name: {"version": name, "comparisons": 0, "wins": 0, "losses": 0, "ties": 0, "rating": None,
                   "ci_low": None, "ci_high": None, "win_rate": None, "thumbs_up_share": None, "thumbs": 0}
            for name in names}
    for (a, b, score), count in comparisons.items():
        for me, my_score in ((a, score), (b, 1.0 - score)):
            row = rows[me]
            row["comparisons"] += count
            row["wins" if my_score == 1 else "losses" if my_score == 0 else "ties"] += count
    for name, fitted in ratings.items():
        if name in rows:
            rows[name].update({key: None if fitted[key] is None else round(fitted[key], 1)
                               for key in ("rating", "ci_low", "ci_high")})
    for row in rows.values():
        if row["comparisons"]:
            row["win_rate"] = round((row["wins"] + 0.5 * row["ties"]) / row["comparisons"], 4)
        up, total = thumbs.get(row["version"], (0, 0))
        if total:
            row["thumbs_up_share"], row["thumbs"] = round(up / total, 4), total
    return sorted(rows.values(), key=lambda r: (r["rating"] is None, -(r["rating"] or 0), r["version"]))
