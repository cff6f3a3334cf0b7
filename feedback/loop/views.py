"""Training pages for reviewers and admins: runs with live progress, adapter versions
with lineage and eval side by side; admins train now, cancel, promote and roll back."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from feedback.bounds import whole_number
from feedback.charts.intervals import Interval, lower_bound_chart
from feedback.charts.svg import bar_chart
from feedback.labelling.access import project_view
from feedback.labelling.models import Role
from feedback.loop.models import AdapterRole, AdapterStatus, AdapterVersion, GenerationRound, RunStatus, TrainingRun
from feedback.loop.presenters import run_charts
from feedback.loop.selectors import (
    active_run, adapters_with_lineage, eval_table, new_preference_count, promoted_adapter, promoted_by_hand,
    rollback_target,
)
from feedback.loop.services import adapters as adapter_services
from feedback.loop.services import rounds as round_services
from feedback.loop.services import training_requests
from feedback.loop.services.leaderboard_fits import leaderboard_read
from feedback.loop.services.gate import GateRule, gate_evidence

POLL_SECONDS = 2


@project_view(min_role=Role.REVIEWER)
def run_list(request, project):
    config = training_requests.training_settings(project=project)
    page = Paginator(TrainingRun.objects.filter(project=project).select_related("adapter", "snapshot"), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "loop/run_list.html", {
        "project": project, "nav": "training", "page": page, "config": config, "active": active_run(project=project),
        "new_labels": new_preference_count(project=project, algorithm=config.algorithm),
        "rounds": GenerationRound.objects.filter(project=project).select_related("adapter")[:10],
        "promoted": promoted_adapter(project=project),
        "is_admin": request.membership.role == Role.ADMIN, "poll_seconds": POLL_SECONDS,
    })


def _run_context(request, project, run):
    return {
        "project": project, "nav": "training", "run": run, "poll_seconds": POLL_SECONDS,
        "is_admin": request.membership.role == Role.ADMIN, **run_charts(run=run),
        "last": (run.progress or [{}])[-1],
    }


@project_view(min_role=Role.REVIEWER)
def run_detail(request, project, pk):
    run = get_object_or_404(TrainingRun.objects.select_related("snapshot", "requested_by"), project=project, pk=pk)
    template = "loop/partials/run_live.html" if request.htmx else "loop/run_detail.html"
    return render(request, template, _run_context(request, project, run))


@require_POST
@project_view(min_role=Role.ADMIN)
def run_request(request, project):
    try:
        run = training_requests.run_request(project=project, trigger="manual", user=request.user)
    except training_requests.RunConflict as conflict:
        messages.error(request, str(conflict))
        return redirect("loop:runs", slug=project.slug)
    messages.success(request, f"Run {run.pk} queued: it snapshots the labels, then trains on the training worker.")
    return redirect("loop:run", slug=project.slug, pk=run.pk)


@require_POST
@project_view(min_role=Role.ADMIN)
def run_cancel(request, project, pk):
    run = training_requests.run_cancel(run=get_object_or_404(TrainingRun, project=project, pk=pk))
    messages.info(request, f"Run {run.pk}: " + ("cancelled." if run.status == RunStatus.CANCELLED else
                                                 "stopping the trainer…" if run.cancel_requested else "already finished."))
    return redirect("loop:run", slug=project.slug, pk=run.pk)


def _gate_view(adapter: AdapterVersion) -> dict:
    """The adapter's held-out evidence as its gate saw it (that run's margin and minimum)."""
    evidence = gate_evidence(adapter=adapter)
    rule = GateRule.of_run(adapter.run.config) if adapter.run else GateRule()
    chart = None
    if evidence.comparisons:
        chart = lower_bound_chart(
            [Interval(f"vs {c.short_name}", c.gain, c.lower) for c in evidence.comparisons],
            threshold=rule.margin, threshold_label=f"margin {rule.margin:g}",
            title=f"{adapter.label}'s held-out accuracy gain over each rival: estimate and "
            f"{rule.confidence:.0%} lower bound")
    rivals = [{"name": c.name, "accuracy": c.rival_accuracy, "gain": f"{c.gain:+.3f}", "lower": f"{c.lower:+.3f}",
               "passes": c.lower > rule.margin, "only_new": c.only_new, "only_rival": c.only_rival}
              for c in evidence.comparisons]
    return {"evidence": evidence, "rule": rule, "level": f"{rule.confidence:.0%}", "rivals": rivals,
            "scores": eval_table(adapter=adapter), "chart": chart, "by_hand": promoted_by_hand(adapter=adapter)}


@project_view(min_role=Role.REVIEWER)
def adapter_list(request, project):
    adapters = [(adapter, _gate_view(adapter)) for adapter in adapters_with_lineage(project=project)]
    return render(request, "loop/adapter_list.html", {
        "project": project, "nav": "adapters", "adapters": adapters,
        "is_admin": request.membership.role == Role.ADMIN,
        "promoted": [a for a, _ in adapters if a.status == AdapterStatus.PROMOTED],
    })


def _confirmed(request) -> bool:
    """Promote and roll back change what generates every new candidate: a POST acts
    only with the confirmation page's own button (name=confirm), never on its own."""
    return request.method == "POST" and request.POST.get("confirm") == "yes"


@project_view(min_role=Role.ADMIN)
def adapter_promote(request, project, pk):
    """GET: what promoting would change, and a form to confirm. POST with confirm: do it."""
    adapter = get_object_or_404(AdapterVersion.objects.select_related("parent", "run"), project=project, pk=pk)
    if adapter.status == AdapterStatus.PROMOTED:
        messages.info(request, f"{adapter.label} is already the promoted adapter.")
        return redirect("loop:adapters", slug=project.slug)
    note = request.POST.get("note", "").strip()[:500]
    if _confirmed(request):
        adapter_services.adapter_promote(adapter=adapter, actor=request.user, note=note or f"promoted by hand by {request.user.get_username()}")
        messages.success(request, f"{adapter.label} is now the promoted adapter.")
        return redirect("loop:adapters", slug=project.slug)
    replaced = promoted_adapter(project=project, role=adapter.role)
    return render(request, "loop/confirm_promote.html", {
        "project": project, "nav": "adapters", "adapter": adapter, "replaced": replaced, "note": note,
        "unconfirmed": request.method == "POST", "gate": _gate_view(adapter),
    })


@project_view(min_role=Role.ADMIN)
def adapter_rollback(request, project):
    """GET: what rolling back would restore, and a form to confirm. POST with confirm: do it."""
    role = request.POST.get("role") or request.GET.get("role") or AdapterRole.POLICY
    current = promoted_adapter(project=project, role=role)
    if current is None:
        messages.error(request, "No promoted adapter to roll back.")
        return redirect("loop:adapters", slug=project.slug)
    note = request.POST.get("note", "").strip()[:500]
    if _confirmed(request):
        try:
            restored = adapter_services.adapter_rollback(project=project, role=role, actor=request.user, note=note)
        except adapter_services.AdapterError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Rolled back: {restored.label if restored else 'the base model'} is in use now.")
        return redirect("loop:adapters", slug=project.slug)
    return render(request, "loop/confirm_rollback.html", {
        "project": project, "nav": "adapters", "current": current, "restored": rollback_target(current=current),
        "role": role, "note": note, "unconfirmed": request.method == "POST",
    })


@project_view(min_role=Role.REVIEWER)
def round_detail(request, project, pk):
    generation = get_object_or_404(GenerationRound.objects.select_related("adapter"), project=project, pk=pk)
    template = "loop/partials/round_live.html" if request.htmx else "loop/round_detail.html"
    return render(request, template, {
        "project": project, "nav": "training", "round": generation, "poll_seconds": POLL_SECONDS,
        "tasks": generation.tasks.count(), "is_admin": request.membership.role == Role.ADMIN,
    })


@require_POST
@project_view(min_role=Role.ADMIN)
def round_cancel(request, project, pk):
    generation = round_services.round_cancel(
        generation=get_object_or_404(GenerationRound, project=project, pk=pk))
    messages.info(request, f"Generation round {generation.pk}: " + (
        "cancelled." if generation.status == RunStatus.CANCELLED else
        "stopping the generator…" if generation.cancel_requested else "already finished."))
    return redirect("loop:round", slug=project.slug, pk=generation.pk)


@require_POST
@project_view(min_role=Role.ADMIN)
def round_request(request, project):
    adapter = None
    if request.POST.get("adapter"):
        adapter_id = whole_number(request.POST["adapter"])
        if adapter_id is None:
            messages.error(request, "Cannot start a generation round: no such adapter.")
            return redirect("loop:adapters", slug=project.slug)
        adapter = get_object_or_404(AdapterVersion, project=project, pk=adapter_id)
    try:
        generation = round_services.round_request(
            project=project, adapter=adapter, user=request.user,
            prompts=int(request.POST.get("prompts") or 16), kind=request.POST.get("kind") or None,
            pairing=request.POST.get("pairing") or ("previous" if adapter else "samples"),
        )
    except (round_services.RoundError, ValueError) as error:
        messages.error(request, f"Cannot start a generation round: {error}")
        return redirect("loop:adapters", slug=project.slug)
    messages.success(request, f"Generation round {generation.pk} queued on the training worker.")
    return redirect("loop:round", slug=project.slug, pk=generation.pk)


@project_view(min_role=Role.REVIEWER)
def leaderboard(request, project):
    board = leaderboard_read(project=project)
    chart = bar_chart([(row["version"], row["win_rate"]) for row in board.rows if row["win_rate"] is not None],
                      title="Share of comparisons won (ties count half)", maximum=1.0)
    return render(request, "loop/leaderboard.html", {"project": project, "nav": "leaderboard", "board": board,
                                                     "rows": board.rows, "chart": chart})
