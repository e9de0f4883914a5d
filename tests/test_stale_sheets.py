"""Issue 14, item 2: a sheet issued before its class's roster changed (a student moved to another
class, removed, added) is taken for the students still in the class; a leaver's row is flagged and
not merged; re-issuing writes the new copy with the values already accepted."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from tests.helpers import OCTOBER, SCORE, School
from workbook_engine.cli import app
from workbook_engine.io.identity import load_secret
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import ClassRoom, Gender, Setup, SheetKey, Student
from workbook_engine.pipeline.ingest import Outcome, Status
from workbook_engine.pipeline.issue import Status as Issued
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.runner import Pipeline

KEY = SheetKey("6A1", "TOAN", 1)
ROWS = range(8, 20)  # the 12 students of 6A1
MOVER, REMOVED = 2, 5  # positions on the sheet: rows 10 and 13


def _changed(school: School, setup: Setup) -> Setup:
    """The clerk saves the changed setup workbook."""
    write_setup(school.data.setup, setup)
    return setup


def _moved(school: School) -> Setup:
    """6A2 opens with the 6A1 teachers; the third student of 6A1 moves there."""
    setup, mover = school.setup, school.setup.students_of("6A1")[MOVER].code
    room = ClassRoom("6A2", 6, "GV001")
    taught = tuple(
        dataclasses.replace(a, class_code="6A2") for a in setup.assignments if a.class_code == "6A1"
    )
    students = tuple(
        dataclasses.replace(s, class_code="6A2") if s.code == mover else s for s in setup.students
    )
    return _changed(school, dataclasses.replace(setup, classes=(*setup.classes, room),
                    students=students, assignments=(*setup.assignments, *taught)))  # fmt: skip


def _removed(school: School) -> Setup:
    gone = school.setup.students_of("6A1")[REMOVED].code
    students = tuple(s for s in school.setup.students if s.code != gone)
    return _changed(school, dataclasses.replace(school.setup, students=students))


def _joined(school: School) -> Setup:
    new = Student("3125009999", "Nguyễn Văn Mới", date(2014, 5, 1), Gender.MALE, "6A1")
    students = (*school.setup.students, new)
    return _changed(school, dataclasses.replace(school.setup, students=students))


def _send(school: School, sheet: Path, setup: Setup) -> Outcome:
    """The teacher drops ``sheet`` into their Nộp/; the pipeline runs with ``setup``."""
    teacher = school.teacher_of("6A1", "TOAN")
    target = school.share.submit(teacher) / sheet.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sheet, target)
    share = school.share.root
    with Pipeline(school.data, school.inbox, school.outbox, OCTOBER, setup, share) as pipeline:
        (outcome,) = pipeline.process_all([target])
    return outcome


def _fill_copy(school: School, cells: dict[str, object]) -> Path:
    """The teacher types ``cells`` into their working copy in Sổ điểm/ and saves it."""
    copy = school.issued("6A1", "TOAN")
    book = openpyxl.load_workbook(copy)
    for ref, value in cells.items():
        book[SCORE][ref] = value
    book.properties.lastModifiedBy = school.username(school.teacher_of("6A1", "TOAN"))
    book.save(copy)
    return copy


def _accepted(school: School) -> dict[tuple[str, str], str]:
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.pending() == []
        return ledger.scores(KEY)


def _receipt(school: School) -> str:
    folder = school.share.receipts(school.teacher_of("6A1", "TOAN"))
    newest = max(folder.glob("*.html"), key=lambda page: page.stat().st_mtime_ns)
    return newest.read_text(encoding="utf-8")


def _everyone(column: str, value: float) -> dict[str, object]:
    return {f"{column}{row}": value for row in ROWS}


def test_a_student_who_moved_is_flagged_and_the_others_are_merged(school: School) -> None:
    mover = school.setup.students_of("6A1")[MOVER]
    first = _send(school, _fill_copy(school, _everyone("D", 7)), school.setup)
    assert first.status is Status.ACCEPTED and len(_accepted(school)) == 12
    moved = _moved(school)
    # the old copy again: TX2 for everyone, and the mover's TX1 changed (a correction, before)
    outcome = _send(school, _fill_copy(school, {**_everyone("E", 8), "D10": 9}), moved)
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert [(p.code, p.row, p.severity) for p in outcome.problems] == [
        ("student-left-class", 10, "warning"),
        ("roster-outdated", None, "warning"),
    ]
    left, outdated = outcome.problems
    assert left.message == (
        f"học sinh {mover.code} {mover.full_name} đã chuyển sang lớp 6A2 sau khi bảng được "
        "phát: các ô của dòng 10 không được nhận vào lớp 6A1"
    )
    assert outdated.message == (
        "bảng này được phát trước khi danh sách học sinh lớp 6A1 thay đổi; văn phòng chưa phát "
        "lại bảng theo danh sách mới"
    )
    assert len(outcome.changes) == 11
    assert mover.code not in {c.student_code for c in outcome.changes}
    assert {c.status for c in outcome.changes} == {"merged"}
    accepted = _accepted(school)  # nothing lost: his 6A1 TX1 stays, no pending correction
    assert len(accepted) == 12 + 11 and accepted[(mover.code, "TX1")] == "7.0"
    assert (mover.code, "TX2") not in accepted
    receipt = _receipt(school)
    assert f"{mover.full_name} đã chuyển sang lớp 6A2" in receipt and ">C10<" in receipt
    assert "dùng bản phát lại trong thư mục «Sổ điểm»" in receipt


def test_a_removed_student_is_flagged_and_not_merged(school: School) -> None:
    gone = school.setup.students_of("6A1")[REMOVED]
    setup = _removed(school)
    outcome = _send(school, _fill_copy(school, _everyone("D", 6)), setup)
    assert outcome.status is Status.ACCEPTED
    assert [(p.code, p.row) for p in outcome.problems] == [
        ("student-left-class", 13),
        ("roster-outdated", None),
    ]
    assert outcome.problems[0].message.startswith(
        f"học sinh {gone.code} {gone.full_name} không còn trong danh sách học sinh của trường"
    )
    accepted = _accepted(school)
    assert len(accepted) == 11 and gone.code not in {student for student, _ in accepted}


def test_a_student_added_since_is_named_on_the_receipt(school: School) -> None:
    setup = _joined(school)
    outcome = _send(school, _fill_copy(school, _everyone("D", 8)), setup)
    assert outcome.status is Status.ACCEPTED
    assert [p.code for p in outcome.problems] == ["student-missing-from-sheet", "roster-outdated"]
    assert outcome.problems[0].message == (
        "lớp 6A1 có 1 học sinh mới không có trong bảng này: 3125009999 Nguyễn Văn Mới"
    )
    assert len(_accepted(school)) == 12
    assert "3125009999 Nguyễn Văn Mới" in _receipt(school)


def test_the_reissued_copy_carries_the_accepted_values(school: School) -> None:
    stayed = [s.code for i, s in enumerate(school.setup.students_of("6A1")) if i != MOVER]
    old = _fill_copy(school, {**_everyone("D", 7), "E8": 8.5})
    _send(school, old, school.setup)
    moved = _moved(school)
    teacher = school.teacher_of("6A1", "TOAN")
    with Ledger.open_readonly(school.data.ledger) as ledger:
        result = issue_templates(moved, school.share.root, load_secret(school.data.secret), 1,
                                 teacher, ledger=ledger)  # fmt: skip
    (toan,) = [f for f in result.files if f.path.name.startswith("6A1_TOAN_HK1")]
    assert (toan.status, toan.path.name) == (Issued.NEW_VERSION, "6A1_TOAN_HK1_v2.xlsx")
    assert toan.message.endswith("Đã chép 12 ô đã nhận từ sổ điểm vào tệp.")
    ws = openpyxl.load_workbook(toan.path)[SCORE]
    assert [ws.cell(row, 2).value for row in range(8, 19)] == stayed
    assert ws.cell(19, 2).value is None
    assert [ws[f"D{row}"].value for row in range(8, 19)] == [7] * 11
    assert (ws["E8"].value, ws["E9"].value) == (8.5, None)
    # the re-issued copy, opened, saved and sent as it is: no flag, nothing changes
    book = openpyxl.load_workbook(toan.path)
    book.properties.lastModifiedBy = school.username(teacher)
    book.save(toan.path)
    again = _send(school, toan.path, moved)
    assert (again.status, again.problems, again.changes) == (Status.ACCEPTED, [], [])
    # the old copy, kept beside the new one, sent once more: the receipt names the new one
    outcome = _send(school, _fill_copy(school, {"E9": 6}), moved)
    assert outcome.problems[-1].message.endswith(
        "lần sau thầy/cô nhập điểm vào bản phát lại «6A1_TOAN_HK1_v2.xlsx» trong thư mục «Sổ điểm»"
    )


def test_wbe_templates_issue_fills_the_new_copy_from_the_ledger(school: School) -> None:
    gone = school.setup.students_of("6A1")[REMOVED]
    school.ingest(school.fill("6A1", "TOAN", _everyone("D", 6)))  # a copy; Sổ điểm/ stays blank
    _removed(school)
    teacher = school.teacher_of("6A1", "TOAN")
    share, data = str(school.share.root), str(school.data.root)
    args = ["templates", "issue", "--teacher", teacher, "--share", share, "--data-dir", data]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (
        f"Đã cập nhật {school.issued('6A1', 'TOAN').relative_to(school.share.root).as_posix()}: "
        "mẫu cũ chưa có dữ liệu nào. Đã chép 11 ô đã nhận từ sổ điểm vào tệp."
    ) in result.output.replace("\n", " ")
    ws = openpyxl.load_workbook(school.issued("6A1", "TOAN"))[SCORE]
    assert gone.code not in [ws.cell(row, 2).value for row in ROWS]
    assert [ws[f"D{row}"].value for row in range(8, 19)] == [6] * 11
