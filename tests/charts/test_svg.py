import xml.etree.ElementTree as ET

from feedback.charts.svg import Series, bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def test_line_chart_is_valid_svg_with_one_line_per_series_and_gaps():
    svg = line_chart(
        [Series("loss", [(1, 0.7), (2, 0.5), (3, None), (4, 0.3)]), Series("accuracy", [(1, 0.5), (4, 1.0)])],
        title="Training <run 1>",
    )
    root = ET.fromstring(str(svg))
    assert root.find(f"{NS}title").text == "Training <run 1>"
    lines = root.findall(f"{NS}polyline")
    assert len(lines) == 3  # the gap splits the loss line in two
    first = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    assert first[0][1] < first[1][1]  # SVG y grows downwards: the higher loss sits higher
    assert [t.text for t in root.findall(f"{NS}text") if "■" in (t.text or "")] == ["■ loss", "■ accuracy"]


def test_empty_charts_say_so():
    assert "No data yet" in line_chart([Series("x")], title="t")
    assert "No data yet" in bar_chart([], title="t")


def test_bars_scale_to_the_largest_value():
    root = ET.fromstring(str(bar_chart([("alice", 0.5), ("bob", 1.0)], title="share")))
    widths = [float(r.get("width")) for r in root.findall(f"{NS}rect")]
    assert widths[1] == 2 * widths[0]
