"""Labels from simulated annotators through the labelling services (the same path the
web page and the API take: assignment, lease, codebook, idempotent submit)."""
import uuid

from django.contrib.auth import get_user_model

from feedback.labelling.models import Membership, Project, Role
from feedback.labelling.rubric import rubric_of
from feedback.labelling.services.assignments import assignment_next
from feedback.labelling.services.codebooks import codebook_acknowledge
from feedback.labelling.services.labels import Submission, label_submit
from feedback.demo.simulation.annotators import SimulatedAnnotator


def simulated_user(project: Project, username: str):
    """An account that cannot log in (unusable password), an annotator of the project."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(project=project, user=user, defaults={"role": Role.ANNOTATOR})
    active = project.codebooks.filter(is_active=True).first()
    if active:
        codebook_acknowledge(user=user, codebook=active)
    return user


def _shown(assignment) -> tuple[str, list[tuple[int, str]]]:
    task = assignment.task
    texts = dict(task.task_candidates.values_list("position", "candidate__text"))
    prompt = "\n\n".join(m["content"] for m in task.prompt.messages)
    return prompt, [(position, texts[position]) for position in assignment.display_order]


def seed_labels(project: Project, user, annotator: SimulatedAnnotator, limit: int | None = None) -> int:
    """Label tasks as `user` until the queue is empty (or `limit`); returns how many."""
    done = 0
    # The rubric the labels are given under (the active version's): rate tasks, and pair
    # or rank where it rates them, carry ratings.
    aspects = rubric_of(project.codebooks.filter(is_active=True).first())
    while limit is None or done < limit:
        assignment = assignment_next(project=project, user=user)
        if assignment is None:
            break
        prompt, shown = _shown(assignment)
        answer = annotator.answer(assignment.task.kind, prompt, shown, assignment.task.prompt.messages,
                                  aspects=aspects)
        submission = Submission(answer=answer, submission_id=uuid.uuid4(), time_spent_ms=annotator.rng.randint(3000, 20000),
                                # It ranked on purpose: a ranking that is the order shown says so.
                                keep_shown_order=answer.get("order") == assignment.display_order)
        label_submit(assignment_id=assignment.pk, user=user, submission=submission, project_id=project.pk)
        done += 1
    return done
