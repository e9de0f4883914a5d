"""Ingestion end to end on real issued sheets, filled with openpyxl as a teacher would."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import OCTOBER, SCORE, School, master_sheet, soffice_convert
from workbook_engine.io.feedback import SUMMARY_SHEET
from workbook_engine.io.identity import IDENTITY_SHEET
from workbook_engine.io.master_workbook import LOG_SHEET
from workbook_engine.io.setup_reader import load_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import ExemptionScope
from workbook_engine.pipeline.ingest import CRASH_ENV, Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.runner import Pipeline


def cells_of(outcome: object) -> list[tuple[str, str]]:
    return [(p.code, f"{p.column}{p.row}") for p in outcome.problems if p.severity == "error"]


def test_twelve_mistakes_give_twelve_cell_addressed_messages(school: School) -> None:
    exemption = next(e for e in school.setup.exemptions if e.scope is ExemptionScope.WHOLE)
    student = next(s for s in school.setup.students if s.code == exemption.student_code)
    room, subject = student.class_code, exemption.subject_code  # NN1: 4 TX, D..G, GK H, CK I
    codes = [s.code for s in school.setup.students_of(room)]
    exempt_row = 8 + codes.index(student.code)
    first = 8 if exempt_row != 8 else 9
    last = 8 + len(codes) - 1

    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb[SCORE]
        ws["D7"] = "TX 1"  # 9 renamed column heading
        ws.cell(last + 1, 2, "9999999999")  # 12 a student added under the roster
        ws.cell(last + 1, 3, "Nguyễn Văn Mới")

    target = school.fill(
        room,
        subject,
        {
            f"D{first}": 85,  # 1 out of range (a forgotten comma)
            f"E{first}": "abc",  # 2 text
            f"F{first}": 9.25,  # 3 two decimals
            f"G{first}": -1,  # 4 negative
            f"H{first}": "8,75",  # 5 two decimals, typed with a comma
            f"I{first}": "mười",  # 6 a word
            f"D{first + 1 if first + 1 != exempt_row else first + 2}": "10.1",  # 7 above 10
            f"C{first + 3}": "Họ Tên Khác",  # 8 a renamed student
            f"D{exempt_row}": 7,  # 10 a score for an exempt student
            f"K{first + 4}": "x" * 600,  # 11 a note far too long
        },
        edit=edit,
    )
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.REJECTED
    second = first + 1 if first + 1 != exempt_row else first + 2
    assert sorted(cells_of(outcome)) == sorted(
        [
            ("score-out-of-range", f"D{first}"),
            ("score-not-a-number", f"E{first}"),
            ("score-too-many-decimals", f"F{first}"),
            ("score-out-of-range", f"G{first}"),
            ("score-too-many-decimals", f"H{first}"),
            ("score-not-a-number", f"I{first}"),
            ("score-out-of-range", f"D{second}"),
            ("roster-changed", f"C{first + 3}"),
            ("column-changed", "D7"),
            ("exempt-cell-filled", f"D{exempt_row}"),
            ("note-too-long", f"K{first + 4}"),
            ("roster-row-added", f"B{last + 1}"),
        ]
    )
    out_of_range = next(p for p in outcome.problems if p.column == "D" and p.row == first)
    assert str(out_of_range).startswith(
        f"Lỗi [score-out-of-range] Tệp {target.name}, trang «Bảng điểm», ô D{first}, "
        "cột «TX1»: điểm 85 ngoài khoảng 0–10. Cách sửa:"
    )
    assert not target.exists()  # taken out of the inbox after the ledger commit
    with Ledger.open(school.data.ledger) as ledger:
        (record,) = ledger.files()
        assert (record.status, len(record.problems)) == ("rejected", 12)
    # the teacher gets the own sheet back, every wrong cell red with a comment, and a page
    returned = next(school.share.returned(outcome.teacher_code).glob(f"* {target.name}"))
    wb = openpyxl.load_workbook(returned)
    assert wb.sheetnames[0] == SUMMARY_SHEET
    ws = wb[SCORE]
    for code, ref in cells_of(outcome):
        cell = ws[ref]
        assert cell.comment is not None and "Cách sửa" in cell.comment.text, code
        assert cell.fill.fgColor.rgb.endswith("FFC7CE"), ref
    assert ws[f"E{first + 1}"].comment is None  # a good cell is left alone
    page = returned.with_suffix(".html").read_text("utf-8")
    assert "Tệp bị trả lại" in page and "ngoài khoảng 0–10" in page


def test_good_file_merges_and_the_same_file_twice_is_a_no_op(school: School) -> None:
    cells = {"D8": 8.5, "E8": "7,5", "F8": " 9 ", "G8": 7.8000000001, "H8": 6, "I8": 10}
    target = school.fill("6A1", "TOAN", cells)
    copy = target.with_name("copy.bin")
    shutil.copyfile(target, copy)
    (first,) = school.ingest(target)
    assert first.status is Status.ACCEPTED, [str(p) for p in first.problems]
    student = school.setup.students_of("6A1")[0].code
    assert [(c.student_code, c.column, c.old, c.new, c.status) for c in first.changes] == [
        (student, "CK", None, "10.0", "merged"),
        (student, "GK", None, "6.0", "merged"),
        (student, "TX1", None, "8.5", "merged"),
        (student, "TX2", None, "7.5", "merged"),
        (student, "TX3", None, "9.0", "merged"),
        (student, "TX4", None, "7.8", "merged"),
    ]
    receipt = next(school.share.receipts(first.teacher_code).glob("* 6A1_TOAN_HK1.html"))
    assert "Biên nhận" in receipt.read_text("utf-8")
    shutil.move(copy, target)  # the teacher drops the very same file again
    (again,) = school.ingest(target)
    assert again.status is Status.DUPLICATE
    with Ledger.open(school.data.ledger) as ledger:
        assert len(ledger.files()) == 1
        assert len(ledger.changes()) == 6
    master = openpyxl.load_workbook(school.outbox / "master.xlsx")
    row = [c.value for c in master_sheet(school.outbox, "6A1")[7]]
    # TOAN block: (8.5+7.5+9+7.8 + 2*6 + 3*10)/9 = 74.8/9 = 8.31 → 8.3
    assert 8.3 in row
    (month,) = (school.outbox / "nhat-ky").glob("*/6A1.xlsx")  # one log per month and class
    assert openpyxl.load_workbook(month)[LOG_SHEET].max_row == 4 + 6
    assert master[LOG_SHEET]["C5"].value == 6  # the master lists each log and its count


def test_correction_is_held_pending_and_master_keeps_the_old_value(school: School) -> None:
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 9, "E8": 5}))
    assert outcome.status is Status.ACCEPTED
    assert [(c.column, c.old, c.new, c.status) for c in outcome.changes] == [
        ("TX1", "6.0", "9.0", "pending"),
        ("TX2", None, "5.0", "merged"),
    ]
    with Ledger.open(school.data.ledger) as ledger:
        student = school.setup.students_of("6A1")[0].code
        key = outcome.key
        assert ledger.scores(key)[(student, "TX1")] == "6.0"


def test_late_file_is_accepted_and_flagged(school: School) -> None:
    target = school.fill("6A1", "TOAN", {"H8": 7})  # GK deadline of semester 1: 22/11/2025
    (outcome,) = school.ingest(target, today=date(2025, 12, 1))
    assert outcome.status is Status.ACCEPTED
    assert [(p.code, p.message) for p in outcome.problems] == [
        ("late-entry", "điểm GK được gửi sau hạn 22/11/2025")
    ]
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.files()[0].late is True


def test_locked_period_is_rejected(school: School) -> None:
    target = school.fill("6A1", "TOAN", {"D8": 7})
    (outcome,) = school.ingest(target, today=date(2026, 2, 1))  # semester 1 locked on 24/01
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == ["period-locked"]
    assert "học kì 1 đã khóa sổ từ ngày 24/01/2026" in outcome.problems[0].message


def test_hand_made_and_tampered_sheets(school: School) -> None:
    hand_made = school.inbox / "GV005" / "bang-diem.xlsx"
    hand_made.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Bảng điểm tự làm"  # type: ignore[index]
    wb.save(hand_made)

    def retarget(wb: openpyxl.Workbook) -> None:
        ws = wb[IDENTITY_SHEET]
        for row in ws.iter_rows():
            if row[0].value == "class_code":
                row[1].value = "6A2"  # pretend it is another class's sheet

    tampered = school.fill("6A1", "TOAN", {"D8": 7}, edit=retarget)
    outcomes = {o.name: o for o in school.ingest(hand_made, tampered)}
    assert [p.code for p in outcomes["bang-diem.xlsx"].problems] == ["template-missing"]
    assert [p.code for p in outcomes[tampered.name].problems] == ["template-tampered"]


def test_sheet_in_another_teachers_folder_and_saved_by_someone_else(school: School) -> None:
    other = school.teacher_of("6A1", "NV")
    target = school.fill("6A1", "TOAN", {"D8": 7}, folder=other)
    (outcome,) = school.ingest(target)
    assert [p.code for p in outcome.problems] == ["teacher-folder-mismatch"]

    def foreign_user(wb: openpyxl.Workbook) -> None:
        wb.properties.lastModifiedBy = "Admin"  # a shared PC in the teachers' room

    target = school.fill("6A1", "TOAN", {"D8": 7})
    wb = openpyxl.load_workbook(target)
    foreign_user(wb)
    wb.save(target)
    (outcome,) = school.ingest(target)
    # the file came from the teacher's own folder: the Office user name is evidence, shown
    assert outcome.status is Status.ACCEPTED
    assert [(p.code, p.severity) for p in outcome.problems] == [("saved-by-other", "warning")]
    assert "«Admin»" in outcome.problems[0].message
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(outcome.key) == {
            (school.setup.students_of("6A1")[0].code, "TX1"): "7.0"
        }


def test_a_school_that_wants_it_strict_returns_a_file_saved_by_someone_else(
    school: School,
) -> None:
    info = dataclasses.replace(school.setup.school, strict_saved_by=True)
    strict = dataclasses.replace(school.setup, school=info)
    write_setup(school.data.setup, strict)
    assert load_setup(school.data.setup).school.strict_saved_by
    target = school.fill("6A1", "TOAN", {"D8": 7})
    wb = openpyxl.load_workbook(target)
    wb.properties.lastModifiedBy = "may-phong-may-3"
    wb.save(target)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == ["saved-by-other-refused"]
    # the edit is kept in the log for the vice-principal, flagged, and never merged
    assert [(c.column, c.new, c.status) for c in outcome.changes] == [
        ("TX1", "7.0", "unauthorised")
    ]
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(outcome.key) == {}
        assert "may-phong-may-3" in ledger.changes()[-1].reason


def test_half_copied_file_is_rejected_not_a_crash(school: School) -> None:
    data = school.fill("6A1", "TOAN", {"D8": 7}).read_bytes()
    broken = school.inbox / "GV006" / "6A1_TOAN_HK1.xlsx"
    broken.write_bytes(data[: len(data) // 3])
    (outcome,) = school.ingest(broken)
    assert [p.code for p in outcome.problems] == ["file-unreadable"]


@pytest.mark.slow
def test_sheet_saved_by_libreoffice_is_accepted(school: School, tmp_path: Path) -> None:
    filled = school.fill("6A1", "TOAN", {"D8": 8.5, "E8": "7,5"}, name="lo.xlsx")
    (converted,) = soffice_convert([filled], tmp_path / "lo")
    filled.unlink()
    target = filled.with_name("6A1_TOAN_HK1.xlsx")
    shutil.move(converted, target)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert [(c.column, c.new) for c in outcome.changes] == [("TX1", "8.5"), ("TX2", "7.5")]


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before-commit", "inside-commit", "after-commit"])
def test_killed_mid_ingest_then_restarted_loses_and_duplicates_nothing(
    school: School, point: str
) -> None:
    target = school.fill("6A1", "TOAN", {"D8": 8, "E8": 9})
    command = [
        sys.executable,
        "-m",
        "workbook_engine.cli",
        "ingest",
        str(school.inbox),
        "--data-dir",
        str(school.data.root),
        "--inbox",
        str(school.inbox),
        "--outbox",
        str(school.outbox),
        "--share",
        str(school.share.root),
        "--today",
        OCTOBER.isoformat(),
    ]
    env = {**_environ(), CRASH_ENV: point}
    killed = subprocess.run(command, env=env, capture_output=True, timeout=120)
    assert killed.returncode != 0  # SIGKILL: -9
    assert target.exists()  # the inbox file leaves only after the commit, and the crash came first
    rerun = subprocess.run(command, env=_environ(), capture_output=True, timeout=120, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert not target.exists()
    receipts = list(school.share.receipts(school.teacher_of("6A1", "TOAN")).glob("*.html"))
    assert len(receipts) == 1  # regression: a crash after the commit left no receipt
    with Ledger.open(school.data.ledger) as ledger:
        assert [f.status for f in ledger.files()] == ["accepted"]
        assert [(c.column, c.new) for c in ledger.changes()] == [("TX1", "8.0"), ("TX2", "9.0")]
    assert (school.outbox / "master.xlsx").exists()


def test_regression_ingest_never_deletes_files_outside_the_inbox(school: School) -> None:
    issued = school.issued("6A1", "TOAN")
    with school.pipeline() as pipeline:
        assert pipeline.process_all([issued, issued.parent]) == []  # a working copy: not taken
    assert issued.exists()  # the teacher's issued copy in the share stays


def test_each_file_is_answered_before_the_next_is_read(school: School) -> None:
    first = school.fill("6A1", "TOAN", {"D8": 8})
    second = school.fill("6A1", "NV", {"D8": 7})
    with school.pipeline() as pipeline:
        each = pipeline.process_each(sorted([first, second]))
        done = next(each)
        assert done.status is Status.ACCEPTED and done.name == sorted([first, second])[0].name
        assert sorted([first, second])[1].exists()  # not read yet: nothing of it is held
        assert [o.status for o in each] == [Status.ACCEPTED]
    assert not first.exists() and not second.exists()


def test_regression_sheets_issued_before_the_periods_changed_are_still_accepted(
    school: School,
) -> None:
    target = school.fill("6A1", "TIN", {"D8": 8, "E8": 7})  # TIN: 35 periods, TX1 TX2
    grown = tuple(
        dataclasses.replace(s, periods_per_year=52) if s.code == "TIN" else s
        for s in school.setup.subjects
    )
    setup = dataclasses.replace(school.setup, subjects=grown)  # the clerk fixes periods: 3 TX
    with Pipeline(school.data, school.inbox, school.outbox, OCTOBER, setup=setup) as pipeline:
        (outcome,) = pipeline.process_all([target])
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert [(c.column, c.new) for c in outcome.changes] == [("TX1", "8.0"), ("TX2", "7.0")]


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != CRASH_ENV}


def test_the_returned_copy_fixed_and_sent_back_is_accepted(school: School) -> None:
    (rejected,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 85, "E8": 7}))
    assert rejected.status is Status.REJECTED
    returned = next(school.share.returned(rejected.teacher_code).glob("*.xlsx"))
    wb = openpyxl.load_workbook(returned)  # the teacher opens the red-marked copy and fixes D8
    wb[SCORE]["D8"] = 8.5
    wb.properties.lastModifiedBy = school.username(rejected.teacher_code)
    target = school.inbox / rejected.teacher_code / rejected.name
    wb.save(target)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    assert [(c.column, c.new) for c in outcome.changes] == [("TX1", "8.5"), ("TX2", "7.0")]
    page = next(school.share.receipts(outcome.teacher_code).glob("*.html")).read_text("utf-8")
    assert "bản đã bị trả lại trước đây" in page  # the old red marks can be ignored


def test_a_sheet_xml_with_a_dtd_is_answered_not_left_in_the_inbox(school: School) -> None:
    """A DTD in a sheet is refused before anything parses it: the file is returned."""
    target = school.fill("6A1", "TOAN", {"D8": 7})
    with zipfile.ZipFile(target) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet") and b"<f>" in parts[n])
    xml = parts[sheet]
    declaration_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    dtd = b'<!DOCTYPE worksheet [<!ENTITY e "x">]>'
    parts[sheet] = xml[:declaration_end] + dtd + xml[declaration_end:]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    (outcome,) = school.ingest(target)
    assert outcome.status is Status.REJECTED
    assert [p.code for p in outcome.problems] == ["file-xml-dtd"]
    assert not target.exists()  # answered and out of the inbox


def test_a_sheet_whose_title_names_another_subject_is_not_taken_for_its_identity(
    school: School,
) -> None:
    """A Ngữ văn sheet carrying the identity sheet of the class's Toán sheet: the title block
    says Ngữ văn, the identity says Toán; nothing is recorded as Toán."""

    def other_title(wb: openpyxl.Workbook) -> None:
        wb[SCORE]["A1"] = "BẢNG ĐIỂM MÔN NGỮ VĂN — LỚP 6A1"

    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7}, edit=other_title))
    assert outcome.status is Status.REJECTED
    assert [(p.code, p.column, p.row) for p in outcome.problems] == [("title-mismatch", "A", 1)]
    assert "BẢNG ĐIỂM MÔN TOÁN — LỚP 6A1" in outcome.problems[0].message
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.changes() == []


def test_cells_merged_beside_the_table_are_left_alone(school: School) -> None:
    """A note merged to the right of the table covers no cell of it (the reviewer's case)."""

    def note_beside(wb: openpyxl.Workbook) -> None:
        wb[SCORE].merge_cells("P8:R8")
        wb[SCORE]["P8"] = "gọi phụ huynh"

    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7}, edit=note_beside))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
