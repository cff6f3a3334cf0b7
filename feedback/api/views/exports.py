"""Dataset downloads (JSON Lines streamed in constant memory; Parquet; a zipped
`datasets` directory), their manifests, and snapshots."""
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.permissions import project_for
from feedback.artifacts import artifact_open, snapshot_file
from feedback.exports.datasets import EXTRA_COLUMNS, FORMS
from feedback.exports.downloads import export_manifest, export_response
from feedback.exports.filters import DATASETS, DEFAULT_MIN_MARGIN, PAIR_SOURCES, REJECTED, SNAPSHOT_DATASETS
from feedback.exports.models import Snapshot
from feedback.exports.options import parse_options
from feedback.exports.services import snapshot_create
from feedback.exports.writers import FORMATS
from feedback.labelling.models import Role, Split, Tier

EXPORT_PARAMETERS = [
    OpenApiParameter("dataset", str, enum=DATASETS, default="preference"),
    OpenApiParameter("format", str, enum=FORMATS, default="jsonl"),
    OpenApiParameter("form", str, enum=FORMS, default="conversational", description="TRL conversational or plain text"),
    OpenApiParameter("columns", str, description=f"extra columns, comma-separated: {', '.join(EXTRA_COLUMNS)}"),
    OpenApiParameter("codebook_version", int, many=True),
    OpenApiParameter("since", str, description="date or ISO datetime (labels at or after)"),
    OpenApiParameter("until", str, description="date or ISO datetime (labels before)"),
    OpenApiParameter("min_agreement", float),
    OpenApiParameter("tier", str, enum=Tier.values, many=True),
    OpenApiParameter("split", str, enum=Split.values),
    OpenApiParameter("max_label_id", int, description="pin the label set (see X-Export-Max-Label-Id)"),
    OpenApiParameter("weight_by_reliability", bool),
    OpenApiParameter("source", str, enum=PAIR_SOURCES, default="choices",
                     description="preference pairs from pair choices and rankings, rubric ratings, or both"),
    OpenApiParameter("rejected", str, enum=REJECTED, default="each",
                     description="rating-derived pairs: the best response against each lower one, or the worst"),
    OpenApiParameter("min_margin", float, default=DEFAULT_MIN_MARGIN,
                     description="rating-derived pairs closer than this (scores 0 to 1) are left out and counted"),
]


def _options(request):
    try:
        return parse_options(request.query_params)
    except ValueError as error:
        raise serializers.ValidationError({"detail": str(error)}) from None


class Export(APIView):
    """Download a dataset derived from the raw labels (reviewers and admins). The
    X-Export-Max-Label-Id header pins the label set: pass it back as max_label_id, to
    this endpoint or to .../export/manifest/, to get the same bytes and their manifest."""

    @extend_schema(parameters=EXPORT_PARAMETERS, responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, slug):
        project, _ = project_for(request, slug, Role.REVIEWER)
        return export_response(project=project, options=_options(request))


class ExportManifest(APIView):
    """The manifest (row counts, filters, sha256 of the exact bytes) of the export with
    the same parameters; without max_label_id it pins the newest label."""

    @extend_schema(parameters=EXPORT_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request, slug):
        project, _ = project_for(request, slug, Role.REVIEWER)
        return Response(export_manifest(project=project, options=_options(request)))


class SnapshotSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = Snapshot
        fields = ["id", "dataset", "filters", "sha256", "row_counts", "label_count", "last_label_id", "created_by",
                  "created_at", "manifest"]


class SnapshotCreateSerializer(serializers.Serializer):
    dataset = serializers.ChoiceField(choices=SNAPSHOT_DATASETS, default="preference")
    form = serializers.ChoiceField(choices=FORMS, default="conversational")
    filters = serializers.DictField(required=False, default=dict, help_text="The export filters, as in the export parameters.")

    def validate_filters(self, filters: dict) -> dict:
        """As query parameters are: text, or a list of texts (numbers and booleans read as text)."""
        scalar = (str, int, float, bool)
        text = {}
        for name, value in filters.items():
            if value is None:
                continue
            if not (isinstance(value, scalar) or isinstance(value, list) and all(isinstance(v, scalar) for v in value)):
                raise serializers.ValidationError(f"{name}: a string, a number, or a list of them.")
            text[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
        return text


class _Params(dict):
    def getlist(self, name):
        value = self.get(name)
        return value if isinstance(value, list) else ([value] if value not in (None, "") else [])


class SnapshotList(generics.ListAPIView):
    """Frozen exports kept on disk (reviewers see, admins create)."""

    serializer_class = SnapshotSerializer

    def get_queryset(self):
        project, _ = project_for(self.request, self.kwargs["slug"], Role.REVIEWER)
        return Snapshot.objects.filter(project=project).select_related("created_by").order_by("-id")

    @extend_schema(request=SnapshotCreateSerializer, responses={201: SnapshotSerializer})
    def post(self, request, slug):
        project, _ = project_for(request, slug, Role.ADMIN)
        body = SnapshotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        params = _Params({k: v for k, v in body.validated_data["filters"].items()})
        try:
            filters = parse_options(params).filters
        except ValueError as error:
            raise serializers.ValidationError({"filters": str(error)}) from None
        snapshot = snapshot_create(project=project, dataset=body.validated_data["dataset"], filters=filters,
                                   user=request.user, form=body.validated_data["form"])
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)


class SnapshotFile(APIView):
    """Download one file of a snapshot (train.jsonl, heldout.jsonl, manifest.json, ...)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, slug, snapshot_id, name):
        project, _ = project_for(request, slug, Role.REVIEWER)
        snapshot = Snapshot.objects.filter(project=project, pk=snapshot_id).first()
        allowed = set((snapshot.manifest.get("files") or {}).values()) | {"manifest.json"} if snapshot else set()
        if snapshot is None or name not in allowed:
            raise Http404("No such snapshot file.")
        return FileResponse(artifact_open(snapshot_file(snapshot=snapshot, name=name)), as_attachment=True, filename=name)


