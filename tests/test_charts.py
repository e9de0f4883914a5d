r"""The statistics' and the progress report's charts (render/charts.py) as printed: every text
8 pt or more, and every label drawn inside its figure (a label cut at the edge printed as
«\guyễn Phương Yến»). Each text of the SVG is measured with its font (matplotlib's own)."""

from __future__ import annotations

import base64
import re
from decimal import Decimal

import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath

from workbook_engine.render.charts import (
    histograms,
    label_ink,
    progress_bars,
    share_bars,
    stacked_shares,
)

NAMES = ["Nguyễn Phương Yến", "Nguyễn Hồng Thảo", "Huỳnh Như Oanh", "Đỗ Gia Hà"]
SUBJECTS = ["Hoạt động trải nghiệm, hướng nghiệp", "Ngoại ngữ 1 (Tiếng Anh)", "Toán"]
TEXT = re.compile(
    r'<text style="([^"]*)" x="([\d.-]+)" y="[\d.-]+" transform="rotate\(-?([\d.]+)[^"]*">'
    r"([^<]*)</text>"
)


def texts(uri: str) -> tuple[float, list[tuple[dict[str, str], float, float, str]]]:
    """The figure's width and each text: (style, x, rotation, text), in points."""
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
    width = float(re.search(r'viewBox="0 0 ([\d.]+) [\d.]+"', svg)[1])
    found = [
        (dict(part.strip().split(": ", 1) for part in style.split(";")), float(x), float(r), t)
        for style, x, r, t in TEXT.findall(svg)
    ]
    assert found and len(found) == svg.count("<text "), "every text read"
    return width, found


def charts() -> dict[str, str]:
    shares = [Decimal("10.5"), Decimal("34.2"), Decimal("55.3")]
    bins = ["0 – dưới 2", "2 – dưới 3,5", "3,5 – dưới 5", "5 – dưới 6,5", "6,5 – dưới 8",
            "8 – dưới 9", "9 – 10"]  # fmt: skip
    return {
        "stacked": stacked_shares(["6A1", "Khối 6", "Toàn trường"],
                                  [("Tốt", shares), ("Khá", shares[::-1])], "Kết quả"),
        "histograms": histograms([(s, [Decimal(k * 5) for k in range(7)]) for s in SUBJECTS],
                                 bins, 3, "Phân bố điểm"),
        "shares": share_bars(SUBJECTS, [Decimal("0.62"), None, Decimal("3.1")], "Dưới 5,0"),
        "progress": progress_bars(NAMES, [100.0, 42.5, 80.0, 0.0], 80.0),
    }  # fmt: skip


@pytest.mark.parametrize("name", ["stacked", "histograms", "shares", "progress"])
def test_every_text_is_8_pt_and_inside_its_figure(name: str) -> None:
    width, found = texts(charts()[name])
    for style, x, rotation, text in found:
        size = float(style["font-size"].removesuffix("px"))
        assert size >= 8, (name, text, size)
        if rotation:  # a bin's tick, slanted: below its bar
            continue
        font = FontProperties(family="DejaVu Sans", weight=style.get("font-weight", "normal"))
        drawn = TextPath((0, 0), text, size=size, prop=font).get_extents().width
        left = x - {"start": 0.0, "middle": drawn / 2, "end": drawn}[style["text-anchor"]]
        assert left >= 0 and left + drawn <= width, (name, text, round(left, 1))


@pytest.mark.parametrize(
    ("colour", "ink"),
    [
        ("#1b7837", "#ffffff"),  # Tốt: dark green
        ("#7fbf7b", "#000000"),  # Khá
        ("#f1c232", "#000000"),  # Đạt
        ("#d6604d", "#000000"),  # Chưa đạt: a light enough red
        ("#bdbdbd", "#000000"),  # not rated
        ("#4a7fb5", "#000000"),
        ("#000000", "#ffffff"),
    ],
)
def test_a_share_is_written_in_the_ink_its_bar_reads_in(colour: str, ink: str) -> None:
    assert label_ink(colour) == ink


def test_the_shares_on_the_dark_bars_are_white() -> None:
    """The Tốt segments (dark green) are drawn first, then the Khá ones (light green)."""
    svg = base64.b64decode(charts()["stacked"].split(",", 1)[1]).decode("utf-8")
    shares = [(t, "fill: #ffffff" in style) for style, _, _, t in TEXT.findall(svg)
              if re.fullmatch(r"\d+,\d", t)]  # fmt: skip
    assert shares == [("10,5", True), ("34,2", True), ("55,3", True),
                      ("55,3", False), ("34,2", False), ("10,5", False)]  # fmt: skip
