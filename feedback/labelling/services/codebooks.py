"""Publishing and acknowledging codebook versions."""
from django.db import transaction
from django.db.models import Max

from feedback.labelling.errors import CodebookNotAcknowledged, QuizNotPassed
from feedback.labelling.models import CodebookAcknowledgement, CodebookVersion, Project, Task, TaskCandidate
from feedback.labelling.rubric import parse_rubric
from feedback.labelling.selectors import active_codebook, has_acknowledged, quiz_passed


@transaction.atomic
def codebook_publish(*, project: Project, text: str, author=None, change_note: str = "",
                     rubric=None) -> CodebookVersion:
    """Publish `text` (and `rubric`, the JSON of feedback.labelling.rubric: [] for none,
    None to keep the active version's) as the project's next codebook version and make
    it the active one. A rubric that cannot be used is an InvalidRubric (a ValueError)
    and nothing is saved.

    Annotators must open and acknowledge it before they label again. The previous
    version's calibration items are carried over, so every annotator labels the same
    items again under the new version."""
    text = text.strip()
    if not text:
        raise ValueError("A codebook needs some text.")
    # Lock the project row so two publishers cannot take the same version number.
    Project.objects.select_for_update().get(pk=project.pk)
    current = project.codebooks.filter(is_active=True).first()
    if rubric is None:
        rubric = current.rubric if current else []
    # Stored as parsed: the same rubric always reads back the same (and compares equal).
    rubric = [aspect.as_json() for aspect in parse_rubric(rubric)]
    if current and current.text == text and current.rubric == rubric:
        return current
    latest = project.codebooks.aggregate(v=Max("version"))["v"] or 0
    project.codebooks.filter(is_active=True).update(is_active=False)
    created = CodebookVersion.objects.create(
        project=project,
        version=latest + 1,
        text=text,
        rubric=rubric,
        author=author,
        change_note=change_note.strip()[:300],
        is_active=True,
    )
    if current is not None:
        for task in current.calibration_tasks.all():
            calibration_copy(task=task, codebook=created)
    return created


def calibration_copy(*, task: Task, codebook: CodebookVersion) -> Task:
    """A calibration item of `codebook` showing the same prompt and candidates as `task`
    (every annotator labels it once, outside the overlap). Idempotent."""
    from feedback.labelling.services.imports import task_candidate_key

    ids = list(task.task_candidates.order_by("position").values_list("candidate_id", flat=True))
    key = task_candidate_key(kind=task.kind, candidate_ids=ids, calibration_for=codebook.pk)
    copy, created = Task.objects.get_or_create(
        project_id=codebook.project_id, candidate_key=key,
        defaults={"prompt_id": task.prompt_id, "kind": task.kind, "candidate_count": len(ids), "calibration_for": codebook},
    )
    if created:
        TaskCandidate.objects.bulk_create(TaskCandidate(task=copy, candidate_id=cid, position=pos) for pos, cid in enumerate(ids))
    return copy


def codebook_require_acknowledged(*, project: Project, user) -> CodebookVersion:
    """The active codebook, which the user has acknowledged; else CodebookNotAcknowledged.
    The gate before every new lease, on the page and over the API."""
    codebook = active_codebook(project)
    if codebook is None:
        raise CodebookNotAcknowledged("This project has no codebook yet; an admin must publish one first.")
    if not has_acknowledged(user, codebook):
        raise CodebookNotAcknowledged(f"The codebook is now at v{codebook.version}. Read it and acknowledge to continue.")
    return codebook


def codebook_acknowledge(*, user, codebook: CodebookVersion) -> CodebookAcknowledgement:
    """Record that the user read this version. A version with an onboarding quiz is only
    acknowledged once the quiz is passed, so every labelling gate (page, API, submit)
    that checks the acknowledgement also enforces the quiz."""
    if not quiz_passed(user, codebook):
        raise QuizNotPassed(f"Pass the quiz for codebook v{codebook.version} before labelling under it.")
    ack, _ = CodebookAcknowledgement.objects.get_or_create(user=user, codebook=codebook)
    return ack
