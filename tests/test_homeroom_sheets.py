"""The homeroom teacher's attendance and conduct sheets go through the same inbox as scores,
checked against their kinds' specs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import School, master_sheet
from workbook_engine.io.class_sheets import conduct_identity
from workbook_engine.io.identity import load_or_create_secret
from workbook_engine.io.kind_sheet import write_sheet
from workbook_engine.io.kinds import KINDS, values
from workbook_engine.io.kinds.homeroom import attendance_identity
from workbook_engine.model import SheetKey
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Outcome, Status
from workbook_engine.results import student_results

SEPTEMBER = "6A1_DiemDanh_2025-09_HK1.xlsx"
CONDUCT = "6A1_RenLuyen_HK1.xlsx"


def homeroom(school: School) -> str:
    return school.setup.class_by_code("6A1").homeroom_teacher


def drop(school: School, issued: Path, cells: dict[str, object], teacher: str) -> Path:
    """The issued sheet filled with openpyxl, saved by ``teacher``, in their inbox folder."""
    book = openpyxl.load_workbook(issued)
    ws = book.worksheets[0]
    for ref, value in cells.items():
        ws[ref] = value
    book.properties.lastModifiedBy = school.username(teacher)
    target = school.inbox / teacher / issued.name
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def located(outcome: Outcome) -> list[tuple[str, str]]:
    return [(p.code, f"{p.column}{p.row}") for p in outcome.problems]


def test_attendance_marks_are_checked_cell_by_cell(school: School) -> None:
    teacher = homeroom(school)
    issued = school.sheets(teacher) / SEPTEMBER
    # H = Friday 5 September (the first school day), J = Sunday 7, G = 4 September (before)
    cells = {"H8": "x", "K8": "có phép", "L8": 1, "J8": "P", "G9": "K", "H9": "p"}
    (returned,) = school.ingest(drop(school, issued, cells, teacher))
    assert returned.status is Status.REJECTED
    assert located(returned) == [
        ("cell-closed", "J8"),
        ("cell-closed", "G9"),
        ("mark-invalid", "H8"),
        ("mark-invalid", "K8"),
        ("mark-invalid", "L8"),
    ]
    assert "«có phép» không phải kí hiệu điểm danh (chỉ ghi P, K)" in str(returned.problems[3])

    (accepted,) = school.ingest(drop(school, issued, {"H8": "P", "H9": "k ", "K9": "K"}, teacher))
    assert accepted.status is Status.ACCEPTED, [str(p) for p in accepted.problems]
    first, second = (s.code for s in school.setup.students_of("6A1")[:2])
    with Ledger.open(school.data.ledger) as ledger:
        stored = ledger.scores(SheetKey("6A1", "DIEMDANH-2025-09", 1))
    assert stored == {
        (first, "2025-09-05"): "P",
        (second, "2025-09-05"): "K",
        (second, "2025-09-08"): "K",
    }


def test_conduct_levels_are_stored_and_shown_in_the_master(school: School) -> None:
    teacher = homeroom(school)
    issued = school.sheets(teacher) / CONDUCT
    (returned,) = school.ingest(drop(school, issued, {"D8": "Giỏi", "D9": "tốt"}, teacher))
    assert located(returned) == [("level-invalid", "D8")]
    (accepted,) = school.ingest(
        drop(school, issued, {"D8": "Khá", "E8": "Cần cố gắng hơn", "D9": "tốt"}, teacher)
    )
    assert accepted.status is Status.ACCEPTED
    master = master_sheet(school.outbox, "6A1")
    start = next(c.column for c in master[4] if c.value == "Rèn luyện")
    assert [master.cell(r, start).value for r in (5, 6, 7, 8)] == [
        "Học kì I", "KQRL", "Khá", "Tốt"
    ]  # fmt: skip
    assert master.cell(7, start + 1).value == "Cần cố gắng hơn"


def test_a_sheet_issued_to_a_teacher_who_is_not_the_homeroom_teacher_is_flagged(
    school: School,
) -> None:
    other = next(t.code for t in school.setup.teachers if t.code != homeroom(school))
    forged = replace(conduct_identity(school.setup, "6A1", 1), teacher_code=other)
    path = school.sheets(other) / CONDUCT
    secret = load_or_create_secret(school.data.secret)
    write_sheet(path, school.setup, KINDS.require("conduct"), forged, secret)
    (outcome,) = school.ingest(drop(school, path, {"D8": "Tốt"}, other))
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == ["not-homeroom"]
    assert [c.status for c in outcome.changes] == ["unauthorised"]  # recorded, never merged


def test_receipts_and_reports_name_the_sheet_not_its_ledger_key(school: School) -> None:
    teacher = homeroom(school)
    issued = school.sheets(teacher) / SEPTEMBER
    (accepted,) = school.ingest(drop(school, issued, {"H8": "P"}, teacher))
    receipt = next(school.share.receipts(teacher).glob("* 6A1_DiemDanh_2025-09_HK1.html"))
    page = receipt.read_text("utf-8")
    assert "<th>Nội dung</th><td>Điểm danh tháng 09/2025</td>" in page
    assert "DIEMDANH-" not in page
    day = accepted.at[:10]
    report = (school.outbox / "reports" / "diff" / f"{day}.html").read_text("utf-8")
    assert '<span class="subject">Điểm danh tháng 09/2025</span>' in report


def test_both_attendance_totals_keep_their_formulas(school: School) -> None:
    teacher = homeroom(school)
    issued = school.sheets(teacher) / SEPTEMBER
    # a teacher types the totals over the formulas of the first two students
    cells = {"H8": "P", "AH8": 1, "AI9": 0}
    (returned,) = school.ingest(drop(school, issued, cells, teacher))
    assert located(returned) == [("formula-changed", "AH8"), ("formula-changed", "AI9")]


def test_a_mark_on_a_holiday_is_refused_where_it_stands(school: School) -> None:
    """The calendar's «Ngày nghỉ» rows close their days like Sundays: 1 January 2026 (Tết
    Dương lịch, column D) is grey and takes no mark; 2 January (E) does."""
    teacher = homeroom(school)
    issued = school.sheets(teacher) / "6A1_DiemDanh_2026-01_HK1.xlsx"
    (returned,) = school.ingest(
        drop(school, issued, {"D8": "P", "E8": "K"}, teacher), today=date(2026, 1, 10)
    )
    assert returned.status is Status.REJECTED
    assert located(returned) == [("cell-closed", "D8")]
    (accepted,) = school.ingest(drop(school, issued, {"E8": "K"}, teacher), today=date(2026, 1, 10))
    assert accepted.status is Status.ACCEPTED, [str(p) for p in accepted.problems]


def test_a_month_confirmed_after_its_window_is_accepted_with_a_warning(school: School) -> None:
    """September's window is 1–5 October: sent on the 7th, the receipt says its P marks count
    as K; a later sheet of the same month (already confirmed, late) says nothing more."""
    teacher = homeroom(school)
    issued = school.sheets(teacher) / SEPTEMBER
    (late,) = school.ingest(drop(school, issued, {"H8": "P"}, teacher), today=date(2025, 10, 7))
    assert late.status is Status.ACCEPTED
    (warning,) = [p for p in late.problems if p.code == "attendance-late"]
    assert warning.message == (
        "điểm danh tháng 09/2025 được xác nhận sau hạn 05/10/2025: các buổi nghỉ có phép (P) "
        "của tháng này được tính là nghỉ không phép (K)"
    )
    (again,) = school.ingest(
        drop(school, issued, {"H8": "P", "H9": "K"}, teacher), today=date(2025, 10, 8)
    )
    assert again.status is Status.ACCEPTED
    assert "attendance-late" not in {p.code for p in again.problems}


def test_a_month_confirmed_in_its_window_has_no_warning(school: School) -> None:
    teacher = homeroom(school)
    issued = school.sheets(teacher) / SEPTEMBER
    (on_time,) = school.ingest(drop(school, issued, {"H8": "P"}, teacher), today=date(2025, 10, 5))
    assert on_time.status is Status.ACCEPTED
    assert [p.code for p in on_time.problems] == []


@pytest.fixture
def own_marks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The school adds «Ô» (nghỉ ốm có giấy, counted as P) and «M» (đi học muộn, no absence)."""
    rules = {**values.sheet_rules(), "attendance": {"marks": [
        {"mark": "P", "counts": "P", "label": "nghỉ có phép"},
        {"mark": "K", "counts": "K", "label": "nghỉ không phép"},
        {"mark": "Ô", "counts": "P", "label": "nghỉ ốm có giấy"},
        {"mark": "M", "counts": "", "label": "đi học muộn"},
    ]}}  # fmt: skip
    monkeypatch.setattr(values, "sheet_rules", lambda: rules)
    values.attendance_marks.cache_clear()
    values.mark_type.cache_clear()
    yield
    values.attendance_marks.cache_clear()
    values.mark_type.cache_clear()


@pytest.mark.usefixtures("own_marks")
def test_marks_the_school_adds_are_offered_stored_and_counted(school: School) -> None:
    teacher = homeroom(school)
    path = school.sheets(teacher) / "6A1_DiemDanh_2025-09_HK1_own.xlsx"
    identity = attendance_identity(school.setup, "6A1", 1, 2025, 9)
    write_sheet(path, school.setup, KINDS.require("attendance"), identity,
                load_or_create_secret(school.data.secret))  # fmt: skip
    sheet = openpyxl.load_workbook(path).worksheets[0]
    offered = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert offered and offered[0].formula1 == '"P,K,Ô,M"'
    assert sheet["AH8"].value == '=COUNTIF(D8:AG8,"P")+COUNTIF(D8:AG8,"Ô")'  # «Có phép (P)»
    # H = Friday 5 September, I = Saturday 6, K = Monday 8
    (outcome,) = school.ingest(
        drop(school, path, {"H8": "ô", "I8": "M", "K8": "K", "H9": "x"}, teacher),
        today=date(2025, 10, 3),
    )
    assert located(outcome) == [("mark-invalid", "H9")]
    assert "(chỉ ghi P, K, Ô, M)" in outcome.problems[0].message
    (outcome,) = school.ingest(
        drop(school, path, {"H8": "ô", "I8": "M", "K8": "K"}, teacher), today=date(2025, 10, 3)
    )
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    code = school.setup.students_of("6A1")[0].code
    with Ledger.open(school.data.ledger) as ledger:
        stored = ledger.scores(SheetKey("6A1", "DIEMDANH-2025-09", 1))
        cells = ledger.scores_of_class("6A1")
    assert stored == {(code, "2025-09-05"): "Ô", (code, "2025-09-06"): "M",
                      (code, "2025-09-08"): "K"}  # fmt: skip
    (result,) = [r for r in student_results(school.setup, "6A1", cells, date(2025, 10, 3))
                 if r.code == code]  # fmt: skip
    assert (result.hk1.excused, result.hk1.unexcused) == (1, 1)  # Ô as P, M no absence


def test_a_changed_roster_on_an_attendance_sheet_is_located(school: School) -> None:
    teacher = homeroom(school)
    issued = school.sheets(teacher) / SEPTEMBER
    students = school.setup.students_of("6A1")
    last = 8 + len(students)  # the row after the roster
    cells = {"C8": "Nguyễn Văn Khác", "B10": None, "C10": None, f"B{last}": "9999",
             f"C{last}": "Học Sinh Mới", "H8": "P"}  # fmt: skip
    (returned,) = school.ingest(drop(school, issued, cells, teacher), today=date(2025, 10, 3))
    assert returned.status is Status.REJECTED
    assert located(returned) == [
        ("roster-changed", "C8"),
        ("roster-row-removed", "B10"),
        ("roster-row-added", f"B{last}"),
    ]
    assert f"«{students[0].code} Nguyễn Văn Khác»" in returned.problems[0].message


def test_a_change_to_a_confirmed_month_waits_for_approval_like_a_score(school: School) -> None:
    """5 September was confirmed P on 3 October; the sheet sent again with K there is a
    correction: held, listed for the approvers, merged only once approved."""
    from tests.test_change_control import pin, role, wbe
    from workbook_engine.model import Role

    teacher = homeroom(school)
    issued = school.sheets(teacher) / SEPTEMBER
    school.ingest(drop(school, issued, {"H8": "P"}, teacher), today=date(2025, 10, 3))
    (changed,) = school.ingest(
        drop(school, issued, {"H8": "K", "H9": "P"}, teacher), today=date(2025, 10, 20)
    )
    assert changed.status is Status.ACCEPTED
    assert sorted((c.column, c.old or "", c.new, c.status) for c in changed.changes) == [
        ("2025-09-05", "", "P", "pending"),  # a mark added after 5 October: held too
        ("2025-09-05", "P", "K", "pending"),
    ]
    (added,) = [p for p in changed.problems if p.code == "attendance-added-late"]
    assert added.message == (
        "1 ô điểm danh tháng 09/2025 được thêm sau hạn xác nhận 05/10/2025: chờ Hiệu trưởng "
        "duyệt như sửa điểm"
    )
    key = SheetKey("6A1", "DIEMDANH-2025-09", 1)
    first, second = (s.code for s in school.setup.students_of("6A1")[:2])
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(key)[(first, "2025-09-05")] == "P"  # held
        assert (second, "2025-09-05") not in ledger.scores(key)  # held, not merged
        (pending,) = [c for c in ledger.pending() if c.student_code == first]
    principal = role(school, Role.PRINCIPAL)
    code, output = wbe(school, "corrections", "approve", str(pending.id), "--by", principal,
                       "--outbox", str(school.outbox), input=pin(school, principal))  # fmt: skip
    assert code == 0, output
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(key)[(first, "2025-09-05")] == "K"
    record = school.outbox / "records" / f"bien-ban-sua-diem-{pending.id}.pdf"
    assert record.read_bytes().startswith(b"%PDF")
    # the class's change log names the month, not its ledger key
    logs = list((school.outbox / "nhat-ky").glob("*/6A1.xlsx"))
    rows = [r for log in logs for r in openpyxl.load_workbook(log).worksheets[0].iter_rows(
        min_row=5, values_only=True)]  # fmt: skip
    assert {r[4] for r in rows} == {"Điểm danh tháng 09/2025"}
    assert {r[5] for r in rows} == {"1"}
