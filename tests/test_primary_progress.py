"""Issue 15, item 4: the progress report covers primary classes. At each assessment point due
(the calendar's GK/CK «Hạn nhập điểm», as for Circular 22), each subject teacher owes the levels
and the test score where one exists, the homeroom teacher the 15 qualities and competences;
listed like the secondary gaps, with the pupils still blank, and never an average or a ranking."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.test_primary_sheets import PUPILS, _school, _send, issued, school  # noqa: F401
from workbook_engine.model import (
    CalendarEvent,
    EventKind,
    Exemption,
    ExemptionScope,
    Setup,
    SheetKey,
)
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.progress_check import due_columns, gaps_closed, read_entries
from workbook_engine.progress import (
    Cells,
    missing_lines,
    month_key,
    point_due,
    primary_columns,
    pupils_missing_traits,
    school_progress,
    students_missing,
)
from workbook_engine.render.progress_report import write_progress
from workbook_engine.rules.primary import TRAITS

AFTER_CK1 = date(2026, 1, 20)  # both points of semester 1 due (GK 22/11/2025, CK 15/01/2026)


@pytest.fixture(scope="module")
def setup() -> Setup:
    return _school()


def _pupils(setup: Setup, class_code: str) -> list[str]:
    return [s.code for s in setup.students_of(class_code)]


# --- when a point is due: the same calendar rows as Circular 22's GK and CK ----------------------


def _only(setup: Setup, *events: CalendarEvent) -> Setup:
    return dataclasses.replace(setup, calendar=events)


@pytest.mark.parametrize(
    ("semester", "point", "calendar", "due"),
    [
        (1, "GK", "demo", date(2025, 11, 22)),  # the end of the HK1 GK window
        (1, "CK", "demo", date(2026, 1, 15)),  # the end of the HK1 CK window
        (2, "GK", "demo", date(2026, 4, 11)),
        (2, "CK", "demo", date(2026, 5, 28)),  # the year's end: the HK2 CK window
        (1, "GK", "none", date(2025, 11, 25)),  # mid-semester 11/11 + 14 days
        (1, "CK", "none", date(2026, 1, 31)),  # semester end 17/01 + 14 days
        (2, "CK", "none", date(2026, 6, 14)),  # 31/05 + 14
        (1, "GK", "no-column", date(2026, 1, 10)),  # a row without a column serves both
        (1, "CK", "no-column", date(2026, 1, 10)),
        (2, "GK", "no-column", date(2026, 4, 1)),
    ],
)
def test_when_a_primary_point_is_due(
    setup: Setup, semester: int, point: str, calendar: str, due: date
) -> None:
    plan = {
        "demo": setup,
        "none": _only(setup),
        "no-column": _only(
            setup,
            CalendarEvent(EventKind.DEADLINE, date(2025, 12, 1), date(2026, 1, 10), 1),
            CalendarEvent(EventKind.DEADLINE, date(2026, 3, 1), date(2026, 4, 1), 2),
        ),
    }[calendar]
    term = next(s for s in plan.semesters if s.number == semester)
    assert point_due(plan, term, point) == due


def test_a_point_is_gk_or_ck(setup: Setup) -> None:
    with pytest.raises(ValueError, match="GK or CK"):
        point_due(setup, setup.semesters[0], "TX1")


@pytest.mark.parametrize(
    ("grade", "subject", "semester", "point", "columns"),
    [
        (3, "TOAN", 1, "GK", ["MUC_GK"]),  # grade 3: no test mid-semester
        (3, "TOAN", 1, "CK", ["MUC_CK", "KT_CK"]),
        (4, "TOAN", 1, "GK", ["MUC_GK", "KT_GK"]),  # grades 4-5: TV and Toán mid-semester too
        (4, "TV", 2, "GK", ["MUC_GK", "KT_GK"]),
        (4, "KH", 1, "GK", ["MUC_GK"]),
        (4, "KH", 2, "CK", ["MUC_CK", "KT_CK"]),
        (2, "TOAN", 2, "CK", ["MUC_CK", "KT_CK"]),
        (2, "NN1", 2, "CK", ["MUC_CK"]),  # an elective in grade 2: no test owed
        (3, "DD", 2, "CK", ["MUC_CK"]),  # Đạo đức: never tested
    ],
)
def test_what_a_subject_teacher_owes_at_a_point(
    grade: int, subject: str, semester: int, point: str, columns: list[str]
) -> None:
    assert primary_columns(grade, subject, semester, point) == columns


# --- counting: hand-made values ------------------------------------------------------------------


def _values(setup: Setup) -> dict[tuple[SheetKey, str, str], str]:
    """4A1 Toán HK1: levels GK for all five; test GK for three, the fourth by a re-test only;
    3A1 traits GK1: the first pupil all 15, the second 14 (Yêu nước blank), the others none."""
    four, three = _pupils(setup, "4A1"), _pupils(setup, "3A1")
    toan = SheetKey("4A1", "TOAN", 1)
    values = {(toan, p, "MUC_GK"): "T" for p in four}
    values |= {(toan, p, "KT_GK"): "9" for p in four[:3]}
    values[(toan, four[3], "KTL_GK")] = "6"
    values[(toan, four[4], "NX_GK")] = "Cần cố gắng"  # a comment is not a level
    traits = SheetKey("3A1", "PCNL", 1)
    values |= {(traits, three[0], f"{t.code}_GK"): "T" for t in TRAITS}
    values |= {(traits, three[1], f"{t.code}_GK"): "Đ" for t in TRAITS[1:]}
    return values


def _subject(progress, class_code: str, subject: str):  # type: ignore[no-untyped-def]
    return next(
        s
        for t in progress.teachers
        for s in t.subjects
        if (s.class_code, s.subject_code) == (class_code, subject)
    )


def _homeroom(progress, class_code: str):  # type: ignore[no-untyped-def]
    return next(h for t in progress.teachers for h in t.homerooms if h.class_code == class_code)


@pytest.mark.parametrize(
    ("as_of", "column", "cells", "entered"),
    [
        (date(2025, 11, 22), "MUC_GK", Cells(0, 0), 5),  # due that day: required the day after
        (date(2025, 11, 23), "MUC_GK", Cells(5, 5), 5),
        (date(2025, 11, 23), "KT_GK", Cells(5, 4), 4),  # the re-test alone fills it
        (date(2025, 11, 23), "MUC_CK", Cells(0, 0), 0),  # the end of HK1 is not due yet
        (AFTER_CK1, "MUC_CK", Cells(5, 0), 0),
        (AFTER_CK1, "KT_CK", Cells(5, 0), 0),
    ],
)
def test_a_subject_teachers_cells_at_each_point(
    setup: Setup, as_of: date, column: str, cells: Cells, entered: int
) -> None:
    progress = school_progress(setup, as_of, _values(setup), set())
    line = _subject(progress, "4A1", "TOAN")
    (found,) = [c for c in line.columns if c.semester == 1 and c.column == column]
    assert (found.cells, found.entered, found.students) == (cells, entered, PUPILS)
    assert not any(c.column.startswith(("TX", "NX")) for c in line.columns)  # no C22, no comment


def test_the_pupils_still_blank_are_named(setup: Setup) -> None:
    values = _values(setup)
    progress = school_progress(setup, date(2025, 11, 23), values, set())
    line = _subject(progress, "4A1", "TOAN")
    (test,) = line.overdue
    assert test.title == "Giữa học kì I – điểm KT" and test.columns == ("KT_GK", "KTL_GK")
    assert students_missing(setup, line, test, values) == ["Học Sinh 4.5"]
    lines = missing_lines(progress, setup)
    assert any(
        "– 4A1 – Toán – Giữa học kì I – điểm KT: thiếu 1/5 ô (hạn 22/11/2025)" in x for x in lines
    )


def test_the_homeroom_teacher_owes_the_15_traits_and_no_conduct(setup: Setup) -> None:
    values = _values(setup)
    progress = school_progress(setup, date(2025, 11, 23), values, set())
    home = _homeroom(progress, "3A1")
    assert home.conduct == ()  # no Circular 22 conduct in primary
    assert [m.label for m in home.months] == ["09/2025", "10/2025"]  # attendance still owed
    (middle, end) = home.traits
    assert (middle.column, middle.cells, middle.entered) == ("PCNL_GK", Cells(75, 29), 29)
    assert (end.column, end.cells) == ("PCNL_CK", Cells(0, 0))
    assert home.overdue_traits == (middle,)
    assert home.cells == Cells(2 + 75, 0 + 29)  # two months not received, the traits
    names = pupils_missing_traits(setup, home, middle, values)
    assert names == [f"Học Sinh 3.{i}" for i in range(2, PUPILS + 1)]
    assert any(
        "– 3A1 – Phẩm chất, năng lực – Giữa học kì I: thiếu 46/75 ô (hạn 22/11/2025)" in x
        for x in missing_lines(progress, setup)
    )


def test_a_pupil_wholly_exempt_owes_nothing(setup: Setup) -> None:
    pupil = _pupils(setup, "3A1")[0]
    exempt = dataclasses.replace(
        setup, exemptions=(Exemption(pupil, "GDTC", ExemptionScope.WHOLE, "Khuyết tật"),)
    )
    line = _subject(school_progress(exempt, AFTER_CK1, {}, set()), "3A1", "GDTC")
    assert {c.cells for c in line.columns if c.semester == 1} == {Cells(PUPILS - 1, 0)}


def test_the_teacher_furthest_behind_comes_first(setup: Setup) -> None:
    """Every primary cell of semester 1 filled but one class's traits: its homeroom teacher is
    the only primary one behind."""
    values = dict(_values(setup))
    for room in ("3A1", "4A1"):
        grade = int(room[0])
        for a in (a for a in setup.assignments if a.class_code == room):
            for point in ("GK", "CK"):
                for col in primary_columns(grade, a.subject_code, 1, point):
                    for p in _pupils(setup, room):
                        values[(SheetKey(room, a.subject_code, 1), p, col)] = "T"
    for p in _pupils(setup, "4A1"):
        for point in ("GK", "CK"):
            for t in TRAITS:
                values[(SheetKey("4A1", "PCNL", 1), p, f"{t.code}_{point}")] = "T"
    received = {
        month_key(r, y, m, 1)
        for r in ("3A1", "4A1")
        for y, m in ((2025, 9), (2025, 10), (2025, 11), (2025, 12))
    }
    only = dataclasses.replace(
        setup,
        classes=tuple(c for c in setup.classes if c.grade < 6),
        assignments=tuple(a for a in setup.assignments if a.class_code in ("3A1", "4A1")),
    )
    progress = school_progress(only, AFTER_CK1, values, received)
    behind = [t for t in progress.teachers if t.cells.missing]
    home3 = only.class_by_code("3A1").homeroom_teacher
    assert behind and behind[0].code == home3
    assert [t.cells.missing for t in progress.teachers] == sorted(
        (t.cells.missing for t in progress.teachers), reverse=True
    )


# --- from the ledger: the report ---------------------------------------------------------------


def test_the_report_lists_primary_gaps_without_averages(
    school: tuple[Setup, Path],  # noqa: F811
) -> None:
    setup, root = school
    levels = {f"D{8 + i}": "T" for i in range(PUPILS)}
    outcome = _send(school, "4A1_TOAN_GK1.xlsx", {**levels, "E8": 7, "E9": 8, "F10": 9})
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    with Ledger.open(root / "data" / "ledger.sqlite") as ledger:
        written = write_progress(ledger, setup, root / "outbox", date(2025, 11, 24), pdf=False)
        entries = read_entries(ledger, setup)
    html = written[0].read_text(encoding="utf-8")
    assert '4A1</td><td class="text">Toán – Giữa học kì I – điểm KT' in html
    assert "Học Sinh 4.4, Học Sinh 4.5" in html  # the two without a test score
    assert "Phẩm chất, năng lực – Giữa học kì I" in html and "Lớp tiểu học" in html
    for word in ("Trung bình", "trung bình", "ĐTB", "TBm", "Xếp hạng", "xếp hạng", "Hạng"):
        assert word not in html
    gaps = openpyxl.load_workbook(written[1], read_only=True)["Chi tiết"]
    rows = [r for r in gaps.iter_rows(min_row=5, values_only=True) if r[2] == "4A1"]
    toan = [r for r in rows if str(r[3]).startswith("Toán")]
    assert [(r[3], r[5]) for r in toan] == [("Toán – Giữa học kì I – điểm KT", "2/5 ô")]
    # a lock of semester 1 as of that day would close these gaps; the monthly lock closes the
    # level and the test with its re-test
    closed = gaps_closed(setup, entries, date(2025, 11, 24), 1, "4A1", "TOAN")
    assert len(closed) == 1 and "điểm KT: thiếu 2/5 ô" in closed[0]
    progress = school_progress(setup, date(2025, 11, 24), entries.values, entries.received)
    due = due_columns(progress, 1, "4A1", "TOAN")
    assert due == {SheetKey("4A1", "TOAN", 1): (("MUC_GK", "KT_GK", "KTL_GK"), False)}
