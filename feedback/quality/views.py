"""Reviewer pages: the quality dashboard, the adjudication queue and page, gold items
and the calibration set; the annotators' quiz."""
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from feedback.bounds import whole_number
from feedback.labelling.access import project_view
from feedback.labelling.as_seen import answer_as_seen
from feedback.labelling.errors import InvalidAnswer
from feedback.labelling.filters import FilterError, LabelFilters, parse_label_filters
from feedback.labelling.forms import answer_from_post, post_from_answer, shown_responses
from feedback.labelling.models import Membership, Role, Task, TaskKind
from feedback.labelling.rubric import aspects_for, rubric_of
from feedback.labelling.selectors import active_codebook, task_rubric
from feedback.labelling.turns import shown_turns
from feedback.quality import dashboard as figures
from feedback.quality import selectors, services
from feedback.quality.disputes import DISPUTABLE
from feedback.quality.kept.folding import pending_changes
from feedback.quality.forms import AdjudicationForm, CalibrationForm
from feedback.quality.models import Adjudication
from feedback.quality.presenters import agreement_chart, producer_chart, with_readable_answers
from feedback.quality.queue_choice import SORTS, parse_queue_choice
from feedback.quality.quiz import quiz_submit
from feedback.quality.rubric_dashboard import rubric_figures
from feedback.quality.selectors import calibration_candidates, calibration_items, gold_items


def _filters(request) -> tuple[LabelFilters, list[str], str]:
    """The label filters from the query (codebook version, a window of days with both
    ends included, tiers, split), the task kinds, and what was wrong with them: then none apply."""
    try:
        return parse_label_filters(request.GET, until_includes_day=True), _kinds(request.GET.getlist("kind")), ""
    except FilterError as error:
        return LabelFilters(), [], f"{error}. Showing every label instead."


def _kinds(values: list[str]) -> list[str]:
    kinds = sorted({kind for raw in values for kind in raw.split(",") if kind.strip()})
    unknown = set(kinds) - set(TaskKind.values)
    if unknown:
        raise FilterError(f"kind: unknown {', '.join(sorted(unknown))}; use {', '.join(TaskKind.values)}")
    return kinds


@project_view(min_role=Role.REVIEWER)
def dashboard(request, project):
    filters, kinds, error = _filters(request)
    if error:
        messages.error(request, error)
    data = figures.dashboard(project, filters, kinds)
    _say_unfolded(request, data["unfolded"])
    with_readable_answers(data["disputed"])
    return render(request, "quality/dashboard.html", {
        "project": project, "nav": "quality", "data": data,
        "agreement_chart": agreement_chart(data), "producer_chart": producer_chart(data),
        "filters": filters, "until_shown": filters.until - timedelta(microseconds=1) if filters.until else None,
        "versions": project.codebooks.values_list("version", flat=True), "kinds": TaskKind.choices,
        "chosen_kinds": kinds, "is_admin": request.membership.role == Role.ADMIN,
        "rubric": rubric_figures(project, filters, kinds),
    }, status=400 if error else 200)


def _say_unfolded(request, unfolded: int) -> None:
    if unfolded:
        messages.info(request, f"{unfolded} label change{'s are' if unfolded != 1 else ' is'} still being folded in by "
                               "the worker: these figures leave them out. Reload in a minute.")


@project_view(min_role=Role.REVIEWER)
def adjudication_queue(request, project):
    threshold = project.dispute_threshold
    try:
        choice, error = parse_queue_choice(request.GET, threshold=threshold), ""
    except FilterError as refused:
        choice, error = parse_queue_choice({}, threshold=threshold), f"{refused}. Showing the open disputed tasks instead."
        messages.error(request, error)
    disputed = with_readable_answers(selectors.adjudication_queue(project, choice, limit=QUEUE_LENGTH))
    _say_unfolded(request, pending_changes(project))
    return render(request, "quality/queue.html", {
        "project": project, "nav": "adjudicate", "choice": choice, "disputed": disputed, "shown_all": len(disputed) < QUEUE_LENGTH,
        "open_query": choice.query(show="open"), "all_query": choice.query(show="all"),
        "sorts": [(name, title) for name, (title, _) in SORTS.items()], "kinds": [(kind, TaskKind(kind).label) for kind in DISPUTABLE],
        "versions": project.codebooks.values_list("version", flat=True),
        "here": request.get_full_path() if not error else reverse("quality:queue", args=[project.slug]),
        "recent": Adjudication.objects.filter(task__project=project).select_related("reviewer").order_by("-updated_at")[:10],
    }, status=400 if error else 200)


QUEUE_LENGTH = 100


# The pages a task's adjudication is opened from: what its way back is called there,
# and the menu entry lit on the way.
BACK = {"quality:dashboard": ("Quality", "quality"), "quality:queue": ("Disputed", "adjudicate"),
        "quality:gold": ("Gold", "gold")}


def _back(request, project) -> tuple[str, str, str]:
    """Where the adjudication page returns to, that page's name and its menu entry:
    `next` (on the link, then a hidden field in the form) when it is one of this
    project's BACK pages on this site, with its query (the queue's sort and filters);
    else the dashboard."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    pages = {reverse(name, args=[project.slug]): names for name, names in BACK.items()}
    path = urlsplit(wanted).path
    if path in pages and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                            require_https=request.is_secure()):
        return wanted, *pages[path]
    return reverse("quality:dashboard", args=[project.slug]), *BACK["quality:dashboard"]


@project_view(min_role=Role.REVIEWER)
def adjudicate(request, project, task_id):
    """The final answer, given with the labelling page's controls (responses in the
    task's own order, numbered from 1 as on every reviewer page) and read by the
    labelling form's converter, beside each annotator's answer as they saw it."""
    task = get_object_or_404(Task.objects.select_related("prompt"), project=project, pk=task_id)
    existing = Adjudication.objects.filter(task=task).select_related("reviewer").first()
    back, back_title, nav = _back(request, project)
    form = AdjudicationForm(request.POST or None, initial={"make_gold": task.is_gold or request.GET.get("gold") == "1"})
    error = ""
    aspects = task_rubric(task)  # the rubric services.adjudicate checks the answer against
    if request.method == "POST" and not form.is_valid():
        error = " ".join(f"{name}: {message}" for name, field_errors in form.errors.items() for message in field_errors)
    elif request.method == "POST":
        make_gold = form.cleaned_data["make_gold"] and request.membership.role == Role.ADMIN
        try:
            services.adjudicate(task=task, reviewer=request.user, note=form.cleaned_data["note"], make_gold=make_gold,
                                answer=answer_from_post(task.kind, task.candidate_count, request.POST, aspects))
        except InvalidAnswer as invalid:
            error = str(invalid)
        else:
            messages.success(request, f"Final answer recorded for task {task.pk}{' (now a gold item)' if make_gold else ''}.")
            return redirect(back)
    given = request.POST if request.method == "POST" else post_from_answer(
        task.kind, existing.answer if existing else task.gold_answer)
    candidates = [{"position": position, "letter": "AB"[position] if task.kind == TaskKind.PAIR else None,
                   "text": candidate.text, "producer": candidate.producer_name}
                  for position, candidate in enumerate(task.ordered_candidates())]
    labels = list(task.labels.select_related("annotator", "codebook").order_by("created_at"))
    for label in labels:
        label.seen = answer_as_seen(label.kind, label.answer, label.display_order, aspects=rubric_of(label.codebook))
    shown = shown_responses(task.kind, candidates, given, aspects)
    return render(request, "quality/adjudicate.html", {
        "project": project, "nav": nav, "task": task, "labels": labels, "existing": existing, "form": form,
        "error": error, "is_admin": request.membership.role == Role.ADMIN, "back": back, "back_title": back_title,
        "shown": shown, "post": given, "rated": any(item["ratings"] for item in shown),
        "rank_choices": range(1, len(candidates) + 1), "turns": _turns(task, candidates, given, aspects),
    }, status=400 if error else 200)


def _turns(task, candidates: list[dict], given, aspects) -> list[dict]:
    """A turns task's conversation for the shared controls, rated on the rubric the
    final answer is checked against (services.adjudicate: labelling.selectors.task_rubric)."""
    if task.kind != TaskKind.TURNS:
        return []
    return shown_turns(task.prompt.messages, candidates[0]["text"] if candidates else "", given,
                       aspects_for(aspects, TaskKind.TURNS))


@require_POST
@project_view(min_role=Role.ADMIN)
def tier_apply(request, project, user_id):
    membership = get_object_or_404(Membership, project=project, user_id=user_id)
    try:
        services.tier_apply(membership=membership, tier=request.POST.get("tier", ""))
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user} is now {membership.get_tier_display().lower()}.")
    return redirect("quality:dashboard", slug=project.slug)


@require_POST
@project_view()
def quiz(request, project):
    codebook = active_codebook(project)
    if codebook is None or str(codebook.version) != request.POST.get("version"):
        raise Http404("No such codebook version to answer a quiz for.")
    answers = {key[1:]: value for key, value in request.POST.items() if key.startswith("q") and key[1:].isdigit()}
    try:
        attempt, wrong = quiz_submit(user=request.user, codebook=codebook, answers=answers)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("labelling:codebook", slug=project.slug)
    if attempt.passed:
        messages.success(request, f"Quiz passed ({attempt.score:.0%}): you can label under v{codebook.version}.")
        return redirect("labelling:label", slug=project.slug)
    explanations = " ".join(f"“{q.text}”: {q.explanation or 'see the codebook'}." for q in wrong)
    messages.warning(request, f"{attempt.score:.0%} right — not enough yet. {explanations} Read the codebook and try again.")
    return redirect("labelling:codebook", slug=project.slug)


@project_view(min_role=Role.REVIEWER)
def gold(request, project):
    """Gold items and the active version's calibration set. ?task=ID leads an admin to
    that task's page to set its expected answer."""
    wanted = whole_number(request.GET.get("task", ""))
    if wanted is not None and request.membership.role == Role.ADMIN:
        task = get_object_or_404(Task, project=project, pk=wanted)
        query = urlencode({"gold": 1, "next": reverse("quality:gold", args=[project.slug])})
        return redirect(f"{reverse('quality:adjudicate', args=[project.slug, task.pk])}?{query}")
    codebook = active_codebook(project)
    return render(request, "quality/gold.html", {
        "project": project, "nav": "gold", "gold": gold_items(project), "codebook": codebook,
        "calibration": calibration_items(codebook), "calibration_form": CalibrationForm(),
        "is_admin": request.membership.role == Role.ADMIN,
    })


@require_POST
@project_view(min_role=Role.ADMIN)
def gold_unmark(request, project, task_id):
    task = get_object_or_404(Task, project=project, pk=task_id, is_gold=True)
    services.gold_mark(task=task, answer=None)
    messages.success(request, f"Task {task.pk} is no longer a gold item.")
    return redirect("quality:gold", slug=project.slug)


@require_POST
@project_view(min_role=Role.ADMIN)
def calibration_add(request, project):
    codebook = active_codebook(project)
    form = CalibrationForm(request.POST)
    if codebook is None or not form.is_valid():
        messages.error(request, "Give task numbers, or how many tasks to pick at random." if codebook else
                       "Publish a codebook first.")
        return redirect("quality:gold", slug=project.slug)
    ids, count = form.cleaned_data["task_ids"], form.cleaned_data["random_count"]
    tasks = list(Task.objects.filter(project=project, pk__in=ids)) if ids else calibration_candidates(project, count)
    try:
        added = services.calibration_add(codebook=codebook, tasks=tasks)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{len(added)} item{'s' if len(added) != 1 else ''} in the calibration set of v{codebook.version}.")
    return redirect("quality:gold", slug=project.slug)
