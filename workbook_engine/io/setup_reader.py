"""Read and check the school setup workbook (setup.xlsx).

Cells are read as values with python-calamine, turned into canonical text, checked sheet by sheet
with pandera schemas built from ``schemas/setup.yaml`` (references to other sheets included), and
then checked across sheets. Every problem is collected with its sheet, row and column.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from python_calamine import CalamineWorkbook

from workbook_engine.errors import Report, WorkbookEngineError, make_problem
from workbook_engine.io import cells
from workbook_engine.io.setup_checks import cross_check
from workbook_engine.io.sheetspec import ColumnSpec, SheetSpec, WorkbookSpec, setup_spec
from workbook_engine.model import (
    Assignment,
    CalendarEvent,
    ClassRoom,
    EventKind,
    Exemption,
    ExemptionScope,
    Gender,
    Movement,
    MovementKind,
    Role,
    SchoolInfo,
    SchoolLevel,
    Semester,
    Setup,
    Student,
    Subject,
    Teacher,
)
from workbook_engine.rules import AssessmentMode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandera.pandas as pa

HEADER_SCAN_ROWS = 10
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
MODES = {"Điểm số": AssessmentMode.SCORE, "Nhận xét": AssessmentMode.COMMENT}
LEVELS = frozenset(level.value for level in SchoolLevel)


class SetupError(WorkbookEngineError):
    """The setup workbook has errors; ``report`` lists them all, each with its catalogue code."""

    def __init__(self, report: Report) -> None:
        super().__init__(*report.problems)
        self.report = report
        self.args = (f"{len(report.errors)} lỗi trong tệp thiết lập",)


@dataclass
class Table:
    """One sheet's rows as canonical text, indexed by Excel row number (1-based)."""

    spec: SheetSpec
    frame: pd.DataFrame
    letters: dict[str, str]
    bad_rows: set[int] = field(default_factory=set)

    def good_rows(self) -> Iterable[tuple[int, dict[str, str | None]]]:
        rows: list[int] = self.frame.index.tolist()
        for row, values in zip(rows, self.frame.to_dict("records"), strict=True):
            if row not in self.bad_rows:
                yield row, {str(k): (None if pd.isna(v) else str(v)) for k, v in values.items()}


@dataclass
class _Context:
    file: str
    report: Report

    def problem(
        self, code: str, sheet: SheetSpec, row: int | None, col: ColumnSpec | None, /, **v: Any
    ) -> None:
        self.report.add(
            make_problem(
                code,
                file=self.file,
                sheet=sheet.name,
                row=row,
                letter=v.pop("letter", ""),
                column_title=col.header if col else "",
                **v,
            )
        )


# --- single values ------------------------------------------------------------------------------

CODE_EXPECTED = "chỉ gồm chữ cái không dấu, chữ số và các dấu - _ ."
TIME_EXPECTED = "giờ:phút, ví dụ 15:00"


def _in(values: Iterable[str]) -> Callable[[str], bool]:
    folded = {cells.fold(v) for v in values}
    return lambda text: cells.fold(text) in folded


def _in_range(col: ColumnSpec) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        number = cells.parse_int(text)
        if number is None:
            return True  # reported as not-an-integer
        low = col.min if col.min is not None else number
        high = col.max if col.max is not None else number
        return low <= number <= high

    return check


def value_checks(col: ColumnSpec) -> list[tuple[str, Callable[[str], bool], dict[str, Any]]]:
    """(catalogue code, predicate on the cell text, message values) for one column's type."""
    checks: list[tuple[str, Callable[[str], bool], dict[str, Any]]] = []
    allowed = ", ".join(col.values)
    if col.type == "code":
        checks.append(("value-bad-format", cells.is_code, {"expected": CODE_EXPECTED}))
    elif col.type == "int":
        checks.append(("value-not-integer", lambda t: cells.parse_int(t) is not None, {}))
        if col.min is not None or col.max is not None:
            bounds = {"low": col.min, "high": col.max if col.max is not None else "…"}
            checks.append(("value-out-of-range", _in_range(col), bounds))
    elif col.type == "date":
        checks.append(("value-not-date", lambda t: cells.parse_date(t) is not None, {}))
    elif col.type == "time":
        checks.append(
            (
                "value-bad-format",
                lambda t: cells.parse_time(t) is not None,
                {"expected": TIME_EXPECTED},
            )
        )
    elif col.type == "bool":
        checks.append(
            (
                "value-not-allowed",
                lambda t: cells.parse_bool(t) is not None,
                {"allowed": "Có, Không"},
            )
        )
    elif col.type == "enum":
        checks.append(("value-not-allowed", _in(col.values), {"allowed": allowed}))
    elif col.type == "list" and col.values:
        member = _in(col.values)
        checks.append(
            (
                "value-not-allowed",
                lambda t: all(member(p) for p in cells.split_list(t)),
                {"allowed": allowed},
            )
        )
    if col.pattern:
        pattern = re.compile(col.pattern)
        checks.append(
            ("value-bad-format", lambda t: bool(pattern.fullmatch(t)), {"expected": col.expected})
        )
    return checks


def canonical(col: ColumnSpec, text: str) -> str:
    """The spelling from the spec for an enum value typed in another case."""
    for value in col.values:
        if cells.fold(value) == cells.fold(text):
            return value
    return text


# --- reading ------------------------------------------------------------------------------------


def _find_header(rows: list[list[Any]], spec: SheetSpec) -> tuple[int, dict[str, int]]:
    """0-based header row and column key → 0-based column index, tolerant of moved rows."""
    wanted = {cells.fold(c.header): c.key for c in spec.columns}
    best: tuple[int, dict[str, int]] = (-1, {})
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for c, value in enumerate(row):
            text = cells.cell_text(value)
            key = wanted.get(cells.fold(text)) if text else None
            if key and key not in found:
                found[key] = c
        if len(found) > len(best[1]):
            best = (r, found)
    return best


def _read_table(rows: list[list[Any]], spec: SheetSpec, wb: WorkbookSpec, ctx: _Context) -> Table:
    header, found = _find_header(rows, spec)
    if header < 0:
        header = wb.header_row - 1
    for col in spec.columns:
        if col.key not in found:
            ctx.problem("column-missing", spec, header + 1, col, column=col.header)
    records: dict[int, dict[str, str | None]] = {}
    for r in range(header + 1, len(rows)):
        row = rows[r]
        values = {
            key: cells.cell_text(row[c]) if c < len(row) else None for key, c in found.items()
        }
        if any(v is not None for v in values.values()):
            records[r + 1] = values
    keys = [c.key for c in spec.columns]
    frame = pd.DataFrame.from_dict(records, orient="index", columns=keys, dtype=object)
    frame = frame.astype(object).where(frame.notna(), None)
    letters = {key: cells.column_letter(c) for key, c in found.items()}
    table = Table(spec=spec, frame=frame, letters=letters)
    if any(c.required and c.key not in found for c in spec.columns):
        table.bad_rows.update(records)  # rows cannot be built without a required column
    return table


def _schema(table: Table, refs: dict[str, set[str]]) -> pa.DataFrameSchema:
    columns: dict[str, pa.Column] = {}
    for col in table.spec.columns:
        if col.key not in table.letters:
            continue
        checks = [
            pa.Check(fn, element_wise=True, name=code, ignore_na=True)
            for code, fn, _ in value_checks(col)
        ]
        if col.references:
            known = refs.get(col.references, set())
            checks.append(
                pa.Check(lambda t, k=known: t in k, element_wise=True, name=col.on_unknown)
            )
        columns[col.key] = pa.Column(
            object,
            nullable=not col.required,
            unique=col.unique,
            report_duplicates="exclude_first",
            checks=checks,
        )
    together = [k for k in table.spec.unique_together if k in table.letters]
    return pa.DataFrameSchema(
        columns,
        unique=together or None,
        report_duplicates="exclude_first",
        coerce=False,
    )


def _validate(table: Table, refs: dict[str, set[str]], ctx: _Context) -> None:
    """Run the sheet's pandera schema and turn each failure case into a located problem."""
    spec, frame = table.spec, table.frame
    if frame.empty:
        return
    try:
        _schema(table, refs).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return
    messages = {
        (key, code): values
        for col in spec.columns
        for key, (code, _, values) in ((col.key, c) for c in value_checks(col))
    }
    duplicated: set[int] = set()
    for case in cases.itertuples(index=False):
        row = int(case.index) if case.index is not None and not pd.isna(case.index) else None
        if row is None:
            continue
        table.bad_rows.add(row)
        if case.check == "multiple_fields_uniqueness":
            if row not in duplicated:  # one failure case per column of the key
                duplicated.add(row)
                _duplicate_together(table, row, ctx)
            continue
        col = spec.column(str(case.column))
        letter = table.letters.get(col.key, "")
        value = case.failure_case
        if case.check == "not_nullable":
            first = frame.at[row, spec.columns[0].key]
            ctx.problem(col.required_code, spec, row, col, letter=letter, key=first or "")
        elif case.check == "field_uniqueness":
            same = frame.index[frame[col.key] == value]
            ctx.problem(
                "duplicate-key", spec, row, col, letter=letter, value=value, other_row=same[0]
            )
        else:
            extra = messages.get((col.key, str(case.check)), {})
            ctx.problem(str(case.check), spec, row, col, letter=letter, value=value, **extra)


def _duplicate_together(table: Table, row: int, ctx: _Context) -> None:
    keys = list(table.spec.unique_together)
    frame = table.frame
    mine = tuple(frame.loc[row, keys])
    same = [int(r) for r in frame.index if tuple(frame.loc[r, keys]) == mine]
    headers = " + ".join(table.spec.column(k).header for k in keys)
    ctx.problem(
        "duplicate-key",
        table.spec,
        row,
        None,
        letter=table.letters.get(keys[-1], ""),
        column=headers,
        value=" / ".join(str(v) for v in mine),
        other_row=same[0],
    )


def _read_fields(
    rows: list[list[Any]], spec: SheetSpec, ctx: _Context
) -> dict[str, tuple[str | None, int]]:
    """Key/value sheet: label in column A, value in column B. Returns key → (text, row)."""
    by_label = {cells.fold(c.header): c for c in spec.columns}
    found: dict[str, tuple[str | None, int]] = {}
    for r, row in enumerate(rows):
        label = cells.cell_text(row[0]) if row else None
        col = by_label.get(cells.fold(label)) if label else None
        if col and col.key not in found:
            found[col.key] = (cells.cell_text(row[1]) if len(row) > 1 else None, r + 1)
    for col in spec.columns:
        text, row_no = found.get(col.key, (None, None))
        if row_no is None:
            if col.required:
                ctx.problem("field-missing", spec, None, col, column=col.header)
            found[col.key] = (col.default, 0)
            continue
        if text is None:
            if col.required:
                ctx.problem("value-required", spec, row_no, col, letter="B")
            found[col.key] = (col.default, row_no)
            continue
        for code, fn, values in value_checks(col):
            if not fn(text):
                ctx.problem(code, spec, row_no, col, letter="B", value=text, **values)
                found[col.key] = (None, row_no)
                break
    return found


# --- building the model -------------------------------------------------------------------------


def _school(
    fields: dict[str, tuple[str | None, int]], spec: SheetSpec, ctx: _Context
) -> SchoolInfo:
    def text(key: str) -> str:
        return fields[key][0] or ""

    def number(key: str) -> int:
        value = cells.parse_int(text(key))
        return value if value is not None else int(spec.column(key).default or 0)

    year = text("school_year")
    if year and "-" in year:
        first, second = (int(p) for p in year.split("-"))
        if second != first + 1:
            col = spec.column("school_year")
            ctx.problem(
                "value-bad-format",
                spec,
                fields["school_year"][1],
                col,
                letter="B",
                value=year,
                expected=col.expected,
            )
    weekday = canonical(spec.column("tx_deadline_weekday"), text("tx_deadline_weekday"))
    level = canonical(spec.column("level"), text("level"))
    return SchoolInfo(
        name=text("name"),
        code=text("code"),
        authority=text("authority"),
        province=text("province"),
        school_year=year,
        principal=text("principal"),
        address=text("address"),
        max_absences=number("max_absences"),
        tx_deadline_weekday=WEEKDAYS.index(weekday) if weekday in WEEKDAYS else 5,
        tx_deadline_time=text("tx_deadline_time") or "15:00",
        periodic_entry_days=number("periodic_entry_days"),
        strict_saved_by=bool(cells.parse_bool(text("strict_saved_by"))),
        level=SchoolLevel(level) if level in LEVELS else SchoolLevel.SECONDARY,
        primary_level_score_warning=bool(cells.parse_bool(text("primary_level_score_warning"))),
    )


def _date(value: str | None) -> date:
    parsed = cells.parse_date(value or "")
    assert parsed is not None, "validated before"
    return parsed


def _int(value: str | None) -> int:
    parsed = cells.parse_int(value or "")
    assert parsed is not None, "validated before"
    return parsed


def _build(tables: dict[str, Table], school: SchoolInfo) -> Setup:
    t = tables
    sp = {key: table.spec for key, table in t.items()}
    return Setup(
        school=school,
        semesters=tuple(
            Semester(_int(v["number"]), _date(v["start"]), _date(v["end"]))
            for _, v in t["semesters"].good_rows()
        ),
        classes=tuple(
            ClassRoom(str(v["code"]), _int(v["grade"]), str(v["homeroom_teacher"]))
            for _, v in t["classes"].good_rows()
        ),
        students=tuple(
            Student(
                code=str(v["code"]),
                full_name=str(v["full_name"]),
                birth_date=_date(v["birth_date"]),
                gender=Gender(canonical(sp["students"].column("gender"), str(v["gender"]))),
                class_code=str(v["class_code"]),
            )
            for _, v in t["students"].good_rows()
        ),
        subjects=tuple(
            Subject(
                grade=_int(v["grade"]),
                code=str(v["code"]),
                name=str(v["name"]),
                periods_per_year=_int(v["periods_per_year"]),
                mode=MODES[canonical(sp["subjects"].column("mode"), str(v["mode"]))],
                study_topic=bool(cells.parse_bool(v["study_topic"])),
            )
            for _, v in t["subjects"].good_rows()
        ),
        teachers=tuple(
            Teacher(
                code=str(v["code"]),
                full_name=str(v["full_name"]),
                roles=tuple(
                    Role(canonical(sp["teachers"].column("roles"), r))
                    for r in cells.split_list(v["roles"])
                ),
                usernames=tuple(cells.split_list(v["usernames"])),
                group=v["group"] or "",
            )
            for _, v in t["teachers"].good_rows()
        ),
        assignments=tuple(
            Assignment(str(v["teacher_code"]), str(v["class_code"]), str(v["subject_code"]))
            for _, v in t["assignments"].good_rows()
        ),
        exemptions=tuple(
            Exemption(
                student_code=str(v["student_code"]),
                subject_code=str(v["subject_code"]),
                scope=ExemptionScope(canonical(sp["exemptions"].column("scope"), str(v["scope"]))),
                reason=v["reason"] or "",
            )
            for _, v in t["exemptions"].good_rows()
        ),
        calendar=tuple(
            CalendarEvent(
                kind=EventKind(canonical(sp["calendar"].column("kind"), str(v["kind"]))),
                start=_date(v["start"]),
                end=_date(v["end"]),
                semester=_int(v["semester"]) if v["semester"] else None,
                column=canonical(sp["calendar"].column("column"), v["column"] or ""),
                note=v["note"] or "",
            )
            for _, v in t["calendar"].good_rows()
        ),
        movements=tuple(
            Movement(
                student_code=str(v["student_code"]),
                kind=MovementKind(canonical(sp["movements"].column("kind"), str(v["kind"]))),
                effective=_date(v["effective"]),
                from_class=v["from_class"] or "",
                to_class=v["to_class"] or "",
                school=v["school"] or "",
                note=v["note"] or "",
            )
            for _, v in t["movements"].good_rows()
        ),
    )


# --- entry points -------------------------------------------------------------------------------


def check_setup(path: Path) -> tuple[Setup | None, Report]:
    """Read and check a setup workbook; the setup is returned only when it has no errors."""
    path = Path(path)
    ctx = _Context(file=path.name, report=Report())
    spec = setup_spec()
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for broken or non-xlsx files
        ctx.report.add(make_problem("file-unreadable", file=path.name, detail=str(exc)))
        return None, ctx.report
    by_name = {cells.fold(name): name for name in workbook.sheet_names}

    def rows_of(sheet: SheetSpec) -> list[list[Any]] | None:
        name = by_name.get(cells.fold(sheet.name))
        if name is None:
            if sheet.optional:
                return None
            ctx.report.add(make_problem("sheet-missing", file=path.name, sheet=sheet.name))
            return None
        return workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)

    fields: dict[str, tuple[str | None, int]] = {}
    tables: dict[str, Table] = {}
    refs: dict[str, set[str]] = {}
    for sheet in spec.sheets:
        rows = rows_of(sheet)
        if sheet.layout == "fields":
            fields = _read_fields(rows or [], sheet, ctx) if rows is not None else {}
            continue
        keys = [c.key for c in sheet.columns]
        empty = pd.DataFrame(columns=keys, dtype=object)
        if rows is None:
            tables[sheet.key] = Table(sheet, empty, {})
            continue
        tables[sheet.key] = _read_table(rows, sheet, spec, ctx)
    # Referenced sheets first: their values become the allowed sets of the others.
    for key, table in tables.items():
        for col in table.spec.columns:
            if col.key in table.letters:
                values = table.frame[col.key].dropna()
                refs[f"{key}.{col.key}"] = {str(v) for v in values}
    for table in tables.values():
        _validate(table, refs, ctx)
    if not fields:
        school_spec = spec.sheet("school")
        fields = {c.key: (c.default, 0) for c in school_spec.columns}
    school = _school(fields, spec.sheet("school"), ctx)
    setup = _build(tables, school)
    cross_check(setup, tables, ctx.problem)
    return (setup if ctx.report.valid else None), ctx.report


def load_setup(path: Path) -> Setup:
    """The checked setup, or :class:`SetupError` with every problem found."""
    setup, report = check_setup(path)
    if setup is None:
        raise SetupError(report)
    return setup
