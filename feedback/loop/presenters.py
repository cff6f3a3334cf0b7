"""Drawing for the training pages (SVG charts), from what the selectors read."""
from feedback.charts.svg import Series, line_chart
from feedback.loop.models import TrainingRun


def run_charts(*, run: TrainingRun) -> dict:
    points = run.progress or []
    loss = Series("loss", [(p["step"], p.get("loss")) for p in points])
    accuracy = Series("reward accuracy", [(p["step"], p.get("reward_accuracy")) for p in points])
    return {
        "loss_chart": line_chart([loss], title=f"Training loss, run {run.pk}", x_label="step", y_label="loss"),
        "accuracy_chart": line_chart(
            [accuracy], title=f"Reward accuracy, run {run.pk}", x_label="step", y_label="accuracy", y_range=(0, 1)
        ),
    }
