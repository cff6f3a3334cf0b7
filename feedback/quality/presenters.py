"""The dashboard's pictures, drawn from its figures (feedback.quality.dashboard): SVG
charts for the page, kept out of the reads."""
from feedback.charts.svg import Series, bar_chart, line_chart


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
