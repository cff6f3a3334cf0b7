"""Who wrote each response (the base model, an adapter version, an imported model), by
task and position, and the thumbs-up count per producer: read by the quality dashboard
and, above it, the leaderboard (feedback.loop.leaderboard_data)."""
from collections import defaultdict

from feedback.labelling.models import ProducerKind, Project, TaskCandidate

BASE = "base model"


def producer_key(kind: str, name: str, adapter_version: int | None) -> str:
    if adapter_version is not None:
        return f"v{adapter_version}"
    if kind == ProducerKind.BASE:
        return BASE
    return f"{kind}: {name}"


def producers_by_task(project: Project) -> dict[int, dict[int, str]]:
    """task id → {position → producer key}, for every task of the project."""
    return _producers(TaskCandidate.objects.filter(task__project=project))


def producers_of_tasks(task_ids) -> dict[int, dict[int, str]]:
    """task id → {position → producer key}, for those tasks."""
    return _producers(TaskCandidate.objects.filter(task_id__in=task_ids))


def _producers(links) -> dict[int, dict[int, str]]:
    result: dict[int, dict[int, str]] = defaultdict(dict)
    rows = links.values_list("task_id", "position", "candidate__producer_kind", "candidate__producer_name",
                             "candidate__adapter__version")
    for task_id, position, kind, name, version in rows.iterator(chunk_size=5000):
        result[task_id][position] = producer_key(kind, name, version)
    return result


class ThumbsByProducer(defaultdict):
    """Producer key → [thumbs up, thumbs given], counted from thumbs answers."""

    def __init__(self):
        super().__init__(lambda: [0, 0])

    def add(self, answer: dict, producers: dict[int, str]) -> None:
        """Count one thumbs answer; `producers`: its task's position → producer key
        (responses of no known producer are not counted)."""
        for position, thumb in (answer.get("thumbs") or {}).items():
            key = producers.get(int(position))
            if key:
                counts = self[key]
                counts[0] += thumb == "up"
                counts[1] += 1

    def shares(self) -> list[tuple[str, float, int]]:
        """(producer key, thumbs-up share, thumbs given), the highest share first."""
        return sorted(((key, up / total, total) for key, (up, total) in self.items()), key=lambda item: (-item[1], item[0]))
