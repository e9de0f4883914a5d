"""Check a filled score sheet against its signed identity, the setup and the calendar.

Cells are read as text with their Excel address kept, parsed by the rules module, then checked;
every failure becomes a located Vietnamese problem. All problems are collected.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from workbook_engine.deadlines import locked_since
from workbook_engine.errors import Problem, Report, make_problem
from workbook_engine.io.cells import column_letter, format_date, normalize_text
from workbook_engine.io.identity import Identity, verify_identity
from workbook_engine.io.score_sheet import ScoreLayout, average_formula, result_formula
from workbook_engine.io.sheet_base import FIRST_ROW, HEADER_ROW, ROSTER_WIDTH
from workbook_engine.io.sheet_reader import FilledSheet, read_formulas
from workbook_engine.model import Setup, SheetKey, Subject
from workbook_engine.rules import (
    AssessmentMode,
    ScoreError,
    format_tenths,
    parse_comment,
    parse_score,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandera.pandas as pa


@cache
def score_sheet_rules() -> dict[str, Any]:
    text = (
        resources.files("workbook_engine.schemas").joinpath("score_sheet.yaml").read_text("utf-8")
    )
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


@dataclass
class SheetCheck:
    """The verdict on one filled sheet."""

    report: Report
    identity: Identity | None = None
    subject: Subject | None = None
    values: dict[tuple[str, str], str] = field(default_factory=dict)  # (student, column) → value
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> SheetKey | None:
        i = self.identity
        return SheetKey(i.class_code, i.subject_code, i.semester) if i else None

    @property
    def accepted(self) -> bool:
        return self.report.valid


def canonical_value(subject: Subject, text: str) -> str:
    """The stored spelling of a valid value: "8.5", "10.0", "Đ", "CĐ"."""
    if subject.mode is AssessmentMode.SCORE:
        tenths = parse_score(text)
        assert tenths is not None
        return format_tenths(tenths, ".")
    comment = parse_comment(text)
    assert comment is not None
    return comment.value


def parse_error(subject: Subject, text: str) -> ScoreError | None:
    return _mode_error(subject.mode, text)


def _mode_error(mode: AssessmentMode, text: str) -> ScoreError | None:
    try:
        if mode is AssessmentMode.SCORE:
            parse_score(text)
        else:
            parse_comment(text)
    except ScoreError as exc:
        return exc
    return None


def _valid_score(text: object) -> bool:
    return _mode_error(AssessmentMode.SCORE, str(text)) is None


def _valid_comment(text: object) -> bool:
    return _mode_error(AssessmentMode.COMMENT, str(text)) is None


@cache
def cell_schema(mode: AssessmentMode, columns: tuple[str, ...]) -> pa.DataFrameSchema:
    """The rule for the assessment cells (read as text): every filled cell parses as a score,
    or as a comment. The single declaration of the rule; built once per (mode, columns)."""
    scored = mode is AssessmentMode.SCORE
    valid = pa.Check(
        _valid_score if scored else _valid_comment,
        element_wise=True,
        ignore_na=True,
        name="score" if scored else "comment",
    )
    return pa.DataFrameSchema(
        {col: pa.Column(object, nullable=True, checks=[valid]) for col in columns},
        strict=True,
        coerce=False,
    )


class _Checker:
    def __init__(self, sheet: FilledSheet, setup: Setup, file: str) -> None:
        self.sheet, self.setup, self.file = sheet, setup, file
        self.check = SheetCheck(report=Report(), identity=sheet.identity)

    def add(self, code: str, *, row: int | None = None, col: int | None = None, **v: Any) -> None:
        identity = self.sheet.identity
        title = ""
        if col is not None and identity is not None:
            rules = score_sheet_rules()
            result = "ĐTBmhk / Kết quả"
            titles = [*rules["roster_headers"], *identity.columns, result, rules["note"]["header"]]
            title = titles[col] if col < len(titles) else ""
        self.check.report.add(
            make_problem(
                code,
                file=self.file,
                sheet=identity.sheet if identity and row is not None else "",
                row=row,
                letter=column_letter(col) if col is not None else "",
                column_title=title,
                **v,
            )
        )


def identity_problem(sheet: FilledSheet, setup: Setup, secret: bytes) -> Problem | None:
    """Why the sheet is not a genuine, current sheet of this school, or None when it is."""
    identity, name = sheet.identity, sheet.name
    if identity is None:
        return make_problem("template-missing", file=name)
    if not verify_identity(identity, secret):
        return make_problem("template-tampered", file=name)
    if identity.template_version not in score_sheet_rules()["supported_template_versions"]:
        return make_problem("template-version", file=name, value=identity.template_version)
    school = setup.school
    if (identity.school_code, identity.school_year) != (school.code, school.school_year):
        return make_problem(
            "template-other-school",
            file=name,
            value=f"{identity.school_code} năm học {identity.school_year}",
            expected=f"{school.code} năm học {school.school_year}",
        )
    return None


def check_score_sheet(
    sheet: FilledSheet,
    setup: Setup,
    secret: bytes,
    today: date,
    folder_teacher: str | None = None,
    manual_lock: tuple[str, str, str] | None = None,
) -> SheetCheck:
    """Every problem of one filled sheet, and its values when the sheet can be trusted."""
    c = _Checker(sheet, setup, sheet.name)
    identity = sheet.identity
    problem = identity_problem(sheet, setup, secret)
    if problem is not None:
        c.check.report.add(problem)
        return c.check
    assert identity is not None
    if identity.kind != "score":
        c.add("sheet-kind-unsupported", value=identity.kind)
        return c.check
    _check_people(c, identity, folder_teacher)
    since = locked_since(setup, identity.semester, today, manual_lock)
    if since is not None:
        c.add("period-locked", semester=identity.semester, start=format_date(since))
    if not sheet.sheet_found:
        c.check.report.add(make_problem("sheet-missing", file=sheet.name, sheet=identity.sheet))
        return c.check
    room = setup.find_class(identity.class_code)
    if room is None:
        return c.check  # reported as not assigned
    c.check.subject = setup.subject(room.grade, identity.subject_code)
    _check_headers(c, identity)
    _check_roster(c, identity)
    _check_cells(c, identity, c.check.subject)
    _check_formulas(c, identity, c.check.subject)
    _check_notes(c, identity)
    return c.check


def _check_people(c: _Checker, identity: Identity, folder_teacher: str | None) -> None:
    setup = c.setup
    if folder_teacher is not None and folder_teacher != identity.teacher_code:
        c.add("teacher-folder-mismatch", teacher=identity.teacher_code, folder=folder_teacher)
    assigned = setup.is_assigned(identity.teacher_code, identity.class_code, identity.subject_code)
    if not assigned:
        c.add(
            "not-assigned",
            teacher=identity.teacher_code,
            subject=identity.subject_code,
            class_code=identity.class_code,
        )
    teacher = setup.find_teacher(identity.teacher_code)
    saved_by = c.sheet.saved_by
    if teacher is not None and not saved_by:
        c.add("saved-by-unknown", teacher=teacher.code)
    elif teacher is not None and setup.teacher_for_username(saved_by) != teacher:
        c.add("saved-by-other", value=saved_by, teacher=teacher.code)


def _check_headers(c: _Checker, identity: Identity) -> None:
    expected = [*score_sheet_rules()["roster_headers"], *identity.columns]
    for col, title in enumerate(expected):
        found = c.sheet.text(HEADER_ROW, col) or ""
        if normalize_text(found) != title:
            c.add("column-changed", row=HEADER_ROW + 1, col=col, value=found, expected=title)


def _check_roster(c: _Checker, identity: Identity) -> None:
    for i, (code, name) in enumerate(identity.students):
        row = FIRST_ROW + i
        found_code = c.sheet.text(row, 1) or ""
        found_name = normalize_text(c.sheet.text(row, 2) or "")
        if not found_code and not found_name:
            c.add("roster-row-removed", row=row + 1, col=1, expected=f"{code} {name}")
        elif (found_code, found_name) != (code, name):
            c.add(
                "roster-changed",
                row=row + 1,
                col=1 if found_code != code else 2,
                expected=f"«{code} {name}»",
                value=f"«{found_code} {found_name}»",
            )
    extra_from = FIRST_ROW + len(identity.students)
    for row in range(extra_from, len(c.sheet.rows)):
        found = [c.sheet.text(row, col) for col in range(1, ROSTER_WIDTH)]
        if any(found):
            c.add("roster-row-added", row=row + 1, col=1, value=" ".join(filter(None, found)))


Cells = dict[str, list[str | None]]  # column → text of each row, in row order
Failure = tuple[int, str, str]  # (row index, column, text)


def _element_checks(schema: pa.DataFrameSchema) -> list[tuple[str, Callable[[Any], Any]]] | None:
    """(column, check function) of each check of ``schema`` when validating text cells with it
    means exactly: every non-empty cell passes every check (element-wise, NA ignored, all
    failures kept, nullable ``object`` columns, no table-wide checks); otherwise None."""
    table = schema.checks or schema.unique or schema.index is not None or schema.coerce
    if table or schema.drop_invalid_rows or getattr(schema, "parsers", None):
        return None
    found: list[tuple[str, Callable[[Any], Any]]] = []
    for name, column in schema.columns.items():
        plain = column.nullable and str(column.dtype) == "object" and not column.unique
        if not plain or column.regex or column.coerce or getattr(column, "parsers", None):
            return None
        for check in column.checks:
            simple = check.element_wise and check.ignore_na and check.groupby is None
            if not simple or check.n_failure_cases is not None or check.raise_warning:
                return None
            found.append((name, partial(check._check_fn, **check._check_kwargs)))
    return found


def cell_failures(schema: pa.DataFrameSchema, cells: Cells, index: list[int]) -> list[Failure]:
    """(index, column, text) of every cell of ``cells`` that ``schema`` rejects.

    The schema's own element-wise checks run in a plain loop; pandera validates a DataFrame
    only for a schema whose checks are not all element-wise (:func:`pandera_failures`).
    """
    checks = _element_checks(schema)
    if checks is None:
        return pandera_failures(schema, cells, index)
    failures: list[Failure] = []
    for column, check in checks:
        failures += [
            (i, column, text)
            for i, text in zip(index, cells[column], strict=True)
            if text is not None and not check(text)
        ]
    return failures


def pandera_failures(schema: pa.DataFrameSchema, cells: Cells, index: list[int]) -> list[Failure]:
    """:func:`cell_failures` by ``schema.validate`` on a DataFrame (the reference path)."""
    frame = pd.DataFrame(cells, index=index, columns=list(cells), dtype=object).astype(object)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return [
            (int(case.index), str(case.column), str(case.failure_case))
            for case in exc.failure_cases.itertuples(index=False)
        ]
    return []


def _check_cells(c: _Checker, identity: Identity, subject: Subject) -> None:
    exempt = set(identity.exempt)
    rows = {FIRST_ROW + i: code for i, code in enumerate(identity.student_codes)}
    open_rows = [r for r, code in rows.items() if code not in exempt]
    for r, code in rows.items():
        if code in exempt:
            for j in range(len(identity.columns)):
                text = c.sheet.text(r, ROSTER_WIDTH + j)
                if text:
                    c.add("exempt-cell-filled", row=r + 1, col=ROSTER_WIDTH + j, student=code,
                          value=text)  # fmt: skip
    columns = list(identity.columns)
    cells: Cells = {
        name: [c.sheet.text(r, ROSTER_WIDTH + j) for r in open_rows]
        for j, name in enumerate(columns)
    }
    excel_rows = [r + 1 for r in open_rows]
    schema = cell_schema(subject.mode, tuple(columns))
    failures: list[tuple[int, int, str, str]] = []  # (excel row, col, code, text)
    for excel_row, column, text in cell_failures(schema, cells, excel_rows):
        error = parse_error(subject, text)
        if error is not None:
            failures.append((excel_row, ROSTER_WIDTH + columns.index(column), error.code, text))
    for excel_row, col, code, text in sorted(failures):  # row by row, as the teacher reads
        c.add(code, row=excel_row, col=col, value=text)
    bad = {(r, col) for r, col, _, _ in failures}
    canonical: dict[str, str] = {}  # the same few spellings recur on every row
    for i, excel_row in enumerate(excel_rows):
        student = rows[excel_row - 1]
        for j, column in enumerate(columns):
            value = cells[column][i]
            if value is not None and (excel_row, ROSTER_WIDTH + j) not in bad:
                if value not in canonical:
                    canonical[value] = canonical_value(subject, value)
                c.check.values[(student, column)] = canonical[value]


def _formula_key(text: str) -> str:
    return "".join(text.split()).upper()


def _check_formulas(c: _Checker, identity: Identity, subject: Subject) -> None:
    """The computed column must still hold the issued formula on every open row."""
    source = c.sheet.content or c.sheet.path
    if not source:
        return
    layout = ScoreLayout(len(identity.columns) - 2)  # as issued: TX1..TXn, GK, CK
    rows = range(FIRST_ROW, FIRST_ROW + len(identity.students))
    found = read_formulas(source, identity.sheet, layout.result, rows)
    scored = subject.mode is AssessmentMode.SCORE
    exempt = set(identity.exempt)
    for row, code in zip(rows, identity.student_codes, strict=True):
        if code in exempt:
            continue
        expected = average_formula(row, layout) if scored else result_formula(row, layout)
        formula = found.get(row)
        if formula is None or _formula_key(formula) != _formula_key(expected):
            typed = formula or c.sheet.text(row, layout.result) or "trống"
            c.add("formula-changed", row=row + 1, col=layout.result, value=typed)


def _check_notes(c: _Checker, identity: Identity) -> None:
    limit = int(score_sheet_rules()["note"]["max_length"])
    note_col = ROSTER_WIDTH + len(identity.columns) + 1
    for i, code in enumerate(identity.student_codes):
        text = c.sheet.text(FIRST_ROW + i, note_col)
        if not text:
            continue
        if len(text) > limit:
            c.add("note-too-long", row=FIRST_ROW + i + 1, col=note_col, value=len(text), high=limit)
        else:
            c.check.notes[code] = text
