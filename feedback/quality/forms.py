from django import forms

from feedback.bounds import whole_number


class AdjudicationForm(forms.Form):
    """What a final answer comes with besides the answer itself, which is given with the
    labelling page's controls and read by the labelling form's converter (see
    views.adjudicate)."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    make_gold = forms.BooleanField(required=False, label="Also make this a gold item with this answer")


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
