"""Feedback to the teacher: the rejected sheet annotated cell by cell (the HTML page is in
:mod:`~workbook_engine.io.feedback_report`, re-exported here).

The rejected copy is the teacher's own workbook with every wrong cell filled and commented, and a
summary sheet «Lỗi cần sửa» in front. What each marked cell looked like before is kept in a
very-hidden sheet, so annotating a resubmitted copy again first puts those cells back as they were
instead of stacking marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from copy import copy
from pathlib import Path
from typing import Any, cast

import openpyxl
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import column_index_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from workbook_engine.errors import Problem, Severity
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.feedback_report import (
    FeedbackReport,
    cell_ref,
    sentence,
    write_report_html,
)
from workbook_engine.io.identity import IDENTITY_SHEET

__all__ = [
    "AUTHOR",
    "MARKS_SHEET",
    "SUMMARY_SHEET",
    "FeedbackReport",
    "write_rejected_copy",
    "write_report_html",
]

SUMMARY_SHEET = "Lỗi cần sửa"
MARKS_SHEET = "wbe_feedback"
AUTHOR = "Sổ điểm điện tử"
ERROR_FILL = "FFFFC7CE"
ERROR_FONT = "FF9C0006"
WARNING_FILL = "FFFFEB9C"
WARNING_FONT = "FF9C5700"
SUMMARY_HEADINGS = (("STT", 6), ("Ô", 10), ("Cột", 14), ("Lỗi", 60), ("Cách sửa", 60))
SUMMARY_HEADER_ROW = 4
COMMENT_WIDTH = 360  # pixels; about 55 characters of the default comment font per line
COMMENT_CHARS_PER_LINE = 55


def write_rejected_copy(original: Path, target: Path, problems: Sequence[Problem]) -> Path:
    """Write ``original`` to ``target`` with every located problem marked and a summary sheet."""
    original = Path(original)
    book = openpyxl.load_workbook(original)  # not read-only, formulas kept
    clear_previous(book)
    ordered = sorted(problems, key=lambda p: p.severity is not Severity.ERROR)
    _mark_cells(book, ordered)
    _write_summary(book, original.name, ordered)
    if IDENTITY_SHEET in book.sheetnames:  # LibreOffice saves it as merely hidden
        book[IDENTITY_SHEET].sheet_state = "veryHidden"
    with atomic_path(Path(target)) as tmp:
        book.save(tmp)
    return Path(target)


def located_cell(book: Workbook, problem: Problem) -> Cell | None:
    """The cell ``problem`` points at, or None when it names no existing sheet, row and column."""
    if not (problem.sheet and problem.row and problem.column):
        return None
    if problem.sheet not in book.sheetnames or problem.sheet in (SUMMARY_SHEET, MARKS_SHEET):
        return None
    try:
        column = column_index_from_string(problem.column)
    except ValueError:
        return None
    ws = book[problem.sheet]
    cell = ws.cell(problem.row, column) if isinstance(ws, Worksheet) else None
    return cell if isinstance(cell, Cell) else None  # not inside a merged range


def comment_text(problems: Sequence[Problem]) -> str:
    """What the comment on one cell says: each problem with how to fix it."""
    return "\n\n".join(f"{_label(p)}: {p.message}.\nCách sửa: {p.kind.hint}" for p in problems)


def _label(problem: Problem) -> str:
    return "Lỗi" if problem.severity is Severity.ERROR else "Cảnh báo"


def _mark_cells(book: Workbook, problems: Sequence[Problem]) -> None:
    by_cell: dict[tuple[str, str], tuple[Cell, list[Problem]]] = {}
    for problem in problems:
        cell = located_cell(book, problem)
        if cell is not None:
            key = (problem.sheet, cell.coordinate)
            by_cell.setdefault(key, (cell, []))[1].append(problem)
    if not by_cell:
        return
    marks = book.create_sheet(MARKS_SHEET)
    marks.sheet_state = "veryHidden"
    for r, ((sheet, coordinate), (cell, found)) in enumerate(by_cell.items(), start=1):
        # Keep the cell's look and any comment it had, to undo this mark on the next run.
        marks.cell(r, 1, sheet)
        marks.cell(r, 2, coordinate)
        keeper = marks.cell(r, 3, "style")
        keeper.font, keeper.fill = copy(cell.font), copy(cell.fill)
        if cell.comment is not None:
            marks.cell(r, 4, cell.comment.text)
            marks.cell(r, 5, cell.comment.author)
        text = comment_text(found)
        marks.cell(r, 6, text)
        error = any(p.severity is Severity.ERROR for p in found)
        _recolour(cell, ERROR_FONT if error else WARNING_FONT)
        fill = ERROR_FILL if error else WARNING_FILL
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        cell.comment = _comment(text)


def _recolour(cell: Cell | MergedCell, color: str | None) -> None:
    font = cast(Font, copy(cell.font))  # keep bold, size, name
    font.color = color
    cell.font = font


def _comment(text: str) -> Comment:
    lines = sum(max(1, math.ceil(len(line) / COMMENT_CHARS_PER_LINE)) for line in text.split("\n"))
    return Comment(text, AUTHOR, height=24 + 16 * lines, width=COMMENT_WIDTH)


def clear_previous(book: Workbook) -> None:
    """Undo what an earlier run added: summary sheet, marked cells, their comments."""
    if SUMMARY_SHEET in book.sheetnames:
        book.remove(book[SUMMARY_SHEET])
    if MARKS_SHEET in book.sheetnames:
        marks = book[MARKS_SHEET]
        for sheet, coordinate, keeper, text, author, ours in marks.iter_rows(max_col=6):
            if not (sheet.value in book.sheetnames and coordinate.value):
                continue
            cell = book[str(sheet.value)][str(coordinate.value)]
            cell.font, cell.fill = copy(keeper.font), copy(keeper.fill)
            if cell.comment is None or _is_ours(cell.comment, str(ours.value or "")):
                had = text.value is not None
                cell.comment = Comment(str(text.value), str(author.value or "")) if had else None
        book.remove(marks)
    # Marks whose record is gone (the hidden sheet deleted by hand): drop comment and colours.
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    cell.comment = None
                    if cell.fill.fgColor.rgb in (ERROR_FILL, WARNING_FILL):
                        cell.fill = PatternFill()
                        _recolour(cell, None)


def _font(**style: Any) -> Font:
    # A Font without a name falls back to a serif face in LibreOffice.
    return Font(**{"name": "Calibri", "size": 11, **style})


def _is_ours(comment: Comment, text: str) -> bool:
    # LibreOffice saves every comment author as " ", so also recognise the text we wrote.
    return comment.author == AUTHOR or comment.text.strip() == text.strip()


def _write_summary(book: Workbook, file_name: str, problems: Sequence[Problem]) -> None:
    ws = book.create_sheet(SUMMARY_SHEET, 0)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    title = f"Tệp {file_name} bị trả lại: {errors} lỗi cần sửa"
    ws["A1"] = f"{title}, {warnings} cảnh báo" if warnings else title
    ws["A1"].font = _font(bold=True, size=14, color="FF9C0006")
    ws["A2"] = (
        "Sửa các ô được tô màu trong bảng (di chuột vào ô để xem hướng dẫn), "
        "lưu tệp rồi gửi lại vào thư mục của thầy/cô. Không cần xoá trang này."
    )
    ws["A2"].font = _font(italic=True)
    for c, (heading, width) in enumerate(SUMMARY_HEADINGS, start=1):
        cell = ws.cell(SUMMARY_HEADER_ROW, c, heading)
        cell.font = _font(bold=True)
        cell.fill = PatternFill("solid", start_color="FFD9E2F3", end_color="FFD9E2F3")
        ws.column_dimensions[cell.column_letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top")
    for i, problem in enumerate(problems, start=1):
        r = SUMMARY_HEADER_ROW + i
        target = located_cell(book, problem)
        message = sentence(problem.message)
        if problem.severity is Severity.WARNING:
            message = f"Cảnh báo: {message}"
        values = (i, cell_ref(problem), problem.column_title, message, problem.kind.hint)
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value).alignment = centre if c <= 2 else wrap
        # Neither LibreOffice nor every Excel version grows a row to fit wrapped text on load.
        lines = max(
            math.ceil(len(str(value)) / (width - 2))
            for value, (_, width) in zip(values, SUMMARY_HEADINGS, strict=True)
        )
        ws.row_dimensions[r].height = 15 * max(1, lines)
        if target is not None:
            link = ws.cell(r, 2)
            sheet = problem.sheet.replace("'", "''")
            link.hyperlink = Hyperlink(
                ref=link.coordinate, location=f"'{sheet}'!{target.coordinate}"
            )
            link.font = _font(color="FF0563C1", underline="single")
        if problem.severity is Severity.WARNING:
            ws.cell(r, 4).font = _font(color=WARNING_FONT)
    ws.freeze_panes = ws.cell(SUMMARY_HEADER_ROW + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    # Only the summary tab may be selected: two selected tabs make an Excel group, where typing
    # in one sheet writes into the other as well.
    for other in book.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    book.active = ws
