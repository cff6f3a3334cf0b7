"""Raw rows: every label, one row each, with a pseudonymous annotator id, everything
needed to aggregate another way, and the label's history: the answers its annotator had
given the task before each edit or undo (labelling.LabelRevision), oldest first."""
import hashlib
import hmac
from collections.abc import Iterator

from django.conf import settings

from feedback.exports.builders.tasks import filtered_labels, task_infos
from feedback.exports.filters import ExportFilters
from feedback.exports.streaming import FETCH, chunks
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import LabelRevision, Membership, Project


def pseudonym(project: Project, user_id: int) -> str:
    """Stable per project, not reversible without the secret key."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{project.pk}:{user_id}".encode(), hashlib.sha256)
    return "a-" + digest.hexdigest()[:12]


def raw_rows(
    project: Project, filters: ExportFilters, summary: ExportSummary, *, form: str = "conversational", columns=()
) -> Iterator[dict]:
    tiers = dict(Membership.objects.filter(project=project).values_list("user_id", "tier"))
    labels = (
        filtered_labels(project, filters)
        .order_by("task_id", "id")
        .values_list("id", "task_id", "kind", "annotator_id", "codebook__version", "answer", "display_order",
                     "time_spent_ms", "rewrite", "comment", "created_at")
        .iterator(chunk_size=FETCH)
    )
    for chunk in chunks(labels):
        infos = task_infos(project, chunk[0][1], chunk[-1][1])
        history = revisions(project, chunk[0][1], chunk[-1][1])
        for label_id, task_id, kind, annotator, version, answer, shown, spent, rewrite, comment, created in chunk:
            info = infos[task_id]
            summary.labels += 1
            summary.max_label_id = max(summary.max_label_id, label_id)
            summary.rows[info.split] += 1
            yield {
                "label_id": label_id,
                "task_id": task_id,
                "prompt_id": info.prompt_id,
                "split": info.split,
                "kind": kind,
                "annotator": pseudonym(project, annotator),
                "tier": tiers.get(annotator),
                "codebook_version": version,
                "answer": answer,
                "shown_order": shown,
                "time_spent_ms": spent,
                "candidates": [{"position": p, **info.producers[p]} for p in sorted(info.producers)],
                "rewrite": rewrite,
                "comment": comment,
                "created_at": created.isoformat(),
                "revisions": history.get((task_id, annotator), []),
            }


def revisions(project: Project, low: int, high: int) -> dict[tuple[int, int], list[dict]]:
    """(task id, annotator id) → the earlier answers of that annotator to that task, for
    the project's tasks with ids in [low, high] (a range, as task_infos)."""
    rows = (LabelRevision.objects.filter(task__project=project, task_id__gte=low, task_id__lte=high)
            .order_by("created_at", "id")
            .values_list("task_id", "annotator_id", "action", "answer", "rewrite", "comment", "codebook__version",
                         "label_created_at", "created_at"))
    history: dict[tuple[int, int], list[dict]] = {}
    for task_id, annotator, action, answer, rewrite, comment, version, given, changed in rows:
        history.setdefault((task_id, annotator), []).append({
            "action": action, "answer": answer, "rewrite": rewrite, "comment": comment, "codebook_version": version,
            "given_at": given.isoformat(), "changed_at": changed.isoformat(),
        })
    return history
