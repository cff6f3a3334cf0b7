"""Codebook onboarding quizzes: an annotator passes a version's quiz before labelling
under it (the acknowledgement itself waits for a pass; see labelling.services.codebooks)."""
from django.db import transaction

from feedback.labelling.models import CodebookAcknowledgement, CodebookVersion
from feedback.labelling.services.codebooks import codebook_acknowledge
from feedback.quality.models import QualitySettings, QuizAttempt


def pass_mark(codebook: CodebookVersion) -> float:
    settings_row = QualitySettings.objects.filter(project_id=codebook.project_id).first()
    return settings_row.quiz_pass_mark if settings_row else QualitySettings._meta.get_field("quiz_pass_mark").default


@transaction.atomic
def quiz_submit(*, user, codebook: CodebookVersion, answers: dict) -> tuple[QuizAttempt, list]:
    """Score `answers` (question id → chosen index); a pass acknowledges the codebook.
    Returns the attempt and the questions answered wrongly (to show their explanations)."""
    questions = list(codebook.quiz_questions.all())
    if not questions:
        raise ValueError("This codebook version has no quiz.")
    wrong = [q for q in questions if str(answers.get(str(q.pk), answers.get(q.pk, ""))) != str(q.correct)]
    score = (len(questions) - len(wrong)) / len(questions)
    attempt = QuizAttempt.objects.create(
        user=user, codebook=codebook, answers={str(k): v for k, v in answers.items()}, score=score,
        passed=score >= pass_mark(codebook),
    )
    if attempt.passed:
        codebook_acknowledge(user=user, codebook=codebook)
    return attempt, wrong


@transaction.atomic
def quiz_require(*, codebook: CodebookVersion) -> int:
    """After quiz questions are added to a version people already acknowledged: withdraw
    the acknowledgements of those who have not passed its quiz, so every gate that
    checks the acknowledgement (page, API, submit) now asks for the quiz. Returns how
    many were withdrawn."""
    if not codebook.quiz_questions.exists():
        return 0
    passed = codebook.quiz_attempts.filter(passed=True).values("user_id")
    deleted, _ = CodebookAcknowledgement.objects.filter(codebook=codebook).exclude(user_id__in=passed).delete()
    return deleted
