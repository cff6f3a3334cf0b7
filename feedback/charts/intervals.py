"""One-sided confidence intervals as a picture: for each comparison, a dot at the
estimate and a line from its lower bound onwards, beside a line at the threshold the
bound has to clear. Readers see at once which bound is past it and by how much."""
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Interval:
    label: str
    estimate: float
    lower: float


def lower_bound_chart(intervals: list[Interval], *, threshold: float, title: str, threshold_label: str,
                      width: int = 400) -> SafeString:
    """An accessible <svg>: green where the lower bound is above `threshold`, red where not."""
    row, left, right, top = 26, 84, 12, 8
    height = top + row * len(intervals) + 30
    values = [threshold, 0.0] + [v for i in intervals for v in (i.estimate, i.lower)]
    low, high = min(values) - 0.05, max(values) + 0.1
    plot = width - left - right

    def sx(value: float) -> float:
        return left + (value - low) / (high - low) * plot

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    bottom = top + row * len(intervals)
    for tick in sorted({round(low, 1) + 0.1 * k for k in range(int((high - low) / 0.1) + 2)}):
        if low <= tick <= high:
            x = sx(tick)
            parts.append(f'<line class="chart-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}"/>')
            parts.append(f'<text class="chart-tick" x="{x:.1f}" y="{bottom + 14}" text-anchor="middle">{tick:+.1f}</text>')
    x = sx(threshold)
    parts.append(f'<line class="chart-threshold" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{bottom}"/>')
    parts.append(f'<text class="chart-label" x="{x:.1f}" y="{height - 2}" text-anchor="middle">'
                 f"{escape(threshold_label)}</text>")
    for index, interval in enumerate(intervals):
        y = top + row * index + row / 2
        state = "pass" if interval.lower > threshold else "fail"
        parts.append(f'<text class="chart-tick" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(interval.label)}</text>')
        start, end = sx(interval.lower), sx(high)
        parts.append(f'<line class="chart-interval {state}" x1="{start:.1f}" x2="{end - 6:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<path class="chart-interval-end {state}" d="M{end - 8:.1f},{y - 4:.1f} L{end:.1f},{y:.1f} '
                     f'L{end - 8:.1f},{y + 4:.1f} Z"/>')  # open-ended: a one-sided bound
        parts.append(f'<line class="chart-interval {state}" x1="{start:.1f}" x2="{start:.1f}" y1="{y - 6:.1f}" y2="{y + 6:.1f}"/>')
        parts.append(f'<circle class="chart-estimate {state}" cx="{sx(interval.estimate):.1f}" cy="{y:.1f}" r="4"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
