"""The dashboard's row per annotator and its flags, whichever way its figures were
computed (from the labels, or kept: feedback.quality.kept)."""
from dataclasses import dataclass, field

from feedback.labelling.models import Tier
from feedback.quality.models import QualitySettings

NEXT_TIER = {Tier.TRAINEE: Tier.REGULAR, Tier.REGULAR: Tier.EXPERT}


@dataclass
class AnnotatorRow:
    user_id: int
    username: str
    tier: str = ""
    labels: int = 0
    median_seconds: float | None = None
    majority_agreement: float | None = None
    others_agreement: float | None = None
    others_pairs: int = 0
    gold_accuracy: float | None = None
    gold_total: int = 0
    thumbs_up_share: float | None = None
    first_shown_wins: float | None = None
    flags: list = field(default_factory=list)
    suggested_tier: str | None = None


def share_of(counts) -> float | None:
    """counts: (part, whole); the part's share rounded to 3 places, None of nothing."""
    return round(counts[0] / counts[1], 3) if counts[1] else None


def by_flags(rows: list[AnnotatorRow]) -> list[AnnotatorRow]:
    """The most flagged first, then by name."""
    return sorted(rows, key=lambda r: (-len(r.flags), r.username))


def flag_row(row: AnnotatorRow, bounds: QualitySettings, project_share: float | None) -> None:
    if row.labels < bounds.min_labels_for_flags:
        return
    if row.thumbs_up_share is not None and project_share is not None and abs(row.thumbs_up_share - project_share) > bounds.max_thumbs_up_gap:
        row.flags.append(f"thumbs-up {row.thumbs_up_share:.0%} vs project {project_share:.0%}")
    if row.first_shown_wins is not None and not bounds.position_bias_low <= row.first_shown_wins <= bounds.position_bias_high:
        row.flags.append(f"first-shown wins {row.first_shown_wins:.0%}")
    if row.majority_agreement is not None and row.majority_agreement < bounds.min_agreement:
        row.flags.append(f"agrees with the majority {row.majority_agreement:.0%}")
    if row.gold_accuracy is not None and row.gold_accuracy < bounds.min_gold_accuracy:
        row.flags.append(f"gold accuracy {row.gold_accuracy:.0%}")
    if (row.tier in NEXT_TIER and not row.flags and row.gold_accuracy is not None
            and row.gold_accuracy >= bounds.promote_gold_accuracy and (row.majority_agreement or 0) >= bounds.promote_agreement):
        row.suggested_tier = NEXT_TIER[row.tier]
