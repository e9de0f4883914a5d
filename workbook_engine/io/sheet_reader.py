"""Read a filled sheet fast: values with python-calamine, identity from its hidden sheet,
who saved it last from the document properties, formulas from the sheet XML, all from the bytes
read once. Nothing is judged here."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException, ElementTree
from python_calamine import CalamineWorkbook

from workbook_engine.errors import Problem
from workbook_engine.io.cells import cell_text
from workbook_engine.io.formulas import column_formulas, sheet_formulas
from workbook_engine.io.identity import IDENTITY_SHEET, Identity, IdentityError, identity_from_rows
from workbook_engine.io.zip_guard import inspect_workbook, workbook_limits

CORE_PROPERTIES = "docProps/core.xml"
LAST_MODIFIED_BY = (
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastModifiedBy"
)


class UnreadableWorkbook(Exception):
    """The file is not a workbook that can be opened (not xlsx, damaged, half-copied), or is
    refused before opening (:mod:`~workbook_engine.io.zip_guard`).

    ``problem`` is the catalogue problem to report when the guard refused the file
    (``file-too-large``, ``file-xml-dtd``, …); None when a reader failed, the caller then
    reports ``file-unreadable`` with ``str(exc)`` as detail.
    """

    def __init__(self, detail: str = "", problem: Problem | None = None) -> None:
        super().__init__(detail or (problem.message if problem is not None else ""))
        self.problem = problem


@dataclass
class FilledSheet:
    """What a dropped workbook holds, as text, with Excel coordinates kept."""

    name: str
    identity: Identity | None
    path: Path | None = None
    identity_error: str = ""
    saved_by: str = ""
    sheet_found: bool = False
    rows: list[list[str | None]] = field(default_factory=list)  # the fill sheet, 0-based
    sheet_names: list[str] = field(default_factory=list)
    content: bytes = field(default=b"", repr=False)  # the workbook as read, for the formula pass

    def text(self, row: int, col: int) -> str | None:
        """Canonical text at 0-based (row, col); None when empty or outside the used area."""
        if row >= len(self.rows) or col >= len(self.rows[row]):
            return None
        return self.rows[row][col]


def last_modified_by(source: Path | bytes) -> str:
    """``cp:lastModifiedBy`` of the workbook (the Windows/Office user who saved it last)."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with zipfile.ZipFile(file) as archive:
            data = archive.read(CORE_PROPERTIES)
    except (KeyError, OSError, zipfile.BadZipFile):
        return ""
    try:
        element = ElementTree.fromstring(data).find(LAST_MODIFIED_BY)
    except (ElementTree.ParseError, DefusedXmlException):  # damaged, or declares entities
        return ""
    return (element.text or "").strip() if element is not None else ""


def _text_rows(rows: list[list[Any]]) -> list[list[str | None]]:
    # calamine gives "" for an empty cell (half the cells): skip cell_text, same answer
    return [[None if v == "" else cell_text(v) for v in row] for row in rows]


def read_filled_sheet(
    path: Path, name: str | None = None, content: bytes | None = None
) -> FilledSheet:
    """Read ``path`` (reported as ``name``; ``content`` when its bytes are already in memory).

    The bytes go through :func:`~workbook_engine.io.zip_guard.inspect_workbook` first; any
    refusal, and any failure of a reader, raises :class:`UnreadableWorkbook` (its ``problem``
    set for a refusal), never another exception.
    """
    path = Path(path)
    shown = name or path.name
    try:
        content = path.read_bytes() if content is None else content
    except OSError as exc:
        raise UnreadableWorkbook(str(exc)) from exc
    problem = inspect_workbook(content, shown, workbook_limits())
    if problem is not None:
        raise UnreadableWorkbook(problem=problem)
    try:
        return _read(path, shown, content)
    except Exception as exc:  # calamine raises several types for broken or non-xlsx files
        raise UnreadableWorkbook(str(exc) or type(exc).__name__) from exc


def _read(path: Path, name: str, content: bytes) -> FilledSheet:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    sheet = FilledSheet(
        name=name,
        identity=None,
        path=path,
        saved_by=last_modified_by(content),
        sheet_names=list(book.sheet_names),
        content=content,
    )
    if IDENTITY_SHEET not in book.sheet_names:
        sheet.identity_error = "missing"
        return sheet
    identity_rows = book.get_sheet_by_name(IDENTITY_SHEET).to_python(skip_empty_area=False)
    try:
        sheet.identity = identity_from_rows([list(r) for r in identity_rows], sheet.name)
    except IdentityError as exc:
        sheet.identity_error = str(exc)
        return sheet
    del identity_rows  # not held while the data sheet is read
    if sheet.identity.sheet in book.sheet_names:
        data = book.get_sheet_by_name(sheet.identity.sheet).to_python(skip_empty_area=False)
        sheet.sheet_found = True
        sheet.rows = _text_rows(data)
    return sheet


def read_formulas(
    source: Path | bytes, sheet_name: str, col: int, rows: range
) -> dict[int, str | None]:
    """Formula text (``=…``) of one column's cells, by 0-based row; None where a value was typed.

    python-calamine gives values only; the formulas come from one pass over the sheet's XML
    (:func:`~workbook_engine.io.formulas.column_formulas`) on the same bytes.
    """
    return column_formulas(source, sheet_name, col, rows)


def read_formula_columns(
    source: Path | bytes, sheet_name: str, cols: list[int], rows: range
) -> dict[int, dict[int, str | None]]:
    """:func:`read_formulas` of several columns, in one pass over the sheet's XML."""
    return sheet_formulas(source, sheet_name, cols, rows)
