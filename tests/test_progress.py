"""Entry progress (workbook_engine/progress.py): when each cell is due, hand-checked, and a
hand-made school with known gaps: a teacher two columns behind, a missing attendance month, a
late GK, a student wholly exempt."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.model import (
    ChangeRecord,
    Exemption,
    ExemptionScope,
    FileRecord,
    Setup,
    SheetKey,
)
from workbook_engine.pipeline.progress_check import Entries, calendar_locks
from workbook_engine.progress import (
    FILLED,
    Cells,
    FilledCells,
    class_order,
    column_due,
    missing_lines,
    month_key,
    school_progress,
    students_missing,
)


@pytest.fixture(scope="module")
def setup() -> Setup:
    """One grade-6 class of four; the second student wholly exempt from NN1."""
    base = build_demo_school(DemoOptions(classes_per_grade=1, grades=(6,), students_per_class=5))
    assert len(base.students_of("6A1")) == 4
    second = base.students_of("6A1")[1].code
    exempt = Exemption(second, "NN1", ExemptionScope.WHOLE, "Khuyết tật")
    return replace(base, exemptions=(exempt,))


# The demo calendar of 2025-2026: HK1 TX window 05/09/2025–15/01/2026 (132 days), GK window
# ends 22/11/2025, CK 15/01/2026; HK2 TX window 19/01–28/05/2026 (129 days). Without any window
# HK1 runs 05/09/2025–17/01/2026 (134 days) and a periodic score has 14 days.
@pytest.mark.parametrize(
    ("semester", "column", "tx_count", "calendar", "due"),
    [
        (1, "TX1", 4, True, date(2025, 10, 8)),  # 132 // 4 = 33 days
        (1, "TX2", 4, True, date(2025, 11, 10)),  # 66
        (1, "TX3", 4, True, date(2025, 12, 13)),  # 99
        (1, "TX4", 4, True, date(2026, 1, 15)),  # the window's end
        (1, "TX1", 2, True, date(2025, 11, 10)),  # 132 // 2 = 66
        (1, "GK", 4, True, date(2025, 11, 22)),
        (1, "CK", 4, True, date(2026, 1, 15)),
        (2, "TX1", 4, True, date(2026, 2, 20)),  # 129 // 4 = 32
        (1, "TX1", 4, False, date(2025, 10, 8)),  # 134 // 4 = 33
        (1, "GK", 4, False, date(2025, 11, 25)),  # 134 // 2 = 67 → 11/11, + 14
        (1, "CK", 4, False, date(2026, 1, 31)),  # 17/01 + 14
    ],
)
def test_when_a_column_is_due(
    setup: Setup, semester: int, column: str, tx_count: int, calendar: bool, due: date
) -> None:
    school = setup if calendar else replace(setup, calendar=())
    term = next(s for s in school.semesters if s.number == semester)
    assert column_due(school, term, column, tx_count) == due


def _values(setup: Setup) -> dict[tuple[SheetKey, str, str], str]:
    """NV: TX1, TX2, GK in for all; TOAN: only TX1 (two columns behind); NN1: all three in for
    the three who owe it (the exempt student's cell left blank)."""
    students = [s.code for s in setup.students_of("6A1")]
    exempt = students[1]
    values: dict[tuple[SheetKey, str, str], str] = {}
    for subject, columns in (("NV", ("TX1", "TX2", "GK")), ("TOAN", ("TX1",)),
                             ("NN1", ("TX1", "TX2", "GK"))):  # fmt: skip
        key = SheetKey("6A1", subject, 1)
        for code in students:
            if subject == "NN1" and code == exempt:
                continue
            for column in columns:
                values[(key, code, column)] = "8,5"
    return values


def _progress(setup: Setup, as_of: date, group: str | None = None):  # type: ignore[no-untyped-def]
    values = _values(setup)
    received = {month_key("6A1", 2025, 9, 1)}  # October never arrived
    late = {month_key("6A1", 2025, 9, 1)}  # September arrived after its deadline
    toan = SheetKey("6A1", "TOAN", 1)
    student = setup.students_of("6A1")[0].code
    pending = [ChangeRecord(1, 1, "f.xlsx", "2025-11-20T08:00:00", "GV006", toan, student, "TX1",
                            "8,5", "9,0", "pending")]  # fmt: skip
    gk_late = FileRecord(2, "ab", "6A1_NN1_HK1.xlsx", "GV007", "", "score", "6A1", "NN1", 1,
                         "2025-11-24T09:00:00", "accepted", True, [])  # fmt: skip
    on_time = replace(gk_late, id=3, subject_code="NV", late=False)
    return school_progress(setup, as_of, values, received, late, pending, [gk_late, on_time],
                           group)  # fmt: skip


def test_a_teacher_two_columns_behind_a_missing_month_and_a_late_gk(setup: Setup) -> None:
    progress = _progress(setup, date(2025, 11, 25))
    by = {t.code: t for t in progress.teachers}
    toan = by["GV006"].subjects[0]
    assert (toan.subject_code, toan.cells) == ("TOAN", Cells(required=12, filled=4))
    assert [c.column for c in toan.overdue] == ["TX2", "GK"]  # two columns behind
    assert [c.column for c in toan.columns if c.cells.required] == ["TX1", "TX2", "GK"]
    assert round(toan.cells.percent, 1) == 33.3
    assert toan.pending == 1 and toan.late_files == 0
    nn1 = by["GV007"].subjects[0]
    assert nn1.cells == Cells(required=9, filled=9)  # three owe it: the exempt one does not
    assert nn1.late_files == 1 and not nn1.overdue
    nv = by["GV005"].subjects[0]
    assert nv.cells == Cells(12, 12) and nv.late_files == 0
    homeroom = by[setup.class_by_code("6A1").homeroom_teacher].homerooms[0]
    assert [m.label for m in homeroom.months] == ["09/2025", "10/2025"]  # 11/2025: due 05/12
    assert [m.label for m in homeroom.missing_months] == ["10/2025"]
    assert [m.label for m in homeroom.late_months] == ["09/2025"]
    assert homeroom.conduct == ()  # due 31/01/2026
    # a comment subject (2 TX): TX1 due 10/11, GK 22/11; nothing in
    art = by["GV014"].subjects[0]
    assert art.subject_code == "NT" and art.cells == Cells(8, 0)
    # the furthest behind first: most cells missing
    missing = [t.cells.missing for t in progress.teachers]
    assert missing == sorted(missing, reverse=True)
    assert progress.teachers[-1].cells.missing == 0
    assert "GV005" in [t.code for t in progress.teachers if t.cells.missing == 0]


def test_the_located_lines_name_teacher_class_subject_column_and_deadline(setup: Setup) -> None:
    progress = _progress(setup, date(2025, 11, 25))
    lines = missing_lines(progress, setup)
    teacher = setup.teacher_by_code("GV006").full_name
    homeroom = setup.teacher_by_code(setup.class_by_code("6A1").homeroom_teacher).full_name
    assert f"{teacher} – 6A1 – Toán – HK1 – TX2: thiếu 4/4 ô (hạn 10/11/2025)" in lines
    assert f"{teacher} – 6A1 – Toán – HK1 – GK: thiếu 4/4 ô (hạn 22/11/2025)" in lines
    assert f"{homeroom} – 6A1 – điểm danh tháng 10/2025: chưa nhận (hạn 05/11/2025)" in lines
    assert not any("Ngữ văn" in line or ("TX1" in line and "Toán" in line) for line in lines)
    toan = next(t for t in progress.teachers if t.code == "GV006").subjects[0]
    gk = next(c for c in toan.columns if c.column == "GK")
    names = [s.full_name for s in setup.students_of("6A1")]
    assert students_missing(setup, toan, gk, _values(setup)) == names


def test_filled_cells_keep_which_cells_hold_a_value_and_nothing_else() -> None:
    a, b = SheetKey("6A1", "TOAN", 1), SheetKey("6A2", "TOAN", 1)
    values = {(a, "HS1", "TX1"): "8,5", (a, "HS2", "TX1"): "  ", (a, "HS2", "GK"): "7",
              (b, "HS1", "TX1"): "", (b, "HS9", "TX1"): "0"}  # fmt: skip
    cells = FilledCells.of(values)
    assert set(cells) == {(a, "HS1", "TX1"), (a, "HS2", "GK"), (b, "HS9", "TX1")}
    assert len(cells) == 3 and cells[a, "HS2", "GK"] == FILLED
    assert cells.get((a, "HS2", "TX1")) is None  # blanks are not a value
    assert cells.get((b, "HS1", "TX1")) is None and cells.get((a, "HS3", "TX1")) is None
    assert cells.get((b, "HS9", "GK")) is None and cells.get((a, "HS1", "CK")) is None
    assert cells.get((SheetKey("7A1", "TOAN", 1), "HS1", "TX1")) is None
    with pytest.raises(KeyError):
        cells[a, "HS2", "TX1"]


def test_progress_on_filled_cells_is_progress_on_the_values(setup: Setup) -> None:
    values = _values(setup)
    for day in (date(2025, 10, 9), date(2025, 11, 25), date(2026, 5, 30)):
        received = {month_key("6A1", 2025, 9, 1)}
        assert school_progress(setup, day, FilledCells.of(values), received) == school_progress(
            setup, day, values, received
        )
    toan = next(t for t in _progress(setup, date(2025, 11, 25)).teachers if t.code == "GV006")
    gk = next(c for c in toan.subjects[0].columns if c.column == "GK")
    assert students_missing(setup, toan.subjects[0], gk, FilledCells.of(values)) == [
        s.full_name for s in setup.students_of("6A1")
    ]


def test_a_cell_is_required_the_day_after_it_is_due(setup: Setup) -> None:
    def toan(day: date) -> Cells:
        line = next(t for t in _progress(setup, day).teachers if t.code == "GV006")
        return line.subjects[0].cells

    assert toan(date(2025, 10, 8)) == Cells(0, 0)  # TX1 due today: not yet required
    assert toan(date(2025, 10, 9)) == Cells(4, 4)
    assert toan(date(2025, 11, 10)) == Cells(4, 4)
    assert toan(date(2025, 11, 11)) == Cells(8, 4)  # TX2 now owed
    assert toan(date(2025, 9, 1)) == Cells(0, 0)  # before the year: nothing


def test_a_group_head_sees_the_teachers_of_their_group(setup: Setup) -> None:
    progress = _progress(setup, date(2025, 11, 25), group="Tổ Tự nhiên")
    groups = {setup.teacher_by_code(t.code).group for t in progress.teachers}
    assert groups == {"Tổ Tự nhiên"} and "GV006" in {t.code for t in progress.teachers}
    whole = _progress(setup, date(2025, 11, 25))
    named = [g for g in whole.groups() if g]
    assert named == sorted(named) and "Tổ Xã hội" in named
    assert list(whole.groups())[len(named) :] in ([], [""])  # no group: last
    assert sum(len(v) for v in whole.groups().values()) == len(whole.teachers)
    assert whole.classes()["6A1"] == whole.cells


def test_a_calendar_lock_is_announced_with_what_it_would_close_incomplete(setup: Setup) -> None:
    entries = Entries(_values(setup), {month_key("6A1", 2025, 9, 1)}, set(), [], [], "ab" * 32)
    assert calendar_locks(setup, entries, date(2025, 11, 25)) == []  # none within 14 days
    ((event, gaps),) = calendar_locks(setup, entries, date(2026, 1, 12))
    assert (event.semester, event.start) == (1, date(2026, 1, 24))  # the lock of semester 1
    teacher = setup.teacher_by_code("GV006").full_name
    # it starts after the semester's end: every cell of semester 1 is owed
    assert f"{teacher} – 6A1 – Toán – HK1 – CK: thiếu 4/4 ô (hạn 15/01/2026)" in gaps
    assert any("điểm danh tháng 12/2025: chưa nhận" in line for line in gaps)
    assert any("rèn luyện HK1: thiếu 4/4" in line for line in gaps)
    assert not any("HK2" in line for line in gaps)
    # in force: still listed, until it ends
    assert [e.start for e, _ in calendar_locks(setup, entries, date(2026, 3, 1))] == [
        date(2026, 1, 24)
    ]


@pytest.mark.parametrize(
    ("codes", "ordered"),
    [
        (["9A2", "6A1", "8A1", "7A2", "6A2"], ["6A1", "6A2", "7A2", "8A1", "9A2"]),
        (["6A10", "6A2", "6A1"], ["6A1", "6A2", "6A10"]),  # numbers as numbers
        (["10A1", "9A1", "12C3"], ["9A1", "10A1", "12C3"]),
        (["6b", "6A"], ["6A", "6b"]),  # letters whatever their case
    ],
)
def test_classes_are_listed_as_a_clerk_reads_them(codes: list[str], ordered: list[str]) -> None:
    assert sorted(codes, key=class_order) == ordered


def test_the_progress_by_class_lists_classes_in_that_order() -> None:
    """Teachers come furthest behind first (a 9th-grade teacher may come first): the table
    «Theo lớp» still starts with 6A1, whatever the teachers' order."""
    school = build_demo_school(DemoOptions(classes_per_grade=2, students_per_class=3))
    progress = school_progress(school, date(2025, 11, 25), {}, ())
    progress = replace(progress, teachers=tuple(reversed(progress.teachers)))
    listed = list(progress.classes())
    assert listed == sorted((c.code for c in school.classes), key=class_order)
    assert listed[:2] == ["6A1", "6A2"] and listed[-1] == "9A2"
