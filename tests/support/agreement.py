"""The `krippendorff` package as the oracle for our agreement figures. Its reliability
matrix (annotators × units) is built here straight from the labels, written out from the
definitions in feedback.quality.measures' docstring rather than through its code."""
import krippendorff
import numpy as np

CHOICES = ["A", "B", "tie", "both_bad"]
LEVELS = {"pair": "nominal", "rank": "ordinal", "thumbs": "nominal", "turns": "nominal"}


def reliability_matrix(kind: str, labels, sizes: dict) -> np.ndarray:
    """`labels`: (annotator, task, answer) with answers in canonical positions; `sizes`:
    task → number of responses. One row per annotator, one column per unit, nan where
    missing. pair: a column per task, the choice's index; rank: a column per (task,
    response), its place (1 = best); thumbs: a column per (task, response), 1 up, 0 down;
    turns: a column per (task, judged turn), 1 up, 0 down (`sizes`: the turns judged)."""
    columns = {}
    for task, n in sorted(sizes.items()):
        for position in ([None] if kind == "pair" else range(n)):
            columns[(task, position)] = len(columns)
    who = {annotator: i for i, annotator in enumerate(sorted({a for a, _, _ in labels}))}
    matrix = np.full((max(len(who), 1), len(columns)), np.nan)
    for annotator, task, answer in labels:
        row = who[annotator]
        if kind == "pair":
            matrix[row, columns[(task, None)]] = CHOICES.index(answer["choice"])
        elif kind == "rank":
            for place, position in enumerate(answer["order"], start=1):
                matrix[row, columns[(task, position)]] = place
        elif kind == "turns":  # a column per (task, judged turn), the turns in conversation order
            for i, (_, turn) in enumerate(sorted(answer["turns"].items(), key=lambda kv: int(kv[0]))):
                matrix[row, columns[(task, i)]] = turn["thumb"] == "up"
        else:
            for position, thumb in answer["thumbs"].items():
                matrix[row, columns[(task, int(position))]] = thumb == "up"
    return matrix


def compared_units(matrix: np.ndarray) -> int:
    """Units labelled at least twice: those alpha compares."""
    return int(((~np.isnan(matrix)).sum(axis=0) >= 2).sum())


def package_alpha(kind: str, labels, sizes: dict) -> float:
    """nan where alpha is undefined (no variation: the package divides 0 by 0)."""
    domain = {"pair": range(len(CHOICES)), "rank": range(1, max(sizes.values()) + 1), "thumbs": [0, 1],
              "turns": [0, 1]}[kind]
    with np.errstate(invalid="ignore", divide="ignore"):
        return krippendorff.alpha(reliability_data=reliability_matrix(kind, labels, sizes),
                                  level_of_measurement=LEVELS[kind], value_domain=list(domain))
