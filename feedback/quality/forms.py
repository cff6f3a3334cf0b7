from django import forms

from feedback.labelling.models import PairChoice, TaskKind


class AdjudicationForm(forms.Form):
    """The final answer in canonical positions, one field per task kind."""

    choice = forms.ChoiceField(choices=PairChoice.choices, required=False)
    order = forms.CharField(required=False, help_text="Positions best first, e.g. 2,0,1")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    make_gold = forms.BooleanField(required=False, label="Also make this a gold item with this answer")

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        for position in range(task.candidate_count):
            self.fields[f"thumb_{position}"] = forms.ChoiceField(choices=[("up", "up"), ("down", "down")], required=False)

    def answer(self) -> dict:
        data, kind = self.cleaned_data, self.task.kind
        if kind == TaskKind.PAIR:
            return {"choice": data.get("choice"), "strength": None}
        if kind == TaskKind.RANK:
            try:
                return {"order": [int(x) for x in (data.get("order") or "").replace(" ", "").split(",") if x != ""]}
            except ValueError:
                return {"order": []}
        return {"thumbs": {str(p): data.get(f"thumb_{p}") for p in range(self.task.candidate_count)}}
