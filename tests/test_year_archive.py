"""``wbe year archive DEST``: the year in three forms (render/year_archive.py): the books, the
year in Excel and a backup that verifies, in one new folder; never over an earlier one."""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import School
from workbook_engine.cli import app
from workbook_engine.pipeline.backup import verify_backup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status

runner = CliRunner()


@pytest.mark.slow
def test_the_year_archive_holds_books_excel_and_a_backup(school: School) -> None:
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", {"D8": 7, "D9": "8,5"}))
    assert outcome.status is Status.ACCEPTED
    dest = school.data.root.parent / "o-ngoai"
    args = ["year", "archive", str(dest), "--data-dir", str(school.data.root),
            "--today", "2025-10-10"]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "chưa khóa sổ" in done.output  # said, not refused
    root = dest / f"{school.setup.school.code} {school.setup.school.school_year}"
    assert f"Đã lưu năm học {school.setup.school.school_year} vào {root}" in done.output

    books = {p.relative_to(root / "so-sach" / "books").as_posix() for p in root.rglob("*.pdf")
             if "so-sach" in p.parts}  # fmt: skip
    rooms = [room.code for room in school.setup.classes]
    assert {f"so-theo-doi/CN/{code}.pdf" for code in rooms} <= books
    assert {f"hoc-ba/{code}.pdf" for code in rooms} <= books
    assert {f"diem-danh/2025-10/{code}.pdf" for code in rooms} <= books
    teachers = [t for t in school.setup.teachers if school.setup.assignments_of(t.code)]
    assert sum(name.startswith("so-diem-ca-nhan/") for name in books) == len(teachers)

    excel = root / "excel"
    master = openpyxl.load_workbook(excel / "master.xlsx", read_only=True)
    assert master.sheetnames[0] == "Tổng hợp"
    master.close()
    classes = {p.stem for p in (excel / "lop").glob("*.xlsx")}
    assert classes == {room.code for room in school.setup.classes}
    (export,) = (excel / "exports").glob("*.xlsx")
    sheet = openpyxl.load_workbook(export, read_only=True).worksheets[0]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(rows) == len(school.setup.students)
    assert (excel / "reports" / "thong-ke" / "CN" / "toan-truong.pdf").exists()

    (backup,) = root.glob("so-diem-*.zip")
    report = verify_backup(backup)
    assert report.valid, [str(p) for p in report.problems]
    with Ledger.open_readonly(school.data.ledger) as ledger:
        assert report.chain_head == ledger.chain_head()

    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "không ghi đè lên bản lưu có sẵn" in again.output
