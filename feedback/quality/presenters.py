"""What the review pages show, made from what the reads return: the dashboard's SVG
charts (from feedback.quality.dashboard's figures) and disputed tasks' answers in words
(from selectors.disputed_tasks), kept out of the reads."""
from collections import Counter, defaultdict

from feedback.charts.svg import Series, bar_chart, line_chart
from feedback.labelling.models import TaskKind
from feedback.labelling.naming import CHOICE_NAMES, CHOICE_POSITIONS, rank_numbers, response_name
from feedback.labelling.turns import thumbs_of, turn_name


def agreement_chart(data: dict) -> str:
    """Agreement by week, one line per task kind: their alphas measure different things
    (see quality.measures)."""
    weeks = data["by_week"]
    series = [Series(f"alpha, {kind}", [(i, figures[kind].alpha if kind in figures else None)
                                        for i, (_, figures) in enumerate(weeks)]) for kind in data["kinds"]]
    lowest = min([0.0] + [y for s in series for _, y in s.points if y is not None])
    return line_chart(
        series, title="Agreement by week", x_label="week", y_range=(lowest, 1.0),
        x_format=lambda x: weeks[int(x)][0].strftime("%b %d") if 0 <= int(x) < len(weeks) else "",
    )


def producer_chart(data: dict) -> str:
    return bar_chart([(key, share) for key, share, _ in data["thumbs_by_producer"]], title="Thumbs-up share by version",
                     maximum=1.0)


def _pair_answers(given) -> list[str]:
    """"Response 1 ×2 (seen first by 1)": how many chose it, and how many of them had it
    shown first (a hint of position bias)."""
    chosen, first = Counter(), Counter()
    for _, answer, shown in given:
        choice = answer.get("choice")
        chosen[choice] += 1
        first[choice] += bool(shown) and CHOICE_POSITIONS.get(choice) == shown[0]
    order = list(CHOICE_NAMES)
    return [f"{CHOICE_NAMES[choice]} ×{n}" + (f" (seen first by {first[choice]})" if choice in CHOICE_POSITIONS else "")
            for choice, n in sorted(chosen.items(), key=lambda kv: (-kv[1], order.index(kv[0])))]


def _rank_answers(given) -> list[str]:
    """"2 > 1 > 3 ×2": each distinct ranking, best first, in response numbers."""
    orders = Counter(tuple(answer.get("order") or []) for _, answer, _ in given)
    return [f"{rank_numbers(order)} ×{n}"
            for order, n in sorted(orders.items(), key=lambda kv: (-kv[1], kv[0]))]


def _thumbs_answers(given) -> list[str]:
    """"Response 1: 2 up · 1 down", for each response."""
    up, down = Counter(), Counter()
    for _, answer, _ in given:
        for position, thumb in (answer.get("thumbs") or {}).items():
            (up if thumb == "up" else down)[int(position)] += 1
    return [f"{response_name(position)}: {up[position]} up · {down[position]} down"
            for position in sorted(up.keys() | down.keys())]


def _turns_answers(given) -> list[str]:
    """"Turn 2: 2 up · 1 down", for each judged turn of the conversation."""
    up, down = Counter(), Counter()
    for _, answer, _ in given:
        for index, thumb in thumbs_of(answer).items():
            (up if thumb == "up" else down)[index] += 1
    return [f"{turn_name(index)}: {up[index]} up · {down[index]} down" for index in sorted(up.keys() | down.keys())]


def _rate_answers(given) -> list[str]:
    """"Response 1 helpfulness: 4 ×2 · 2 ×1", for each response and aspect."""
    points = defaultdict(Counter)
    for _, answer, _ in given:
        for key, rated in (answer.get("ratings") or {}).items():
            for aspect, point in rated.items():
                points[(int(key), aspect)][point] += 1
    return [f"{response_name(position)} {aspect}: " + " · ".join(f"{point} ×{n}" for point, n in
                                                                 sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            for (position, aspect), counts in sorted(points.items())]


_READABLE = {TaskKind.PAIR: _pair_answers, TaskKind.RANK: _rank_answers, TaskKind.THUMBS: _thumbs_answers,
             TaskKind.RATE: _rate_answers, TaskKind.TURNS: _turns_answers}


def with_readable_answers(disputed: list[dict]) -> list[dict]:
    """Adds each disputed task's answers as people read them ("answers"), numbered as on
    every reviewer page."""
    for item in disputed:
        item["answers"] = _READABLE[item["kind"]](item["given"])
    return disputed
