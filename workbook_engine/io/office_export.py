"""The year's results per student for the education office (issue 13, item 4): one sheet, the
headers in row 1, a row per student, in the column layout of ``schemas/office_export.yaml``
(modelled on the sector database's import templates; a province edits a copy and passes it).

The layout is data: each column names its header and the field it takes (:data:`FIELDS`), with
a subject code, a period and a rewriting of values where the field needs them. The values are
the results as the books print them (the caller passes them: as approved by the principal).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import xlsxwriter
import yaml

from workbook_engine.approvals import result_text
from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.master_workbook import re_exam_text
from workbook_engine.model import ClassRoom, Setup, Student
from workbook_engine.names import safe_stem
from workbook_engine.results import SemesterResult, StudentResult
from workbook_engine.rules import Comment, Outcome

LAYOUT_FILE = "office_export.yaml"
EXPORT_FOLDER = "exports"
PERIODS = ("CN", "HK1", "HK2")
EXEMPT = "Miễn"
DEFAULT_WIDTH = 9.0
SHEET_NAME_MAX = 31
FINAL = (Outcome.PROMOTED, Outcome.RETAINED)  # the outcomes after the summer

# field → what it is (Vietnamese: listed when a layout names an unknown field)
FIELDS = {
    "number": "số thứ tự",
    "student_code": "mã học sinh",
    "full_name": "họ và tên",
    "birth_date": "ngày sinh",
    "gender": "giới tính",
    "class": "lớp",
    "grade": "khối",
    "school_year": "năm học",
    "subject": "điểm trung bình môn hoặc Đ/CĐ (cần subject)",
    "learning": "kết quả học tập",
    "conduct": "kết quả rèn luyện",
    "absent_excused": "số buổi nghỉ có phép",
    "absent_unexcused": "số buổi nghỉ không phép",
    "absent_total": "tổng số buổi nghỉ",
    "outcome": "đề nghị cuối năm",
    "re_exam_subjects": "các môn kiểm tra lại",
    "re_exam_results": "kết quả kiểm tra lại",
    "re_exam_score": "kết quả kiểm tra lại một môn (cần subject)",
    "learning_after_summer": "kết quả học tập sau kiểm tra lại",
    "conduct_after_summer": "kết quả rèn luyện sau rèn luyện hè",
    "final_outcome": "lên lớp hay ở lại lớp (sau hè)",
    "award": "danh hiệu",
}
NEEDS_SUBJECT = ("subject", "re_exam_score")


class LayoutError(ValueError):
    """The layout file cannot be used (the message is Vietnamese, for the clerk)."""


@dataclass(frozen=True)
class Score:
    """An average or a re-exam score, in tenths: written as a number with one decimal."""

    tenths: int


Value = str | int | Score | None  # text, a count, a score; None: a blank cell


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    subject: str = ""
    period: str = "CN"
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)
    width: float = DEFAULT_WIDTH


@dataclass(frozen=True)
class ExportLayout:
    sheet: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class _Row:
    """What one row is made from."""

    number: int
    student: Student
    room: ClassRoom
    result: StudentResult | None
    names: Mapping[str, str]  # subject code → name, of the student's grade
    school_year: str


def load_layout(path: Path | None = None) -> ExportLayout:
    """The layout of ``path``, or the shipped one (``schemas/office_export.yaml``);
    :class:`LayoutError` naming what is wrong."""
    if path is None:
        source = f"schemas/{LAYOUT_FILE}"
        text = resources.files("workbook_engine.schemas").joinpath(LAYOUT_FILE).read_text("utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LayoutError(f"không đọc được tệp bố cục {source}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LayoutError(f"tệp bố cục {source} không đúng dạng YAML: {exc}") from exc
    return parse_layout(data, source)


def parse_layout(data: Any, source: str) -> ExportLayout:
    """The layout of a loaded YAML document (see ``schemas/office_export.yaml``)."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
        raise LayoutError(f"tệp bố cục {source} cần có danh sách «columns»")
    sheet = str(data.get("sheet") or "Kết quả năm học")
    if len(sheet) > SHEET_NAME_MAX or any(c in sheet for c in "[]:*?/\\"):
        raise LayoutError(f"tệp bố cục {source}: tên trang «{sheet}» không dùng được trong Excel")
    columns = [_column(item, n, source) for n, item in enumerate(data["columns"], start=1)]
    if not columns:
        raise LayoutError(f"tệp bố cục {source} không có cột nào")
    return ExportLayout(sheet, tuple(columns))


def _column(item: Any, number: int, source: str) -> Column:
    where = f"tệp bố cục {source}, cột {number}"
    if not isinstance(item, dict):
        raise LayoutError(f"{where}: cần dạng {{header: …, field: …}}")
    header, name = item.get("header"), item.get("field")
    if header is None or str(header).strip() == "":
        raise LayoutError(f"{where}: thiếu tiêu đề (header)")
    if name not in FIELDS:
        known = ", ".join(FIELDS)
        raise LayoutError(
            f"{where} («{header}»): trường «{name}» không có; dùng một trong: {known}"
        )
    subject = str(item.get("subject") or "").strip()
    if name in NEEDS_SUBJECT and not subject:
        raise LayoutError(f"{where} («{header}»): trường «{name}» cần mã môn (subject)")
    period = str(item.get("period") or "CN").strip().upper()
    if period not in PERIODS:
        raise LayoutError(f"{where} («{header}»): kì «{period}» không có; dùng CN, HK1 hoặc HK2")
    values = item.get("values") or {}
    if not isinstance(values, dict):
        raise LayoutError(f"{where} («{header}»): «values» cần dạng {{giá trị: thay bằng}}")
    width = item.get("width", DEFAULT_WIDTH)
    if isinstance(width, bool) or not isinstance(width, int | float) or not 1 <= width <= 100:
        raise LayoutError(f"{where} («{header}»): độ rộng «{width}» cần là số từ 1 đến 100")
    rewrite = {str(k): "" if v is None else str(v) for k, v in values.items()}
    return Column(str(header).strip(), name, subject, period, rewrite, float(width))


# --- the values -----------------------------------------------------------------------------------


def export_rows(
    setup: Setup, results: Mapping[str, Sequence[StudentResult]], layout: ExportLayout
) -> list[tuple[Value, ...]]:
    """A row per student of the setup (classes in setup order, roster order), a value per column
    of ``layout``; ``results``: class code → the class's results (a student without one has
    the identity columns only)."""
    rows = []
    number = 0
    for room in setup.secondary_classes:
        given = {r.code: r for r in results.get(room.code, ())}
        names = {s.code: s.name for s in setup.subjects_of_grade(room.grade)}
        for student in setup.students_of(room.code):
            number += 1
            row = _Row(
                number, student, room, given.get(student.code), names, setup.school.school_year
            )
            rows.append(tuple(_rewritten(column, _value(column, row)) for column in layout.columns))
    return rows


def _rewritten(column: Column, value: Value) -> Value:
    if isinstance(value, str) and value in column.values:
        return column.values[value] or None
    return value


def _value(column: Column, row: _Row) -> Value:
    student, result = row.student, row.result
    identity: dict[str, Callable[[], Value]] = {
        "number": lambda: row.number,
        "student_code": lambda: student.code,
        "full_name": lambda: student.full_name,
        "birth_date": lambda: student.birth_date.strftime("%d/%m/%Y"),
        "gender": lambda: student.gender.value,
        "class": lambda: row.room.code,
        "grade": lambda: row.room.grade,
        "school_year": lambda: row.school_year,
    }
    if column.field in identity:
        return identity[column.field]()
    if result is None:
        return None
    return _result_value(column, row, result)


def _result_value(column: Column, row: _Row, result: StudentResult) -> Value:
    half: SemesterResult = {"CN": result.year, "HK1": result.hk1, "HK2": result.hk2}[column.period]
    year, summer = result.year, result.year.summer
    name = column.field
    if name == "subject":
        if column.subject not in row.names:
            return None
        if column.subject in result.exempt:
            return EXEMPT
        return _subject_value(half.averages.get(column.subject))
    if name == "re_exam_score":
        return _subject_value(summer.re_exam.get(column.subject)) if summer else None
    if name in ("learning", "conduct"):
        level = half.learning if name == "learning" else half.conduct
        return level.value if level is not None else None
    if name.startswith("absent_"):
        return {
            "absent_excused": half.excused,
            "absent_unexcused": half.unexcused,
            "absent_total": half.absences,
        }[name]
    if name == "outcome":
        return year.outcome.value if year.outcome is not None else None
    if name == "re_exam_subjects":
        return ", ".join(row.names.get(code, code) for code in year.re_exam) or None
    if name == "re_exam_results":
        return re_exam_text(summer, row.names) or None
    if name in ("learning_after_summer", "conduct_after_summer"):
        level = None
        if summer is not None:
            level = summer.learning if name == "learning_after_summer" else summer.conduct
        return level.value if level is not None else None
    if name == "final_outcome":
        final = year.final
        return final.value if final is not None and final in FINAL else None
    assert name == "award", name
    return year.award.value if year.award is not None else None


def _subject_value(value: int | Comment | None) -> Value:
    if value is None:
        return None
    return result_text(value) if isinstance(value, Comment) else Score(value)


# --- the workbook ---------------------------------------------------------------------------------


def export_path(outbox: Path, setup: Setup) -> Path:
    """``<outbox>/exports/ket-qua-nam-hoc-2025-2026.xlsx``."""
    year = safe_stem(setup.school.school_year)
    return Path(outbox) / EXPORT_FOLDER / f"ket-qua-nam-hoc-{year}.xlsx"


def write_office_export(
    path: Path,
    setup: Setup,
    results: Mapping[str, Sequence[StudentResult]],
    layout: ExportLayout,
    chain_head: str = "",
) -> Path:
    """Write the export to ``path`` atomically: one sheet, headers in row 1 (frozen, with a
    filter), a row per student; codes as text, scores as numbers with one decimal."""
    rows = export_rows(setup, results, layout)
    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False}
        )
        wb.set_properties(
            {
                "title": f"Kết quả năm học {setup.school.school_year} – {setup.school.name}",
                "author": "workbook_engine",
                "comments": f"Mã kiểm tra sổ: {chain_head}" if chain_head else "",
            }
        )
        head = wb.add_format(
            {"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center", "border": 1}
        )
        text = wb.add_format({"num_format": "@"})
        score = wb.add_format({"num_format": "0.0"})
        count = wb.add_format({"num_format": "0"})
        ws = wb.add_worksheet(layout.sheet)
        for c, column in enumerate(layout.columns):
            ws.set_column(c, c, column.width)
            ws.write_string(0, c, column.header, head)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Score):
                    ws.write_number(r, c, value.tenths / 10, score)
                elif isinstance(value, int):
                    ws.write_number(r, c, value, count)
                else:
                    ws.write_string(r, c, value, text)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(1, len(rows)), len(layout.columns) - 1)
        wb.close()
    return Path(path)


def unknown_subjects(layout: ExportLayout, setup: Setup) -> list[str]:
    """The subject codes ``layout`` names that no grade of the setup has (their cells stay
    blank: a typing error the clerk should see)."""
    known = {s.code for s in setup.subjects}
    named = [c.subject for c in layout.columns if c.field in NEEDS_SUBJECT]
    return [code for code in dict.fromkeys(named) if code not in known]
