"""The signed record of each lock, unlock and closing of the year (biên bản khóa sổ, mở sổ),
read back from its PDF: what was locked, when, who carried it out, on whose decision, why."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from tests.helpers import School
from tests.test_books_attendance import pdf_text
from workbook_engine.cli import app
from workbook_engine.model import Role, Teacher
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status
from workbook_engine.pipeline.pins import set_pin
from workbook_engine.render.lock_record import YEAR_TITLE, build_lock_record, render_lock_html

runner = CliRunner()
PIN = "246824"
FIRST_ROW = 8


def person(school: School, role: Role) -> Teacher:
    return next(t for t in school.setup.teachers if role in t.roles)


def wbe(school: School, by: Teacher, *args: str) -> tuple[int, str, Path | None]:
    """``wbe …`` typed by ``by`` with their PIN: exit code, output, the record written."""
    set_pin(school.data, by.code, PIN)
    common = ["--by", by.code, "--data-dir", str(school.data.root), "--outbox", str(school.outbox)]
    result = runner.invoke(app, [*args, *common], input=f"{PIN}\n")
    found = re.search(r"Biên bản để kí: (.+\.pdf)", result.output)
    return result.exit_code, result.output, Path(found.group(1)) if found else None


def words(path: Path) -> str:
    """The record's text, spaces and line ends made single."""
    return " ".join(pdf_text(path, layout=False).split())


def test_a_clerk_locks_on_the_principals_decision_and_gets_the_record_to_sign(
    school: School,
) -> None:
    clerk, principal = person(school, Role.CLERK), person(school, Role.PRINCIPAL)
    code, output, record = wbe(school, clerk, "lock", "--semester", "1", "--class", "6A1",
                               "--force", "--note", "Hết học kì, chỉ đạo ngày 20/01")  # fmt: skip
    assert code == 0, output
    assert record == school.outbox / "records" / "bien-ban-khoa-so-1.pdf"
    text = words(record)
    assert "BIÊN BẢN KHÓA SỔ ĐIỂM" in text and "Năm học 2025-2026 – số 1" in text
    assert "Phạm vi Học kì I – lớp 6A1" in text
    assert f"Người quyết định {principal.full_name}, Hiệu trưởng" in text
    assert f"Người thực hiện {clerk.full_name}, Quản trị viên" in text
    assert "Lí do, ghi chú Hết học kì, chỉ đạo ngày 20/01" in text
    assert "không nhận thêm điểm, điểm danh, nhận xét nào trong phạm vi trên" in text
    assert "Việc khóa sổ được lưu vết trong nhật ký của sổ điểm điện tử" in text
    # two places to sign: the clerk who did it, the principal (with the seal)
    assert re.search(r"NGƯỜI THỰC HIỆN .*HIỆU TRƯỞNG", text)
    assert "(Kí, ghi rõ họ tên, đóng dấu)" in text
    assert text.rstrip().endswith(f"{clerk.full_name} {principal.full_name}")


def test_the_principal_opens_the_book_and_the_administrator_draws_the_record_up(
    school: School,
) -> None:
    principal, admin = person(school, Role.PRINCIPAL), person(school, Role.ADMIN)
    code, output, record = wbe(school, principal, "unlock", "--semester", "2", "--class", "6A1",
                               "--subject", "TOAN")  # fmt: skip
    assert code == 0, output
    assert record is not None and record.name == "bien-ban-mo-so-1.pdf"
    text = words(record)
    assert "BIÊN BẢN MỞ SỔ ĐIỂM" in text
    assert "Phạm vi Học kì II – lớp 6A1 – môn Toán" in text
    assert f"Người thực hiện {principal.full_name}, Hiệu trưởng" in text
    assert "Lí do, ghi chú ……" in text  # no note: a line to write it by hand
    assert "nhận lại điểm, điểm danh, nhận xét gửi đến trong phạm vi trên" in text
    assert "Việc mở sổ được lưu vết" in text
    assert "NGƯỜI LẬP BIÊN BẢN" in text and "NGƯỜI THỰC HIỆN" not in text
    assert text.rstrip().endswith(f"{admin.full_name} {principal.full_name}")


def test_a_monthly_lock_is_one_record_listing_the_columns_it_closed(school: School) -> None:
    students = school.setup.students_of("6A1")
    cells = {f"D{FIRST_ROW + k}": 7 for k in range(len(students))}
    (sent,) = school.ingest(school.fill("6A1", "TOAN", cells))
    assert sent.status is Status.ACCEPTED
    principal = person(school, Role.PRINCIPAL)
    args = ("lock", "--semester", "1", "--class", "6A1", "--due", "--today", "2025-10-10",
            "--force", "--note", "Kiểm tra tháng 10")  # fmt: skip
    code, output, record = wbe(school, principal, *args)
    assert code == 0, output
    assert record is not None
    with Ledger.open_readonly(school.data.ledger) as ledger:
        rows = ledger.lock_rows(1, 99)
    assert len(rows) > 1  # a row per class-subject due, one record for the decision
    assert record.name == f"bien-ban-khoa-so-{rows[0].id}.pdf"
    assert [p.name for p in record.parent.iterdir()] == [record.name]
    text = words(record)
    assert "Phạm vi Học kì I – lớp 6A1 – các cột điểm đã đến hạn" in text
    assert f"Các cột điểm đã đến hạn được khóa ({len(rows)} lớp – môn)" in text
    assert "6A1 Toán TX1" in text
    assert "chỉ có hiệu lực khi được Hiệu trưởng duyệt; các cột chưa đến hạn vẫn nhận" in text
    # nothing new due: nothing recorded, no record
    code, output, again = wbe(school, principal, *args)
    assert code == 0 and "Không có cột nào mới đến hạn" in output and again is None


def test_the_closing_of_the_year_has_its_own_record(school: School) -> None:
    principal = person(school, Role.PRINCIPAL)
    with Ledger.open(school.data.ledger) as ledger:
        with ledger.transaction():
            number = ledger.close_year(principal.code, "Đã duyệt kết quả cả năm")
        (row,) = ledger.lock_rows(number)
    record = build_lock_record(school.setup, [row])
    assert (record.title, record.scope) == (YEAR_TITLE, "Cả năm học 2025-2026 – toàn trường")
    assert record.note == "Đã duyệt kết quả cả năm"
    assert "không nhận thêm tệp nào" in record.effect
    html = render_lock_html(record)
    assert "<title>Biên bản khóa sổ năm học – Cả năm học 2025-2026 – toàn trường</title>" in html
