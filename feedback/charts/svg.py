"""Server-side SVG charts: no JavaScript library, nothing from a CDN, readable without JS.

Only what our pages need: line charts (loss, accuracy and agreement over time) and
horizontal bars (shares per annotator or per version). Styling lives in app.css
(.chart-*), so charts follow the page's colours.
"""
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#4f46e5", "#12805c", "#b45309", "#c0392b", "#0e7490", "#7c3aed")


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]] = field(default_factory=list)  # (x, y); y may be None (gap)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high == low:
        return [low]
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def line_chart(
    series: list[Series], *, title: str, x_label: str = "", y_label: str = "",
    y_range: tuple[float, float] | None = None, width: int = 640, height: int = 240,
    x_format=_fmt,
) -> SafeString:
    """An accessible <svg> line chart; an empty chart says "No data yet"."""
    left, right, top, bottom = 52, 16, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    points = [(x, y) for s in series for x, y in s.points if y is not None]
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if not points:
        parts.append(f'<text class="chart-empty" x="{width / 2}" y="{height / 2}" text-anchor="middle">No data yet</text></svg>')
        return mark_safe("".join(parts))
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = y_range if y_range else (min(ys), max(ys))
    if y_high == y_low:
        y_low, y_high = y_low - 1, y_high + 1
    if x_high == x_low:
        x_low, x_high = x_low - 1, x_high + 1

    def sx(x):
        return left + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y):
        return top + (1 - (y - y_low) / (y_high - y_low)) * plot_h

    for tick in _ticks(y_low, y_high):
        y = sy(tick)
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_fmt(tick))}</text>')
    x_ticks = _ticks(x_low, x_high)
    if all(float(x).is_integer() for x in xs):  # steps, versions: whole-number ticks only
        x_ticks = sorted({round(t) for t in x_ticks})
    for tick in x_ticks:
        parts.append(
            f'<text class="chart-tick" x="{sx(tick):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{escape(x_format(tick))}</text>"
        )
    if x_label:
        parts.append(f'<text class="chart-label" x="{left + plot_w / 2}" y="{height - 2}" text-anchor="middle">{escape(x_label)}</text>')
    if y_label:
        parts.append(
            f'<text class="chart-label" transform="rotate(-90)" x="{-(top + plot_h / 2)}" y="12" text-anchor="middle">{escape(y_label)}</text>'
        )
    for index, s in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        segments, current = [], []
        for x, y in s.points:
            if y is None:
                segments.append(current)
                current = []
            else:
                current.append(f"{sx(x):.1f},{sy(y):.1f}")
        segments.append(current)
        for segment in filter(None, segments):
            parts.append(f'<polyline class="chart-line" fill="none" stroke="{colour}" points="{" ".join(segment)}"/>')
            if len(segment) == 1:
                cx, cy = segment[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        parts.append(
            f'<text class="chart-legend" x="{left + 8 + 130 * index}" y="{top + 4}" fill="{colour}">■ {escape(s.name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bar_chart(bars: list[tuple[str, float]], *, title: str, maximum: float | None = None, width: int = 480,
              value_format=lambda v: f"{v:.0%}") -> SafeString:
    """Horizontal bars, one per (label, value)."""
    row, label_w = 24, 140
    height = max(row * len(bars) + 8, 40)
    top = max([v for _, v in bars] + [maximum or 0, 1e-9])
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if not bars:
        parts.append(f'<text class="chart-empty" x="{width / 2}" y="24" text-anchor="middle">No data yet</text></svg>')
        return mark_safe("".join(parts))
    for index, (label, value) in enumerate(bars):
        y = 4 + index * row
        length = max(0.0, value) / top * (width - label_w - 60)
        parts.append(f'<text class="chart-tick" x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="chart-bar" x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" rx="3"/>')
        parts.append(f'<text class="chart-tick" x="{label_w + length + 6:.1f}" y="{y + 15}">{escape(value_format(value))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
