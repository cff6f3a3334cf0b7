"""Projects, codebook versions, prompts (with bulk import) and tasks."""
import json

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from feedback.api.filters import FilterBackend, PromptFilterSet, TaskFilterSet
from feedback.api.parsers import StorableJSONParser
from feedback.api.permissions import project_for
from feedback.labelling.rubric import InvalidRubric
from feedback.api.serializers import (
    BulkImportSerializer,
    CodebookSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
    ProjectSerializer,
    PromptSerializer,
    TaskSerializer,
)
from feedback.labelling.models import Membership, Prompt, Role, Task
from feedback.labelling.selectors import projects_for
from feedback.labelling.services.codebooks import codebook_publish
from feedback.labelling.services.imports import import_jsonl
from feedback.limits import MULTIPART, Upload


class ProjectList(generics.ListAPIView):
    """Projects the caller is a member of, with their role."""

    serializer_class = ProjectSerializer

    def get_queryset(self):
        return projects_for(self.request.user).order_by("slug")

    def get_serializer_context(self):
        roles = dict(Membership.objects.filter(user=self.request.user).values_list("project", "role"))
        return {**super().get_serializer_context(), "roles": roles}


class ProjectDetail(APIView):
    @extend_schema(responses=ProjectSerializer)
    def get(self, request, slug):
        project, membership = project_for(request, slug)
        return Response(ProjectSerializer(project, context={"roles": {project.pk: membership.role}}).data)


class CodebookList(generics.ListCreateAPIView):
    """All versions, newest first. POST (admins) publishes a new active version."""

    serializer_class = CodebookSerializer

    def get_queryset(self):
        project, _ = project_for(self.request, self.kwargs["slug"])
        return project.codebooks.select_related("author").order_by("-version")

    def create(self, request, slug):
        project, _ = project_for(request, slug, Role.ADMIN)
        serializer = CodebookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            codebook = codebook_publish(
                project=project,
                text=serializer.validated_data["text"],
                rubric=serializer.validated_data.get("rubric"),
                author=request.user,
                change_note=serializer.validated_data.get("change_note", ""),
            )
        except InvalidRubric as error:
            raise ValidationError({"rubric": [str(error)]}) from None
        return Response(CodebookSerializer(codebook).data, status=status.HTTP_201_CREATED)


class PromptList(generics.ListAPIView):
    """Prompts with their candidates (reviewers and admins). Filter: split."""

    serializer_class = PromptSerializer
    filter_backends = [FilterBackend]
    filterset_class = PromptFilterSet
    queryset = Prompt.objects.none()  # the model, for the schema; get_queryset picks the rows

    def get_queryset(self):
        project, _ = project_for(self.request, self.kwargs["slug"], Role.REVIEWER)
        return Prompt.objects.filter(project=project).prefetch_related("candidates__adapter").order_by("id")


class PromptImport(APIView):
    """Bulk import (admins): the same rules as `manage.py import_prompts`: all or
    nothing, errors numbered by item (JSON body) or line (file), idempotent by external
    id. A JSON body `{"items": [...]}` suits small imports (up to
    DATA_UPLOAD_MAX_MEMORY_SIZE); a larger one goes as multipart/form-data with the JSON
    Lines file in `file` (up to IMPORT_MAX_BYTES), which Django streams to a temporary
    file and the import reads line by line."""

    parser_classes = [StorableJSONParser, MultiPartParser]
    accepts_upload = Upload(setting="IMPORT_MAX_BYTES", field="file")

    @extend_schema(
        request={"application/json": BulkImportSerializer, "multipart/form-data": ImportUploadSerializer},
        responses={201: ImportResultSerializer},
    )
    def post(self, request, slug):
        project, _ = project_for(request, slug, Role.ADMIN)
        if request.content_type.partition(";")[0].strip().lower() == MULTIPART:
            serializer = ImportUploadSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            upload = serializer.validated_data["file"]
            upload.seek(0)
            # The file object itself, in binary: read line by line, bad bytes reported
            # with their line and offset.
            lines = upload.file
        else:
            serializer = BulkImportSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            lines = (json.dumps(item) for item in serializer.validated_data["items"])
        result = import_jsonl(project=project, lines=lines)
        created = result.prompts_created + result.candidates_created + result.tasks_created
        return Response(
            {
                "items": result.lines,
                "prompts_created": result.prompts_created,
                "candidates_created": result.candidates_created,
                "tasks_created": result.tasks_created,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TaskList(generics.ListAPIView):
    """Tasks with their label counts (reviewers and admins). Filters: kind, is_gold."""

    serializer_class = TaskSerializer
    filter_backends = [FilterBackend]
    filterset_class = TaskFilterSet
    queryset = Task.objects.none()  # the model, for the schema; get_queryset picks the rows

    def get_queryset(self):
        project, _ = project_for(self.request, self.kwargs["slug"], Role.REVIEWER)
        return Task.objects.filter(project=project).select_related("prompt").order_by("id")
