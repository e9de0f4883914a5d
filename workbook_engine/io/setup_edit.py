"""Record a roster movement in the school's setup workbook as a clerk would by hand: a row on the
«Biến động» sheet and the student's class on «Học sinh» (or a new row there for a student who
joins). openpyxl edits the clerk's own workbook (their other sheets and formatting kept); the
result is checked like any setup and replaces the original only when it has no error."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from workbook_engine.io import cells
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.setup_reader import HEADER_SCAN_ROWS, SetupError, check_setup
from workbook_engine.io.sheetspec import SheetSpec, WorkbookSpec, setup_spec
from workbook_engine.model import Movement, MovementKind, Setup, Student


def record_movement(path: Path, movement: Movement, joining: Student | None = None) -> Setup:
    """Add ``movement`` to the setup workbook at ``path`` and set the student's class on
    «Học sinh» to where it leaves them (``joining``: the row of a student new to the school).
    Returns the checked setup; :class:`SetupError` (the workbook unchanged) when the result does
    not check, for instance a movement that does not follow on from the student's last one."""
    path = Path(path)
    spec = setup_spec()
    book = openpyxl.load_workbook(path)
    students = _sheet(book, spec, spec.sheet("students"))
    layout = _layout(students, spec.sheet("students"), spec.header_row)
    if joining is not None:
        _append(students, layout, {
            "code": joining.code, "full_name": joining.full_name,
            "birth_date": joining.birth_date, "gender": joining.gender.value,
            "class_code": joining.class_code,
        })  # fmt: skip
    elif movement.kind is MovementKind.CLASS_CHANGE:
        row = _find(students, layout, movement.student_code)
        if row is not None and "class_code" in layout.columns:
            students.cell(row, layout.columns["class_code"], movement.to_class)
    moves_spec = spec.sheet("movements")
    moves = _sheet(book, spec, moves_spec, create=True)
    _append(moves, _layout(moves, moves_spec, spec.header_row), {
        "student_code": movement.student_code, "kind": movement.kind.value,
        "effective": movement.effective, "from_class": movement.from_class,
        "to_class": movement.to_class, "school": movement.school, "note": movement.note,
    })  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        trial = Path(folder) / path.name  # messages name the clerk's file
        book.save(trial)
        setup, report = check_setup(trial)
        if setup is None:
            raise SetupError(report)
        with atomic_path(path) as tmp:
            shutil.copyfile(trial, tmp)
    return setup


def _sheet(book: Any, spec: WorkbookSpec, sheet: SheetSpec, create: bool = False) -> Worksheet:
    """The workbook's sheet for ``sheet`` (its name compared leniently); made with its title
    and headers when ``create`` and missing (a workbook made before the sheet existed)."""
    for ws in book.worksheets:
        if cells.fold(ws.title) == cells.fold(sheet.name):
            return ws
    if not create:
        raise SetupError(_missing(book, sheet))
    ws = book.create_sheet(sheet.name)
    ws.cell(spec.title_row, 1, sheet.title)
    ws.cell(spec.help_row, 1, sheet.help)
    for c, col in enumerate(sheet.columns, start=1):
        ws.cell(spec.header_row, c, col.header)
    return ws


def _missing(book: Any, sheet: SheetSpec) -> Any:
    from workbook_engine.errors import Report, make_problem

    report = Report()
    report.add(make_problem("sheet-missing", file="", sheet=sheet.name))
    return report


@dataclass(frozen=True)
class _Layout:
    """Where a table sheet's header is (1-based row) and its columns (key → 1-based column)."""

    header: int
    columns: dict[str, int]


def _layout(ws: Worksheet, sheet: SheetSpec, default_header: int) -> _Layout:
    """The header row holding most of the sheet's headers (moved rows and columns tolerated)."""
    wanted = {cells.fold(c.header): c.key for c in sheet.columns}
    best = _Layout(default_header, {})
    rows = ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)
    for r, row in enumerate(rows, start=1):
        found = {
            wanted[key]: c
            for c, value in enumerate(row, start=1)
            if (text := cells.cell_text(value)) and (key := cells.fold(text)) in wanted
        }
        if len(found) > len(best.columns):
            best = _Layout(r, found)
    return best


def _append(ws: Worksheet, layout: _Layout, values: dict[str, str | date]) -> None:
    """Write ``values`` on the first row below the header with nothing in the known columns."""
    row = layout.header + 1
    while any(ws.cell(row, c).value not in (None, "") for c in layout.columns.values()):
        row += 1
    for key, value in values.items():
        if key in layout.columns and value not in (None, ""):
            cell = ws.cell(row, layout.columns[key], value)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"


def _find(ws: Worksheet, layout: _Layout, code: str) -> int | None:
    """The 1-based row of student ``code`` on «Học sinh»."""
    column = layout.columns.get("code")
    if column is None:
        return None
    for r in range(layout.header + 1, ws.max_row + 1):
        if cells.cell_text(ws.cell(r, column).value) == code:
            return r
    return None
