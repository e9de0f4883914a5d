"""Write the school setup workbook: the blank template for the clerk, or a filled one (demo)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.cells import column_letter
from workbook_engine.io.setup_reader import WEEKDAYS
from workbook_engine.io.sheetspec import ColumnSpec, SheetSpec, WorkbookSpec, setup_spec
from workbook_engine.model import Setup
from workbook_engine.rules import AssessmentMode

INSTRUCTIONS_SHEET = "Hướng dẫn"
VALIDATED_ROWS = 2000  # rows below the header that carry dropdowns and checks
# A very hidden sheet holding the choices of a dropdown whose values contain a comma: Excel reads
# a typed list as comma-separated («Kiểm tra lại, rèn luyện hè» would become two choices).
LISTS_SHEET = "Danh mục"
MODE_LABELS = {AssessmentMode.SCORE: "Điểm số", AssessmentMode.COMMENT: "Nhận xét"}

INSTRUCTIONS = [
    "TỆP THIẾT LẬP NHÀ TRƯỜNG (setup.xlsx)",
    "",
    "Tệp này là nguồn duy nhất của thông tin nhà trường: lớp, học sinh, môn học, giáo viên,",
    "phân công giảng dạy và lịch nhập điểm. Văn thư/quản trị viên điền và cập nhật tệp này.",
    "",
    "Cách điền:",
    "1. Điền lần lượt các trang theo thứ tự: Thông tin trường, Học kì, Giáo viên, Lớp,",
    "   Học sinh, Môn học, Miễn giảm, Phân công, Lịch.",
    "2. Không đổi tên trang, không xoá cột, không chèn dòng phía trên dòng tiêu đề (dòng 3).",
    "3. Cột có dấu * là bắt buộc. Ngày nhập dạng ngày/tháng/năm, ví dụ 05/09/2025.",
    "4. Mã (mã giáo viên, mã học sinh, mã môn, tên lớp) chỉ gồm chữ không dấu, chữ số, - _ .",
    "5. Giáo viên chủ nhiệm và giáo viên trong trang Phân công ghi bằng Mã GV.",
    "6. Số tiết/năm quyết định số cột điểm thường xuyên theo Thông tư 22/2021/TT-BGDĐT:",
    "   đến 35 tiết: 2 cột; trên 35 đến 70 tiết: 3 cột; trên 70 tiết: 4 cột;",
    "   môn đánh giá bằng nhận xét: 2 cột.",
    "",
    "Kiểm tra tệp trước khi dùng: wbe setup check setup.xlsx",
    "Chương trình liệt kê mọi lỗi kèm trang, dòng, cột và cách sửa.",
]


class _Formats:
    def __init__(self, book: Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F3864"})
        self.help = book.add_format({"italic": True, "font_color": "#595959", "text_wrap": True})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#D9E2F3", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.required = book.add_format(
            {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.date = book.add_format({"num_format": "dd/mm/yyyy"})
        self.text = book.add_format({"num_format": "@"})
        self.label = book.add_format({"bold": True})


def _header_text(col: ColumnSpec) -> str:
    return f"{col.header} *" if col.required else col.header


def _validation(
    col: ColumnSpec, spec: WorkbookSpec, sheet_names: dict[str, str]
) -> dict[str, Any] | None:
    """The Excel data validation matching the column type (the reader checks again anyway)."""
    message = col.help or ""
    if col.type == "enum" and any("," in v for v in col.values):
        index = _listed(spec).index((col.key, tuple(col.values)))
        letter, last = column_letter(index), len(col.values)
        rule: dict[str, Any] = {
            "validate": "list",
            "source": f"='{LISTS_SHEET}'!${letter}$1:${letter}${last}",
        }
    elif col.type == "enum":
        rule = {"validate": "list", "source": list(col.values)}
    elif col.type == "bool":
        rule = {"validate": "list", "source": ["Có", "Không"]}
    elif col.type == "int":
        rule = {
            "validate": "integer",
            "criteria": "between",
            "minimum": col.min if col.min is not None else 0,
            "maximum": col.max if col.max is not None else 100000,
        }
        message = message or "Nhập một số nguyên."
    elif col.type == "date":
        rule = {
            "validate": "date",
            "criteria": "between",
            "minimum": date(1990, 1, 1),
            "maximum": date(2100, 12, 31),
        }
        message = message or "Nhập ngày dạng ngày/tháng/năm, ví dụ 05/09/2025."
    elif col.references:
        sheet_key, col_key = col.references.split(".")
        target = spec.sheet(sheet_key)
        index = [c.key for c in target.columns].index(col_key)
        letter = column_letter(index)
        first, last = spec.header_row + 1, spec.header_row + VALIDATED_ROWS
        rule = {
            "validate": "list",
            "source": f"='{sheet_names[sheet_key]}'!${letter}${first}:${letter}${last}",
        }
    else:
        return None
    rule["error_title"] = "Giá trị không hợp lệ"
    rule["error_message"] = f"Giá trị của cột «{col.header}» không hợp lệ."[:255]
    if message:
        rule["input_title"] = col.header[:32]
        rule["input_message"] = message[:255]
    return rule


def _listed(spec: WorkbookSpec) -> list[tuple[str, tuple[str, ...]]]:
    """The dropdowns kept on :data:`LISTS_SHEET`, one column each: (column key, values)."""
    found: dict[tuple[str, tuple[str, ...]], None] = {}
    for sheet in spec.sheets:
        for col in sheet.columns:
            if col.type == "enum" and any("," in v for v in col.values):
                found[(col.key, tuple(col.values))] = None
    return list(found)


def _cell(ws: Worksheet, row: int, col: int, value: Any, fmt: _Formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, date):
        ws.write_datetime(row, col, value, fmt.date)
    elif isinstance(value, int):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))


def _write_table(
    ws: Worksheet,
    sheet: SheetSpec,
    spec: WorkbookSpec,
    rows: list[dict[str, Any]],
    fmt: _Formats,
    names: dict[str, str],
) -> None:
    hr = spec.header_row - 1
    ws.write_string(spec.title_row - 1, 0, sheet.title, fmt.title)
    ws.merge_range(spec.help_row - 1, 0, spec.help_row - 1, len(sheet.columns) - 1, "")
    ws.write_string(spec.help_row - 1, 0, sheet.help, fmt.help)
    ws.set_row(spec.help_row - 1, 45)
    for c, col in enumerate(sheet.columns):
        ws.write_string(hr, c, _header_text(col), fmt.required if col.required else fmt.header)
        cell_format = fmt.date if col.type == "date" else fmt.text if col.type == "code" else None
        ws.set_column(c, c, col.width, cell_format)
        rule = _validation(col, spec, names)
        if rule:
            ws.data_validation(hr + 1, c, hr + VALIDATED_ROWS, c, rule)
    for r, values in enumerate(rows, start=hr + 1):
        for c, col in enumerate(sheet.columns):
            _cell(ws, r, c, values.get(col.key), fmt)
    ws.freeze_panes(hr + 1, 0)
    ws.autofilter(hr, 0, hr + max(len(rows), 1), len(sheet.columns) - 1)


def _write_fields(
    ws: Worksheet, sheet: SheetSpec, spec: WorkbookSpec, values: dict[str, Any], fmt: _Formats
) -> None:
    hr = spec.header_row - 1
    ws.write_string(spec.title_row - 1, 0, sheet.title, fmt.title)
    ws.write_string(spec.help_row - 1, 0, sheet.help, fmt.help)
    ws.write_string(hr, 0, "Mục", fmt.header)
    ws.write_string(hr, 1, "Giá trị", fmt.header)
    ws.write_string(hr, 2, "Ghi chú", fmt.header)
    ws.set_column(0, 0, 48)
    ws.set_column(1, 1, 40, fmt.text)
    ws.set_column(2, 2, 60)
    for r, col in enumerate(sheet.columns, start=hr + 1):
        ws.write_string(r, 0, _header_text(col), fmt.label)
        value = values.get(col.key, col.default)
        _cell(ws, r, 1, value, fmt)
        if col.help:
            ws.write_string(r, 2, col.help, fmt.help)
        rule = _validation(col, spec, {})
        if rule:
            ws.data_validation(r, 1, r, 1, rule)


def setup_rows(setup: Setup) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The setup as (school fields, rows per sheet key), in the workbook's column keys."""
    s = setup.school
    fields = {
        "name": s.name,
        "code": s.code,
        "authority": s.authority,
        "province": s.province,
        "school_year": s.school_year,
        "principal": s.principal,
        "address": s.address,
        "max_absences": s.max_absences,
        "tx_deadline_weekday": WEEKDAYS[s.tx_deadline_weekday],
        "tx_deadline_time": s.tx_deadline_time,
        "periodic_entry_days": s.periodic_entry_days,
        "strict_saved_by": "Có" if s.strict_saved_by else "Không",
        "level": s.level.value,
        "primary_level_score_warning": "Có" if s.primary_level_score_warning else "Không",
    }
    rows: dict[str, list[dict[str, Any]]] = {
        "semesters": [vars(x) for x in setup.semesters],
        "classes": [vars(x) for x in setup.classes],
        "students": [{**vars(x), "gender": x.gender.value} for x in setup.students],
        "subjects": [
            {**vars(x), "mode": MODE_LABELS[x.mode], "study_topic": "Có" if x.study_topic else ""}
            for x in setup.subjects
        ],
        "teachers": [
            {
                **vars(x),
                "roles": ", ".join(r.value for r in x.roles),
                "usernames": ", ".join(x.usernames),
            }
            for x in setup.teachers
        ],
        "assignments": [vars(x) for x in setup.assignments],
        "exemptions": [{**vars(x), "scope": x.scope.value} for x in setup.exemptions],
        "calendar": [{**vars(x), "kind": x.kind.value} for x in setup.calendar],
        "movements": [{**vars(x), "kind": x.kind.value} for x in setup.movements],
    }
    return fields, rows


def write_setup(path: Path, setup: Setup | None = None) -> Path:
    """Write the setup workbook to ``path`` (blank template when ``setup`` is None)."""
    spec = setup_spec()
    fields, rows = setup_rows(setup) if setup else ({}, {})
    names = {sheet.key: sheet.name for sheet in spec.sheets}
    with atomic_path(Path(path)) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False})
        book.set_properties({"title": "Tệp thiết lập nhà trường", "author": "workbook_engine"})
        fmt = _Formats(book)
        intro = book.add_worksheet(INSTRUCTIONS_SHEET)
        intro.set_column(0, 0, 100)
        for r, line in enumerate(INSTRUCTIONS):
            intro.write_string(r, 0, line, fmt.title if r == 0 else None)
        for sheet in spec.sheets:
            ws = book.add_worksheet(sheet.name)
            if sheet.layout == "fields":
                _write_fields(ws, sheet, spec, fields, fmt)
            else:
                _write_table(ws, sheet, spec, rows.get(sheet.key, []), fmt, names)
        listed = _listed(spec)
        if listed:
            lists = book.add_worksheet(LISTS_SHEET)
            for c, (_, values) in enumerate(listed):
                for r, value in enumerate(values):
                    lists.write_string(r, c, value)
            lists.very_hidden()
        book.close()
    return Path(path)
