"""Label exactly like the web page: lease the next task, submit, skip."""
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback.api.permissions import project_for
from feedback.api.serializers import (
    AssignmentOutSerializer,
    LabelSerializer,
    SubmitResultSerializer,
    SubmitSerializer,
)
from feedback.labelling.errors import CodebookNotAcknowledged
from feedback.labelling.selectors import active_codebook, assignment_of, assignment_payload
from feedback.labelling.services.assignments import assignment_next, assignment_skip
from feedback.labelling.services.codebooks import codebook_acknowledge, codebook_require_acknowledged
from feedback.labelling.services.labels import Submission, label_submit, label_submit_and_next


def _require_acknowledged(project, user):
    try:
        codebook_require_acknowledged(project=project, user=user)
    except CodebookNotAcknowledged as refusal:
        raise CodebookNotAcknowledged(_with_hint(project, refusal)) from None


def _with_hint(project, refusal: CodebookNotAcknowledged) -> str:
    return f"{refusal} (GET /api/v1/projects/{project.slug}/codebooks/, then POST .../codebooks/acknowledge/)"


def _next_payload(project, user):
    assignment = assignment_next(project=project, user=user)
    return assignment_payload(assignment) if assignment else None


class NextTask(APIView):
    """Lease the caller's next task (or return the one they hold). 204 when nothing is left."""

    @extend_schema(request=None, responses={200: AssignmentOutSerializer, 204: None})
    def post(self, request, slug):
        project, _ = project_for(request, slug)
        _require_acknowledged(project, request.user)
        payload = _next_payload(project, request.user)
        if payload is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(payload)


class AcknowledgeCodebook(APIView):
    """Acknowledge the active codebook version (the API's "I have read it")."""

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, slug):
        project, _ = project_for(request, slug)
        codebook = active_codebook(project)
        if codebook is None:
            return Response({"detail": "This project has no codebook yet."}, status=status.HTTP_409_CONFLICT)
        codebook_acknowledge(user=request.user, codebook=codebook)
        return Response({"acknowledged": codebook.version})


class SubmitLabel(APIView):
    """Submit the answer for a leased task. Idempotent by submission_id: a retry returns
    the stored label with 200; an id already used for another assignment's label is a
    409 and saves nothing. A rank in the order shown needs "keep_shown_order": true
    (400 without it). With ?next=true the response carries the next task (null
    when nothing is left), or in next_refused why none was leased: a newer codebook to
    acknowledge first."""

    @extend_schema(
        request=SubmitSerializer,
        responses={201: SubmitResultSerializer, 200: SubmitResultSerializer},
        parameters=[OpenApiParameter("next", bool, description="Also lease and return the next task.")],
    )
    def post(self, request, slug, assignment_id):
        project, _ = project_for(request, slug)
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = Submission(**serializer.validated_data)
        if request.query_params.get("next") not in ("1", "true"):
            label, created = label_submit(assignment_id=assignment_id, user=request.user, submission=submission,
                                          project_id=project.pk)
            return Response({"label": LabelSerializer(label).data}, status=_stored_status(created))
        result = label_submit_and_next(project=project, assignment_id=assignment_id, user=request.user,
                                       submission=submission)
        body = {"label": LabelSerializer(result.label).data,
                "next": assignment_payload(result.next) if result.next else None}
        if result.next_refused:
            body["next_refused"] = _with_hint(project, result.next_refused)
        return Response(body, status=_stored_status(result.created))


def _stored_status(created: bool) -> int:
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


class SkipTask(APIView):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, slug, assignment_id):
        project, _ = project_for(request, slug)
        assignment = assignment_of(request.user, project, assignment_id)
        if assignment is None:
            raise Http404("No such assignment of yours.")
        assignment = assignment_skip(assignment=assignment, user=request.user)
        return Response({"assignment": assignment.pk, "status": assignment.status})
