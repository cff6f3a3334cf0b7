"""Labels, filterable (api.filters.LabelFilterSet); annotators see only their own. Paged
by a cursor in id order (api.pagination.LabelCursorPagination), not by offset."""
from rest_framework import generics

from feedback.api.filters import FilterBackend, LabelFilterSet
from feedback.api.pagination import LabelCursorPagination
from feedback.api.permissions import project_for
from feedback.api.serializers import LabelSerializer
from feedback.labelling.models import Label
from feedback.labelling.selectors import labels_visible_to


class LabelList(generics.ListAPIView):
    serializer_class = LabelSerializer
    filter_backends = [FilterBackend]
    filterset_class = LabelFilterSet
    pagination_class = LabelCursorPagination
    queryset = Label.objects.none()  # the model, for the schema; get_queryset picks the rows

    def get_queryset(self):
        project, membership = project_for(self.request, self.kwargs["slug"])
        return labels_visible_to(self.request.user, project).select_related("annotator", "codebook", "task__prompt")
