"""The principal approves semester and year results (``wbe results approve``): refused without
the principal's own PIN or while a result cannot be computed; recorded in the hash chain; the
master then shows the approved values, and a later correction that would change them is flagged
(master and day report) until the principal approves again."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from tests.helpers import School, master_sheet
from tests.test_master_results import (
    CLASS,
    FIRST_ROW,
    HK1_OVER,
    MASTER_ROW,
    block_start,
    semester_one,
)
from workbook_engine.approvals import approval_changes, approval_entry, approved_result
from workbook_engine.cli import app
from workbook_engine.io.master_workbook import (
    SUMMARY_GROUPS,
    SUMMARY_SHEET,
    SUMMARY_TITLE,
    proposal_text,
)
from workbook_engine.model import ChangeStatus, Role, Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.pins import set_pin
from workbook_engine.render.publish import publish
from workbook_engine.results import SemesterResult, StudentResult, YearResult
from workbook_engine.rules import AssessmentMode, Award, Comment, Level, Outcome

runner = CliRunner()
PIN = "246824"
TODAY = HK1_OVER.isoformat()  # semester 1 is over, semester 2 has not begun
# «Ghi chú duyệt»: the column after those of the «Tổng hợp» block, once approved
NOTE_COLUMN = sum(len(heads) for _, heads in SUMMARY_GROUPS)
FIRST_NOTE = "Thay đổi sau khi duyệt: HKI học tập Khá → Tốt; HKI ĐTB GDCD 6,0 → 7,3"


def score_cells(setup: Setup, subject_code: str, changed: dict[tuple[int, str], Any] | None = None
                ) -> dict[str, Any]:  # fmt: skip
    """Semester 1 of one subject for every student of the class: the first has 6 in GDCD and 8
    elsewhere (Khá), every other student 9 (Tốt); ``changed`` overrides (student index, column),
    None leaving the cell blank."""
    subject = next(s for s in setup.subjects if s.code == subject_code)
    scored = subject.mode is AssessmentMode.SCORE
    cells: dict[str, Any] = {}
    for index, _ in enumerate(setup.students_of(CLASS)):
        value = (6 if subject_code == "GDCD" else 8) if index == 0 else 9
        for i, column in enumerate(subject.columns):
            cell = value if scored else "Đ"
            cell = (changed or {}).get((index, column), cell)
            if cell is not None:
                cells[f"{get_column_letter(4 + i)}{FIRST_ROW + index}"] = cell
    return cells


@pytest.fixture(scope="module")
def complete(
    tmp_path_factory: pytest.TempPathFactory, small_school: Setup, school_data: Path
) -> Path:
    """A data directory where 6A1 has every input of semester 1 (every subject of every
    student, the conduct, every month's attendance); the other classes have none."""
    size = len(small_school.students_of(CLASS))
    conduct: dict[str, object] = {
        f"D{FIRST_ROW + i}": "Khá" if i == 1 else "Tốt" for i in range(size)
    }
    root = tmp_path_factory.mktemp("approval")
    return semester_one(root, small_school, school_data, conduct, score_cells).data.root


@pytest.fixture
def school(tmp_path: Path, small_school: Setup, complete: Path) -> School:
    data = DataDir(tmp_path / "data")
    shutil.copytree(complete, data.root)
    return School(small_school, data, tmp_path / "inbox", tmp_path / "outbox")


def wbe(school: School, *args: str, input: str | None = None) -> tuple[int, str]:
    common = ["--data-dir", str(school.data.root)]
    result = runner.invoke(app, [*args, *common], input=input)
    return result.exit_code, result.output


def approve(school: School, *args: str, by: str | None = None, typed: str = PIN) -> tuple[int, str]:
    """``wbe results approve ARGS --by BY`` on :data:`TODAY`, typing ``typed`` as the PIN."""
    by = by or principal(school)
    return wbe(school, "results", "approve", *args, "--by", by, "--today", TODAY,
               "--outbox", str(school.outbox), input=f"{typed}\n")  # fmt: skip


def role(school: School, wanted: Role) -> str:
    return next(t.code for t in school.setup.teachers if wanted in t.roles)


def principal(school: School) -> str:
    return role(school, Role.PRINCIPAL)


def with_pin(school: School, code: str) -> str:
    set_pin(school.data, code, PIN)
    return code


def approvals(school: School) -> dict[str, Any]:
    with Ledger.open(school.data.ledger) as ledger:
        return dict(ledger.approved_results(CLASS))


def master(school: School) -> openpyxl.Workbook:
    return openpyxl.load_workbook(school.outbox / "master.xlsx")


def summary_row(ws: Worksheet, index: int, width: int = NOTE_COLUMN + 1) -> list[Any]:
    start = block_start(ws, SUMMARY_TITLE)
    return [ws.cell(MASTER_ROW + index, start + i).value for i in range(width)]


def class_row(book: openpyxl.Workbook) -> list[Any]:
    ws = book[SUMMARY_SHEET]
    return next(list(r) for r in ws.iter_rows(min_row=7, values_only=True) if r[0] == CLASS)


def correct_first_gdcd_ck(school: School, new: Any = 9) -> None:
    """The GDCD teacher resends 6A1 GDCD with the first student's CK changed from 6 (a pending
    correction), which the vice-principal approves."""
    changed = school.fill(CLASS, "GDCD", score_cells(school.setup, "GDCD", {(0, "CK"): new}))
    (outcome,) = school.ingest(changed, today=HK1_OVER)
    assert [c.status for c in outcome.changes] == [ChangeStatus.PENDING]
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = ledger.pending()
        with ledger.transaction():
            ledger.decide(pending.id, ChangeStatus.APPROVED, role(school, Role.VICE_PRINCIPAL))
        publish(ledger, school.setup, school.outbox, today=HK1_OVER)


def test_only_the_principal_approves_and_with_their_own_pin(school: School) -> None:
    vice = with_pin(school, role(school, Role.VICE_PRINCIPAL))
    code, output = approve(school, "--semester", "1", "--class", CLASS, by=vice)
    assert code == 1
    assert "không có quyền duyệt kết quả học tập, rèn luyện (cần vai trò: Hiệu trưởng)" in output
    code, output = approve(school, "--semester", "1", "--class", CLASS)
    assert code == 1 and "chưa đặt mã PIN" in output  # the principal has no PIN yet
    with_pin(school, principal(school))
    code, output = approve(school, "--semester", "1", "--class", CLASS, typed="999999")
    assert code == 1 and "không đúng; lệnh không được thực hiện" in output
    assert approvals(school) == {}
    assert (school.data.root / "wbe.log").read_text("utf-8").count("Nhập sai mã PIN") == 1


def test_a_period_must_be_chosen_and_the_year_must_be_over(school: School) -> None:
    with_pin(school, principal(school))
    for args in ([], ["--semester", "1", "--year"]):
        code, output = approve(school, *args)
        assert code == 1 and "cần chọn đúng một kì để duyệt kết quả" in output
    code, output = approve(school, "--year")
    assert code == 1
    assert "năm học kết thúc ngày 31/05/2026; kết quả cả năm và đề nghị lên lớp chỉ" in output
    code, output = approve(school, "--semester", "1", "--class", "6Z9")
    assert code == 1 and "6Z9" in output
    assert approvals(school) == {}


def test_a_class_whose_results_cannot_all_be_computed_is_refused(school: School) -> None:
    with_pin(school, principal(school))
    code, output = approve(school, "--semester", "1")  # every class: only 6A1 is complete
    assert code == 1
    assert "6A1 HKI: đã duyệt 12 học sinh" in output
    size = len(school.setup.students_of("7A1"))
    assert f"lớp 7A1, HKI: {size} học sinh chưa tính được kết quả, lớp chưa được duyệt" in output
    assert "còn thiếu: Điểm danh tháng 09/2025: chưa xác nhận, quá hạn 05/10/2025;" in output
    assert "lớp 8A1, HKI:" in output and "lớp 9A1, HKI:" in output
    code, output = approve(school, "--semester", "2", "--class", CLASS)
    assert code == 1 and "học kì 2 kết thúc ngày 31/05/2026" in output  # not begun, even
    assert list(approvals(school)) == ["HK1"]


def test_a_student_with_a_missing_score_keeps_the_class_from_approval(school: School) -> None:
    """The Toán teacher clears the second student's CK (an approved correction): that student's
    semester 1 cannot be computed, and the refusal names them and what is missing."""
    cells = score_cells(school.setup, "TOAN", {(1, "CK"): None})
    (outcome,) = school.ingest(school.fill(CLASS, "TOAN", cells), today=HK1_OVER)
    assert [(c.new, c.status) for c in outcome.changes] == [(None, ChangeStatus.PENDING)]
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = ledger.pending()
        with ledger.transaction():
            ledger.decide(pending.id, ChangeStatus.APPROVED, principal(school))
    with_pin(school, principal(school))
    code, output = approve(school, "--semester", "1", "--class", CLASS)
    assert code == 1
    second = school.setup.students_of(CLASS)[1]
    assert f"lớp {CLASS}, HKI: 1 học sinh chưa tính được kết quả" in output
    assert f"còn thiếu: {second.full_name} ({second.code}): Toán HK1: thiếu CK" in output
    assert approvals(school) == {}


def test_an_approval_is_chained_and_a_tampered_snapshot_is_detected(school: School) -> None:
    head = with_pin(school, principal(school))
    code, output = approve(school, "--semester", "1", "--class", CLASS, "--note", "Hội đồng")
    assert code == 0, output
    assert f"{CLASS} HKI: đã duyệt 12 học sinh" in output.splitlines()
    students = school.setup.students_of(CLASS)
    with Ledger.open(school.data.ledger) as ledger:
        (snapshot, by, _) = ledger.approved_results(CLASS)["HK1"]
        assert by == head
        assert ledger.verify() is None
        assert ledger.events()[-1].kind == "result_approval"
    assert list(snapshot) == [s.code for s in students]
    assert snapshot[students[0].code] == {
        "learning": "Khá", "conduct": "Tốt", "excused": "2", "unexcused": "1",
        "outcome": "", "re_exam": "", "award": "",
        "averages": "NV 8,0; TOAN 8,0; NN1 8,0; GDCD 6,0; LSDL 8,0; KHTN 8,0; CN 8,0; "
                    "TIN 8,0; GDTC Đ; NT Đ; HDTN Đ; GDDP Đ",
    }  # fmt: skip
    assert snapshot[students[1].code]["conduct"] == "Khá"
    assert {snapshot[s.code]["learning"] for s in students[1:]} == {"Tốt"}
    code, output = wbe(school, "results", "list")
    assert code == 0
    name = school.setup.find_teacher(head).full_name  # type: ignore[union-attr]
    assert f"{CLASS} | HKI | {name} ({head}) | " in output
    assert "| 12 học sinh | mã " in output and "| Hội đồng" in output
    raw = sqlite3.connect(school.data.ledger)
    raw.execute("UPDATE result_approvals SET snapshot = replace(snapshot, 'Khá', 'Tốt')")
    raw.commit()
    raw.close()
    code, output = wbe(school, "log", "verify")
    assert code == 1
    assert "bảng result_approvals, dòng 1: khác với chuỗi nhật ký (bị sửa)" in output


def test_the_master_shows_the_approved_results_and_the_class_as_approved(school: School) -> None:
    head = with_pin(school, principal(school))
    assert approve(school, "--semester", "1", "--class", CLASS)[0] == 0
    _, _, at = approvals(school)["HK1"]
    day = f"{at[8:10]}/{at[5:7]}/{at[:4]}"
    name = school.setup.find_teacher(head).full_name  # type: ignore[union-attr]
    book, ws = master(school), master_sheet(school.outbox, CLASS)
    assert ws.cell(3, 1).value == (
        f"Kết quả đã được Hiệu trưởng duyệt — HKI: Đã duyệt (ngày {day}, {name})"
    )
    start = block_start(ws, SUMMARY_TITLE)
    assert start + NOTE_COLUMN == ws.max_column  # «Ghi chú duyệt» ends the block
    assert ws.cell(6, start + NOTE_COLUMN).value == "Ghi chú duyệt"
    assert summary_row(ws, 0) == [2, 1, "Khá", None, None, "Tốt", *[None] * (NOTE_COLUMN - 5)]
    assert summary_row(ws, 1)[2:6] == ["Tốt", None, None, "Khá"]
    assert ws.cell(5, start + NOTE_COLUMN).value == "Phê duyệt"
    row = class_row(book)
    assert row[-1] == f"HKI: Đã duyệt (ngày {day}, {name})"
    assert row[2:6] == [11, 1, 0, 0]  # HK1 learning: 11 Tốt, 1 Khá
    assert book[SUMMARY_SHEET].cell(6, len(row)).value == "Phê duyệt"


def test_a_later_correction_is_flagged_until_the_principal_approves_again(
    school: School,
) -> None:
    with_pin(school, principal(school))
    assert approve(school, "--semester", "1", "--class", CLASS)[0] == 0
    correct_first_gdcd_ck(school)  # GDCD 6 → 7.3: the first student is now Tốt
    book, sheet = master(school), master_sheet(school.outbox, CLASS)
    first = summary_row(sheet, 0)
    assert first[2] == "Khá"  # frozen: the approved value
    assert first[NOTE_COLUMN] == FIRST_NOTE
    assert summary_row(sheet, 1)[NOTE_COLUMN] is None
    row = class_row(book)
    assert row[2:6] == [11, 1, 0, 0]  # counted as approved
    assert str(row[-1]).endswith(", 1 học sinh thay đổi sau khi duyệt")
    report = school.outbox / "reports" / "diff" / f"{TODAY}.html"
    alert = f"lớp {CLASS} (HKI: 1 học sinh)"
    assert alert in report.read_text("utf-8")

    code, output = approve(school, "--semester", "1", "--class", CLASS)  # approved again
    assert code == 0, output
    book = master(school)
    first = summary_row(master_sheet(school.outbox, CLASS), 0)
    assert first[2] == "Tốt" and first[NOTE_COLUMN] is None
    assert class_row(book)[2:6] == [12, 0, 0, 0]
    assert "thay đổi sau khi duyệt" not in str(class_row(book)[-1])
    assert alert not in report.read_text("utf-8")  # today's report was written again
    code, output = wbe(school, "results", "list", "--class", CLASS)
    first_line, second_line = [line for line in output.splitlines() if line.startswith(CLASS)]
    assert first_line.endswith("| đã được thay bằng lần duyệt sau")
    assert "thay bằng" not in second_line
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.verify() is None
        snapshot = ledger.approved_results(CLASS)["HK1"].snapshot
    assert snapshot[school.setup.students_of(CLASS)[0].code]["learning"] == "Tốt"


def test_a_year_approval_freezes_the_proposal_and_the_award() -> None:
    """Pure: what an approval of the year records, how the master restores it (the proposal
    and its re-exam subjects, the award), and how a change since is described."""
    half = SemesterResult({}, Level.K, Level.T, 3, 1)
    year = YearResult({}, Level.CD, Level.T, 6, 2, Outcome.RE_EXAM, ["TOAN", "NV"], None,
                      "Kết quả học tập cả năm Chưa đạt")  # fmt: skip
    result = StudentResult("HS1", "Tên", half, half, year, [])
    entry = approval_entry(result, "CN")
    assert entry == {
        "learning": "Chưa đạt", "conduct": "Tốt", "excused": "6", "unexcused": "2",
        "outcome": "Kiểm tra lại", "re_exam": "TOAN, NV", "award": "", "averages": "",
    }  # fmt: skip
    assert approval_entry(result, "HK2")["outcome"] == ""  # a semester has no proposal
    assert approval_changes(result, "CN", entry) == []
    # recomputed now (a re-exam subject corrected): promoted, awarded, one absence less
    now = YearResult({}, Level.T, Level.T, 5, 2, Outcome.PROMOTED, [], Award.GOOD)
    later = StudentResult("HS1", "Tên", half, half, now, [])
    assert approval_changes(later, "CN", entry) == [
        "CN học tập Chưa đạt → Tốt",
        "CN nghỉ có phép 6 → 5",
        "CN đề nghị Kiểm tra lại → Lên lớp",
        "CN kiểm tra lại TOAN, NV → (trống)",
        "CN danh hiệu (trống) → Học sinh Giỏi",
    ]
    shown = approved_result(later, {"CN": ({"HS1": entry}, "GV001", "2026-06-05T09:00:00")})
    assert (shown.year.learning, shown.year.outcome, shown.year.award) == (
        Level.CD, Outcome.RE_EXAM, None
    )  # fmt: skip
    assert (shown.year.re_exam, shown.year.excused, shown.hk1) == (["TOAN", "NV"], 6, half)
    assert proposal_text(shown.year, {"TOAN": "Toán", "NV": "Ngữ văn"}) == (
        "Kiểm tra lại: Toán, Ngữ văn"
    )
    # a semester approved: the year's absences so far add the approved semester to the other
    hk1 = approval_entry(result, "HK1") | {"excused": "1"}
    frozen = approved_result(result, {"HK1": ({"HS1": hk1}, "GV001", "2026-01-20T08:00:00")})
    assert (frozen.hk1.excused, frozen.year.excused, frozen.year.outcome) == (
        1, 4, Outcome.RE_EXAM
    )  # fmt: skip
    assert approval_changes(result, "HK1", None) == [
        "HKI: học sinh không có trong kết quả đã duyệt"
    ]


def test_a_semester_is_approved_only_once_it_has_ended(school: School) -> None:
    with_pin(school, principal(school))
    args = ("results", "approve", "--semester", "1", "--class", CLASS, "--by", principal(school))
    code, output = wbe(school, *args, "--today", "2026-01-05", input=f"{PIN}\n")
    assert code == 1 and "học kì 1 kết thúc ngày 17/01/2026" in output
    assert approvals(school) == {}


def test_a_class_with_a_correction_still_waiting_is_not_approved(school: School) -> None:
    with_pin(school, principal(school))
    changed = school.fill(CLASS, "GDCD", score_cells(school.setup, "GDCD", {(0, "CK"): 9}))
    school.ingest(changed, today=HK1_OVER)  # pending: nobody decided it yet
    code, output = approve(school, "--semester", "1", "--class", CLASS)
    assert code == 1 and f"lớp {CLASS} còn 1 đề nghị sửa điểm chưa được quyết định" in output
    assert approvals(school) == {}


def test_a_moved_subject_average_is_flagged_and_older_approvals_are_not() -> None:
    """Pure: the snapshot holds every subject's average (or Đ/CĐ); a correction that moves one
    without changing a level is still a change to what was approved. An approval recorded before
    averages were (no such field) is compared on the fields it holds."""
    half = SemesterResult({"TOAN": 65, "NV": 70, "GDTC": Comment.D}, Level.K, Level.T, 0, 0)
    year = YearResult({}, None, None, 0, 0)
    entry = approval_entry(StudentResult("HS1", "Tên", half, half, year, []), "HK1")
    assert entry["averages"] == "TOAN 6,5; NV 7,0; GDTC Đ"
    moved = SemesterResult({"TOAN": 67, "NV": 70, "GDTC": Comment.CD}, Level.K, Level.T, 0, 0)
    later = StudentResult("HS1", "Tên", moved, half, year, [])
    assert approval_changes(later, "HK1", entry) == [
        "HKI ĐTB TOAN 6,5 → 6,7",
        "HKI ĐTB GDTC Đ → CĐ",
    ]
    older = {k: v for k, v in entry.items() if k != "averages"}
    assert approval_changes(later, "HK1", older) == []
