"""Rewrite a teacher's working copy with given values: the cells of :mod:`workbook_engine.
pipeline.refresh`'s plan, written the way the sheet's value types read them back."""

from __future__ import annotations

import io
import math
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.cells import cell_text
from workbook_engine.io.feedback import clear_previous
from workbook_engine.io.identity import IDENTITY_SHEET, Identity
from workbook_engine.io.kinds import CellError, Layout, ValueType
from workbook_engine.io.lockfiles import lock_owner
from workbook_engine.io.sheet_base import FIRST_ROW, ROSTER_WIDTH

Cell = tuple[str, str]  # (student code, column key)


class CopyMoved(Exception):
    """The copy changed or was opened while it was being rewritten: left as it is."""


def cell_value(value: ValueType | None, text: str | None) -> float | str | None:
    """What to put in an input cell for the canonical ``text``: a number where the column holds
    numbers (a score "7.5" → 7.5) and the number reads back as the same value, else the text
    ("Đ", "P", a note); None empties the cell."""
    if text is None:
        return None
    if value is None or not value.number_format:
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    spelled = cell_text(number)
    if not math.isfinite(number) or spelled is None:
        return text
    try:
        same = value.parse(spelled) == text
    except CellError:
        return text
    return number if same else text


def rewrite_copy(
    path: Path,
    content: bytes,
    identity: Identity,
    layout: Layout,
    writes: dict[Cell, str | None],
) -> None:
    """Write ``writes`` into the copy as it was read (``content``), clear an earlier return's
    marks, and replace the file atomically unless it changed or was opened meanwhile."""
    xlsm = path.suffix.lower() == ".xlsm"
    book = openpyxl.load_workbook(io.BytesIO(content), keep_vba=xlsm)  # formulas kept
    clear_previous(book)
    ws = book[identity.sheet]
    assert isinstance(ws, Worksheet)
    rows = {code: FIRST_ROW + i + 1 for i, code in enumerate(identity.student_codes)}
    columns = {c.key: (ROSTER_WIDTH + i + 1, c) for i, c in layout.inputs}
    for (student, key), text in writes.items():
        col, column = columns[key]
        ws.cell(rows[student], col).value = cell_value(column.value, text)
    if IDENTITY_SHEET in book.sheetnames:  # LibreOffice saves it as merely hidden
        book[IDENTITY_SHEET].sheet_state = "veryHidden"
    for other in book.worksheets:  # the summary sheet was the selected tab
        other.sheet_view.tabSelected = other is ws
    book.active = ws
    with atomic_path(path) as tmp:
        book.save(tmp)
        try:
            moved = lock_owner(path) is not None or path.read_bytes() != content
        except OSError:
            moved = True  # removed or renamed meanwhile
        if moved:
            raise CopyMoved(path)
