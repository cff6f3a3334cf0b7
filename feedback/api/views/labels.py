"""Labels, filterable; annotators see only their own."""
from datetime import datetime

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from feedback.api.permissions import project_for
from feedback.api.serializers import LabelSerializer
from feedback.labelling.models import TaskKind
from feedback.labelling.selectors import labels_visible_to


def parse_when(value: str, name: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValidationError({name: f"{value!r} is not a date (YYYY-MM-DD) or an ISO datetime."})
        parsed = datetime(day.year, day.month, day.day)
    if parsed.tzinfo is None:
        from django.utils import timezone

        parsed = timezone.make_aware(parsed)
    return parsed


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
                labels = labels.filter(codebook__version__in=[int(v) for v in versions])
            except ValueError:
                raise ValidationError({"codebook_version": "Versions are whole numbers."}) from None
        if params.get("annotator"):
            labels = labels.filter(annotator__username=params["annotator"])
        if params.get("kind"):
            if params["kind"] not in TaskKind.values:
                raise ValidationError({"kind": f"One of {', '.join(TaskKind.values)}."})
            labels = labels.filter(kind=params["kind"])
        if params.get("since"):
            labels = labels.filter(created_at__gte=parse_when(params["since"], "since"))
        if params.get("until"):
            labels = labels.filter(created_at__lt=parse_when(params["until"], "until"))
        return labels.order_by("id")
