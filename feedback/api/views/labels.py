"""Labels, filterable; annotators see only their own."""
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from feedback.api.permissions import project_for
from feedback.api.serializers import LabelSerializer
from feedback.bounds import INT_MAX
from feedback.exports.filters import FilterError, parse_ints, parse_when
from feedback.labelling.models import TaskKind
from feedback.labelling.selectors import labels_visible_to


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("codebook_version", int, many=True),
            OpenApiParameter("annotator", str, description="username (reviewers and admins)"),
            OpenApiParameter("kind", str, enum=TaskKind.values),
            OpenApiParameter("since", str, description="date or ISO datetime, inclusive"),
            OpenApiParameter("until", str, description="date or ISO datetime, exclusive"),
        ]
    )
)
class LabelList(generics.ListAPIView):
    serializer_class = LabelSerializer

    def get_queryset(self):
        project, membership = project_for(self.request, self.kwargs["slug"])
        labels = labels_visible_to(self.request.user, project).select_related("annotator", "codebook", "task__prompt")
        params = self.request.query_params
        versions = params.getlist("codebook_version")
        if versions:
            try:
                labels = labels.filter(codebook__version__in=parse_ints(versions, "codebook_version", maximum=INT_MAX))
            except FilterError as error:
                raise ValidationError({"codebook_version": str(error)}) from None
        if params.get("annotator"):
            labels = labels.filter(annotator__username=params["annotator"])
        if params.get("kind"):
            if params["kind"] not in TaskKind.values:
                raise ValidationError({"kind": f"One of {', '.join(TaskKind.values)}."})
            labels = labels.filter(kind=params["kind"])
        try:
            since = parse_when(params["since"], "since") if params.get("since") else None
            until = parse_when(params["until"], "until", upper=True) if params.get("until") else None
        except FilterError as error:
            raise ValidationError({"detail": str(error)}) from None
        if since is not None:
            labels = labels.filter(created_at__gte=since)
        if until is not None:
            labels = labels.filter(created_at__lt=until)
        return labels.order_by("id")
