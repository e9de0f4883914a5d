"""Check a filled per-student sheet of any kind against its signed identity, its kind's spec,
the setup and the calendar.

Cells are read as text with their Excel address kept and checked against the value types of the
kind's columns (a pandera schema built from the spec, run through its element-wise checks);
every failure becomes a located Vietnamese problem. All problems are collected. No I/O here but
the formula column read from the bytes already in memory.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from typing import Any
from xml.parsers.expat import ExpatError

import pandas as pd

from workbook_engine.deadlines import locked_since
from workbook_engine.errors import Problem, Report, make_problem
from workbook_engine.io.cells import column_letter, format_date, normalize_text
from workbook_engine.io.formulas import range_bounds, scan_sheet
from workbook_engine.io.identity import Identity, verify_identity
from workbook_engine.io.kinds import KINDS, CellError, Layout, SheetKind, ValueType
from workbook_engine.io.kinds.values import COMMENT, SCORE, sheet_rules
from workbook_engine.io.sheet_base import FIRST_ROW, HEADER_ROW, ROSTER_WIDTH
from workbook_engine.io.sheet_reader import FilledSheet
from workbook_engine.model import Setup, SheetKey, Subject
from workbook_engine.pipeline.roster_change import roster_problems
from workbook_engine.rules import AssessmentMode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandera.pandas as pa


@dataclass
class SheetCheck:
    """The verdict on one filled sheet."""

    report: Report
    identity: Identity | None = None
    kind: SheetKind | None = None
    layout: Layout | None = None  # set once the sheet can be read cell by cell
    values: dict[tuple[str, str], str] = field(default_factory=dict)  # (student, column) → value
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> SheetKey | None:
        i = self.identity
        if i is None:
            return None
        return self.kind.ledger_key(i) if self.kind else SheetKey(i.class_code, i.subject_code,
                                                                  i.semester)  # fmt: skip

    @property
    def accepted(self) -> bool:
        return self.report.valid


def value_type(subject: Subject) -> ValueType:
    return SCORE if subject.mode is AssessmentMode.SCORE else COMMENT


def canonical_value(subject: Subject, text: str) -> str:
    """The stored spelling of a valid value: "8.5", "10.0", "Đ", "CĐ"."""
    return value_type(subject).parse(text)


def parse_error(subject: Subject, text: str) -> CellError | None:
    return value_type(subject).error(text)


@cache
def cell_schema(columns: tuple[tuple[str, ValueType], ...]) -> pa.DataFrameSchema:
    """The rule for the input cells (read as text): every filled cell parses as its column's
    value type. The single declaration of the rule; built once per layout."""
    return pa.DataFrameSchema(
        {
            key: pa.Column(
                object,
                nullable=True,
                checks=[
                    pa.Check(value.is_valid, element_wise=True, ignore_na=True, name=value.name)
                ],
            )
            for key, value in columns
        },
        strict=True,
        coerce=False,
    )


class _Checker:
    def __init__(self, sheet: FilledSheet, setup: Setup, file: str) -> None:
        self.sheet, self.setup, self.file = sheet, setup, file
        self.check = SheetCheck(report=Report(), identity=sheet.identity)

    def problem(
        self, code: str, *, row: int | None = None, col: int | None = None, **v: Any
    ) -> Problem:
        """A catalogue problem located in this sheet (row 1-based, col 0-based)."""
        identity = self.sheet.identity
        title = ""
        if col is not None:
            layout = self.check.layout
            titles = [*sheet_rules()["roster_headers"],
                      *(c.title for c in (layout.columns if layout else ()))]  # fmt: skip
            title = normalize_text(titles[col]) if col < len(titles) else ""
        return make_problem(
            code,
            file=self.file,
            sheet=identity.sheet if identity and row is not None else "",
            row=row,
            letter=column_letter(col) if col is not None else "",
            column_title=title,
            **v,
        )


def identity_problem(sheet: FilledSheet, setup: Setup, secret: bytes) -> Problem | None:
    """Why the sheet is not a genuine, current sheet of this school, or None when it is."""
    identity, name = sheet.identity, sheet.name
    if identity is None:
        return make_problem("template-missing", file=name)
    if not verify_identity(identity, secret):
        return make_problem("template-tampered", file=name)
    if identity.template_version not in sheet_rules()["supported_template_versions"]:
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


def check_sheet(
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
    kind = KINDS.get(identity.kind)
    if kind is None or not kind.per_student:
        c.check.report.add(c.problem("sheet-kind-unsupported", value=identity.kind))
        return c.check
    c.check.kind = kind
    c.check.report.extend(_check_people(c, kind, identity, folder_teacher))
    begins = next((t.start for t in setup.semesters if t.number == identity.semester), None)
    if begins is not None and today < begins:
        c.check.report.add(c.problem("semester-not-started", semester=identity.semester,
                                     start=format_date(begins)))  # fmt: skip
    since = locked_since(setup, identity.semester, today, manual_lock)
    if since is not None:
        c.check.report.add(
            c.problem("period-locked", semester=identity.semester, start=format_date(since))
        )
    if not sheet.sheet_found:
        c.check.report.add(make_problem("sheet-missing", file=sheet.name, sheet=identity.sheet))
        return c.check
    layout = c.check.layout = kind.layout(setup, identity)
    for check in (
        _check_title(c, kind, identity),
        _check_headers(c, layout),
        _check_roster(c, identity),
        roster_problems(setup, identity, c.problem, today),  # the roster changed since
        _check_cells(c, identity, layout),
        _check_values(c, kind, identity, layout),  # after the cells: reads their values
        _check_formulas(c, identity, layout),
    ):
        c.check.report.extend(check)  # each check yields its problems, in the sheet's order
    return c.check


def _check_people(
    c: _Checker, kind: SheetKind, identity: Identity, folder_teacher: str | None
) -> Iterator[Problem]:
    setup = c.setup
    if folder_teacher is not None and folder_teacher != identity.teacher_code:
        yield c.problem(
            "teacher-folder-mismatch", teacher=identity.teacher_code, folder=folder_teacher
        )
    refused = kind.fill_problem(setup, identity)
    if refused is not None:
        code, values = refused
        yield c.problem(code, **values)
    teacher = setup.find_teacher(identity.teacher_code)
    saved_by = c.sheet.saved_by
    if teacher is not None and not saved_by:
        yield c.problem("saved-by-unknown", teacher=teacher.code)
    elif teacher is not None and saved_by.casefold() not in {
        u.casefold() for u in teacher.usernames
    }:
        # evidence, not identity (shared PCs say "Admin"): refused only where the school says so
        strict = setup.school.strict_saved_by
        yield c.problem("saved-by-other-refused" if strict else "saved-by-other", value=saved_by,
              teacher=teacher.code)  # fmt: skip


def _check_title(c: _Checker, kind: SheetKind, identity: Identity) -> Iterator[Problem]:
    """The title block names what the identity says (a Ngữ văn sheet carrying the identity sheet
    of the class's Toán sheet is not Toán)."""
    expected = normalize_text(kind.header(c.setup, identity).title)
    found = normalize_text(c.sheet.text(0, 0) or "")
    if found.casefold() != expected.casefold():
        yield c.problem("title-mismatch", row=1, col=0, value=found or "trống", expected=expected)


def _check_headers(c: _Checker, layout: Layout) -> Iterator[Problem]:
    expected = [*sheet_rules()["roster_headers"], *(col.title for col in layout.columns)]
    for col, title in enumerate(expected):
        found = c.sheet.text(HEADER_ROW, col) or ""
        if normalize_text(found) != normalize_text(title):
            yield c.problem("column-changed", row=HEADER_ROW + 1, col=col, value=found,
                  expected=normalize_text(title))  # fmt: skip


def _check_roster(c: _Checker, identity: Identity) -> Iterator[Problem]:
    for i, (code, name) in enumerate(identity.students):
        row = FIRST_ROW + i
        found_code = c.sheet.text(row, 1) or ""
        found_name = normalize_text(c.sheet.text(row, 2) or "")
        if not found_code and not found_name:
            yield c.problem("roster-row-removed", row=row + 1, col=1, expected=f"{code} {name}")
        elif (found_code, found_name) != (code, name):
            yield c.problem(
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
            yield c.problem(
                "roster-row-added", row=row + 1, col=1, value=" ".join(filter(None, found))
            )


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


def _check_cells(c: _Checker, identity: Identity, layout: Layout) -> Iterator[Problem]:
    exempt = set(identity.exempt)
    rows = {FIRST_ROW + i: code for i, code in enumerate(identity.student_codes)}
    open_rows = [r for r, code in rows.items() if code not in exempt]
    inputs = [(ROSTER_WIDTH + i, column) for i, column in layout.inputs]
    for r, code in rows.items():
        for col, column in inputs:
            text = c.sheet.text(r, col)
            # an exempt row's comment cell holds the exemption's text as issued: never a value
            if text and code in exempt and column.stored and not column.holds_exempt_text:
                yield c.problem("exempt-cell-filled", row=r + 1, col=col, student=code, value=text)
            elif text and code not in exempt and not column.open:
                yield c.problem(column.closed, row=r + 1, col=col, value=text)
    checked = [(col, column) for col, column in inputs if column.open]
    cells: Cells = {
        column.key: [c.sheet.text(r, col) for r in open_rows] for col, column in checked
    }
    excel_rows = [r + 1 for r in open_rows]
    types = {column.key: column.value for _, column in checked if column.value is not None}
    schema = cell_schema(tuple(types.items()))
    where = {column.key: col for col, column in checked}
    failures: list[tuple[int, int, CellError]] = []  # (excel row, col, error)
    for excel_row, key, text in cell_failures(schema, cells, excel_rows):
        error = types[key].error(text)
        if error is not None:
            failures.append((excel_row, where[key], error))
    for excel_row, col, error in sorted(failures, key=lambda f: f[:2]):  # as the teacher reads
        yield c.problem(error.code, row=excel_row, col=col, **error.values)
    bad = {(r, col) for r, col, _ in failures}
    canonical: dict[tuple[str, str], str] = {}  # the same few spellings recur on every row
    for i, excel_row in enumerate(excel_rows):
        student = rows[excel_row - 1]
        for col, column in checked:
            text = cells[column.key][i]
            if text is None or (excel_row, col) in bad:
                continue
            if not column.stored:
                c.check.notes.setdefault(student, text)
                continue
            spelled = canonical.get((column.value.name, text)) if column.value else None
            if spelled is None and column.value is not None:
                spelled = canonical[(column.value.name, text)] = column.value.parse(text)
            c.check.values[(student, column.key)] = spelled or text


def _check_values(
    c: _Checker, kind: SheetKind, identity: Identity, layout: Layout
) -> Iterator[Problem]:
    """What the kind finds across a row's valid values (:meth:`SheetKind.value_problems`),
    each at its cell."""
    rows = {code: FIRST_ROW + i for i, code in enumerate(identity.student_codes)}
    for code, student, key, values in kind.value_problems(c.setup, identity, c.check.values):
        col = ROSTER_WIDTH + layout.index(key)
        yield c.problem(code, row=rows[student] + 1, col=col, **values)


def _formula_key(text: str) -> str:
    return "".join(text.split()).upper()


def _check_formulas(c: _Checker, identity: Identity, layout: Layout) -> Iterator[Problem]:
    """Every computed column must still hold the issued formula on every open row; no formula
    is typed into an input cell (its cached value would be taken for a score); no cells of the
    table are merged (one value would cover several)."""
    source = c.sheet.content or c.sheet.path
    computed = {ROSTER_WIDTH + i: col for i, col in enumerate(layout.columns) if col.formula}
    if not source:
        return
    rows = range(FIRST_ROW, FIRST_ROW + len(identity.students))
    try:
        scan = scan_sheet(source, identity.sheet, list(computed), rows)
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, ExpatError) as exc:
        # the values opened, the sheet XML does not (cut short, a DTD): answer, never raise
        yield c.problem("file-unreadable", detail=str(exc) or type(exc).__name__)
        return
    yield from _merged(c, scan.merged, rows, ROSTER_WIDTH + len(layout.columns))
    inputs = {ROSTER_WIDTH + i for i, _ in layout.inputs}
    for (row, col), formula in sorted(scan.anywhere.items()):
        if col in inputs:
            yield c.problem("formula-in-input", row=row + 1, col=col, value=formula or "=…")
    exempt = set(identity.exempt)
    for col, column in computed.items():
        assert column.formula is not None
        for row, code in zip(rows, identity.student_codes, strict=True):
            if code in exempt:
                continue
            formula = scan.formulas[col].get(row)
            if formula is None or _formula_key(formula) != _formula_key(column.formula(row)):
                typed = formula or c.sheet.text(row, col) or "trống"
                yield c.problem("formula-changed", row=row + 1, col=col, value=typed)


def _merged(c: _Checker, refs: tuple[str, ...], rows: range, width: int) -> Iterator[Problem]:
    """A merged range reaching into the table (its headings or student rows, its columns)."""
    for ref in refs:
        try:
            top, left, bottom, _ = range_bounds(ref)
        except ValueError:
            continue
        if bottom >= HEADER_ROW and top < rows.stop and left < width:
            yield c.problem("cells-merged", row=top + 1, col=left, value=ref)
