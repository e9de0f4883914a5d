"""Issued sheets in a real spreadsheet program: LibreOffice recalculates the formulas we wrote,
and a sheet saved by LibreOffice keeps its roster, protection and identity.

One soffice run per module converts every file (LibreOffice recalculates formulas without a
cached value when it loads them).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import soffice_convert
from workbook_engine.io.class_sheets import write_attendance_sheet
from workbook_engine.io.identity import read_identity, verify_identity
from workbook_engine.io.score_sheet import write_score_sheet
from workbook_engine.model import Setup, Subject
from workbook_engine.rules import AssessmentMode, Comment, semester_average

pytestmark = pytest.mark.slow  # every test here opens LibreOffice

SECRET = b"L" * 32
Row = tuple[tuple[float | None, ...], float | None, float | None]

# (TX values, GK, CK) → ĐTBmhk worked out by hand: (ΣTX + 2·GK + 3·CK) / (n + 5), half up.
THREE_TX: list[tuple[Row, float | None]] = [
    (((6, 6, 6), 6.3, 7.0), 6.5),  # 51.6 / 8 = 6.45
    (((6, 6, 6), 6.2, 7.0), 6.4),  # 51.4 / 8 = 6.425
    (((8, 8.2, 8.2), 8.1, 8.2), 8.2),  # 65.2 / 8 = 8.15
    (((7.5, 8, 6.5), 7, 8.5), 7.7),  # 61.5 / 8 = 7.6875
    (((0.1, 0.2, 0.3), 0.4, 0.5), 0.4),  # 2.9 / 8 = 0.3625
    (((10, 10, 10), 10, 10), 10.0),
    (((0, 0, 0), 0, 0), 0.0),
    (((8, 8, None), 7, 7), None),  # TX3 missing
]
FOUR_TX: list[tuple[Row, float | None]] = [
    (((8, 7.5, 9, 6), 7.5, 8), 7.7),  # 69.5 / 9 = 7.72
    (((5, 5, 5, 5), 5, 5.1), 5.0),  # 45.3 / 9 = 5.03
    (((9.5, 9.5, 9.5, 9.5), 9.5, 9.6), 9.5),  # 85.8 / 9 = 9.53
    (((9, 9, 9, 9), 9, None), None),  # CK missing
]
TWO_TX: list[tuple[Row, float | None]] = [
    (((9, 8.5), 7, 6.5), 7.3),  # 51 / 7 = 7.29
    (((1, 2), 3, 4), 3.0),  # 21 / 7
]
FIVE_TX: list[tuple[Row, float | None]] = [  # 105 periods + study-topic cluster
    (((7, 7, 7, 7, 7), 7, 6.5), 6.9),  # 68.5 / 10 = 6.85
    (((6.4, 6.4, 6.4, 6.4, 6.4), 6.4, 6.5), 6.4),  # 64.3 / 10 = 6.43
]
COMMENTED: list[tuple[tuple[str | None, ...], str | None]] = [
    (("Đ", "Đ", "Đ", "Đ"), "Đ"),
    (("Đ", "CĐ", "Đ", "Đ"), "CĐ"),
    (("CĐ", "CĐ", "CĐ", "CĐ"), "CĐ"),
    (("Đ", "Đ", "Đ", None), None),  # incomplete: left blank while the teacher is entering
]
SCORED = {"cn8": THREE_TX, "toan6": FOUR_TX, "gdcd6": TWO_TX, "toan7": FIVE_TX}
# file key → (class, subject)
SHEETS = {
    "cn8": ("8A1", "CN"),
    "toan6": ("6A1", "TOAN"),
    "gdcd6": ("6A1", "GDCD"),
    "toan7": ("7A1", "TOAN"),
    "gdtc6": ("6A1", "GDTC"),
}


def school(small_school: Setup) -> Setup:
    topic = Subject(7, "TOAN", "Toán", 105, AssessmentMode.SCORE, study_topic=True)
    others = tuple(s for s in small_school.subjects if (s.grade, s.code) != (7, "TOAN"))
    return replace(small_school, subjects=(*others, topic))


def fill(path: Path, target: Path, rows: list[list[float | str | None]]) -> None:
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    for r, values in enumerate(rows, start=8):
        for c, value in enumerate(values, start=4):
            ws.cell(r, c, value)
    book.save(target)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, small_school: Setup) -> dict[str, Path]:
    setup = school(small_school)
    work = tmp_path_factory.mktemp("issued")
    sources: dict[str, Path] = {}
    for key, (class_code, subject) in SHEETS.items():
        assignment = next(
            a for a in setup.assignments if (a.class_code, a.subject_code) == (class_code, subject)
        )
        blank = work / f"blank_{key}.xlsx"
        write_score_sheet(blank, setup, assignment, 1, SECRET)
        rows: list[list[float | str | None]]
        if key == "gdtc6":
            rows = [list(values) for values, _ in COMMENTED]
        else:
            rows = [[*tx, gk, ck] for (tx, gk, ck), _ in SCORED[key]]
        sources[key] = work / f"filled_{key}.xlsx"
        fill(blank, sources[key], rows)
        sources[f"blank_{key}"] = blank
    attendance = work / "blank_attendance.xlsx"
    write_attendance_sheet(attendance, setup, "6A1", 1, 2025, 9, SECRET)
    sources["blank_attendance"] = attendance
    sources["attendance"] = work / "filled_attendance.xlsx"
    book = openpyxl.load_workbook(attendance)
    ws = book.worksheets[0]
    ws["H8"], ws["I8"], ws["K8"], ws["K9"] = "P", "K", "P", "K"  # 5, 6, 8 September
    book.save(sources["attendance"])

    out = tmp_path_factory.mktemp("libreoffice")
    outputs = soffice_convert(list(sources.values()), out)
    return dict(zip(sources, outputs, strict=True))


def computed(path: Path, column: str, count: int) -> list[object]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return [ws[f"{column}{row}"].value for row in range(8, 8 + count)]


def blank_to_none(values: list[object]) -> list[object]:
    return [None if v == "" else v for v in values]


@pytest.mark.parametrize(
    ("key", "column"), [("cn8", "I"), ("toan6", "J"), ("gdcd6", "H"), ("toan7", "K")]
)
def test_libreoffice_average_matches_the_rules(
    converted: dict[str, Path], key: str, column: str
) -> None:
    cases = SCORED[key]
    got = blank_to_none(computed(converted[key], column, len(cases)))
    assert got == [expected for _, expected in cases]

    def tenths(v: float | None) -> int | None:
        return None if v is None else round(v * 10)

    for ((tx, gk, ck), _), value in zip(cases, got, strict=True):
        rules = semester_average([tenths(v) for v in tx], tenths(gk), tenths(ck), len(tx))
        assert value == (None if rules is None else rules / 10)


def test_libreoffice_commented_result(converted: dict[str, Path]) -> None:
    got = blank_to_none(computed(converted["gdtc6"], "H", len(COMMENTED)))
    assert got == [expected for _, expected in COMMENTED]
    assert got[:3] == [Comment.D.value, Comment.CD.value, Comment.CD.value]


def test_libreoffice_attendance_totals(converted: dict[str, Path]) -> None:
    assert computed(converted["attendance"], "AH", 3) == [2, 0, 0]
    assert computed(converted["attendance"], "AI", 3) == [1, 1, 0]


@pytest.mark.parametrize(
    ("key", "editable"), [("blank_toan6", "D8"), ("blank_gdtc6", "G8"), ("blank_attendance", "H8")]
)
def test_saved_by_libreoffice_the_sheet_stays_intact(
    converted: dict[str, Path], small_school: Setup, key: str, editable: str
) -> None:
    path = converted[key]
    ws = openpyxl.load_workbook(path).worksheets[0]
    students = small_school.students_of("6A1")
    roster = [(ws[f"B{r}"].value, ws[f"C{r}"].value) for r in range(8, 8 + len(students) + 1)]
    assert roster == [(s.code, s.full_name) for s in students] + [(None, None)]
    assert ws.protection.sheet is True
    assert not ws[editable].protection.locked and ws["C8"].protection.locked

    identity = read_identity(path)  # LibreOffice keeps the sheet, hidden (not very hidden)
    assert identity.student_codes == [s.code for s in students]
    assert verify_identity(identity, SECRET)
