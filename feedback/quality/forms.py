from django import forms

from feedback.bounds import whole_number
from feedback.labelling.models import PairChoice, TaskKind
from feedback.labelling.naming import CHOICE_NAMES


class AdjudicationForm(forms.Form):
    """The final answer, one field per task kind. Responses are named and numbered as on
    every reviewer page (canonical position + 1); the answer is stored in positions."""

    choice = forms.ChoiceField(choices=[("", "—")] + [(c, CHOICE_NAMES[c]) for c in PairChoice.values], required=False)
    order = forms.CharField(required=False, help_text="Response numbers best first, e.g. 3,1,2")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    make_gold = forms.BooleanField(required=False, label="Also make this a gold item with this answer")

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        for position in range(task.candidate_count):
            self.fields[f"thumb_{position}"] = forms.ChoiceField(choices=[("up", "up"), ("down", "down")], required=False)

    def thumb_fields(self) -> list:
        return [self[f"thumb_{position}"] for position in range(self.task.candidate_count)]

    @staticmethod
    def initial_for(answer: dict | None) -> dict:
        """Form fields pre-filled from a stored answer (the current final or gold answer)."""
        if not answer:
            return {}
        return {"choice": answer.get("choice"), "order": ",".join(str(p + 1) for p in answer.get("order") or []),
                **{f"thumb_{position}": thumb for position, thumb in (answer.get("thumbs") or {}).items()}}

    def answer(self) -> dict:
        data, kind = self.cleaned_data, self.task.kind
        if kind == TaskKind.PAIR:
            return {"choice": data.get("choice"), "strength": None}
        if kind == TaskKind.RANK:
            try:
                return {"order": [int(x) - 1 for x in (data.get("order") or "").replace(" ", "").split(",") if x != ""]}
            except ValueError:
                return {"order": []}
        return {"thumbs": {str(p): data.get(f"thumb_{p}") for p in range(self.task.candidate_count)}}


class CalibrationForm(forms.Form):
    """Which tasks join the active version's calibration set: numbers, or a random few."""

    task_ids = forms.CharField(required=False, label="Task numbers", help_text="e.g. 12, 15, 40")
    random_count = forms.IntegerField(required=False, min_value=1, max_value=200, label="Or pick at random")

    def clean_task_ids(self) -> list[int]:
        raw = self.cleaned_data.get("task_ids") or ""
        parts = [part for part in raw.replace(" ", ",").split(",") if part]
        numbers = [whole_number(part) for part in parts]
        if None in numbers:
            raise forms.ValidationError("Task numbers, separated by commas.")
        return numbers

    def clean(self):
        data = super().clean()
        if not data.get("task_ids") and not data.get("random_count"):
            raise forms.ValidationError("Give task numbers or how many to pick.")
        return data
