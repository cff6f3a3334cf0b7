"""The API's list filters (django-filter): one FilterSet per list, values parsed by the
functions that parse the export and dashboard filters (feedback.labelling.filters: one
date parser, one whole-number parser), one answer to a bad value everywhere: a 400
{"<parameter>": "<message naming it>"}, and drf-spectacular documents the parameters
from these FilterSets."""
import django_filters as filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from feedback.bounds import INT_MAX
from feedback.labelling.filters import FilterError, parse_ints, parse_when
from feedback.labelling.models import Label, Prompt, Split, Task, TaskKind
from feedback.labelling.selectors import labels_by_annotator, labels_of_codebook_versions


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose refusal has the API's shape: one message per parameter
    (a string, as the API's other 400s give), not django-filter's lists."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError({name: " ".join(messages) for name, messages in filterset.errors.items()})
        return filterset.qs


class _ListWidget(forms.TextInput):
    """Every value of a repeated parameter (?codebook_version=1&codebook_version=2)."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


class _WholeNumbersField(forms.Field):
    widget = _ListWidget

    def __init__(self, *, parameter: str, maximum: int, **kwargs):
        self.parameter, self.maximum = parameter, maximum
        super().__init__(**kwargs)

    def to_python(self, value):
        values = value if isinstance(value, list) else [value] if value else []
        try:
            return parse_ints(values, self.parameter, maximum=self.maximum)
        except FilterError as error:
            raise forms.ValidationError(str(error)) from None


class _WhenField(forms.Field):
    """A date or an ISO datetime, by parse_when; None (no bound) past the end of time on
    the open side."""

    def __init__(self, *, parameter: str, upper: bool = False, **kwargs):
        self.parameter, self.upper = parameter, upper
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_when(value, self.parameter, upper=self.upper)
        except FilterError as error:
            raise forms.ValidationError(str(error)) from None


@extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": INT_MAX}})
class WholeNumbersFilter(filters.Filter):
    """Whole numbers, repeated or comma-separated; matches any of them."""

    field_class = _WholeNumbersField

    def __init__(self, *, parameter: str, maximum: int, **kwargs):
        super().__init__(lookup_expr="in", parameter=parameter, maximum=maximum, **kwargs)


class WhenFilter(filters.Filter):
    """since (labels at or after) or until (labels before)."""

    field_class = _WhenField

    def __init__(self, *, parameter: str, description: str, **kwargs):
        upper = parameter == "until"
        super().__init__(lookup_expr="lt" if upper else "gte", parameter=parameter, upper=upper, **kwargs)
        # A string, not a date-time: a plain date is taken too. The schema's words are set
        # here because an annotation of the type replaces the filter's own description.
        extend_schema_field({"type": "string", "description": description})(self)


def _one_of(name: str, values) -> dict:
    return {"invalid_choice": f"{name}: one of {', '.join(values)}"}


def _kind_filter() -> filters.ChoiceFilter:
    return filters.ChoiceFilter(choices=TaskKind.choices, error_messages=_one_of("kind", TaskKind.values))


class LabelFilterSet(filters.FilterSet):
    codebook_version = WholeNumbersFilter(parameter="codebook_version", maximum=INT_MAX, method="by_codebook_versions")
    annotator = filters.CharFilter(method="by_annotator", strip=False, help_text="username (reviewers and admins)")
    kind = _kind_filter()
    since = WhenFilter(field_name="created_at", parameter="since", description="date or ISO datetime, inclusive")
    until = WhenFilter(field_name="created_at", parameter="until", description="date or ISO datetime, exclusive")

    class Meta:
        model = Label
        fields = []

    # Both by id, not a join on the name or version (labelling.selectors says why).
    def by_annotator(self, labels, name, username):
        return labels_by_annotator(labels, username)

    def by_codebook_versions(self, labels, name, versions):
        return labels_of_codebook_versions(labels, versions)


@extend_schema_field(OpenApiTypes.BOOL)
class TrueOrFalseFilter(filters.TypedChoiceFilter):
    """true or false, nothing else (a typo is refused, not read as no filter)."""

    def __init__(self, name: str, **kwargs):
        super().__init__(choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true",
                         error_messages={"invalid_choice": f"{name}: true or false"}, **kwargs)


class TaskFilterSet(filters.FilterSet):
    kind = _kind_filter()
    is_gold = TrueOrFalseFilter("is_gold")

    class Meta:
        model = Task
        fields = []


class PromptFilterSet(filters.FilterSet):
    split = filters.ChoiceFilter(choices=Split.choices, error_messages=_one_of("split", Split.values))

    class Meta:
        model = Prompt
        fields = []
