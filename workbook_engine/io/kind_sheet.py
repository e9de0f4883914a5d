"""Write the blank sheet of any per-student kind from its spec: header, roster, headings, open
and blocked cells, formulas, validation and highlighting from the value types, protection and
the signed identity."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.identity import Identity, sign
from workbook_engine.io.kinds.base import Column, Layout, RowNote, SheetKind, ValueType
from workbook_engine.io.sheet_base import (
    FIRST_ROW,
    HEADER_ROW,
    ROSTER_WIDTH,
    Formats,
    a1,
    admin_password,
    finish,
    new_book,
    row_blocks,
    validate,
    write_header,
    write_headings,
    write_roster,
)
from workbook_engine.model import Setup

COMPUTED_WIDTH = 9.0


def write_sheet(
    path: Path, setup: Setup, kind: SheetKind, identity: Identity, secret: bytes
) -> Identity:
    """Write the blank sheet of ``identity`` (signed here) to ``path`` atomically."""
    identity = sign(identity, secret)
    layout = kind.layout(setup, identity)
    header = kind.header(setup, identity)
    notes = kind.row_notes(setup, identity)
    last_row = FIRST_ROW + len(identity.students) - 1
    last_col = ROSTER_WIDTH + len(layout.columns) - 1
    with atomic_path(Path(path)) as tmp:
        book, fmt = new_book(tmp, header.title)
        ws = book.add_worksheet(identity.sheet)
        write_header(ws, fmt, header)
        write_roster(ws, fmt, identity.students)
        write_headings(ws, fmt, ROSTER_WIDTH, [c.title for c in layout.columns])
        for col, column in enumerate(layout.columns, start=ROSTER_WIDTH):
            ws.set_column(col, col, _width(column))
        ws.set_row(HEADER_ROW, 30)
        exempt = set(identity.exempt)
        for i, code in enumerate(identity.student_codes):
            row = FIRST_ROW + i
            note = notes.get(code, RowNote())
            _write_row(ws, fmt, layout, row, code in exempt, note)
            if note.comment:
                ws.write_comment(row, 2, note.comment)
        if last_row >= FIRST_ROW:
            _add_checks(ws, fmt, identity, layout, last_row)
        finish(book, ws, identity, admin_password(secret), last_row, last_col)
    return identity


def _width(column: Column) -> float:
    if column.width is not None:
        return column.width
    return column.value.width if column.value is not None else COMPUTED_WIDTH


def _entry_format(fmt: Formats, value: ValueType) -> Format:
    if value.number_format:
        return fmt.score
    return fmt.choice if value.choices else fmt.text


def _write_row(
    ws: Worksheet, fmt: Formats, layout: Layout, row: int, exempt: bool, note: RowNote
) -> None:
    marked = False
    for col, column in enumerate(layout.columns, start=ROSTER_WIDTH):
        if exempt:
            text = ""
            if column.value is None and not marked:
                text, marked = layout.exempt_mark, True
            elif column.value is not None and column.value.max_length and note.exempt_text:
                text = note.exempt_text
            if text:
                ws.write_string(row, col, text, fmt.blocked)
            else:
                ws.write_blank(row, col, None, fmt.blocked)
        elif column.value is not None:
            entry = _entry_format(fmt, column.value) if column.open else fmt.blocked
            ws.write_blank(row, col, None, entry)
        elif column.formula is not None:
            style = fmt.count if column.style == "count" else fmt.computed
            ws.write_formula(
                row, col, column.formula(row), style, 0 if column.style == "count" else ""
            )


def _runs(layout: Layout) -> list[tuple[ValueType, int, int]]:
    """(value type, first col, last col) of each run of adjacent input columns of one type."""
    runs = []
    indexed = [(ROSTER_WIDTH + i, c.value) for i, c in enumerate(layout.columns)]
    for value, group in groupby(indexed, key=lambda item: item[1]):
        cols = [col for col, _ in group]
        if value is not None:
            runs.append((value, cols[0], cols[-1]))
    return runs


def bad_rule(value: ValueType, corner: str) -> str | None:
    """The condition a filled cell breaks, as an Excel formula on the top-left cell."""
    if value.excel_rule is not None:
        return value.excel_rule(corner)
    if value.choices:
        return "OR(" + ",".join(f'{corner}="{c}"' for c in value.choices) + ")"
    return None


def _add_checks(
    ws: Worksheet, fmt: Formats, identity: Identity, layout: Layout, last_row: int
) -> None:
    exempt = set(identity.exempt)
    open_rows = [FIRST_ROW + i for i, c in enumerate(identity.student_codes) if c not in exempt]
    for value, first, last in _runs(layout):
        rule: dict[str, Any]
        if value.excel_rule is not None:
            rule = {"validate": "custom", "value": f"={value.excel_rule(a1(FIRST_ROW, first))}"}
        elif value.choices:
            rule = {"validate": "list", "source": list(value.choices)}
        elif value.max_length is not None:
            rule = {"validate": "length", "criteria": "<=", "value": value.max_length}
        else:
            continue
        validate(ws, (FIRST_ROW, first, last_row, last), rule, value.label, value.help)
        for a, b in row_blocks(open_rows):
            bad = bad_rule(value, a1(a, first))
            if bad is None:
                continue
            cells = (a, first, b, last)
            criteria = f'=AND({a1(a, first)}<>"",NOT({bad}))'
            ws.conditional_format(*cells, {"type": "formula", "criteria": criteria,
                                           "format": fmt.bad_fill})  # fmt: skip
            if value.highlight_blanks:
                ws.conditional_format(*cells, {"type": "blanks", "format": fmt.empty_fill})
