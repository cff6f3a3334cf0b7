"""The Export page (reviewers and admins): choose a dataset, its form, filters and a
file format; see the row counts and the manifest; download the file; save a snapshot
(admins). Every choice is an export API parameter, parsed by the API's own parser, so
the page, the API and `manage.py export` give the same bytes for the same choices."""
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from feedback.exports.datasets import EXTRA_COLUMNS, FORMS
from feedback.exports.downloads import export_manifest, export_response
from feedback.exports.filters import DATASETS, DEFAULT_MIN_MARGIN, PAIR_SOURCES, REJECTED, SNAPSHOT_DATASETS
from feedback.exports.models import Snapshot
from feedback.exports.options import parse_options
from feedback.exports.services import snapshot_create
from feedback.exports.writers import FORMATS
from feedback.labelling.access import project_view
from feedback.labelling.models import Role, Split, Tier

# What the page's form sends: the export parameters, no more (csrf and the like stay out
# of the download and API links the page builds from them).
PARAMETERS = ("dataset", "form", "format", "columns", "codebook_version", "since", "until", "min_agreement", "tier",
              "split", "max_label_id", "weight_by_reliability", "source", "rejected", "min_margin")
RECENT_SNAPSHOTS = 5
DATASET_NOTES = {
    "preference": "prompt, chosen, rejected: pair majorities and the pairs rankings imply (DPO, reward models)",
    "unpaired": "prompt, completion, label: thumbs, both-bad pairs and each judged turn of a conversation (KTO)",
    "sft": "messages from rewrites (SFT)",
    "ratings": "prompt, completion, each rubric aspect's mean, count and spread, overall score (reward-model regression)",
    "raw": "every label, one row each, pseudonymous",
}
PAIR_SOURCE_NAMES = {"choices": "pair choices and rankings", "ratings": "rubric ratings",
                     "both": "both (each row says which)"}
REJECTED_NAMES = {"each": "each lower one", "worst": "the worst only"}
FORMAT_NAMES = {"jsonl": "JSON Lines (streamed)", "parquet": "Parquet", "datasets": "datasets folder (zip)"}


def _chosen(params) -> list[tuple[str, str]]:
    """The export parameters given, in the form's order, as (name, value) pairs."""
    return [(name, value) for name in PARAMETERS for value in params.getlist(name) if value != ""]


def _page(request, project, params, *, manifest=None, error="", status=200):
    chosen = _chosen(params)
    context = {
        "project": project, "nav": "export", "error": error, "manifest": manifest,
        "datasets": [(name, DATASET_NOTES[name]) for name in DATASETS], "forms": FORMS,
        "formats": [(name, FORMAT_NAMES[name]) for name in FORMATS], "extra_columns": EXTRA_COLUMNS,
        "tiers": Tier.choices, "splits": Split.choices,
        "versions": list(project.codebooks.order_by("version").values_list("version", flat=True)),
        "value": {name: params.get(name, "") for name in PARAMETERS},
        "values": {name: params.getlist(name) for name in ("columns", "codebook_version", "tier")},
        "is_admin": request.membership.role == Role.ADMIN,
        "snapshot_datasets": SNAPSHOT_DATASETS,
        # The defaults are sent blank, so an export that does not use ratings keeps its links as they were.
        "pair_sources": [("" if name == PAIR_SOURCES[0] else name, PAIR_SOURCE_NAMES[name]) for name in PAIR_SOURCES],
        "rejected_choices": [("" if name == REJECTED[0] else name, REJECTED_NAMES[name]) for name in REJECTED],
        "default_min_margin": DEFAULT_MIN_MARGIN,
        "snapshots": Snapshot.objects.filter(project=project).select_related("created_by").order_by("-id")[:RECENT_SNAPSHOTS],
    }
    if manifest is not None:
        # The download and the API link carry the label set the counts were made from,
        # so the file holds exactly the rows the page shows.
        pinned = [(name, value) for name, value in chosen if name != "max_label_id"]
        pinned.append(("max_label_id", str(manifest["filters"]["max_label_id"])))
        query = urlencode(pinned)
        context.update(
            download_url=f"{reverse('exports:download', args=[project.slug])}?{query}",
            api_url=request.build_absolute_uri(f"{reverse('api:export', args=[project.slug])}?{query}"),
            pinned=pinned, excluded=[(why, n) for why, n in manifest["excluded"].items() if n],
            manifest_json=json.dumps(manifest, indent=2, ensure_ascii=False),
        )
    template = "exports/partials/export_preview.html" if request.htmx else "exports/export.html"
    # htmx swaps in only 2xx answers: it gets the message with a 200, a plain request the 400.
    return render(request, template, context, status=200 if request.htmx else status)


@require_GET
@project_view(min_role=Role.REVIEWER)
def export_page(request, project):
    """The form; with parameters, also the counts and manifest of that export."""
    if not _chosen(request.GET):
        return _page(request, project, request.GET)
    try:
        options = parse_options(request.GET)
    except ValueError as error:
        return _page(request, project, request.GET, error=str(error), status=400)
    return _page(request, project, request.GET, manifest=export_manifest(project=project, options=options))


@require_GET
@project_view(min_role=Role.REVIEWER)
def export_download(request, project):
    """The file, streamed as the API streams it; bad parameters get the page and its message."""
    try:
        options = parse_options(request.GET)
    except ValueError as error:
        return _page(request, project, request.GET, error=str(error), status=400)
    return export_response(project=project, options=options)


@require_POST
@project_view(min_role=Role.ADMIN)
def export_snapshot(request, project):
    """Freeze the previewed export as a snapshot (train and held-out JSON Lines and the
    manifest), as POST .../snapshots/ does; then back to the page."""
    try:
        options = parse_options(request.POST)
        if options.dataset not in SNAPSHOT_DATASETS:
            raise ValueError(f"dataset: a snapshot is one of {', '.join(SNAPSHOT_DATASETS)} (what training reads)")
    except ValueError as error:
        return _page(request, project, request.POST, error=str(error), status=400)
    snapshot = snapshot_create(project=project, dataset=options.dataset, filters=options.filters, user=request.user,
                               form=options.form)
    rows = sum(snapshot.row_counts.values())
    messages.success(request, f"Snapshot {snapshot.pk} saved: {rows} row{'s' if rows != 1 else ''} of "
                              f"{snapshot.dataset}, sha256 {snapshot.sha256[:12]}…")
    return redirect(f"{reverse('exports:export', args=[project.slug])}?{urlencode(_chosen(request.POST))}")
