"""Charts for the statistics (issue 13, item 5), drawn with matplotlib and returned as SVG data
URIs that the HTML shows and weasyprint lays out into the PDF.

matplotlib is imported inside :func:`_figure` only (``wbe --help`` and the commands that draw
nothing never load it), with the Agg backend and figures made without pyplot: no window, no
global list of figures. Text is DejaVu Sans (Vietnamese diacritics), kept as SVG text (a glyph
drawn as a path costs weasyprint several times more); the SVG carries no date and fixed ids, so
the same counts give the same bytes. Margins are set in millimetres from the labels' lengths
(matplotlib's constrained layout would find them, at half again the time).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MM = 1 / 25.4  # inches
FONT = "DejaVu Sans"
CHAR_MM = 1.75  # a character of an 8 pt label at most (names: «Nguyễn Phương Yến» 1.68)
TEXT_PT = 8  # every text of a chart: printed at 100 %, nothing smaller
# Tốt, Khá, Đạt, Chưa đạt, not rated: greens to red, grey; told apart in black and white too
LEVEL_COLOURS = ("#1b7837", "#7fbf7b", "#f1c232", "#d6604d", "#bdbdbd")
BELOW_COLOUR, ABOVE_COLOUR = "#d6604d", "#4a7fb5"
RC: dict[Any, Any] = {  # rc_context types its keys as a Literal of every name
    "font.family": FONT,
    "font.size": TEXT_PT,
    "svg.fonttype": "none",
    "svg.hashsalt": "workbook_engine",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": TEXT_PT,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "legend.fontsize": TEXT_PT,
    "legend.frameon": False,
}


@contextmanager
def _figure(
    width_mm: float, height_mm: float, margins_mm: tuple[float, float, float, float]
) -> Iterator[Figure]:
    """A figure ``width_mm`` × ``height_mm`` whose plots sit within ``margins_mm`` (left,
    right, bottom, top)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    left, right, bottom, top = margins_mm
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(width_mm * MM, height_mm * MM))
        figure.subplots_adjust(
            left=left / width_mm,
            right=1 - right / width_mm,
            bottom=bottom / height_mm,
            top=1 - top / height_mm,
        )
        yield figure


def _svg(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _number(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def _label_mm(labels: Sequence[str]) -> float:
    return 4 + CHAR_MM * max((len(label) for label in labels), default=1)


def _comma(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def label_ink(colour: str) -> str:
    """Black on a light bar, white on a dark one (the «Tốt» green): a figure printed in black
    and white stays legible. WCAG's relative luminance, threshold where black and white
    contrast the same."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if luminance > 0.179 else "#ffffff"


def stacked_shares(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    title: str,
    colours: Sequence[str] = LEVEL_COLOURS,
    width_mm: float = 170.0,
) -> str:
    """One horizontal bar per label (a class, a grade, the school), its segments the shares of
    ``series`` (name, percent per label) adding up to 100; the first label on top, a series
    without any share left out of the legend."""
    height = 30 + 5.5 * len(labels)
    with _figure(width_mm, height, (_label_mm(labels), 4, 19, 7)) as figure:
        axes = figure.add_subplot()
        y = list(range(len(labels)))[::-1]
        left = [0.0] * len(labels)
        for (name, values), colour in zip(series, colours, strict=False):
            widths = [_number(v) for v in values]
            if not any(widths):
                continue
            axes.barh(y, widths, left=left, color=colour, label=name, height=0.72)
            ink = label_ink(colour)
            for k, (w, x) in enumerate(zip(widths, left, strict=True)):
                if w >= 7:
                    axes.text(x + w / 2, y[k], _comma(w, 1), ha="center", va="center",
                              size=TEXT_PT, color=ink)  # fmt: skip
            left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.set_yticks(y, labels)
        axes.set_xlim(0, 100)
        axes.set_ylim(-0.6, len(labels) - 0.4)
        axes.set_xlabel("Tỉ lệ (%)", labelpad=2)
        axes.set_title(title)
        if axes.get_legend_handles_labels()[0]:  # nothing drawn: no students
            axes.legend(loc="upper center", bbox_to_anchor=(0.5, -9 / (height - 26)), ncols=5)
        return _svg(figure)


def histograms(
    subjects: Sequence[tuple[str, Sequence[Decimal | None]]],
    bins: Sequence[str],
    below: int,
    title: str,
    width_mm: float = 250.0,
) -> str:
    """One small bar chart per subject (name, percent per bin of ``bins``): the share of its
    averages in each bin, the first ``below`` bins (under 5.0) in red; one scale for all."""
    columns = 4
    rows = max(1, -(-len(subjects) // columns))
    height = 10 + 48 * rows
    with _figure(width_mm, height, (10, 3, 14, 12)) as figure:
        figure.subplots_adjust(wspace=0.15, hspace=26 / 48)  # 8 pt ticks, then a title
        grid = figure.subplots(rows, columns, squeeze=False, sharey=True)
        figure.suptitle(title, x=10 / width_mm, y=1 - 2 / height, ha="left", size=TEXT_PT,
                        weight="bold")  # fmt: skip
        ticks = [label.replace(" – dưới ", "–").replace(" – ", "–") for label in bins]
        top = max((_number(v) for _, values in subjects for v in values), default=0.0)
        for k, axes in enumerate(grid.flat):
            if k < len(subjects):
                name, values = subjects[k]
                _histogram(axes, name, [_number(v) for v in values], ticks, below, top)
            else:
                axes.set_visible(False)
        return _svg(figure)


def _histogram(
    axes: Axes, name: str, values: Sequence[float], ticks: Sequence[str], below: int, top: float
) -> None:
    colours = [BELOW_COLOUR if i < below else ABOVE_COLOUR for i in range(len(values))]
    x = list(range(len(values)))
    axes.bar(x, values, color=colours, width=0.8)
    axes.set_xticks(x, ticks, rotation=40, ha="right", rotation_mode="anchor", size=TEXT_PT)
    axes.set_ylim(0, max(10.0, top * 1.15))
    axes.set_title(name if len(name) <= 34 else name[:33] + "…", size=TEXT_PT)
    axes.tick_params(axis="y", labelsize=TEXT_PT)
    axes.grid(axis="y", linewidth=0.3, color="#cccccc")
    axes.set_axisbelow(True)


def share_bars(
    names: Sequence[str], values: Sequence[Decimal | None], title: str, width_mm: float = 170.0
) -> str:
    """A horizontal bar per subject: its share below 5.0 (or Chưa đạt), the value written."""
    height = 22 + 5 * max(1, len(names))
    with _figure(width_mm, height, (_label_mm(names), 12, 12, 7)) as figure:
        axes = figure.add_subplot()
        y = list(range(len(names)))[::-1]
        widths = [_number(v) for v in values]
        axes.barh(y, widths, color=BELOW_COLOUR, height=0.65)
        for k, w in enumerate(widths):
            axes.text(w, y[k], " " + _comma(w, 2), va="center", size=TEXT_PT)
        axes.set_yticks(y, names)
        axes.set_ylim(-0.6, len(names) - 0.4)
        axes.set_xlim(0, max(10.0, max(widths, default=0.0) * 1.2))
        axes.set_xlabel("Tỉ lệ (%)", labelpad=2)
        axes.set_title(title)
        return _svg(figure)


def progress_bars(
    names: Sequence[str], shares: Sequence[float], behind: float, width_mm: float = 165.0
) -> str:
    """A horizontal bar per teacher, in the order given (top first): the share of the cells due
    that are in, under ``behind`` in red, a dashed line at ``behind``, the share written."""
    height = 20 + 4.2 * max(1, len(names))
    with _figure(width_mm, height, (_label_mm(names), 12, 11, 3)) as figure:
        axes = figure.add_subplot()
        y = list(range(len(names)))[::-1]
        colours = [BELOW_COLOUR if share < behind else LEVEL_COLOURS[0] for share in shares]
        axes.barh(y, list(shares), color=colours, height=0.7)
        for k, share in enumerate(shares):
            axes.text(share, y[k], " " + _comma(share, 1), va="center", size=TEXT_PT)
        axes.axvline(behind, color="#555555", linewidth=0.6, linestyle="--")
        axes.set_yticks(y, names)
        axes.set_ylim(-0.6, len(names) - 0.4)
        axes.set_xlim(0, 112)
        axes.set_xlabel("Tỉ lệ ô đã nhập so với số ô phải nhập (%)", labelpad=2)
        return _svg(figure)
