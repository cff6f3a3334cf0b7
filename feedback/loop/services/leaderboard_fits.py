"""The leaderboard's stored fit: the job that refits it, asking for that job at most once
at a time, reading the leaderboard (which asks when the fit is behind the labels), and
the beat's sweep over every project. Pages never fit: the bootstrap is the job's."""
from dataclasses import replace
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from feedback.labelling.models import Project
from feedback.loop.leaderboard import producer_ratings
from feedback.loop.leaderboard_data import Leaderboard, fit_is_behind, grouped, leaderboard, stored_fit
from feedback.loop.models import LeaderboardFit
from feedback.loop.tasks import refit_leaderboard as refit_leaderboard_task
from feedback.quality.producer_tallies import producer_comparisons
from feedback.quality.producers import BASE

BOOTSTRAP = 200
SEED = 0
# A refit asked for and not stored after this long (its message lost, the worker down)
# may be asked for again; until then further asks are the same job.
REQUEST_EXPIRES = timedelta(minutes=15)


def leaderboard_refit(*, project: Project) -> LeaderboardFit:
    """Fit Bradley–Terry with bootstrap intervals on the project's comparisons and store
    it with those comparisons and the time."""
    comparisons = producer_comparisons(project)
    groups = grouped(comparisons)
    ratings = producer_ratings(comparisons, anchor=BASE, bootstrap=BOOTSTRAP, seed=SEED)
    fit, _ = LeaderboardFit.objects.update_or_create(project=project, defaults={
        "computed_at": timezone.now(), "comparisons": groups, "comparison_count": sum(c for *_, c in groups),
        "ratings": ratings, "bootstrap": BOOTSTRAP, "seed": SEED, "refit_queued_at": None,
    })
    return fit


def leaderboard_refit_request(*, project: Project) -> bool:
    """Enqueue a refit once the caller's transaction commits, unless one is already
    queued. True when this call enqueued it."""
    now = timezone.now()
    with transaction.atomic():
        fit, _ = LeaderboardFit.objects.get_or_create(project=project)
        # The conditional update is the guard under concurrent page views: one of them claims it.
        claimed = LeaderboardFit.objects.filter(pk=fit.pk).filter(
            Q(refit_queued_at__isnull=True) | Q(refit_queued_at__lt=now - REQUEST_EXPIRES)
        ).update(refit_queued_at=now)
        if claimed:
            transaction.on_commit(lambda: refit_leaderboard_task.delay(project.pk))
    return bool(claimed)


def leaderboard_read(*, project: Project) -> Leaderboard:
    """The leaderboard, asking for a refit when its stored ratings were not fitted on the
    comparisons there are now (or there are none yet)."""
    board = leaderboard(project)
    if board.stale:  # asked even when one is queued: the request knows when that one is lost
        leaderboard_refit_request(project=project)
        board = replace(board, refit_queued=True)
    return board


def stale_leaderboards_refit() -> dict[str, str]:
    """For the beat: ask for a refit of every project whose comparisons changed since its
    stored fit. Returns slug → outcome, for the projects that needed one."""
    outcomes = {}
    for project in Project.objects.all():
        if not fit_is_behind(stored_fit(project), grouped(producer_comparisons(project))):
            continue
        outcomes[project.slug] = "refit queued" if leaderboard_refit_request(project=project) else "refit already queued"
    return outcomes
