"""What the print-ready Excel books share (xlsxwriter): the workbook written atomically with the
ledger's chain head in its properties, the cell styles, values written as the books write them
(a score a number shown with one decimal, Đ/CĐ text), row heights for wrapped text, signature
blocks, and the page setup that makes printing from Excel give the PDF's pages: A4, one page
wide, the headings repeated on each page, print area set, the running head in the header and
the chain head with «Trang x/y» in the footer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.rules import ScoreError, parse_score

HEAD, PENDING_FILL, RESULT_FILL = "#D9E2F3", "#FFF2CC", "#F2F2F2"
FONT_SIZE = 10
LINE_HEIGHT = 13.5  # points, one line of FONT_SIZE
ROW_HEIGHT = 15.0  # points, a row of one line (Excel's default)
# What A4 holds at 100 % between margins of 0.4" (landscape / portrait): about 1,050 / 715
# pixels, a column of width w taking 7·w + 5 of them (Calibri 11, the workbook's default font).
PAGE_PIXELS = {True: 1050, False: 715}
# What A4 holds between margins of 0.6" top and bottom, in points (landscape / portrait)
PAGE_POINTS = {True: 509.0, False: 755.0}
SLACK = 0.08  # how far applications (fonts, printers) may page a sheet apart
SHEET_NAME_MAX = 31
SHEET_NAME_BAD = "[]:*?/\\"
DOTS = "……………………………"  # a name to write by hand
SIGN_SPACE = 5  # rows between the hint and the printed name: the room to sign


def excel_text(text: str) -> str:
    """Text for an Excel page header or footer (``&`` starts a code there)."""
    return text.replace("&", "&&")


def column_pixels(width: float) -> int:
    """The pixels a column of ``width`` (characters of the default font) takes."""
    return round(7 * width + 5)


def fit_scale(widths: Sequence[float], landscape: bool) -> float:
    """The scale Excel prints columns of ``widths`` at when fitting them to one page wide."""
    return min(1.0, PAGE_PIXELS[landscape] / sum(column_pixels(w) for w in widths))


@contextmanager
def workbook(path: Path, title: str, chain_head: str) -> Iterator[Workbook]:
    """A workbook written atomically to ``path`` once the block ends, its properties naming
    ``title`` and the whole chain head (values never read as numbers or formulas)."""
    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                            "strings_to_formulas": False})  # fmt: skip
        wb.set_properties({"title": title, "author": "workbook_engine",
                           "comments": f"Mã kiểm tra sổ: {chain_head}"})  # fmt: skip
        yield wb
        wb.close()


def styles(wb: Workbook) -> dict[str, Any]:
    """The books' cell formats by name (a format not used is not written)."""
    add = wb.add_format
    base = {"font_size": FONT_SIZE, "valign": "vcenter"}
    cell = {**base, "border": 1, "border_color": "#808080", "align": "center"}
    box = {**base, "text_wrap": True, "valign": "top", "border": 1}
    return {
        "title": add({**base, "bold": True, "font_size": 14, "align": "center"}),
        "subtitle": add({**base, "bold": True, "align": "center"}),
        "info": add({**base}),
        "head": add({**cell, "bold": True, "bg_color": HEAD, "text_wrap": True}),
        "number": add({**cell}),
        "code": add({**cell, "num_format": "@"}),
        "name": add({**cell, "align": "left", "text_wrap": True}),
        "score": add({**cell, "bold": True, "num_format": "0.0"}),
        "text": add({**cell, "bold": True}),
        "text_wrapped": add({**cell, "bold": True, "text_wrap": True}),
        "result_score": add({**cell, "bold": True, "num_format": "0.0", "bg_color": RESULT_FILL}),
        "result_text": add({**cell, "bold": True, "bg_color": RESULT_FILL}),
        "pending": add({**cell, "text_wrap": True, "bg_color": PENDING_FILL}),
        "pending_value": add({"bold": True, "font_size": FONT_SIZE}),
        "pending_note": add({"italic": True, "font_size": 8}),
        "exempt": add({**cell, "italic": True}),
        "result_exempt": add({**cell, "italic": True, "bg_color": RESULT_FILL}),
        "missing": add({**cell, "italic": True}),
        "missing_left": add({**cell, "italic": True, "align": "left", "text_wrap": True}),
        "remark": add({**cell, "align": "left", "text_wrap": True, "font_size": 9}),
        "plain": add({**cell, "align": "left", "text_wrap": True}),
        "strong": add({**cell, "align": "left", "text_wrap": True, "bold": True}),
        "note": add({**base, "text_wrap": True, "valign": "top"}),
        "note_bold": add({**base, "bold": True, "text_wrap": True, "valign": "top"}),
        "note_italic": add({**base, "italic": True, "text_wrap": True, "valign": "top"}),
        "box": add(box),
        "box_italic": add({**box, "italic": True}),
        "section": add({**base, "bold": True, "font_size": 11}),
        "label": add({**base}),
        "value": add({**base, "bold": True, "text_wrap": True}),
        "centre": add({**base, "align": "center", "text_wrap": True}),
        "centre_bold": add({**base, "align": "center", "bold": True, "text_wrap": True}),
        "big": add({**base, "bold": True, "font_size": 16, "align": "center"}),
        "place": add({**base, "italic": True, "align": "center"}),
        "place_right": add({**base, "italic": True, "align": "right"}),
        "sign": add({**base, "bold": True, "align": "center"}),
        "hint": add({**base, "italic": True, "align": "center"}),
        "dots": add({**base, "align": "center"}),
    }


def tenths(text: str | None) -> int | None:
    """A score as tenths, None for anything else (Đ, CĐ, Miễn, a blank)."""
    try:
        return parse_score(text)
    except ScoreError:
        return None


def write_value(ws: Worksheet, row: int, col: int, text: str, number: Any, other: Any) -> None:
    """A value as the books write it ("8,5", "Đ", "Miễn", ""): a score a number in the
    ``number`` format (one decimal), anything else text, "" a blank cell (nothing guessed)."""
    if not text:
        ws.write_blank(row, col, None, other)
    elif (value := tenths(text)) is not None:
        ws.write_number(row, col, value / 10, number)
    else:
        ws.write_string(row, col, text, other)


def write_count(ws: Worksheet, row: int, col: int, text: str, style: Any) -> None:
    """A count ("3") as a number, "" a blank cell."""
    if text.isdigit():
        ws.write_number(row, col, int(text), style)
    elif text:
        ws.write_string(row, col, text, style)
    else:
        ws.write_blank(row, col, None, style)


def write_text(ws: Worksheet, row: int, col: int, text: str, style: Any) -> None:
    """``text`` as text, "" a blank cell."""
    if text:
        ws.write_string(row, col, text, style)
    else:
        ws.write_blank(row, col, None, style)


def span(ws: Worksheet, row: int, first: int, last: int, text: str, style: Any) -> None:
    """``text`` across columns ``first`` to ``last`` of ``row`` (merged when more than one),
    "" a blank cell."""
    if last > first:
        ws.merge_range(row, first, row, last, text, style)
    else:
        write_text(ws, row, first, text, style)


def line_count(text: str, chars: float) -> int:
    """The lines ``text`` takes wrapped at about ``chars`` characters (whole words)."""
    width = max(1, int(chars))
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            need = used + 1 + len(word) if used else len(word)
            if used and need > width:
                lines += 1
                need = len(word)
            extra = (need - 1) // width  # a word longer than a line
            lines += extra
            used = need - extra * width
    return max(1, lines)


def chars_across(widths: Sequence[float], size: float = FONT_SIZE) -> float:
    """About how many characters of ``size`` points a line across columns of ``widths`` holds."""
    return sum(widths) * 1.05 * FONT_SIZE / size


def text_height(text: str, widths: Sequence[float], size: float = FONT_SIZE) -> float:
    """The points a row needs for ``text`` wrapped across columns of ``widths``."""
    lines = line_count(text, chars_across(widths, size))
    return max(ROW_HEIGHT, LINE_HEIGHT * lines * size / FONT_SIZE + 1.5)


def fit_row(
    ws: Worksheet, row: int, text: str, widths: Sequence[float], size: float = FONT_SIZE
) -> float:
    """``row`` made as tall as ``text`` wrapped across columns of ``widths`` needs (set, so
    that every application pages it alike); returns the height."""
    height = text_height(text, widths, size)
    ws.set_row(row, height)
    return height


def row_points(ws: Worksheet, row: int) -> float:
    """The height of ``row``: as set (xlsxwriter keeps it in pixels), else the default."""
    size = ws.row_sizes.get(row)
    return (size[0] if size else ws.default_row_height) * 0.75


def rows_to_next_page(
    ws: Worksheet,
    row: int,
    block: float,
    *,
    landscape: bool,
    repeat: tuple[int, int],
    scale: float = 1.0,
) -> int:
    """Blank rows to leave before a block of ``block`` points that would start at ``row``, so
    that it prints whole rather than across a page break (0 when it does already). Pages hold
    whole rows, ``repeat`` atop each page after the first (Excel ignores manual page breaks
    when fitting to a page wide). Applications page a sheet a little apart (fonts, printers):
    the block must print whole on pages ``SLACK`` shorter or taller than Excel's too."""
    room = PAGE_POINTS[landscape] / scale
    rooms = (room * (1 - SLACK), room, room * (1 + SLACK))
    heights = [row_points(ws, r) for r in range(row)]
    titles = sum(row_points(ws, r) for r in range(repeat[0], repeat[1] + 1))
    best = (len(rooms) + 1, 0)
    for blank in range(int(rooms[-1] // ROW_HEIGHT) + 1):
        rows = [*heights, *[ROW_HEIGHT] * blank]
        split = sum(_straddles(rows, block, page, titles, repeat[1]) for page in rooms)
        best = min(best, (split, blank))
        if not split:
            break
    return best[1]


def sheet_pages(
    ws: Worksheet, last_row: int, *, landscape: bool, repeat: tuple[int, int], scale: float = 1.0
) -> int | None:
    """The pages rows 0 to ``last_row`` print on (pages of whole rows, ``repeat`` atop each
    page after the first), or None when pages ``SLACK`` shorter or taller would give another
    count (an application could page it either way)."""
    room = PAGE_POINTS[landscape] / scale
    heights = [row_points(ws, r) for r in range(last_row + 1)]
    titles = sum(row_points(ws, r) for r in range(repeat[0], repeat[1] + 1))
    counts = {
        _pages(heights, page, titles, repeat[1])
        for page in (room * (1 - SLACK), room, room * (1 + SLACK))
    }
    return counts.pop() if len(counts) == 1 else None


def _pages(heights: Sequence[float], room: float, titles: float, top: int) -> int:
    """The pages of ``room`` rows of ``heights`` take, ``titles`` atop each after the first."""
    used, pages = 0.0, 1
    for r, height in enumerate(heights):
        if used + height > room:
            used, pages = (titles if r > top else 0.0), pages + 1
        used += height
    return pages


def _straddles(
    heights: Sequence[float], block: float, room: float, titles: float, top: int
) -> bool:
    """Whether a block after rows of ``heights`` crosses a page break on pages of ``room``."""
    used = 0.0
    for r, height in enumerate(heights):
        if used + height > room:
            used = titles if r > top else 0.0
        used += height
    return used + block > room and titles + block <= room


def sheet_name(text: str, taken: set[str]) -> str:
    """A sheet name from ``text``: none of ``[]:*?/\\``, at most 31 characters (cut at a word,
    «…» after it), unique among ``taken`` (compared as Excel does, case aside; added to it)."""
    name = "".join("_" if c in SHEET_NAME_BAD else c for c in text).strip().strip("'").strip()
    name = name or "Trang"
    if len(name) > SHEET_NAME_MAX:
        cut = name[: SHEET_NAME_MAX - 1]
        name = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;–-") + "…"
    unique, n = name, 1
    while unique.casefold() in taken:
        n += 1
        tail = f" ({n})"
        unique = name[: SHEET_NAME_MAX - len(tail)] + tail
    taken.add(unique.casefold())
    return unique


def signers_height(signers: Sequence[tuple[Sequence[str], str, str]]) -> float:
    """The points :func:`write_signers` takes."""
    heads = max((len(heading) for heading, _, _ in signers), default=1)
    return (heads + 2 + SIGN_SPACE) * ROW_HEIGHT


def write_signers(
    ws: Worksheet,
    f: Any,
    row: int,
    signers: Sequence[tuple[Sequence[str], str, str]],
    spans: Sequence[tuple[int, int]],
) -> int:
    """Signature blocks side by side from ``row``, each (heading lines, hint, printed name) over
    its columns of ``spans``: the headings, the hint, room to sign, the name (dots when blank).
    Returns the row of the names."""
    heads = max((len(heading) for heading, _, _ in signers), default=1)
    names = row + heads + SIGN_SPACE
    for (heading, hint, name), (first, last) in zip(signers, spans, strict=True):
        for i, line in enumerate(heading):
            span(ws, row + i, first, last, line, f["sign"])
        span(ws, row + heads, first, last, hint, f["hint"])
        span(ws, names, first, last, name or DOTS, f["sign"] if name else f["dots"])
    return names


def halves(first: int, last: int, count: int) -> list[tuple[int, int]]:
    """Columns ``first`` to ``last`` cut into ``count`` spans as even as whole columns allow."""
    total = last - first + 1
    cuts = [first + round(total * k / max(1, count)) for k in range(count + 1)]
    return [(cuts[k], max(cuts[k], cuts[k + 1] - 1)) for k in range(count)]


def page_setup(
    ws: Worksheet,
    *,
    landscape: bool,
    repeat: tuple[int, int],
    last_row: int,
    last_col: int,
    head: str,
    chain: str,
    scaled_header: bool = True,
    pages: str | None = "&N",
    tall: int = 0,
) -> None:
    """A4, ``landscape`` or portrait, centred, one page wide (as many tall as needed, or
    ``tall`` pages: scaled down to them), rows ``repeat`` on every page, the print area to
    (``last_row``, ``last_col``), ``head`` in the header, ``chain`` and «Trang x/``pages``» in
    the footer (``&N``: the pages printed at once; None: «Trang x» alone), in 8 pt
    (``scaled_header`` False: kept at 8 pt when the sheet is scaled down to fit)."""
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(*repeat)
    ws.print_area(0, 0, last_row, last_col)
    ws.fit_to_pages(1, tall)  # one page wide, as many pages tall as the rows need (0)
    options = None if scaled_header else {"scale_with_doc": False}
    ws.set_header(f"&L&8{excel_text(head)}", options)
    total = f"/{pages}" if pages else ""
    ws.set_footer(f"&L&8{excel_text(chain)}&R&8Trang &P{total}", options)


def national_heading(
    ws: Worksheet, f: dict[str, Any], authority: str, school: str, widths: Sequence[float],
    split: int,
) -> None:  # fmt: skip
    """Rows 0–1 of a record: the authority and the school on the left (columns up to
    ``split - 1``), the national motto on the right, up to the last of ``widths``."""
    last = len(widths) - 1
    span(ws, 0, 0, split - 1, authority.upper(), f["centre"])
    span(ws, 0, split, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f["centre_bold"])
    span(ws, 1, 0, split - 1, school.upper(), f["centre_bold"])
    span(ws, 1, split, last, "Độc lập - Tự do - Hạnh phúc", f["centre_bold"])
    for row, text in enumerate((authority, school)):
        fit_row(ws, row, text.upper(), widths[:split])


def record_end(
    ws: Worksheet, f: dict[str, Any], row: int, widths: Sequence[float], rendered_on: str,
    chain_head: str, head: str, chain_text: str, repeat: int,
) -> None:  # fmt: skip
    """The line saying when and from which chain head a record was printed, at ``row``, and its
    sheet's page setup: A4 portrait, row ``repeat`` repeated, pages counted from 1 and out of
    the record's own (as each record's are in its PDF): ``&N`` would count every page of the
    class's workbook printed at once, «Trang 1/74» on a record of two pages. A record whose
    page count applications could make differ says its page alone."""
    last = len(widths) - 1
    text = (
        f"In ngày {rendered_on} từ sổ điểm điện tử của nhà trường. "
        f"Mã kiểm tra sổ (chuỗi nhật ký) lúc in: {chain_head}"
    )
    span(ws, row, 0, last, text, f["note_italic"])
    fit_row(ws, row, text, widths)
    pages = sheet_pages(ws, row, landscape=False, repeat=(repeat, repeat),
                        scale=fit_scale(widths, False))  # fmt: skip
    page_setup(ws, landscape=False, repeat=(repeat, repeat), last_row=row, last_col=last,
               head=head, chain=chain_text, scaled_header=False,
               pages=str(pages) if pages else None)  # fmt: skip
    ws.set_start_page(1)
