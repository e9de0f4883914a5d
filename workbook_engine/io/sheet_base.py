"""What every issued sheet shares: formats, header block, roster, protection, print setup."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.cells import column_letter
from workbook_engine.io.identity import Identity, write_identity_sheet

HEADER_ROW = 6  # 0-based row of the column headings (row 7 in Excel)
FIRST_ROW = HEADER_ROW + 1  # first student row, 0-based (row 8 in Excel)
ROSTER_COLUMNS = (("STT", 5), ("Mã học sinh", 13), ("Họ và tên", 26))
ROSTER_WIDTH = len(ROSTER_COLUMNS)
A4 = 9
SEMESTER_NAMES = {1: "Học kì I", 2: "Học kì II", 3: "Kì nghỉ hè"}  # 3: model.SUMMER

# The sheet may be resized by the teacher but never sorted, nor have rows or columns inserted or
# deleted: ingestion relies on the layout recorded in the identity sheet.
PROTECTION = {"format_columns": True, "format_rows": True}


def admin_password(secret: bytes) -> str:
    """The sheet-protection password, derived from the school secret (nothing else to store).

    Sheet protection only stops accidents; the HMAC in the identity sheet is what detects
    tampering. Print it with ``wbe templates password``.
    """
    digest = hmac.new(secret, b"sheet-protection-password", hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii")


class Formats:
    """The cell formats of an issued sheet (one set per workbook)."""

    def __init__(self, book: Workbook) -> None:
        border = {"border": 1, "border_color": "#808080", "valign": "vcenter"}
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F3864"})
        self.info = book.add_format({"bold": True})
        self.help = book.add_format({"italic": True, "font_color": "#595959"})
        self.head = book.add_format(
            {**border, "bold": True, "bg_color": "#D9E2F3", "align": "center", "text_wrap": True}
        )
        self.roster = book.add_format({**border})
        self.roster_code = book.add_format({**border, "num_format": "@"})
        self.roster_number = book.add_format({**border, "align": "center"})
        self.score = book.add_format(
            {**border, "locked": False, "align": "center", "num_format": "0.0"}
        )
        self.choice = book.add_format({**border, "locked": False, "align": "center"})
        self.text = book.add_format({**border, "locked": False, "text_wrap": True})
        self.computed = book.add_format(
            {**border, "bold": True, "align": "center", "num_format": "0.0", "bg_color": "#F2F2F2"}
        )
        self.count = book.add_format(
            {**border, "bold": True, "align": "center", "num_format": "0", "bg_color": "#F2F2F2"}
        )
        self.blocked = book.add_format(
            {**border, "bg_color": "#BFBFBF", "font_color": "#595959", "align": "center"}
        )
        self.empty_fill = book.add_format({"bg_color": "#FFF2CC"})
        self.bad_fill = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})


@dataclass(frozen=True)
class Header:
    """The block above the table: a title and up to four lines of two "label: value" items."""

    title: str
    lines: Sequence[tuple[str, str]]
    help: str = ""
    right_col: int = ROSTER_WIDTH  # where the right-hand items of the info lines go


def new_book(path: Path, title: str) -> tuple[Workbook, Formats]:
    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    book.set_properties({"title": title, "author": "workbook_engine"})
    return book, Formats(book)


def write_header(ws: Worksheet, fmt: Formats, header: Header) -> None:
    """Title in row 1, info lines from row 2 (left item in A, right item at its right column)."""
    ws.write_string(0, 0, header.title, fmt.title)
    for r, (left, right) in enumerate(header.lines, start=1):
        if left:
            ws.write_string(r, 0, left, fmt.info)
        if right:
            ws.write_string(r, header.right_col, right, fmt.info)
    if header.help:
        ws.write_string(HEADER_ROW - 1, 0, header.help, fmt.help)


def write_form_top(
    ws: Worksheet, fmt: Formats, header: Header, columns: Sequence[tuple[str, str, int]]
) -> None:
    """A form's header block, then its headings ``(key, title, width)`` with their widths."""
    write_header(ws, fmt, header)
    write_headings(ws, fmt, 0, [title for _, title, _ in columns])
    for c, (_, _, width) in enumerate(columns):
        ws.set_column(c, c, width)
    ws.set_row(HEADER_ROW, 30)


def write_roster(ws: Worksheet, fmt: Formats, students: Sequence[tuple[str, str]]) -> None:
    """Column headings of the roster and one row per student: STT, code, full name."""
    for c, (title, width) in enumerate(ROSTER_COLUMNS):
        ws.write_string(HEADER_ROW, c, title, fmt.head)
        ws.set_column(c, c, width)
    for i, (code, name) in enumerate(students):
        row = FIRST_ROW + i
        ws.write_number(row, 0, i + 1, fmt.roster_number)
        ws.write_string(row, 1, code, fmt.roster_code)
        ws.write_string(row, 2, name, fmt.roster)


def write_headings(ws: Worksheet, fmt: Formats, first_col: int, titles: Sequence[str]) -> None:
    for c, title in enumerate(titles, start=first_col):
        ws.write_string(HEADER_ROW, c, title, fmt.head)


def a1(row: int, col: int) -> str:
    """0-based row/column → "D8"."""
    return f"{column_letter(col)}{row + 1}"


def a1_range(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    return f"{a1(first_row, first_col)}:{a1(last_row, last_col)}"


def row_blocks(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted row numbers: [8, 9, 10, 12] → [(8, 10), (12, 12)]."""
    blocks: list[tuple[int, int]] = []
    for row in rows:
        if blocks and blocks[-1][1] == row - 1:
            blocks[-1] = (blocks[-1][0], row)
        else:
            blocks.append((row, row))
    return blocks


def validate(
    ws: Worksheet, cells: tuple[int, int, int, int], rule: dict[str, Any], title: str, message: str
) -> None:
    """Data validation with an input message and a Vietnamese error box."""
    ws.data_validation(
        *cells,
        {
            **rule,
            "input_title": title[:32],
            "input_message": message[:255],
            "error_title": "Giá trị không hợp lệ",
            "error_message": message[:255],
        },
    )


def highlight(ws: Worksheet, fmt: Formats, cells: tuple[int, int, int, int], bad: str) -> None:
    """Light fill on empty cells; red on values that break ``bad`` (a formula on the top-left
    cell): pasting bypasses data validation, conditional formatting does not."""
    ws.conditional_format(*cells, {"type": "formula", "criteria": bad, "format": fmt.bad_fill})
    ws.conditional_format(*cells, {"type": "blanks", "format": fmt.empty_fill})


def finish(
    book: Workbook,
    ws: Worksheet,
    identity: Identity,
    password: str,
    last_row: int,
    last_col: int,
    freeze_col: int = ROSTER_WIDTH,
) -> None:
    """Freeze panes, print setup, protection, identity sheet; then close the workbook."""
    ws.freeze_panes(FIRST_ROW, freeze_col)
    ws.set_paper(A4)
    ws.set_landscape()
    ws.repeat_rows(0, HEADER_ROW)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.print_area(0, 0, max(last_row, HEADER_ROW), last_col)
    ws.protect(password, PROTECTION)
    ws.activate()
    write_identity_sheet(book, identity)
    book.close()
