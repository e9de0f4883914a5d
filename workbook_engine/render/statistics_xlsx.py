"""The quality statistics as an xlsx (issue 13, item 3): the tables of a
:class:`~workbook_engine.render.statistics.StatsDocument`, one sheet per section, the same
tables as its HTML and PDF (the charts are left to those). Each list of students has a sheet of
its own (:attr:`Section.sheets`), its title and headings repeated on every page it prints on:
Excel repeats one range of rows a sheet, and the lists shared one, their headings printed on
their first page only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.render.statistics import Section, StatsDocument, Table

TABLE_ROW = 3  # a sheet's first table: its title, its two heading rows, its rows
EMPTY = "Không có học sinh nào."


def write_statistics_xlsx(path: Path, document: StatsDocument) -> Path:
    """The document's tables, one sheet per section (no charts; a list a sheet of its own),
    written atomically: counts as numbers, percentages as numbers shown with two decimals, A4
    landscape one page wide with the running head, the chain head and «Trang x/y» as the PDF
    has them."""
    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False}
        )
        wb.set_properties(
            {
                "title": document.title,
                "author": "workbook_engine",
                "comments": f"Mã kiểm tra sổ: {document.chain_head}",
            }
        )
        formats = _formats(wb)
        for section in document.sections:
            if not section.sheets:
                sheet = wb.add_worksheet(section.sheet)
                _write_section(sheet, formats, document, section, section.tables)
                continue
            for table, name in zip(section.tables, section.sheets, strict=True):
                sheet = wb.add_worksheet(name)
                _write_section(sheet, formats, document, section, (table,))
                sheet.repeat_rows(TABLE_ROW, TABLE_ROW + 2)  # its title and headings
        wb.close()
    return Path(path)


def _formats(wb: Workbook) -> dict[str, Format]:
    base = {"font_size": 10, "valign": "vcenter"}
    cell = {**base, "border": 1, "border_color": "#808080"}
    made = {
        "title": wb.add_format({**base, "bold": True, "font_size": 13}),
        "info": wb.add_format({**base}),
        "table": wb.add_format({**base, "bold": True, "font_size": 11}),
        "note": wb.add_format({**base, "italic": True, "font_size": 9}),
        "head": wb.add_format(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E2F3"}
        ),
    }
    for strong in (False, True):
        extra = {"bold": True, "bg_color": "#F2F2F2"} if strong else {}
        tail = "_strong" if strong else ""
        made["text" + tail] = wb.add_format({**cell, **extra, "text_wrap": True})
        made["count" + tail] = wb.add_format({**cell, **extra, "align": "center"})
        made["percent" + tail] = wb.add_format(
            {**cell, **extra, "num_format": "0.00", "align": "center"}
        )
    return made


def _write_section(
    ws: Worksheet,
    f: Mapping[str, Format],
    document: StatsDocument,
    section: Section,
    tables: Sequence[Table],
) -> None:
    """``tables`` of ``section`` on ``ws`` under the document's title, and its page setup."""
    ws.write_string(0, 0, f"{document.title.upper()} – {section.title.upper()}", f["title"])
    ws.write_string(
        1, 0, f"{document.school}. {document.approved}. Số liệu ngày {document.day}.", f["info"]
    )
    row = TABLE_ROW
    widths: dict[int, int] = {}
    for table in tables:
        row = _write_table(ws, f, row, table, widths) + 1
    for col, width in widths.items():
        ws.set_column(col, col, min(45, max(6, width)))
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    # 8 pt in the margins even when a wide sheet (the subjects' bins) is scaled down to fit
    unscaled = {"scale_with_doc": False}
    ws.set_header(f"&L&8{_excel(document.running_head)}", unscaled)
    ws.set_footer(f"&L&8{_excel(document.chain_text)}&R&8Trang &P/&N", unscaled)


def _write_table(
    ws: Worksheet, f: Mapping[str, Format], row: int, table: Table, widths: dict[int, int]
) -> int:
    """``table`` from ``row`` (title, two heading rows, body, note); returns the next free row."""
    ws.write_string(row, 0, table.title, f["table"])
    top, low = row + 1, row + 2
    for group, first, span in table.groups:
        if not group:
            ws.merge_range(top, first, low, first, table.columns[first][1], f["head"])
        elif span > 1:
            ws.merge_range(top, first, top, first + span - 1, group, f["head"])
        else:
            ws.write_string(top, first, group, f["head"])
        if group:
            for k in range(first, first + span):
                ws.write_string(low, k, table.columns[k][1], f["head"])
    for k, (_, head) in enumerate(table.columns):
        widths[k] = max(widths.get(k, 0), min(len(head), 10))
    row = low + 1
    for line in table.rows:
        tail = "_strong" if line.strong else ""
        for k, value in enumerate(line.cells):
            if value is None:
                ws.write_blank(row, k, None, f["percent" + tail])
            elif isinstance(value, Decimal):
                ws.write_number(row, k, float(value), f["percent" + tail])
            elif isinstance(value, int):
                ws.write_number(row, k, value, f["count" + tail])
            else:
                ws.write_string(row, k, value, f["text" + tail])
                widths[k] = max(widths.get(k, 0), len(value) + 2)
        row += 1
    if not table.rows:  # as the PDF says it
        ws.merge_range(row, 0, row, len(table.columns) - 1, EMPTY, f["text"])
        row += 1
    if table.note:
        ws.write_string(row, 0, table.note, f["note"])
        row += 1
    return row


def _excel(text: str) -> str:
    """Text for an Excel page header or footer (``&`` starts a code there)."""
    return text.replace("&", "&&")
