"""Issue 15, item 5: the primary Học bạ as print-ready Excel, a workbook per class and a sheet
per pupil, read back with openpyxl: every fact of the PDF record (identity, year-end levels and
test scores, comments, qualities and competences, result, award, completion, reasons, signature
blocks, chain head) in its cell; A4 portrait, one page wide, the chain head in the footer; no
average, no ranking. The records come from hand-made year-end values (no PDF is rendered),
except in the one test that writes the class's books from a ledger."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tests.helpers import soffice_convert
from tests.test_books_class_xlsx import check_printing
from tests.test_primary_books import pdf_pages
from tests.test_primary_results import PUPIL, _year_end
from tests.test_primary_sheets import _school, _send, issued, school
from workbook_engine.model import Exemption, ExemptionScope, Setup, SheetKey
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.primary_results import primary_results
from workbook_engine.render.books.primary_hocba import (
    PupilRecord,
    pupil_record,
    write_primary_hocba,
)
from workbook_engine.render.books.primary_hocba_xlsx import write_primary_hocba_xlsx

__all__ = ["issued", "school"]
CHAIN = "c0ffee" * 10 + "abcd"
DAY = date(2026, 5, 30)
IDENTITY = 7  # the row naming the pupil (1-based), repeated atop every page


@pytest.fixture(scope="module")
def records() -> list[PupilRecord]:
    """The grade-4 class at the year's end: an excellent pupil (exempt from Giáo dục thể chất),
    one capped by an H, one CHT (a 4 in Toán), one re-tested (3 then 8), one with the Toán test
    still missing."""
    base = _school()
    setup = dataclasses.replace(
        base, exemptions=(Exemption(PUPIL[0], "GDTC", ExemptionScope.WHOLE, "Khuyết tật"),)
    )
    values = {
        **_year_end(setup, PUPIL[0], scores={"TOAN": "9"}),
        **_year_end(setup, PUPIL[1], levels={"MT": "H"}),
        **_year_end(setup, PUPIL[2], scores={"TOAN": "4"}),
        **_year_end(setup, PUPIL[3], scores={"TOAN": "3"}),
        **_year_end(setup, PUPIL[4], scores={"TOAN": ""}),
    }
    values[SheetKey("4A1", "TOAN", 2), PUPIL[3], "KTL_CK"] = "8"
    pupils = primary_results(setup, "4A1", values)
    return [pupil_record(setup, "4A1", p, CHAIN, DAY) for p in pupils]


@pytest.fixture(scope="module")
def book(records: list[PupilRecord], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hocba") / "4A1.xlsx"
    return write_primary_hocba_xlsx(path, records, "Học bạ lớp 4A1 – năm học 2025-2026")


def _row(ws: Worksheet, label: str, column: int = 1) -> int:
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value == label]
    assert len(rows) == 1, (ws.title, label, rows)
    return rows[0]


def _texts(ws: Worksheet) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def _shown(text: str) -> object:
    """A record's value as its cell holds it: an integer score a number, "" a blank cell."""
    return int(text) if text.isdigit() else text or None


def test_a_sheet_per_pupil_named_by_code(book: Path, records: list[PupilRecord]) -> None:
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == [r.pupil_code for r in records] == PUPIL
    assert wb.properties.title == "Học bạ lớp 4A1 – năm học 2025-2026"
    assert CHAIN in str(wb.properties.description)


def test_the_identity_block(book: Path, records: list[PupilRecord]) -> None:
    wb = openpyxl.load_workbook(book)
    for r in records:
        ws = wb[r.pupil_code]
        assert ws["A4"].value == "HỌC BẠ"
        assert ws["A5"].value == f"Tiểu học – Lớp 4 – Năm học {r.school_year}"
        assert ws["A1"].value == r.authority.upper() and ws["A2"].value == r.school.upper()
        # each label and its value: A:B then C on the left, D then E on the right
        pairs = [(row, label, value) for row in range(IDENTITY, IDENTITY + 3)
                 for label, value in ((1, 3), (4, 5))]  # fmt: skip
        got = {ws.cell(row, label).value: ws.cell(row, value).value for row, label, value in pairs}
        assert got == {
            "Họ và tên học sinh:": r.pupil_name, "Mã học sinh:": r.pupil_code,
            "Ngày sinh:": r.birth_date, "Giới tính:": r.gender,
            "Giáo viên chủ nhiệm:": r.homeroom_teacher, "Lớp:": "4A1 (lớp 4)",
        }  # fmt: skip
        for row, label, value in pairs:  # each label fits the columns up to its value's
            room = sum(
                ws.column_dimensions[get_column_letter(c)].width for c in range(label, value)
            )
            assert len(str(ws.cell(row, label).value)) <= room, (row, label, room)
        assert ws.cell(_row(ws, "Trường:"), 3).value == f"{r.school}, {r.province}"


def test_the_subjects_as_in_the_pdf(book: Path, records: list[PupilRecord]) -> None:
    wb = openpyxl.load_workbook(book)
    for r in records:
        ws = wb[r.pupil_code]
        head = _row(ws, "TT")
        assert [ws.cell(head, c).value for c in range(1, 6)] == [
            "TT", "Môn học và hoạt động giáo dục", "Mức đạt được",
            "Điểm kiểm tra định kì cuối năm", "Nhận xét",
        ]  # fmt: skip
        for i, line in enumerate(r.subjects, start=head + 1):
            cells = [ws.cell(i, c).value for c in range(1, 6)]
            if line.exempt:
                assert cells == [line.number, line.name, "Miễn", None, "Được miễn học cả môn"]
                continue
            assert cells == [line.number, line.name, line.level, _shown(line.score),
                             line.comment or None]  # fmt: skip
    first, capped, failed, retested, missing = (wb[code] for code in PUPIL)

    def subject(ws: Worksheet, name: str) -> list[object]:
        row = _row(ws, name, 2)
        return [ws.cell(row, c).value for c in (3, 4)]

    assert subject(first, "Toán") == ["Hoàn thành tốt (T)", 9]  # a number, not text
    assert subject(first, "Giáo dục thể chất") == ["Miễn", None]  # exempt
    assert subject(first, "Đạo đức") == ["Hoàn thành tốt (T)", None]  # no test: blank
    assert subject(capped, "Mĩ thuật") == ["Hoàn thành (H)", None]
    assert subject(failed, "Toán") == ["Hoàn thành tốt (T)", 4]
    assert subject(retested, "Toán") == ["Hoàn thành tốt (T)", "8 (kiểm tra lại; lần đầu 3)"]
    score = retested.cell(_row(retested, "Toán", 2), 4)
    assert score.alignment.wrap_text  # wider than its column: wrapped in the row's height
    assert subject(missing, "Toán") == ["Hoàn thành tốt (T)", "chưa có"]
    assert first.cell(_row(first, "Toán", 2), 5).value == "Nhận xét môn Toán"


def test_the_traits_and_the_homeroom_comments(book: Path, records: list[PupilRecord]) -> None:
    wb = openpyxl.load_workbook(book)
    for r in records:
        ws = wb[r.pupil_code]
        head = _row(ws, "Năng lực, phẩm chất", 3)
        shown = [(ws.cell(head + 1 + i, 3).value, ws.cell(head + 1 + i, 5).value)
                 for i in range(len(r.traits))]  # fmt: skip
        assert shown == [(t.name, t.level) for t in r.traits]
        groups = [ws.cell(head + 1 + i, 1).value for i in range(len(r.traits))]
        assert [g for g in groups if g] == list(dict.fromkeys(t.group for t in r.traits))
        below = head + 1 + len(r.traits)
        assert ws.cell(below, 1).value == "Nhận xét về năng lực: chưa có"
        assert ws.cell(below + 1, 1).value == f"Nhận xét về phẩm chất: {r.quality_comment}"
    assert records[0].traits[0].level == "Tốt (T)"


def test_the_outcome_reasons_and_signatures(book: Path, records: list[PupilRecord]) -> None:
    wb = openpyxl.load_workbook(book)
    for r in records:
        ws = wb[r.pupil_code]
        for fact in r.outcome:
            assert ws.cell(_row(ws, fact.label), 3).value == fact.value
        texts = _texts(ws)
        assert [t[2:] for t in texts if t.startswith("– ")] == list(r.reasons)
        assert ("Vì sao chưa đạt mức cao hơn:" in texts) == bool(r.reasons)
        signing = _row(ws, "GIÁO VIÊN CHỦ NHIỆM")
        assert ws.cell(signing, 4).value == "HIỆU TRƯỞNG"
        assert r.homeroom_teacher in texts and "(Kí, ghi rõ họ tên, đóng dấu)" in texts
        assert r.place_date in texts
        assert any(t.startswith(f"In ngày {r.rendered_on}") and t.endswith(CHAIN) for t in texts)
        for word in ("ĐTB", "Trung bình", "trung bình", "Xếp hạng", "xếp hạng", "Hạng"):
            assert not [t for t in texts if word in t], word
    first, capped, failed, _, missing = (wb[code] for code in PUPIL)

    def fact(ws: Worksheet, label: str) -> object:
        return ws.cell(_row(ws, label), 3).value

    assert (fact(first, "Kết quả giáo dục"), fact(first, "Khen thưởng")) == (
        "Hoàn thành xuất sắc", "Học sinh Xuất sắc",
    )  # fmt: skip
    assert "– Mĩ thuật: Hoàn thành (H), nên cao nhất là Hoàn thành" in _texts(capped)
    assert fact(failed, "Xét hoàn thành chương trình").startswith("Chưa hoàn thành chương trình")
    assert fact(missing, "Kết quả giáo dục") == "chưa có"
    assert any("còn thiếu: Toán: chưa có điểm kiểm tra định kì" in t for t in _texts(missing))


def test_each_sheet_prints_on_a4_portrait(book: Path, records: list[PupilRecord]) -> None:
    wb = openpyxl.load_workbook(book)
    for r in records:
        ws = wb[r.pupil_code]
        check_printing(ws, r.running_head, CHAIN, "portrait", pages=r"\d+")
        assert ws.print_title_rows == f"${IDENTITY}:${IDENTITY}"  # the pupil's name
        signing = _row(ws, "GIÁO VIÊN CHỦ NHIỆM")
        assert ws.cell(signing + 6, 1).value == r.homeroom_teacher  # the room to sign


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="as tests/test_primary_books.py")
def test_each_pupil_s_pages_are_numbered_out_of_their_own(
    book: Path, records: list[PupilRecord], tmp_path: Path
) -> None:
    """The class's workbook printed at once (through LibreOffice): each pupil's pages read
    «Trang 1/n» to «Trang n/n», n the pupil's own pages as in their PDF, not every page of the
    workbook («Trang 1/10» on a record of two pages)."""
    (pdf,) = soffice_convert([book], tmp_path, fmt="pdf")
    pages = pdf_pages(pdf)
    for r in records:
        own = [p for p in pages if f"({r.pupil_code})" in p.splitlines()[0]]
        numbers = [tuple(map(int, re.findall(r"Trang (\d+)/(\d+)", p)[-1])) for p in own]
        assert numbers == [(n, len(own)) for n in range(1, len(own) + 1)], r.pupil_code
    assert len(pages) == sum(1 for p in pages if re.search(r"Trang \d+/\d+", p))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="as tests/test_primary_books.py")
def test_the_class_workbook_is_written_beside_its_pdf(school: tuple[Setup, Path]) -> None:
    setup, root = school
    sent = _send(school, "3A1_TOAN_CK1.xlsx", {"D8": "T", "E8": 9})
    assert sent.status is Status.ACCEPTED, [str(p) for p in sent.problems]
    outbox = root / "outbox"
    with Ledger.open_readonly(root / "data" / "ledger.sqlite") as ledger:
        chain = ledger.chain_head()
        written = write_primary_hocba(ledger, setup, outbox, "3A1", DAY)
    whole = written[-2]
    assert whole.name == "3A1.pdf" and written[-1] == whole.with_suffix(".xlsx")
    wb = openpyxl.load_workbook(whole.with_suffix(".xlsx"))
    assert wb.sheetnames == [s.code for s in setup.students_of("3A1")]
    ws = wb.worksheets[0]
    assert ws.cell(IDENTITY, 3).value == "Học Sinh 3.1"
    # the year's end is not in yet (semester 1 only): every level «chưa có», nothing guessed
    assert ws.cell(_row(ws, "Toán", 2), 3).value == "chưa có"
    assert ws.oddFooter.left.text == f"Mã kiểm tra sổ: {chain[:16]}…"
