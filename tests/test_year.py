"""Closing the school year and rolling it over (issue 14): ``next_setup`` on hand-made schools;
``wbe year close`` refused until every class's final results are approved as they stand, then
every file refused with ``year-closed``; ``wbe year new`` on the demo's closed year."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import School
from tests.test_books_attendance import pdf_text
from workbook_engine.cli import app
from workbook_engine.demo.run import RESULTS_DAY, DemoResult
from workbook_engine.errors import WorkbookEngineError
from workbook_engine.io.correction_sheet import CORRECTION_SHEET, correction_sheet_name
from workbook_engine.io.setup_reader import check_setup
from workbook_engine.model import (
    Assignment,
    CalendarEvent,
    ClassRoom,
    EventKind,
    Exemption,
    ExemptionScope,
    Gender,
    Role,
    SchoolInfo,
    Semester,
    Setup,
    SheetKey,
    Student,
    Subject,
    Teacher,
)
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ingest import Outcome, Status
from workbook_engine.pipeline.ledger import Ledger, YearClosed
from workbook_engine.pipeline.pins import set_pin
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.pipeline.year import close_year, final_outcomes, is_closed
from workbook_engine.render.graduates import COMPLETED
from workbook_engine.rollover import graduates, next_setup, promoted_count, shift
from workbook_engine.rules import AssessmentMode
from workbook_engine.rules import Outcome as Final

runner = CliRunner()
PIN = "246824"
AFTER_SUMMER = date(2026, 8, 20)  # after RESULTS_DAY, when the demo approves its final list
DemoYear = tuple[DataDir, Path, DemoResult]  # the session's ``demo_year`` (tests/conftest.py)
UP, KEPT = Final.PROMOTED, Final.RETAINED

# --- next_setup on a hand-made school --------------------------------------------------------


def subject(grade: int, code: str) -> Subject:
    return Subject(grade, code, code, 140, AssessmentMode.SCORE)


def student(code: str, class_code: str) -> Student:
    return Student(code, f"Học sinh {code}", date(2014, 3, 1), Gender.FEMALE, class_code)


def teacher(code: str, *roles: Role) -> Teacher:
    return Teacher(code, f"Giáo viên {code}", roles or (Role.TEACHER,))


# old class → (code, final outcome or None): who sits where this year
STUDENTS = {
    "6A1": [("S61", UP), ("S62", KEPT)],
    "7A1": [("S71", UP), ("S72", KEPT), ("SX", None)],
    "8A1": [("S81", UP)],
    "8A2": [("S82", KEPT), ("S83", UP)],
    "9A1": [("S91", UP), ("S92", KEPT)],
    "CLC": [("SC1", UP)],  # grade 7, a name that does not start with its grade
}
HOMEROOM = {"6A1": "GV1", "7A1": "GV2", "8A1": "GV3", "8A2": "GV4", "9A1": "GV5", "CLC": "GV6"}


def school_2027() -> Setup:
    """Grades 6–9 in 2027-2028 (29 February 2028 in its calendar); GDDP taught in grade 8 only;
    8A2 has no 7A2 before it, CLC no grade in its name."""
    grades = {code: int(code[0]) if code[0].isdigit() else 7 for code in STUDENTS}
    return Setup(
        school=SchoolInfo(
            "Trường THCS Thử", "THCS-T", "Phòng GD&ĐT", "Hà Nội", "2027-2028", "Giáo viên GV7"
        ),
        semesters=(
            Semester(1, date(2027, 9, 5), date(2028, 1, 15)),
            Semester(2, date(2028, 1, 17), date(2028, 5, 31)),
        ),
        classes=tuple(ClassRoom(c, grades[c], HOMEROOM[c]) for c in STUDENTS),
        students=tuple(student(s, c) for c, rows in STUDENTS.items() for s, _ in rows),
        subjects=(
            *(subject(g, code) for g in (6, 7, 8, 9) for code in ("TOAN", "GDTC")),
            subject(8, "GDDP"),
        ),
        teachers=(*(teacher(f"GV{n}") for n in range(1, 7)), teacher("GV7", Role.PRINCIPAL)),
        assignments=(
            Assignment("GV1", "6A1", "TOAN"),
            Assignment("GV2", "7A1", "TOAN"),
            Assignment("GV3", "8A1", "GDDP"),
            Assignment("GV4", "8A2", "TOAN"),
            Assignment("GV5", "9A1", "TOAN"),
        ),
        exemptions=(
            Exemption("S61", "TOAN", ExemptionScope.WHOLE, "Khuyết tật"),
            Exemption("S72", "GDTC", ExemptionScope.PRACTICAL, "Bệnh tim"),
            Exemption("S81", "GDDP", ExemptionScope.PRACTICAL, "Ốm dài ngày"),
            Exemption("S91", "GDTC", ExemptionScope.PRACTICAL, "Bệnh tim"),
        ),
        calendar=(
            CalendarEvent(
                EventKind.HOLIDAY,
                date(2028, 2, 29),
                date(2028, 2, 29),
                None,
                "",
                "Nghỉ bù năm học 2027-2028",
            ),
            CalendarEvent(EventKind.LOCK, date(2028, 6, 5), date(2028, 8, 31), 2),
        ),
    )


FINALS = {code: outcome for rows in STUDENTS.values() for code, outcome in rows if outcome}


@pytest.fixture(scope="module")
def rolled() -> tuple[Setup, list[str]]:
    return next_setup(school_2027(), FINALS, "2028-2029")


@pytest.mark.parametrize(
    ("code", "class_code"),
    [
        ("S61", "7A1"),  # promoted: the next grade's class of the same name
        ("S62", "6A1"),  # kept back in grade 6: the intake class of the same name
        ("S71", "8A1"),
        ("S72", "7A1"),  # kept back: 7A1 again (6A1's cohort moved into it)
        ("SX", "7A1"),  # no final outcome: kept in the grade, and said in a note
        ("S81", "9A1"),
        ("S83", "9A2"),
        ("S82", "8A1"),  # kept back, but no 8A2 next year (no 7A2 before it): 8A1, noted
        ("S92", "9A1"),
        ("S91", None),  # grade 9 promoted: completed the programme, left out
        ("SC1", "CLC"),  # a class without a grade in its name keeps its name, one grade up
    ],
)
def test_students_follow_their_final_outcome(
    rolled: tuple[Setup, list[str]], code: str, class_code: str | None
) -> None:
    new, _ = rolled
    found = new.find_student(code)
    assert (found.class_code if found else None) == class_code


def test_classes_move_up_with_their_homeroom_teacher(rolled: tuple[Setup, list[str]]) -> None:
    new, _ = rolled
    assert [(c.code, c.grade, c.homeroom_teacher) for c in new.classes] == [
        ("6A1", 6, "GV5"),  # the intake's place: the leaving 9A1's homeroom teacher
        ("7A1", 7, "GV1"),
        ("8A1", 8, "GV2"),
        ("CLC", 8, "GV6"),
        ("9A1", 9, "GV3"),
        ("9A2", 9, "GV4"),
    ]
    assert new.school.school_year == "2028-2029" and new.teachers == school_2027().teachers


def test_what_cannot_be_carried_is_noted(rolled: tuple[Setup, list[str]]) -> None:
    _, notes = rolled
    assert notes == [
        "Lớp CLC không đặt tên theo khối (như 6A1): giữ tên lớp, chuyển lên khối 8",
        "Học sinh Học sinh SX (SX), lớp 7A1: kết quả cuối năm chưa có, xếp lại vào khối 7",
        "Học sinh Học sinh S82 (S82) ở lại khối 8: năm mới không có lớp 8A2, xếp vào lớp 8A1",
        "Lớp 8A1: môn GDDP không có ở khối 9, bỏ phân công giáo viên GV3",
        "Miễn giảm môn GDDP của học sinh S81: môn không có ở khối 9, không chuyển",
    ]


def test_assignments_and_exemptions_follow_the_class(rolled: tuple[Setup, list[str]]) -> None:
    new, _ = rolled
    assert sorted((a.teacher_code, a.class_code, a.subject_code) for a in new.assignments) == [
        ("GV1", "7A1", "TOAN"),
        ("GV2", "8A1", "TOAN"),
        ("GV4", "9A2", "TOAN"),
        ("GV5", "6A1", "TOAN"),  # the leaving 9A1's teacher takes the new 6A1
    ]
    assert [(e.student_code, e.subject_code, e.scope) for e in new.exemptions] == [
        ("S61", "TOAN", ExemptionScope.WHOLE),
        ("S72", "GDTC", ExemptionScope.PRACTICAL),
    ]


def test_calendar_and_semesters_shift_one_year(rolled: tuple[Setup, list[str]]) -> None:
    new, _ = rolled
    holiday, lock = new.calendar
    assert (holiday.start, holiday.end) == (date(2029, 2, 28), date(2029, 2, 28))
    assert holiday.note == "Nghỉ bù năm học 2028-2029"
    assert (lock.start, lock.end, lock.semester) == (date(2029, 6, 5), date(2029, 8, 31), 2)
    assert [(s.start, s.end) for s in new.semesters] == [
        (date(2028, 9, 5), date(2029, 1, 15)),
        (date(2029, 1, 17), date(2029, 5, 31)),
    ]


@pytest.mark.parametrize(
    ("day", "years", "shifted"),
    [
        (date(2028, 2, 29), 1, date(2029, 2, 28)),
        (date(2027, 2, 28), 1, date(2028, 2, 28)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
        (date(2025, 9, 5), 1, date(2026, 9, 5)),
    ],
)
def test_shift_keeps_day_and_month(day: date, years: int, shifted: date) -> None:
    assert shift(day, years) == shifted


def test_graduates_and_counts(rolled: tuple[Setup, list[str]]) -> None:
    old, (new, _) = school_2027(), rolled
    assert [s.code for s in graduates(old, FINALS)] == ["S91"]
    assert promoted_count(old, new) == 5  # S61 S71 S81 S83 SC1
    assert len(new.students) == len(old.students) - 1


# --- closing the year -----------------------------------------------------------------------


def principal(setup: Setup) -> str:
    return next(t.code for t in setup.teachers if Role.PRINCIPAL in t.roles)


def wbe(data: DataDir, *args: str, pin: bool = False) -> tuple[int, str]:
    result = runner.invoke(
        app, [*args, "--data-dir", str(data.root)], input=f"{PIN}\n" if pin else None
    )
    return result.exit_code, result.output


@pytest.fixture
def closing(demo_year: DemoYear, tmp_path: Path) -> tuple[DataDir, DemoResult]:
    """A copy of the demo's data directory (the year played, the final list approved), with
    the principal's PIN."""
    source, _, demo = demo_year
    assert RESULTS_DAY < AFTER_SUMMER
    data = DataDir(tmp_path / "data")
    shutil.copytree(source.root, data.root)
    set_pin(data, principal(demo.setup), PIN)
    return data, demo


def close(data: DataDir, setup: Setup, day: date = AFTER_SUMMER) -> tuple[int, str]:
    return wbe(data, "year", "close", "--by", principal(setup), "--today", day.isoformat(),
               pin=True)  # fmt: skip


def test_close_refused_before_any_approval(school: School) -> None:
    with Ledger.open(school.data.ledger) as ledger:
        with pytest.raises(WorkbookEngineError) as refused:
            close_year(ledger, school.setup, principal(school.setup), AFTER_SUMMER)
        assert not is_closed(ledger)
    (problem,) = refused.value.report
    codes = [c.code for c in school.setup.classes]
    assert problem.code == "year-not-final"
    assert problem.message == (
        f"chưa khóa sổ được năm học 2025-2026: {len(codes)} lớp chưa được duyệt kết quả cuối "
        "năm: " + "; ".join(f"{c} (chưa duyệt kết quả cả năm)" for c in codes)
    )


def test_close_refused_before_the_year_ends_and_for_another_role(
    closing: tuple[DataDir, DemoResult],
) -> None:
    data, demo = closing
    code, output = close(data, demo.setup, date(2026, 5, 20))
    assert code == 1
    assert "Lỗi: năm học kết thúc ngày 31/05/2026" in output
    clerk = next(t for t in demo.setup.teachers if Role.CLERK in t.roles)
    code, output = wbe(data, "year", "close", "--by", clerk.code)
    assert code == 1
    assert output.strip() == (
        f"Lỗi: {clerk.full_name} ({clerk.code}) không có quyền khóa sổ năm học (cần vai trò: "
        "Hiệu trưởng)"
    )


def test_close_refused_while_a_correction_waits(
    closing: tuple[DataDir, DemoResult], tmp_path: Path
) -> None:
    """A correction request received after the final list: that class's results no longer
    stand as approved; the year is not closed."""
    data, demo = closing
    setup = demo.setup
    key, student_code, value, owner = accepted_score(data, setup)
    row = {"B": student_code, "D": key.class_code, "E": key.subject_code, "F": "TX1",
           "G": float(value), "H": "10", "I": "Cộng nhầm điểm", "J": "Bài làm"}  # fmt: skip
    form = fill_form(demo, owner, row, tmp_path / "inbox" / owner)
    (outcome,) = ingest(data, tmp_path, form)
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    code, output = close(data, setup)
    assert code == 1
    assert f"1 lớp chưa được duyệt kết quả cuối năm: {key.class_code} (còn đề nghị sửa" in output
    with Ledger.open(data.ledger) as ledger:
        assert not is_closed(ledger)


def test_close_then_every_file_is_refused(
    closing: tuple[DataDir, DemoResult], tmp_path: Path
) -> None:
    data, demo = closing
    setup, boss = demo.setup, principal(demo.setup)
    code, output = close(data, setup)
    assert code == 0, output
    name = setup.teacher_by_code(boss).full_name
    with Ledger.open(data.ledger) as ledger:
        at, by = ledger.year_closed() or ("", "")
        assert by == boss and ledger.verify() is None
    day = f"{at[8:10]}/{at[5:7]}/{at[:4]}"
    record = Path(output.splitlines()[-1].partition(": ")[2])  # the record to sign, in the outbox
    assert record.parent == Path(os.environ["WBE_OUTBOX"]) / "records"
    assert re.fullmatch(r"bien-ban-khoa-so-nam-hoc-\d+\.pdf", record.name)
    assert output.splitlines()[1:] == [  # after the PIN's prompt
        f"Đã khóa sổ năm học 2025-2026 ngày {day} (người quyết định: {name} ({boss})).",
        "Từ nay mọi tệp gửi đến đều bị trả lại; sổ tổng hợp, sổ in và báo cáo của năm học vẫn "
        "xem, in được.",
        "Lập tệp thiết lập năm học mới: wbe year new 2026-2027",
        f"  Biên bản để kí: {record}",
    ]
    assert "BIÊN BẢN KHÓA SỔ NĂM HỌC" in pdf_text(record, layout=False)
    key, student_code, value, owner = accepted_score(data, setup)
    inbox = tmp_path / "inbox"
    files = [
        fill_score(demo, owner, key, inbox / owner),
        fill_form(
            demo,
            owner,
            {
                "B": student_code,
                "D": key.class_code,
                "E": key.subject_code,
                "F": "TX1",
                "G": float(value),
                "H": "10",
                "I": "Nhầm",
            },
            inbox / owner,
        ),
        *resaved_originals(data, ("decision", "results_decision"), inbox / boss),
    ]
    outcomes = ingest(data, tmp_path, *files)
    message = (
        f"năm học đã được khóa sổ ngày {day} bởi {name} ({boss}): không nhập, sửa hay duyệt "
        "thêm được gì nữa"
    )
    assert [(o.status, [(p.code, p.message) for p in o.problems]) for o in outcomes] == [
        (Status.REJECTED, [("year-closed", message)])
    ] * 4
    with Ledger.open(data.ledger) as ledger:
        assert ledger.verify() is None and not ledger.pending()
        with pytest.raises(YearClosed), ledger.transaction():
            ledger.record_lock("unlock", 2, boss)  # nothing else reaches the ledger either
    code, output = close(data, setup)
    assert code == 1 and f"Lỗi: {message}." in output


def test_locks_and_approvals_refused_once_closed(closing: tuple[DataDir, DemoResult]) -> None:
    data, demo = closing
    assert close(data, demo.setup)[0] == 0
    boss = principal(demo.setup)
    code, output = wbe(data, "unlock", "--semester", "2", "--by", boss, pin=True)
    assert code == 1 and "Lỗi: năm học đã được khóa sổ ngày" in output
    code, output = wbe(data, "results", "approve", "--summer", "--by", boss, "--today",
                       AFTER_SUMMER.isoformat(), pin=True)  # fmt: skip
    assert code == 1 and "không nhập, sửa hay duyệt thêm được gì nữa" in output


# --- wbe year new -----------------------------------------------------------------------------


def test_year_new_refused_until_closed(closing: tuple[DataDir, DemoResult]) -> None:
    data, _ = closing
    code, output = wbe(data, "year", "new", "2026-2027")
    assert code == 1
    assert output.strip() == (
        "Lỗi: năm học 2025-2026 chưa khóa sổ: chưa lập tệp thiết lập năm học mới từ năm học "
        "này. Cách sửa: Hiệu trưởng khóa sổ năm học trước (wbe year close --by MÃ), rồi chạy "
        "lại lệnh."
    )


def test_year_new_on_the_demo(closing: tuple[DataDir, DemoResult], tmp_path: Path) -> None:
    data, demo = closing
    old = demo.setup
    assert close(data, old)[0] == 0
    code, output = wbe(data, "year", "new", "2026-2028")
    assert code == 1 and "không phải năm học liền sau năm học 2025-2026 (là 2026-2027)" in output
    code, output = wbe(data, "year", "new", "2026-2027")
    assert code == 0, output
    target = tmp_path / "2026-2027" / "setup.xlsx"
    listed = tmp_path / "2026-2027" / "hoc-sinh-hoan-thanh-THCS-2025-2026.xlsx"
    new, report = check_setup(target)
    assert new is not None and report.valid, [str(p) for p in report]
    assert {p.code for p in report} == {"class-empty"}  # the new grade 6 waits for its intake
    with Ledger.open(data.ledger) as ledger:
        finals = final_outcomes(old, ledger)
    cohort = demo.cohort
    kept = [code for code, outcome in finals.items() if outcome is Final.RETAINED]
    assert sorted(kept) == sorted([cohort.kept_back, cohort.failing_again])
    leaving = [s.code for s in graduates(old, finals)]
    for s in old.students:
        room, moved = old.class_by_code(s.class_code), new.find_student(s.code)
        if s.code in leaving:
            assert moved is None
        elif s.code in kept:
            assert moved is not None and moved.class_code == room.code
        else:
            assert moved is not None and moved.class_code == f"{room.grade + 1}{room.code[1:]}"
    assert cohort.training in leaving  # grade 9 in the demo, promoted after the training
    promoted = len(old.students) - len(leaving) - len(kept)
    assert output.splitlines()[:3] == [
        f"Đã ghi tệp thiết lập năm học 2026-2027: {target}",
        f"Học sinh chuyển sang năm học mới: {len(new.students)} (lên lớp: {promoted}, ở lại "
        f"lớp: {len(kept)}); hoàn thành chương trình THCS: {len(leaving)}.",
        f"Danh sách học sinh hoàn thành chương trình THCS: {listed}",
    ]
    assert "Kiểm tra tệp (wbe setup check): 0 lỗi, 2 cảnh báo." in output
    sheet = openpyxl.load_workbook(listed).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    assert [r[1] for r in rows] == leaving
    first = old.find_student(leaving[0])
    assert first is not None
    born = datetime.combine(first.birth_date, datetime.min.time())
    assert rows[0][2:] == (first.full_name, born, first.gender.value, first.class_code, COMPLETED)
    code, output = wbe(data, "year", "new", "2026-2027")  # never over the file written
    assert code == 1 and f"Lỗi: tệp {target} đã có" in output


# --- helpers on the demo's year ---------------------------------------------------------------


def accepted_score(data: DataDir, setup: Setup) -> tuple[SheetKey, str, str, str]:
    """A TX1 score of semester 2 the ledger holds: (sheet, student, value, teacher)."""
    with Ledger.open(data.ledger) as ledger:
        for a in setup.assignments:
            key = SheetKey(a.class_code, a.subject_code, 2)
            values = ledger.scores(key)
            found = [(s, v) for (s, column), v in values.items() if column == "TX1"]
            if found and setup.subject(setup.class_by_code(a.class_code).grade,
                                       a.subject_code).mode is AssessmentMode.SCORE:  # fmt: skip
                student_code, value = sorted(found)[0]
                return key, student_code, value, a.teacher_code
    raise AssertionError("no score in the demo's ledger")


def sheets_of(demo: DemoResult, owner: str) -> Path:
    from workbook_engine.share import ShareLayout

    return ShareLayout(demo.share, demo.setup).sheets(owner)


def fill_form(demo: DemoResult, owner: str, row: dict[str, object], folder: Path) -> Path:
    """The teacher's issued correction form of semester 2 with one request, into ``folder``."""
    source = sheets_of(demo, owner) / correction_sheet_name(2)
    wb = openpyxl.load_workbook(source)
    for letter, value in row.items():
        wb[CORRECTION_SHEET][f"{letter}8"] = value
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / source.name)
    return folder / source.name


def fill_score(demo: DemoResult, owner: str, key: SheetKey, folder: Path) -> Path:
    """The teacher's working copy of ``key``'s sheet, one cell changed, into ``folder``."""
    source = sheets_of(demo, owner) / f"{key.class_code}_{key.subject_code}_HK2.xlsx"
    wb = openpyxl.load_workbook(source)
    wb.worksheets[0]["D8"] = 10
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(folder / source.name)
    return folder / source.name


def resaved_originals(data: DataDir, kinds: tuple[str, ...], folder: Path) -> list[Path]:
    """The archived original of the first file of each kind, saved again (a new file)."""
    with Ledger.open(data.ledger) as ledger:
        records = [next(f for f in ledger.files() if f.kind == kind) for kind in kinds]
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for record in records:
        wb = openpyxl.load_workbook(data.archive / record.sha256[:2] / f"{record.sha256}.xlsx")
        wb.properties.title = "gửi lại"
        wb.save(folder / record.name)
        saved.append(folder / record.name)
    return saved


def ingest(data: DataDir, tmp_path: Path, *files: Path) -> list[Outcome]:
    with Pipeline(data, tmp_path / "inbox", tmp_path / "outbox", AFTER_SUMMER) as pipeline:
        return [pipeline.process(path) for path in files]


@pytest.mark.parametrize("args", [["year", "--help"], ["year", "new", "--help"]])
def test_year_help_imports_no_heavy_library(args: list[str]) -> None:
    from tests.test_cli_imports import LOADED, run_python

    code = (
        "from workbook_engine.cli import app\n"
        f"try:\n    app({args!r}, prog_name='wbe')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        f"import sys\nprint({LOADED})\n"
    )
    assert run_python(code) == "[]"
