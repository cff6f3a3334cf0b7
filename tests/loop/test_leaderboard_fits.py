"""The stored leaderboard fit: the refit job stores what it fitted and when, reading asks
for one refit when the fit is behind the labels, promotions and the beat ask too."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.labelling.models import Label, Project
from feedback.loop.leaderboard import bradley_terry
from feedback.loop.models import AdapterVersion, LeaderboardFit
from feedback.loop.services.adapters import adapter_promote, adapter_rollback
from feedback.loop.services.leaderboard_fits import (
    leaderboard_read, leaderboard_refit, leaderboard_refit_request, stale_leaderboards_refit,
)
from feedback.loop.tasks import refit_leaderboard
from feedback.quality.comparisons import label_comparisons
from feedback.quality.producers import BASE, producers_by_task
from tests.support.leaderboard import rank_again, seed_leaderboard_project


def one_by_one(project):
    """Every comparison the labels give, one per entry: the from-scratch input."""
    producers = producers_by_task(project)
    found = []
    for label in Label.objects.filter(task__project=project):
        found += label_comparisons(label.kind, label.answer, producers.get(label.task_id, {}))
    return found


def test_refit_stores_the_from_scratch_ratings_its_comparisons_and_when(project, annotators, codebook):
    seed_leaderboard_project(project, annotators, codebook)
    before = timezone.now()
    fit = leaderboard_refit(project=project)
    stored = LeaderboardFit.objects.get(project=project)
    assert stored.computed_at == fit.computed_at and before <= stored.computed_at <= timezone.now()
    assert (stored.comparison_count, stored.bootstrap, stored.seed, stored.refit_queued_at) == (5, 200, 0, None)
    assert stored.comparisons == [["imported: other", BASE, 1.0, 1], ["imported: other", "v1", 1.0, 1],
                                  ["v1", BASE, 0.5, 1], ["v1", BASE, 1.0, 2]]
    comparisons = one_by_one(project)
    names = sorted(stored.ratings)
    scratch = bradley_terry([names.index(a) for a, _, _ in comparisons], [names.index(b) for _, b, _ in comparisons],
                            [s for *_, s in comparisons], len(names), anchor=names.index(BASE), bootstrap=0)
    assert [stored.ratings[name]["rating"] for name in names] == list(scratch["rating"])
    assert all(r["ci_low"] <= r["rating"] <= r["ci_high"] for r in stored.ratings.values())
    assert leaderboard_refit(project=project).ratings == stored.ratings  # the seed fixes the intervals


def test_reading_with_no_fit_queues_one_refit_and_fits_nothing(project, annotators, codebook,
                                                               django_capture_on_commit_callbacks):
    seed_leaderboard_project(project, annotators, codebook)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        board = leaderboard_read(project=project)
        again = leaderboard_read(project=project)
    assert len(callbacks) == 1 and board.stale and board.refit_queued and again.refit_queued
    assert LeaderboardFit.objects.get(project=project).computed_at is None
    assert all(row["rating"] is None for row in again.rows)


def test_a_refit_lost_for_too_long_may_be_asked_again(project, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert leaderboard_refit_request(project=project) and not leaderboard_refit_request(project=project)
        LeaderboardFit.objects.filter(project=project).update(refit_queued_at=timezone.now() - timedelta(hours=1))
        assert leaderboard_refit_request(project=project)
    assert len(callbacks) == 2


def test_new_labels_make_the_fit_stale_and_reading_runs_the_refit_job(project, annotators, codebook, celery_eager,
                                                                      django_capture_on_commit_callbacks):
    seed_leaderboard_project(project, annotators, codebook)
    with django_capture_on_commit_callbacks(execute=True):
        assert leaderboard_read(project=project).stale
    assert LeaderboardFit.objects.get(project=project).comparison_count == 5
    assert not leaderboard_read(project=project).stale
    rank_again(project, annotators[1], codebook)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stale = leaderboard_read(project=project)
    assert stale.stale and stale.new_comparisons == 3 and len(callbacks) == 1
    fit = LeaderboardFit.objects.get(project=project)
    assert fit.comparison_count == 8 and fit.refit_queued_at is None and not leaderboard_read(project=project).stale


def test_promotion_and_rollback_queue_a_refit(project, annotators, codebook, admin_user, celery_eager,
                                              django_capture_on_commit_callbacks):
    seed_leaderboard_project(project, annotators, codebook)
    v1 = AdapterVersion.objects.get(project=project, version=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        adapter_promote(adapter=v1, actor=admin_user)
    assert len(callbacks) == 1
    promoted_fit = LeaderboardFit.objects.get(project=project)
    assert promoted_fit.comparison_count == 5 and promoted_fit.computed_at is not None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        adapter_rollback(project=project, role="policy", actor=admin_user)
    assert len(callbacks) == 1
    assert LeaderboardFit.objects.get(project=project).computed_at > promoted_fit.computed_at


def test_the_beat_queues_refits_of_stale_projects_only(project, annotators, codebook,
                                                       django_capture_on_commit_callbacks):
    quiet = Project.objects.create(name="Nothing labelled", slug="quiet")
    seed_leaderboard_project(project, annotators, codebook)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert stale_leaderboards_refit() == {"answers": "refit queued"}
        assert stale_leaderboards_refit() == {"answers": "refit already queued"}
    assert len(callbacks) == 1 and not LeaderboardFit.objects.filter(project=quiet).exists()
    refit_leaderboard(project.pk)  # the job, as the worker runs it
    assert stale_leaderboards_refit() == {}
    rank_again(project, annotators[1], codebook)
    with django_capture_on_commit_callbacks(execute=False):
        assert stale_leaderboards_refit() == {"answers": "refit queued"}


@pytest.mark.celery
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_promotion_refits_in_the_worker(project, annotators, codebook, admin_user, live_worker):
    seed_leaderboard_project(project, annotators, codebook)
    adapter_promote(adapter=AdapterVersion.objects.get(project=project, version=1), actor=admin_user)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not LeaderboardFit.objects.filter(project=project,
                                                                             computed_at__isnull=False).exists():
        time.sleep(0.2)
    fit = LeaderboardFit.objects.get(project=project)
    assert fit.computed_at is not None and fit.comparison_count == 5, live_worker.log_path.read_text()
    assert not leaderboard_read(project=project).stale
