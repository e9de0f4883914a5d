"""Change control end to end: corrections held, approved or refused, unauthorised edits flagged,
locks, and the tamper-evident log — on real issued sheets through the real pipeline."""

from __future__ import annotations

import sqlite3
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import School, delegate_first_vice
from workbook_engine.cli import app
from workbook_engine.io.master_workbook import LOG_SHEET
from workbook_engine.model import Role
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.pins import set_pin

runner = CliRunner()


def wbe(school: School, *args: str, input: str | None = None) -> tuple[int, str]:
    common = ["--data-dir", str(school.data.root)]
    result = runner.invoke(app, [*args, *common], input=input)
    return result.exit_code, result.output


def pin(school: School, code: str) -> str:
    """Give ``code`` the PIN 2468; the runner's input that types it."""
    set_pin(school.data, code, "246824")
    return "246824\n"


def role(school: School, wanted: Role) -> str:
    return next(t.code for t in school.setup.teachers if wanted in t.roles)


def first_student(school: School) -> str:
    return school.setup.students_of("6A1")[0].code


@pytest.fixture
def corrected(school: School) -> School:
    """6A1 TOAN: TX1 = 6 accepted, then the same copy resubmitted with TX1 = 9 (pending); the
    first vice-principal delegated to decide it."""
    delegate_first_vice(school)
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 9}))
    assert [(c.old, c.new, c.status) for c in outcome.changes] == [("6.0", "9.0", "pending")]
    return school


def test_pending_correction_is_listed_and_approval_applies_it(
    corrected: School, tmp_path_factory: pytest.TempPathFactory
) -> None:
    school = corrected
    code, output = wbe(school, "corrections", "list")
    assert code == 0
    assert "6,0 → 9,0" in output and "Chờ duyệt" in output
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = ledger.pending()
    vice = role(school, Role.VICE_PRINCIPAL)
    outbox = school.outbox
    code, output = wbe(
        school, "corrections", "approve", str(pending.id), "--by", vice,
        "--witness", "Nguyễn Văn Chứng", "--outbox", str(outbox), input=pin(school, vice),
    )  # fmt: skip
    assert code == 0, output
    assert f"Số {pending.id}: Đã duyệt sửa." in output
    record = outbox / "records" / f"bien-ban-sua-diem-{pending.id}.pdf"
    assert record.read_bytes().startswith(b"%PDF")
    with Ledger.open(school.data.ledger) as ledger:
        key = pending.key
        assert ledger.scores(key)[(first_student(school), "TX1")] == "9.0"
        decided = ledger.change(pending.id)
        assert decided is not None
        assert (decided.status, decided.decided_by) == ("approved", vice)
        head = ledger.chain_head()
    index = openpyxl.load_workbook(outbox / "master.xlsx")[LOG_SHEET]
    assert head in str(index["A2"].value)  # a printed master can be checked against the ledger
    (month,) = (outbox / "nhat-ky").glob("*/*.xlsx")
    log = openpyxl.load_workbook(month)[LOG_SHEET]
    assert head in str(log["A2"].value)
    statuses = [log.cell(r, 12).value for r in range(5, log.max_row + 1)]
    assert statuses == ["Đã cập nhật", "Đã duyệt sửa"]


def test_refusal_keeps_the_old_value_and_the_stale_copy_is_not_resent(corrected: School) -> None:
    school = corrected
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = ledger.pending()
    principal = role(school, Role.PRINCIPAL)
    code, output = wbe(school, "corrections", "refuse", str(pending.id), "--by", principal,
                       "--note", "Không có minh chứng", "--outbox", str(school.outbox),
                       input=pin(school, principal))  # fmt: skip
    assert code == 0, output
    # the teacher sends the same copy again (it still says 9): not a new request, not a revert
    target = school.fill("6A1", "TOAN", {"D8": 9, "E8": 7})
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.ACCEPTED
    assert [(c.column, c.status) for c in outcome.changes] == [("TX2", "merged")]
    assert [p.code for p in outcome.problems] == ["stale-copy"]
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(pending.key)[(first_student(school), "TX1")] == "6.0"
        assert ledger.pending() == []


def test_only_the_principal_or_a_vice_principal_decides(corrected: School) -> None:
    school = corrected
    teacher = school.teacher_of("6A1", "TOAN")
    code, output = wbe(school, "corrections", "approve", "2", "--by", teacher)
    assert code == 1
    assert "không có quyền duyệt sửa điểm" in output
    principal = role(school, Role.PRINCIPAL)
    code, output = wbe(school, "corrections", "approve", "99", "--by", principal,
                       "--outbox", str(school.outbox), input=pin(school, principal))  # fmt: skip
    assert code == 1
    assert "không có thay đổi số 99" in output


def test_edit_of_another_teachers_subject_is_flagged_not_merged(school: School) -> None:
    intruder = school.teacher_of("6A1", "NV")
    target = school.fill("6A1", "TOAN", {"D8": 10}, folder=intruder)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.REJECTED
    assert [(c.new, c.status) for c in outcome.changes] == [("10.0", "unauthorised")]
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(outcome.key) == {}
        (flagged,) = ledger.changes()
        assert "được gửi vào thư mục " + intruder in flagged.reason


@pytest.mark.parametrize("named", ["{code} - {name}", "{code}", "{lower} - {name}"])
def test_a_file_in_the_inbox_folder_named_as_the_teacher_s_share_folder_is_theirs(
    school: School, named: str
) -> None:
    """The clerk may copy a teacher's folder from the share (``GV005 - Lê Tuệ Thảo``) into the
    inbox: its code decides whose it is."""
    code = school.teacher_of("6A1", "TOAN")
    name = school.setup.teacher_by_code(code).full_name
    folder = named.format(code=code, lower=code.lower(), name=name)
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 8}, folder=folder))
    assert outcome.status is Status.ACCEPTED, outcome.problems


def test_an_inbox_folder_of_another_teacher_with_this_teacher_s_name_is_not_theirs(
    school: School,
) -> None:
    """The code decides, not the name after it: the intruder's code with the owner's name."""
    owner, intruder = school.teacher_of("6A1", "TOAN"), school.teacher_of("6A1", "NV")
    folder = f"{intruder} - {school.setup.teacher_by_code(owner).full_name}"
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 10}, folder=folder))
    assert outcome.status is Status.REJECTED
    assert [c.status for c in outcome.changes] == ["unauthorised"]


def test_roster_rename_is_flagged(school: School) -> None:
    target = school.fill("6A1", "TOAN", {"D8": 7, "C9": "Tên Đã Sửa"})
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == ["roster-changed"]
    assert {c.status for c in outcome.changes} == {"unauthorised"}


def test_principal_lock_rejects_and_unlock_reopens(school: School) -> None:
    principal = role(school, Role.PRINCIPAL)
    typed = pin(school, principal)
    args = ("lock", "--semester", "1", "--class", "6A1", "--by", principal)
    code, output = wbe(school, *args, input=typed)  # nothing entered yet: refused, located
    assert code == 1 and "chưa khóa học kì 1 lớp 6A1: còn" in output
    assert "6A1 – Toán – HK1 – TX1: thiếu" in output
    code, output = wbe(school, *args, "--force", input=typed)
    assert code == 1 and "cần ghi lí do" in output
    code, output = wbe(school, *args, "--force", "--note", "Khóa để thử", input=typed)
    assert code == 0, output
    assert "Đã khóa sổ học kì 1 lớp 6A1" in output and "lí do: Khóa để thử" in output
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7}))
    assert [p.code for p in outcome.problems] == ["period-locked"]
    (other,) = school.ingest(school.fill("7A1", "TOAN", {"D8": 7}))
    assert other.status is Status.ACCEPTED  # only 6A1 was locked
    teacher = school.teacher_of("6A1", "TOAN")
    code, output = wbe(school, "unlock", "--semester", "1", "--by", teacher)
    assert code == 1 and "không có quyền khóa, mở sổ" in output
    code, _ = wbe(school, "unlock", "--semester", "1", "--class", "6A1", "--by", principal,
                  input=typed)  # fmt: skip
    assert code == 0
    (again,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7}))  # the very same file
    assert again.status is Status.ACCEPTED
    assert [(c.new, c.status) for c in again.changes] == [("7.0", "merged")]


def test_unlock_overrides_the_calendar_lock(school: School) -> None:
    february = date(2026, 2, 1)  # the calendar locks semester 1 from 24/01/2026
    (locked,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7}), today=february)
    assert [p.code for p in locked.problems] == ["period-locked"]
    principal = role(school, Role.PRINCIPAL)
    code, output = wbe(school, "unlock", "--semester", "1", "--by", principal,
                       input=pin(school, principal))  # fmt: skip
    assert code == 0, output
    (opened,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7}), today=february)
    assert opened.status is Status.ACCEPTED


def test_log_verify_passes_on_a_normal_run_and_fails_on_a_tampered_ledger(
    corrected: School,
) -> None:
    school = corrected
    code, output = wbe(school, "log", "verify")
    assert code == 0, output
    assert "Nhật ký nguyên vẹn:" in output
    raw = sqlite3.connect(school.data.ledger)
    raw.execute("UPDATE changes SET new = '10.0' WHERE id = 1")  # someone "fixes" a score
    raw.commit()
    raw.close()
    code, output = wbe(school, "log", "verify")
    assert code == 1
    assert "nhật ký không còn nguyên vẹn: bảng changes, dòng 1" in output


def test_typing_over_the_average_formula_is_flagged(school: School) -> None:
    target = school.fill("6A1", "TOAN", {"D8": 7, "J9": 9.5})  # J: ĐTBmhk (4 TX in D..G)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.REJECTED
    assert [(p.code, f"{p.column}{p.row}") for p in outcome.problems] == [("formula-changed", "J9")]
    assert "tệp ghi «9.5»" in outcome.problems[0].message
    assert [c.status for c in outcome.changes] == ["unauthorised"]
