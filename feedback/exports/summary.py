"""What an export counted while its rows streamed: labels and tasks read, rows per
split, why tasks or pairs were left out, the newest label (for the manifest)."""
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ExportSummary:
    labels: int = 0
    tasks: int = 0
    rows: Counter = field(default_factory=Counter)  # per split
    excluded: Counter = field(default_factory=Counter)  # why tasks or pairs were left out
    max_label_id: int = 0

    def as_manifest(self) -> dict:
        return {
            "labels": self.labels,
            "tasks": self.tasks,
            "rows": dict(self.rows),
            "rows_total": sum(self.rows.values()),
            "excluded": dict(self.excluded),
            "max_label_id": self.max_label_id,
        }
