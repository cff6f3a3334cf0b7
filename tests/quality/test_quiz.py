"""The onboarding quiz gates labelling under its codebook version, on the page and the API."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from feedback.labelling.errors import QuizNotPassed
from feedback.labelling.models import CodebookAcknowledgement
from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_publish
from feedback.quality.models import QuizQuestion
from feedback.quality.quiz import quiz_submit


@pytest.fixture
def quizzed(project, admin_user, make_user, codebook):
    v2 = codebook_publish(project=project, text="# v2\nPrefer short answers.", author=admin_user)
    questions = [QuizQuestion.objects.create(codebook=v2, position=i, text=f"Q{i}", choices=["yes", "no"], correct=0,
                                             explanation=f"because {i}") for i in range(5)]
    return v2, questions, make_user("newbie", project=project)


def test_acknowledging_waits_for_a_passed_quiz(quizzed):
    v2, questions, user = quizzed
    with pytest.raises(QuizNotPassed):
        codebook_acknowledge(user=user, codebook=v2)
    attempt, wrong = quiz_submit(user=user, codebook=v2, answers={str(q.pk): 1 for q in questions[:2]} | {str(q.pk): 0 for q in questions[2:]})
    assert not attempt.passed and attempt.score == 0.6 and len(wrong) == 2
    assert not CodebookAcknowledgement.objects.filter(user=user, codebook=v2).exists()
    attempt, _ = quiz_submit(user=user, codebook=v2, answers={str(q.pk): 0 for q in questions[:4]} | {str(questions[4].pk): 1})
    assert attempt.passed and attempt.score == 0.8  # the default pass mark
    assert CodebookAcknowledgement.objects.filter(user=user, codebook=v2).exists()


def test_the_page_shows_the_quiz_and_the_api_refuses_until_passed(client, project, quizzed):
    v2, questions, user = quizzed
    client.force_login(user)
    page = client.get(reverse("labelling:codebook", args=[project.slug])).content.decode()
    assert 'data-testid="quiz-submit"' in page and 'data-testid="acknowledge"' not in page
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(f"/api/v1/projects/{project.slug}/codebooks/acknowledge/")
    assert response.status_code == 409 and "quiz" in response.json()["detail"]
    assert api.post(f"/api/v1/projects/{project.slug}/next/").status_code == 409

    wrong = client.post(reverse("quality:quiz", args=[project.slug]),
                        {"version": 2, **{f"q{q.pk}": 1 for q in questions}}, follow=True).content.decode()
    assert "because 0" in wrong and "not enough yet" in wrong
    right = client.post(reverse("quality:quiz", args=[project.slug]), {"version": 2, **{f"q{q.pk}": 0 for q in questions}})
    assert right["Location"] == reverse("labelling:label", args=[project.slug])
    assert api.post(f"/api/v1/projects/{project.slug}/next/").status_code in (200, 204)


def test_a_quiz_added_later_withdraws_acknowledgements_until_passed(project, annotators, codebook):
    from feedback.quality.quiz import quiz_require

    assert quiz_require(codebook=codebook) == 0  # no quiz: nothing withdrawn
    question = QuizQuestion.objects.create(codebook=codebook, text="Q", choices=["yes", "no"], correct=1)
    quiz_submit(user=annotators[0], codebook=codebook, answers={str(question.pk): 1})
    assert quiz_require(codebook=codebook) == 2
    assert set(CodebookAcknowledgement.objects.filter(codebook=codebook).values_list("user__username", flat=True)) == {"alice"}
    api = APIClient()
    api.force_authenticate(annotators[1])
    assert api.post(f"/api/v1/projects/{project.slug}/next/").status_code == 409
