"""Issue 14, item 1: roster movements with an effective date (the setup's «Biến động» sheet).

A class change, a transfer in, a transfer out and a dropout are each recorded with the first day
they hold. Values earned before the date stay with the class they were earned in and show in its
master sheet and book, the student marked «đã chuyển sang lớp … từ ngày …»; the year's results sum
up the whole year in the student's last class; nothing in the ledger is hidden or lost."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import OCTOBER, School, master_sheet
from workbook_engine.io.setup_reader import check_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import (
    ClassRoom,
    Gender,
    Movement,
    MovementKind,
    Setup,
    SheetKey,
    Student,
)
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.progress import Cells, ColumnLine, Progress
from workbook_engine.render.books.class_book import class_book
from workbook_engine.render.books.class_book_xlsx import write_class_book_xlsx
from workbook_engine.render.books.hocba import class_records
from workbook_engine.render.books.teacher import write_teacher_books
from workbook_engine.render.progress_report import progress_report
from workbook_engine.render.publish import publish
from workbook_engine.results import student_results

JANUARY = date(2026, 1, 19)  # the first day of semester 2 in the demo school
MARCH = date(2026, 3, 2)
AFTER_YEAR = date(2026, 6, 15)
ROWS = range(8, 20)  # the 12 students of 6A1 on the issued sheet


def _with_6a2(setup: Setup) -> Setup:
    """A second grade-6 class taught by the same teachers, and one student of its own."""
    taught = tuple(
        dataclasses.replace(a, class_code="6A2") for a in setup.assignments if a.class_code == "6A1"
    )
    own = Student("3125008888", "Lê Thị Riêng", date(2014, 3, 3), Gender.FEMALE, "6A2")
    return dataclasses.replace(
        setup,
        classes=(*setup.classes, ClassRoom("6A2", 6, "GV002")),
        students=(*setup.students, own),
        assignments=(*setup.assignments, *taught),
    )


def _moved(setup: Setup, *moves: Movement) -> Setup:
    """``setup`` with ``moves``, each student's roster class set to where the moves leave them."""
    last = {m.student_code: m for m in sorted(moves, key=lambda m: m.effective)}
    students = tuple(
        dataclasses.replace(s, class_code=last[s.code].to_class)
        if s.code in last and last[s.code].kind is MovementKind.CLASS_CHANGE
        else s
        for s in setup.students
    )
    return dataclasses.replace(setup, students=students, movements=moves)


@pytest.fixture(scope="module")
def base() -> Setup:
    from tests.conftest import SMALL
    from workbook_engine.demo.school import build_demo_school

    return _with_6a2(build_demo_school(SMALL))


def _codes(setup: Setup, class_code: str = "6A1") -> list[str]:
    return [s.code for s in setup.students_of(class_code)]


# --- the setup ---------------------------------------------------------------------------------


def test_movements_read_back_and_give_each_student_their_stays(tmp_path: Path, base: Setup) -> None:
    mover, leaver, dropout = _codes(base)[2], _codes(base)[5], _codes(base)[7]
    newcomer = Student("3125007777", "Phạm Văn Đến", date(2014, 1, 2), Gender.MALE, "6A1")
    setup = _moved(
        dataclasses.replace(base, students=(*base.students, newcomer)),
        Movement(mover, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2"),
        Movement(leaver, MovementKind.TRANSFER_OUT, MARCH, "6A1", school="THCS Hòa Bình"),
        Movement(dropout, MovementKind.DROPOUT, MARCH, "6A1"),
        Movement(newcomer.code, MovementKind.TRANSFER_IN, MARCH, "", "6A1", "THCS Lê Lợi"),
    )
    read, report = check_setup(write_setup(tmp_path / "setup.xlsx", setup))
    assert report.valid, [str(p) for p in report]
    assert read == setup
    # now: the mover in 6A2 (after its own student), the leavers nowhere, the newcomer last
    assert mover not in _codes(read) and _codes(read, "6A2") == ["3125008888", mover]
    assert leaver not in _codes(read) and dropout not in _codes(read)
    assert _codes(read)[-1] == newcomer.code and len(_codes(read)) == 12 - 3 + 1
    assert (read.current_class(mover), read.current_class(leaver)) == ("6A2", "")
    # this year: everyone who was in 6A1, marked, the newcomer last
    marks = {s.student_code: s.mark or s.arrival for s in read.members_of("6A1")}
    assert len(marks) == 13 and list(marks)[-1] == newcomer.code
    assert marks[mover] == "đã chuyển sang lớp 6A2 từ ngày 19/01/2026"
    assert marks[leaver] == "đã chuyển trường (THCS Hòa Bình) từ ngày 02/03/2026"
    assert marks[dropout] == "đã thôi học từ ngày 02/03/2026"
    assert marks[newcomer.code] == "chuyển đến từ THCS Lê Lợi từ ngày 02/03/2026"
    assert read.classes_of(mover) == ["6A1", "6A2"]
    # results: 6A1 sums up those who left the school from it; the mover is summed up in 6A2
    assert {leaver, dropout} <= {s.code for s in read.results_members("6A1")}
    assert mover in {s.code for s in read.results_members("6A2")}
    assert mover not in {s.code for s in read.results_members("6A1")}


def test_a_workbook_made_before_the_sheet_existed_still_reads(tmp_path: Path, base: Setup) -> None:
    path = write_setup(tmp_path / "setup.xlsx", base)
    book = openpyxl.load_workbook(path)
    del book["Biến động"]
    book.save(path)
    read, report = check_setup(path)
    assert report.valid, [str(p) for p in report]
    assert read is not None and read.movements == ()


MOVER = "3125000003"  # the third student of 6A1
OTHER = "3125000004"


@pytest.mark.parametrize(
    ("moves", "roster", "expected"),
    [
        (  # to a class the school does not have
            [Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A9")],
            "6A1",
            [("unknown-class", "E4")],
        ),
        (  # the second move starts from the wrong class
            [
                Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2"),
                Movement(MOVER, MovementKind.CLASS_CHANGE, MARCH, "6A1", "7A1"),
            ],
            "7A1",
            [("movement-wrong-class", "D5")],
        ),
        (  # to the same class
            [Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A1")],
            "6A1",
            [("movement-same-class", "E4")],
        ),
        (  # a class change without its new class
            [Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "")],
            "6A1",
            [("movement-class-missing", "E4")],
        ),
        (  # a transfer in as the first movement: not in the school before, accepted
            [Movement(MOVER, MovementKind.TRANSFER_IN, JANUARY, "", "6A1")],
            "6A1",
            [],
        ),
        (  # leaving twice
            [
                Movement(MOVER, MovementKind.TRANSFER_OUT, JANUARY, "6A1"),
                Movement(MOVER, MovementKind.DROPOUT, MARCH, "6A1"),
            ],
            "6A1",
            [("movement-not-in-school", "B5")],
        ),
        (  # moved on paper but the roster still says the old class
            [Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2")],
            "6A1",
            [("movement-roster-mismatch", "E4")],
        ),
        (  # outside the school year
            [Movement(MOVER, MovementKind.DROPOUT, date(2027, 1, 4), "6A1")],
            "6A1",
            [("date-outside-school-year", "C4")],
        ),
    ],
)
def test_a_movement_that_does_not_follow_is_a_located_error(
    tmp_path: Path, base: Setup, moves: list[Movement], roster: str, expected: list
) -> None:
    students = tuple(
        dataclasses.replace(s, class_code=roster) if s.code == MOVER else s for s in base.students
    )
    setup = dataclasses.replace(base, students=students, movements=tuple(moves))
    _, report = check_setup(write_setup(tmp_path / "setup.xlsx", setup))
    found = [(p.code, f"{p.column}{p.row}") for p in report.errors if p.sheet == "Biến động"]
    assert found == expected, [str(p) for p in report]
    assert all(p.message for p in report.errors)


def test_a_transfer_in_of_a_student_already_in_the_school_is_refused(
    tmp_path: Path, base: Setup
) -> None:
    """A transfer in as the student's first movement means "not in the school before": it is
    refused when it follows a time in a class."""
    moves = (
        Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2"),
        Movement(MOVER, MovementKind.TRANSFER_IN, MARCH, "", "6A2"),
    )
    setup = _moved(base, *moves)
    _, report = check_setup(write_setup(tmp_path / "setup.xlsx", setup))
    (problem,) = report.errors
    assert (problem.code, f"{problem.column}{problem.row}") == ("movement-already-in-school", "B5")
    assert "đang học lớp 6A2" in problem.message


# --- the results: the whole year, in the last class ------------------------------------------


def _columns(value: str, semester: int, class_code: str, student: str) -> dict:
    key = SheetKey(class_code, "TOAN", semester)
    columns = ("TX1", "TX2", "TX3", "TX4", "GK", "CK")
    return {(key, student, c): value for c in columns}


def test_a_movers_year_average_uses_both_classes_values(base: Setup) -> None:
    setup = _moved(base, Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2"))
    values = {
        **_columns("8.0", 1, "6A1", MOVER),  # semester 1 in 6A1: ĐTBmhk 8.0
        **_columns("5.0", 2, "6A2", MOVER),  # semester 2 in 6A2: 5.0
        **_columns("9.0", 1, "6A1", OTHER),  # a classmate who stays: not listed in 6A2
    }
    (_, mover) = student_results(setup, "6A2", values, AFTER_YEAR)
    assert mover.code == MOVER
    assert (mover.hk1.averages["TOAN"], mover.hk2.averages["TOAN"]) == (80, 50)
    assert mover.year.averages["TOAN"] == 60  # (8.0 + 2 × 5.0) / 3
    assert mover.notes[:2] == ["Học sinh từ lớp 6A1, từ ngày 19/01/2026"]
    # 6A1 no longer sums up his year, but keeps his values (the master and book show them)
    assert MOVER not in {r.code for r in student_results(setup, "6A1", values, AFTER_YEAR)}


def test_a_value_entered_in_the_new_class_wins_over_the_old_classes(base: Setup) -> None:
    setup = _moved(
        base, Movement(MOVER, MovementKind.CLASS_CHANGE, date(2025, 11, 3), "6A1", "6A2")
    )
    values = {
        **_columns("8.0", 1, "6A1", MOVER),
        (SheetKey("6A2", "TOAN", 1), MOVER, "CK"): "5.0",  # his CK of semester 1, taken in 6A2
    }
    (_, mover) = student_results(setup, "6A2", values, AFTER_YEAR)
    assert mover.hk1.averages["TOAN"] == 70  # (4 × 8 + 2 × 8 + 3 × 5) / 9 = 63 / 9 = 7.0


def test_a_student_who_left_owes_nothing_after_and_gets_no_proposal(base: Setup) -> None:
    setup = _moved(base, Movement(MOVER, MovementKind.TRANSFER_OUT, MARCH, "6A1", school="X"))
    results = {r.code: r for r in student_results(setup, "6A1", {}, AFTER_YEAR)}
    left, stayed = results[MOVER], results[OTHER]
    assert not any("HK2" in item for item in left.missing)
    assert any("HK1" in item for item in left.missing)  # semester 1 ended before he left
    assert any("HK2" in item for item in stayed.missing)
    assert left.year.outcome is None
    assert left.notes[0] == "Học sinh đã chuyển trường (X) từ ngày 02/03/2026"


# --- end to end: the inbox, the master, the book -----------------------------------------------


def _send(school: School, sheet: Path, setup: Setup, today: date = OCTOBER) -> None:
    teacher = school.teacher_of("6A1", "TOAN")
    target = school.share.submit(teacher) / sheet.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sheet, target)
    share = school.share.root
    with Pipeline(school.data, school.inbox, school.outbox, today, setup, share) as pipeline:
        (outcome,) = pipeline.process_all([target])
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]


def _filled(school: School, cells: dict[str, object]) -> Path:
    return school.type_into(school.issued("6A1", "TOAN"), school.teacher_of("6A1", "TOAN"), cells)


def test_values_before_the_date_stay_with_the_old_class_and_nothing_is_lost(
    school: School,
) -> None:
    _send(school, _filled(school, {f"D{r}": 7 for r in ROWS}), school.setup)
    with Ledger.open_readonly(school.data.ledger) as ledger:
        before = ledger.row_counts()
    setup = _moved(
        _with_6a2(school.setup),
        Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2"),
        Movement(OTHER, MovementKind.TRANSFER_OUT, MARCH, "6A1", school="THCS Hòa Bình"),
    )
    write_setup(school.data.setup, setup)
    with Ledger.open(school.data.ledger) as ledger:
        publish(ledger, setup, school.outbox)
        assert ledger.row_counts()["scores"] == before["scores"]  # nothing hidden or lost
        book = class_book(ledger, setup, "6A1", AFTER_YEAR, None)
        results, _ = class_results(setup, ledger, "6A2", AFTER_YEAR)
    # the master: his 6A1 row (and TX1 = 7) stays, marked; 6A2 lists him after its own student
    old, new = master_sheet(school.outbox, "6A1"), master_sheet(school.outbox, "6A2")
    rows = {r[1]: r for r in old.iter_rows(values_only=True) if r[1] and r[1][0] == "3"}
    assert MOVER in rows and "(đã chuyển sang lớp 6A2 từ ngày 19/01/2026)" in rows[MOVER][2]
    assert "(đã chuyển trường (THCS Hòa Bình) từ ngày 02/03/2026)" in rows[OTHER][2]
    toan = _column_of(old, "TOAN", "TX1")
    assert rows[MOVER][toan] == rows[OTHER][toan] == 7
    names_6a2 = [r[2] for r in new.iter_rows(values_only=True) if r[1] == MOVER]
    assert names_6a2 and names_6a2[0].endswith("(từ lớp 6A1, từ ngày 19/01/2026)")
    # the class book of 6A1: the roster marks him, the mathematics page keeps his 7
    marked = [line for line in book.roster if line.code == MOVER]
    assert marked and marked[0].name.endswith("(*)")
    assert any("đã chuyển sang lớp 6A2 từ ngày 19/01/2026" in m for m in book.moves)
    page = next(p for p in book.subjects if p.code == "TOAN")
    his = next(r for r in page.rows if r.name.startswith(marked[0].name.removesuffix(" (*)")))
    assert his.values[0] == next(r for r in page.rows if r is not his).values[0] != ""
    assert book.boys + book.girls == 10  # 12, less the mover and the leaver
    # the (*) said under each subject's table, in its sheet of the workbook as in the PDF
    assert page.legend.endswith(" (*): chuyển đến, chuyển đi, chuyển lớp hoặc thôi học trong năm"
                                " (xem danh sách học sinh).")  # fmt: skip
    sheet = openpyxl.load_workbook(write_class_book_xlsx(school.outbox / "6A1.xlsx", book))[
        page.name
    ]
    assert page.legend in {c.value for row in sheet.iter_rows() for c in row}
    # 6A2's results carry his semester-1 TX1 from 6A1 (still missing the rest, as it should)
    mine = next(r for r in results if r.code == MOVER)
    assert not any("Toán HK1" in item and "TX1" in item for item in mine.missing)
    # a semester-2 copy issued before the moves, filled in April: the two who left by then
    # are flagged and not merged
    teacher = school.teacher_of("6A1", "TOAN")
    share = school.share.root
    april = date(2026, 4, 6)  # TX2 of semester 2 on the semester-2 copy, after both moves
    copy = _filled_semester_2(school, {f"E{r}": 8 for r in ROWS}, setup)
    target = school.share.submit(teacher) / copy.name
    shutil.copyfile(copy, target)
    with Pipeline(school.data, school.inbox, school.outbox, april, setup, share) as pipeline:
        (outcome,) = pipeline.process_all([target])
    flagged = {p.row: p.message for p in outcome.problems if p.code == "student-left-class"}
    assert sorted(flagged) == [10, 11]
    assert "đã chuyển sang lớp 6A2 từ ngày 19/01/2026" in flagged[10]
    assert "đã chuyển trường (THCS Hòa Bình) từ ngày 02/03/2026" in flagged[11]
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert {c.student_code for c in outcome.changes}.isdisjoint({MOVER, OTHER})
    with Ledger.open_readonly(school.data.ledger) as ledger:
        assert ledger.row_counts()["scores"] == before["scores"] + 10


def _filled_semester_2(school: School, cells: dict[str, object], setup: Setup) -> Path:
    """The semester-2 sheet of 6A1 Toán issued with the roster before the moves, filled."""
    from workbook_engine.io.identity import load_secret
    from workbook_engine.pipeline.issue import issue_templates

    teacher = school.teacher_of("6A1", "TOAN")
    folder = school.data.root / "issued-before"
    issue_templates(school.setup, folder, load_secret(school.data.secret), 2, teacher)
    (copy,) = folder.rglob("6A1_TOAN_HK2.xlsx")
    return school.type_into(copy, teacher, cells)


def _issue(school: School, semester: int, today: date) -> str:
    """``wbe templates issue --semester N --today D`` on the school's data and share."""
    from typer.testing import CliRunner

    from workbook_engine.cli import app

    args = ["templates", "issue", "--semester", str(semester), "--today", today.isoformat(),
            "--data-dir", str(school.data.root), "--share", str(school.share.root)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _roster(path: Path) -> list[str]:
    """The student codes an issued sheet's signed identity holds, in order."""
    from workbook_engine.io.identity import read_identity

    return list(read_identity(path).student_codes)


def _typed(school: School, copy: Path, cells: dict[str, object]) -> Path:
    """The teacher types ``cells`` into their copy of 6A1 Toán and puts it in «Nộp»."""
    return school.send(copy, school.teacher_of("6A1", "TOAN"), cells)


def test_sheets_issued_before_a_movements_date_list_the_class_of_that_day(school: School) -> None:
    """Moves recorded ahead, two dated 2 March: the semester-2 sheets issued on 19 January list
    the two in 6A1 (the mover not yet in 6A2), as ingest takes them until then; that copy sent
    after the date has their rows flagged; the sheets issued after the date follow the moves
    (not yet a dropout dated April), and that copy is the one the old copy's sender is sent to."""
    dropout = _codes(school.setup)[4]
    setup = _moved(
        _with_6a2(school.setup),
        Movement(MOVER, MovementKind.CLASS_CHANGE, MARCH, "6A1", "6A2"),
        Movement(OTHER, MovementKind.TRANSFER_OUT, MARCH, "6A1", school="THCS Hòa Bình"),
        Movement(dropout, MovementKind.DROPOUT, date(2026, 4, 13), "6A1"),
    )
    write_setup(school.data.setup, setup)
    assert school.setup.as_of(JANUARY) is school.setup  # nothing dated later: as it is
    everyone = _codes(school.setup)  # the 12 of 6A1 before the moves
    staying = [code for code in everyone if code not in {MOVER, OTHER}]
    toan = school.teacher_of("6A1", "TOAN")
    homeroom = school.sheets(setup.class_by_code("6A1").homeroom_teacher)
    _issue(school, 2, JANUARY)
    copy = school.sheets(toan) / "6A1_TOAN_HK2.xlsx"
    assert _roster(copy) == everyone
    assert _roster(homeroom / "6A1_RenLuyen_HK2.xlsx") == everyone
    assert _roster(homeroom / "6A1_DiemDanh_2026-02_HK2.xlsx") == everyone
    assert _roster(school.sheets(toan) / "6A2_TOAN_HK2.xlsx") == ["3125008888"]
    # sent in February: every row merges, the mover's and the leaver's included
    share = school.share.root
    sent = _typed(school, copy, {f"D{r}": 7 for r in ROWS})
    with Pipeline(school.data, school.inbox, school.outbox, date(2026, 2, 10), setup,
                  share) as pipeline:  # fmt: skip
        (outcome,) = pipeline.process_all([sent])
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert not {p.code for p in outcome.problems} & {"student-left-class", "roster-outdated"}
    assert sorted(c.student_code for c in outcome.changes) == sorted(everyone)
    # the same copy sent after the date: the two rows are flagged and not merged
    after = date(2026, 3, 10)
    sent = _typed(school, copy, {f"E{r}": 8 for r in ROWS})
    with Pipeline(school.data, school.inbox, school.outbox, after, setup, share) as pipeline:
        (outcome,) = pipeline.process_all([sent])
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    flagged = {p.row for p in outcome.problems if p.code == "student-left-class"}
    assert flagged == {10, 11}
    (outdated,) = [p for p in outcome.problems if p.code == "roster-outdated"]
    assert "văn phòng chưa phát lại bảng theo danh sách mới" in outdated.message
    assert sorted(c.student_code for c in outcome.changes) == sorted(staying)
    # issued again after the date: the moves hold (a new version beside the filled copy)
    _issue(school, 2, after)
    assert _roster(school.sheets(toan) / "6A1_TOAN_HK2_v2.xlsx") == staying
    assert _roster(homeroom / "6A1_RenLuyen_HK2.xlsx") == staying
    assert _roster(school.sheets(toan) / "6A2_TOAN_HK2.xlsx") == ["3125008888", MOVER]
    # the old copy sent once more: its sender is sent to that copy
    sent = _typed(school, copy, {f"F{r}": 9 for r in ROWS})
    with Pipeline(school.data, school.inbox, school.outbox, after, setup, share) as pipeline:
        (outcome,) = pipeline.process_all([sent])
    (outdated,) = [p for p in outcome.problems if p.code == "roster-outdated"]
    assert "bản phát lại «6A1_TOAN_HK2_v2.xlsx»" in outdated.message


def _column_of(ws: object, subject: str, column: str) -> int:
    """The 0-based column of ``subject``'s semester-1 ``column`` in a class sheet of the master
    (row 4: the subjects, row 6: the columns)."""
    rows = list(ws.iter_rows(min_row=4, max_row=6, values_only=True))  # type: ignore[attr-defined]
    start = next(c for c, head in enumerate(rows[0]) if head and f"({subject})" in str(head))
    return rows[2].index(column, start)


# --- entry progress and the books, as of a day ----------------------------------------------


def _toan(progress: Progress, class_code: str, column: str = "TX1") -> ColumnLine:
    """The semester-1 ``column`` of ``class_code`` Toán in ``progress``."""
    line = next(s for t in progress.teachers for s in t.subjects
                if (s.class_code, s.subject_code) == (class_code, "TOAN"))  # fmt: skip
    return next(c for c in line.columns if (c.semester, c.column) == (1, column))


def _tx1_then_moves_in_march(school: School) -> Setup:
    """TX1 of semester 1 entered in October for 6A1; then the setup (written) with 6A2 and two
    moves dated 2 March: the mover to 6A2, another student out of the school."""
    _send(school, _filled(school, {f"D{r}": 7 for r in ROWS}), school.setup)
    setup = _moved(
        _with_6a2(school.setup),
        Movement(MOVER, MovementKind.CLASS_CHANGE, MARCH, "6A1", "6A2"),
        Movement(OTHER, MovementKind.TRANSFER_OUT, MARCH, "6A1", school="THCS Hòa Bình"),
    )
    write_setup(school.data.setup, setup)
    return setup


def test_progress_asks_each_class_for_its_students_on_the_day(school: School) -> None:
    """Moves dated 2 March; TX1 of semester 1 (due 08/10/2025) entered in October for the 12
    of 6A1. As of 25 February 6A1 owes it for all 12 (in) and 6A2 for its own student only;
    as of 10 March 6A1 owes it for the 10 left, 6A2 for its own and the mover, whose value
    entered in 6A1 fills it: only 6A2's own student is named blank."""
    setup = _tx1_then_moves_in_march(school)
    with Ledger.open_readonly(school.data.ledger) as ledger:
        before = progress_report(ledger, setup, date(2026, 2, 25))
        after = progress_report(ledger, setup, date(2026, 3, 10))
    old, new = _toan(before.progress, "6A1"), _toan(before.progress, "6A2")
    assert (old.students, old.cells, new.students, new.cells) == (12, Cells(12, 12), 1, Cells(1))
    old, new = _toan(after.progress, "6A1"), _toan(after.progress, "6A2")
    assert (old.students, old.cells, new.students, new.cells) == (10, Cells(10, 10), 2, Cells(2, 1))
    for report in (before, after):
        blank = {g.class_code: g.students for g in report.gaps
                 if g.what == "Toán – HK1 – TX1" and g.class_code in ("6A1", "6A2")}  # fmt: skip
        assert blank == {"6A2": "Lê Thị Riêng"}


def test_books_rendered_before_a_movements_date_show_the_class_of_that_day(
    school: School,
) -> None:
    """Moves dated 2 March, TX1 of semester 1 entered in October; the books rendered on 25
    February: 6A1's class book lists its 12 unmarked (12 boys and girls), 6A2's its own student
    only; the teacher's book lists the 12 in 6A1 in roster order, only its own in 6A2."""
    setup = _tx1_then_moves_in_march(school)
    february = date(2026, 2, 25)
    everyone = _codes(school.setup)
    teacher = school.teacher_of("6A1", "TOAN")
    with Ledger.open_readonly(school.data.ledger) as ledger:
        old, new = (class_book(ledger, setup, code, february, None) for code in ("6A1", "6A2"))
        written = write_teacher_books(ledger, setup, school.outbox, february, 1, [teacher])
    assert [line.code for line in old.roster] == everyone and old.moves == ()
    assert not any(line.name.endswith("(*)") for line in old.roster)
    assert (old.boys + old.girls, new.boys + new.girls) == (12, 1)
    assert [line.code for line in new.roster] == ["3125008888"]
    (xlsx,) = [p for p in written if p.suffix == ".xlsx"]
    book = openpyxl.load_workbook(xlsx)

    def roster(name: str) -> list[str]:
        ws = book[name]
        return [str(v) for r in range(8, ws.max_row + 1) if (v := ws.cell(r, 2).value)
                and str(v).startswith("3125")]  # fmt: skip

    assert roster("6A1 TOAN") == everyone and roster("6A2 TOAN") == ["3125008888"]


def test_hocba_rendered_before_a_movements_date_keeps_the_class_of_that_day(
    school: School,
) -> None:
    """Moves dated 2 March; the học bạ of 25 February: 6A1's records are its 12 in roster order,
    the mover's record still in 6A1 with its homeroom teacher; 6A2 has its own student only."""
    setup = _tx1_then_moves_in_march(school)
    february = date(2026, 2, 25)
    with Ledger.open_readonly(school.data.ledger) as ledger:
        old, new = (class_records(ledger, setup, code, february) for code in ("6A1", "6A2"))
    assert [r.student_code for r in old] == _codes(school.setup)
    assert {r.class_code for r in old} == {"6A1"}
    assert [r.student_code for r in new] == ["3125008888"]


# --- wbe students --------------------------------------------------------------------------------


def test_wbe_students_records_movements_in_the_clerks_workbook(school: School) -> None:
    from typer.testing import CliRunner

    from workbook_engine.cli import app

    write_setup(school.data.setup, _with_6a2(school.setup))
    data = ["--data-dir", str(school.data.root)]
    runner = CliRunner()
    moved = runner.invoke(app, ["students", "move", MOVER, "--to", "6A2", "--date", "19/01/2026",
                                *data])  # fmt: skip
    assert moved.exit_code == 0, moved.output
    assert "(3125000003) chuyển từ lớp 6A1 sang lớp 6A2 từ ngày 19/01/2026." in moved.output
    assert "Phát lại bảng điểm cho lớp 6A1 và 6A2" in moved.output
    setup, report = check_setup(school.data.setup)
    assert setup is not None and report.valid
    assert setup.movements == (Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2"),)
    assert setup.current_class(MOVER) == "6A2" and setup.classes == _with_6a2(school.setup).classes
    # leaving before the class change (from 6A2, his class now): the class change then no
    # longer follows on; the error is located and nothing is written
    before = school.data.setup.read_bytes()
    wrong = runner.invoke(app, ["students", "leave", MOVER, "--date", "12/01/2026", *data])
    assert wrong.exit_code == 1
    assert "movement-wrong-class" not in wrong.output  # codes are not shown, the message is
    assert "trang «Biến động», ô B4" in wrong.output
    assert "ngày 19/01/2026, học sinh 3125000003 không học ở trường" in wrong.output
    assert school.data.setup.read_bytes() == before
    left = runner.invoke(app, ["students", "leave", OTHER, "--date", "02/03/2026", "--school",
                               "THCS Hòa Bình", *data])  # fmt: skip
    assert left.exit_code == 0, left.output
    joined = runner.invoke(app, ["students", "join", "3125007777", "--name", "Phạm Văn Đến",
                                 "--birth", "02/01/2014", "--gender", "nam", "--class", "6A1",
                                 "--date", "02/03/2026", *data])  # fmt: skip
    assert joined.exit_code == 0, joined.output
    setup, _ = check_setup(school.data.setup)
    assert setup is not None
    assert (setup.current_class(OTHER), setup.current_class("3125007777")) == ("", "6A1")
    shown = runner.invoke(app, ["students", "history", MOVER, *data])
    assert shown.output.splitlines()[1:] == [
        "  lớp 6A1: từ đầu năm học đến 19/01/2026 – đã chuyển sang lớp 6A2 từ ngày 19/01/2026",
        "  lớp 6A2: từ 19/01/2026",
    ]


def test_wbe_students_says_a_movement_dated_ahead_changes_the_sheets_from_its_date(
    school: School,
) -> None:
    """Recorded on 20 February for 2 March: the sheets change from that date (not «Phát lại»
    now); a movement dated on the day itself or before: re-issue now, as before."""
    from typer.testing import CliRunner

    from workbook_engine.cli import app

    write_setup(school.data.setup, _with_6a2(school.setup))
    data = ["--data-dir", str(school.data.root), "--today", "2026-02-20"]
    runner = CliRunner()
    moved = runner.invoke(app, ["students", "move", MOVER, "--to", "6A2", "--date", "02/03/2026",
                                *data])  # fmt: skip
    assert moved.exit_code == 0, moved.output
    assert "Phát lại bảng điểm" not in moved.output
    assert "Bảng điểm của lớp 6A1 và 6A2 thay đổi từ ngày 02/03/2026" in moved.output
    assert "từ ngày 02/03/2026, phát lại bảng điểm (wbe templates issue)" in moved.output
    joined = runner.invoke(app, ["students", "join", "3125007777", "--name", "Phạm Văn Đến",
                                 "--birth", "02/01/2014", "--gender", "nam", "--class", "6A1",
                                 "--date", "09/03/2026", *data])  # fmt: skip
    assert "Bảng điểm của lớp 6A1 thay đổi từ ngày 09/03/2026" in joined.output
    left = runner.invoke(app, ["students", "leave", OTHER, *data])  # today: holds now
    assert left.exit_code == 0, left.output
    assert "thôi học" not in left.output and "từ ngày 20/02/2026." in left.output
    assert "Phát lại bảng điểm cho lớp 6A1 (wbe templates issue)" in left.output


def test_a_movement_recorded_ahead_holds_from_its_date(base: Setup) -> None:
    from workbook_engine.io.kinds.score import score_identity
    from workbook_engine.pipeline.roster_change import leavers, newcomers

    setup = _moved(base, Movement(OTHER, MovementKind.TRANSFER_OUT, MARCH, "6A1", school="X"))
    toan = next(a for a in base.assignments if (a.class_code, a.subject_code) == ("6A1", "TOAN"))
    issued = score_identity(base, toan, 2)  # before the move was recorded
    assert (setup.class_on(OTHER, date(2026, 3, 1)), setup.class_on(OTHER, MARCH)) == ("6A1", "")
    assert leavers(setup, issued, date(2026, 2, 20)) == {}  # still in 6A1: his values merge
    assert leavers(setup, issued, MARCH) == {OTHER: ""}
    assert leavers(setup, issued) == {OTHER: ""}  # without a day: the roster as it is now
    reissued = score_identity(setup, toan, 2)  # without him
    assert [s.code for s in newcomers(setup, reissued, date(2026, 2, 20))] == [OTHER]
    assert newcomers(setup, reissued, MARCH) == []


def test_the_setup_as_of_a_day_leaves_out_the_movements_dated_after_it(base: Setup) -> None:
    newcomer = Student("3125007777", "Phạm Văn Đến", date(2014, 1, 2), Gender.MALE, "6A1")
    setup = _moved(
        dataclasses.replace(base, students=(*base.students, newcomer)),
        Movement(MOVER, MovementKind.CLASS_CHANGE, JANUARY, "6A1", "6A2"),
        Movement(OTHER, MovementKind.TRANSFER_OUT, MARCH, "6A1", school="X"),
        Movement(newcomer.code, MovementKind.TRANSFER_IN, MARCH, "", "6A1", "THCS Lê Lợi"),
    )
    february = setup.as_of(date(2026, 2, 20))
    # the class change holds; the leaver is still in 6A1; the newcomer is not in the school yet
    assert _codes(february) == [c for c in _codes(base) if c != MOVER]
    assert _codes(february, "6A2") == ["3125008888", MOVER]
    assert february.find_student(newcomer.code) is None
    assert february.stays(MOVER) == setup.stays(MOVER)
    assert [(s.class_code, s.end) for s in february.stays(OTHER)] == [("6A1", None)]
    # on the day a movement is dated it holds, as ingest takes it
    assert _codes(setup.as_of(MARCH)) == _codes(setup) and setup.as_of(AFTER_YEAR) is setup
    before = setup.as_of(date(2026, 1, 18))
    assert _codes(before) == _codes(base) and before.movements == ()


def test_a_newcomers_earlier_results_are_said_to_come_from_the_old_school(base: Setup) -> None:
    newcomer = Student("3125007777", "Phạm Văn Đến", date(2014, 1, 2), Gender.MALE, "6A1")
    came = Movement(newcomer.code, MovementKind.TRANSFER_IN, MARCH, "", "6A1", "THCS Lê Lợi")
    setup = _moved(dataclasses.replace(base, students=(*base.students, newcomer)), came)
    assert setup.brought(newcomer.code) == "học kì I"
    assert setup.brought(OTHER) == ""
    values = _columns("7.0", 1, "6A1", newcomer.code)  # typed from the old school's record
    (result,) = [r for r in student_results(setup, "6A1", values, AFTER_YEAR)
                 if r.code == newcomer.code]  # fmt: skip
    assert result.hk1.averages["TOAN"] == 70
    assert result.notes[0] == (
        "Học sinh chuyển đến từ THCS Lê Lợi từ ngày 02/03/2026; kết quả học kì I nhập theo hồ "
        "sơ của trường cũ"
    )
