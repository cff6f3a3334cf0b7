"""Raw rows: every label, one row each, with a pseudonymous annotator id and everything
needed to aggregate another way."""
import hashlib
import hmac
from collections.abc import Iterator

from django.conf import settings

from feedback.exports.builders.tasks import filtered_labels, task_infos
from feedback.exports.filters import ExportFilters
from feedback.exports.streaming import FETCH, chunks
from feedback.exports.summary import ExportSummary
from feedback.labelling.models import Membership, Project


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
            }
