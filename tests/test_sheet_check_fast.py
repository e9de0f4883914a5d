"""The score cells are checked by the pandera schema's own checks run in a plain loop: the same
failures as ``schema.validate``, the same problems and values, and no DataFrame built."""

from __future__ import annotations

import warnings
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import OCTOBER
from tests.helpers import SCORE as SCORE_SHEET
from workbook_engine.io.kinds.values import COMMENT, SCORE
from workbook_engine.io.score_sheet import write_score_sheet
from workbook_engine.io.sheet_reader import read_filled_sheet
from workbook_engine.model import Setup
from workbook_engine.pipeline import sheet_check
from workbook_engine.pipeline.sheet_check import (
    SheetCheck,
    cell_failures,
    cell_schema,
    check_sheet,
    pandera_failures,
)
from workbook_engine.rules import AssessmentMode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pandera.pandas as pa

SECRET = b"C" * 32
TEXTS = [
    *(None, "8", "8,5", "8.5", " 9 ", "10", "0", "7.8000000001", "85", "-1", "10.1", "9.25"),
    *("8,75", "abc", "mười", "1,000", "Đ", "đạt", "CĐ", "cd", "Chưa đạt", "x", "vắng", "Ð"),
]


def schema_of(mode: AssessmentMode, columns: tuple[str, ...]) -> pa.DataFrameSchema:
    value = SCORE if mode is AssessmentMode.SCORE else COMMENT
    return cell_schema(tuple((c, value) for c in columns))


def _cells(columns: tuple[str, ...]) -> tuple[dict[str, list[str | None]], list[int]]:
    n = len(TEXTS)
    cells = {c: [TEXTS[(i + j * 5) % n] for i in range(n)] for j, c in enumerate(columns)}
    return cells, list(range(8, 8 + n))


@pytest.mark.parametrize("mode", list(AssessmentMode))
def test_the_loop_fails_exactly_the_cells_pandera_fails(mode: AssessmentMode) -> None:
    columns = ("TX1", "TX2", "GK", "CK")
    cells, index = _cells(columns)
    schema = schema_of(mode, columns)
    fast = cell_failures(schema, cells, index)
    assert fast, "the sample holds wrong cells for both modes"
    assert sorted(fast) == sorted(pandera_failures(schema, cells, index))


def test_the_schema_is_built_once_per_layout() -> None:
    columns = ("TX1", "GK", "CK")
    assert schema_of(AssessmentMode.SCORE, columns) is schema_of(AssessmentMode.SCORE, columns)
    assert schema_of(AssessmentMode.COMMENT, columns) is not schema_of(
        AssessmentMode.SCORE, columns
    )


def test_a_schema_with_a_column_wide_check_is_validated_by_pandera() -> None:
    columns = ("TX1", "GK")
    base = schema_of(AssessmentMode.SCORE, columns)
    whole = pa.Check(lambda s: s.notna(), ignore_na=False, name="filled")  # not element-wise
    schema = base.update_columns({"GK": {"checks": [*base.columns["GK"].checks, whole]}})
    cells, index = _cells(columns)
    failures = cell_failures(schema, cells, index)
    assert sorted(failures) == sorted(pandera_failures(schema, cells, index))
    empty = index[cells["GK"].index(None)]
    assert (empty, "GK", "None") in failures  # found by the column-wide check only


def _filled(tmp: Path, setup: Setup, subject: str, cells: dict[str, object]) -> Path:
    """The issued 6A1 sheet of ``subject`` filled by openpyxl, saved as its teacher."""
    assignment = next(
        a for a in setup.assignments if (a.class_code, a.subject_code) == ("6A1", subject)
    )
    issued = tmp / f"issued_{subject}.xlsx"
    write_score_sheet(issued, setup, assignment, 1, SECRET)
    book = openpyxl.load_workbook(issued)
    ws = book[SCORE_SHEET]
    for ref, value in cells.items():
        ws[ref] = value
    teacher = next(t for t in setup.teachers if t.code == assignment.teacher_code)
    book.properties.lastModifiedBy = teacher.usernames[0]
    target = tmp / f"filled_{subject}.xlsx"
    book.save(target)
    return target


SCORED = {
    **{"D8": 85, "E8": "abc", "F8": 9.25, "G8": -1, "H8": "8,75", "I8": "mười", "D9": "10.1"},
    **{"E9": "8,5", "F9": " 9 ", "G9": 7.8000000001, "H9": 10, "I9": 0, "D10": "7.25"},
}
COMMENTED = {"D8": "Đ", "E8": "cd", "F8": "Chưa đạt", "G8": "x", "D9": "đạt", "E9": "vắng"}


def _both_ways(sheet_path: Path, setup: Setup, monkeypatch: pytest.MonkeyPatch) -> tuple[
    SheetCheck, SheetCheck
]:  # fmt: skip
    sheet = read_filled_sheet(sheet_path)
    fast = check_sheet(sheet, setup, SECRET, OCTOBER)
    with monkeypatch.context() as m:
        m.setattr(sheet_check, "_element_checks", lambda schema: None)  # schema.validate only
        reference = check_sheet(sheet, setup, SECRET, OCTOBER)
    return fast, reference


@pytest.mark.parametrize(
    ("subject", "cells"), [("TOAN", SCORED), ("GDTC", COMMENTED)], ids=["score", "comment"]
)
def test_problems_and_values_are_those_of_schema_validate(
    tmp_path: Path,
    small_school: Setup,
    monkeypatch: pytest.MonkeyPatch,
    subject: str,
    cells: dict[str, object],
) -> None:
    path = _filled(tmp_path, small_school, subject, cells)
    fast, reference = _both_ways(path, small_school, monkeypatch)
    assert [str(p) for p in fast.report] == [str(p) for p in reference.report]
    assert [p.code for p in fast.report if p.code.startswith(("score", "comment"))]
    assert fast.values == reference.values and fast.values
    assert fast.notes == reference.notes


def test_the_fast_path_builds_no_dataframe(
    tmp_path: Path, small_school: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _filled(tmp_path, small_school, "TOAN", SCORED)
    sheet = read_filled_sheet(path)

    def no_frame(*args: object, **kwargs: object) -> None:
        raise AssertionError("a DataFrame was built")

    monkeypatch.setattr(sheet_check.pd, "DataFrame", no_frame)
    check = check_sheet(sheet, small_school, SECRET, OCTOBER)
    assert ("score-out-of-range", "D8") in [(p.code, f"{p.column}{p.row}") for p in check.report]
