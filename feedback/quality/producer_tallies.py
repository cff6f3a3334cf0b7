"""What the leaderboard counts, per producer, over a project's labels: the comparisons
between two different producers (feedback.quality.comparisons) and the thumbs each
producer's responses got. Read from the kept figures' cells (feedback.quality.kept),
folded first (feedback.quality.kept.folding.fold_for_page): a few thousand rows,
whatever the number of labels."""
import json
from collections import Counter

from feedback.labelling.models import Project
from feedback.quality.kept.folding import fold_for_page
from feedback.quality.models import AgreementCell


def producer_comparisons(project: Project) -> Counter:
    """(first producer, second producer, score) → how many comparisons."""
    comparisons = Counter()
    for figures in _cell_figures(project, "comparisons"):
        for key, count in figures.items():
            first, second, score = json.loads(key)
            comparisons[(first, second, score)] += count
    return comparisons


def producer_thumbs(project: Project) -> dict[str, tuple[int, int]]:
    """producer → (thumbs up, thumbs given), over the project's thumbs labels."""
    thumbs = Counter(), Counter()
    for figures in _cell_figures(project, "producer_thumbs"):
        for producer, counts in figures.items():
            thumbs[0][producer] += counts.get("up", 0)
            thumbs[1][producer] += counts.get("given", 0)
    return {producer: (thumbs[0][producer], given) for producer, given in thumbs[1].items()}


def _cell_figures(project: Project, name: str):
    fold_for_page()
    for figures in AgreementCell.objects.filter(project=project, version_slice=False).values_list("figures", flat=True):
        if figures.get(name):
            yield figures[name]
