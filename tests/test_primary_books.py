"""Issue 15, item 5: a primary class's «Bảng tổng hợp kết quả đánh giá giáo dục» at a point (PDF
and Excel) and its pupils' Học bạ (PDF), read back with pdftotext and openpyxl: every value
printed equals what the results module computes, the year-end result, award and «chưa hoàn
thành» cases shown, no average anywhere, "Trang x/y", the class and the chain head on each
page. A handful of renders only."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import text_past_cells
from tests.test_primary_results import PUPIL, _year_end
from tests.test_primary_sheets import _school, _send, issued, school
from workbook_engine.model import Setup, SheetKey
from workbook_engine.pipeline.ingest import Status
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.primary_results import primary_results
from workbook_engine.render.books.primary_hocba import (
    lay_out,
    pupil_record,
    write_primary_hocba,
)
from workbook_engine.render.books.primary_summary import (
    build_primary_summary,
    render_primary_summary_html,
    write_primary_summary,
    write_primary_summary_xlsx,
)
from workbook_engine.render.common import write_pdf
from workbook_engine.rules.primary import AssessmentPoint

__all__ = ["issued", "school"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed"),
]
CHAIN = "c0ffee" * 10 + "abcd"
DAY = date(2026, 5, 30)
Year = tuple[Setup, dict[tuple[SheetKey, str, str], str]]


def pdf_pages(path: Path, mode: str = "-layout") -> list[str]:
    """The PDF's pages as text: ``-layout`` keeps a table's row on one line, ``-raw`` keeps a
    wrapped cell's words together (compare with :func:`words`)."""
    done = subprocess.run(["pdftotext", mode, str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    pages = done.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def words(text: str) -> str:
    return " ".join(text.split())


def row_of(text: str, name: str) -> list[str]:
    """The words of the first line naming ``name`` (a pupil's row of a table)."""
    return next(line for line in text.splitlines() if name in line).split()


@pytest.fixture(scope="module")
def year() -> Year:
    """The grade-4 class at the year's end: an excellent pupil, one capped by an H, one CHT
    (a 4 in Toán), one re-tested (3 then 8), one with the Toán test still missing."""
    setup = _school()
    values = {
        **_year_end(setup, PUPIL[0], scores={"TOAN": "9"}),
        **_year_end(setup, PUPIL[1], levels={"MT": "H"}),
        **_year_end(setup, PUPIL[2], scores={"TOAN": "4"}),
        **_year_end(setup, PUPIL[3], scores={"TOAN": "3"}),
        **_year_end(setup, PUPIL[4], scores={"TOAN": ""}),
    }
    values[SheetKey("4A1", "TOAN", 2), PUPIL[3], "KTL_CK"] = "8"
    return setup, values


def test_the_year_end_summary_reads_back_as_computed(
    year: Year,
    tmp_path: Path,
) -> None:
    setup, values = year
    pupils = primary_results(setup, "4A1", values)
    summary = build_primary_summary(setup, "4A1", AssessmentPoint.YEAR_END, pupils, CHAIN, DAY)
    pdf = write_pdf(tmp_path / "4A1.pdf", render_primary_summary_html(summary))
    pages = pdf_pages(pdf)
    text = "\n".join(pages)
    for n, page in enumerate(pages, start=1):
        assert f"Trang {n}/{len(pages)}" in page and "Lớp 4A1 – Cuối năm học" in page
        assert f"Mã kiểm tra sổ: {CHAIN[:16]}…" in page
    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC" in text and "ĐTB" not in text
    # STT, «Học Sinh 4.n», then per subject: Tiếng Việt T 10, Toán T 8 (the re-test), …
    assert row_of(text, "Học Sinh 4.4")[4:10] == ["T", "10", "T", "8", "T", "10"]
    assert row_of(text, "Học Sinh 4.5")[4:9] == ["T", "10", "T", "T", "10"]  # blank test: blank
    second = pages[1]  # the competences, the qualities and the year's end
    assert row_of(second, "Học Sinh 4.1")[4:] == ["T"] * 15 + [
        "HTXS", "Học", "sinh", "Xuất", "sắc", "Hoàn", "thành",
    ]  # fmt: skip
    assert row_of(second, "Học Sinh 4.2")[19:] == ["HT", "Hoàn", "thành"]
    assert row_of(second, "Học Sinh 4.3")[19:] == ["CHT", "Chưa", "hoàn", "thành"]
    assert row_of(second, "Học Sinh 4.5")[19:] == []  # the result waits for the Toán test
    text = words("\n".join(pdf_pages(pdf, "-raw")))
    assert "3. Học Sinh 4.3: Chưa hoàn thành chương trình lớp 4: giúp đỡ và đánh giá bổ" in text
    assert "Toán: kiểm tra cuối năm 4 điểm, nên Chưa hoàn thành" in text
    assert "Học Sinh 4.5: Toán: chưa có điểm kiểm tra định kì" in text
    assert "Hoàn thành xuất sắc: 1; Hoàn thành tốt: 1; Hoàn thành: 1; Chưa hoàn thành: 1" in text

    book = openpyxl.load_workbook(write_primary_summary_xlsx(tmp_path / "4A1.xlsx", summary))
    subjects_ws, traits_ws = book.worksheets
    assert (subjects_ws["A4"].value, subjects_ws["B4"].value) == ("STT", "Họ và tên")
    assert (subjects_ws["C4"].value, subjects_ws["E4"].value) == ("Tiếng Việt", "Toán")
    assert [c.value for c in subjects_ws[5]][2:6] == ["Mức", "KT", "Mức", "KT"]
    row = {r[1]: r for r in subjects_ws.iter_rows(min_row=6, values_only=True) if r[1]}
    assert row["Học Sinh 4.4"][2:6] == ("T", 10, "T", 8)  # levels text, scores numbers
    assert row["Học Sinh 4.5"][5] is None
    year_end = {r[1]: r[-3:] for r in traits_ws.iter_rows(min_row=6, values_only=True) if r[1]}
    assert year_end["Học Sinh 4.1"] == ("HTXS", "Học sinh Xuất sắc", "Hoàn thành")
    assert year_end["Học Sinh 4.2"] == ("HT", None, "Hoàn thành")
    assert year_end["Học Sinh 4.3"] == ("CHT", None, "Chưa hoàn thành")
    assert year_end["Học Sinh 4.5"] == (None, None, None)
    assert traits_ws.cell(5, 3).value == "Tự chủ và tự học"  # competences first, as the form
    assert "Hoàn thành chương trình lớp học" in [c.value for c in traits_ws[5]]
    footer = subjects_ws.oddFooter
    assert footer is not None and CHAIN[:16] in str(footer.left.text)


def test_the_hocba_shows_year_end_values_reasons_and_signatures(
    year: Year,
    tmp_path: Path,
) -> None:
    setup, values = year
    pupils = primary_results(setup, "4A1", values)
    records = [pupil_record(setup, "4A1", p, CHAIN, DAY) for p in pupils]
    document, parts = lay_out(records)
    assert len(parts) == len(records)
    document.write_pdf(tmp_path / "class.pdf")
    pages = pdf_pages(tmp_path / "class.pdf")
    raw = [words(page) for page in pdf_pages(tmp_path / "class.pdf", "-raw")]
    assert len(pages) == sum(len(p) for p in parts)
    start = 0
    by_pupil = []
    for part in parts:
        by_pupil.append(" ".join(raw[start : start + len(part)]))
        for n in range(1, len(part) + 1):
            assert f"Trang {n}/{len(part)}" in pages[start + n - 1]
        start += len(part)
    first, capped, failed, retested, missing = by_pupil
    assert "HỌC BẠ" in first and "Tiểu học – Lớp 4" in first and "Học Sinh 4.1" in first
    assert "Hoàn thành xuất sắc" in first and "Học sinh Xuất sắc" in first
    assert "Vì sao chưa đạt mức cao hơn" not in first
    assert "GIÁO VIÊN CHỦ NHIỆM" in first and "HIỆU TRƯỞNG" in first and "đóng dấu" in first
    assert "Nhận xét môn Tiếng Việt" in first and "Ngoan, lễ phép." in first
    assert "Tự chủ và tự học" in first and "Tốt (T)" in first
    assert "Mĩ thuật: Hoàn thành (H), nên cao nhất là Hoàn thành" in capped
    assert "Hoàn thành chương trình lớp học" in capped
    assert "Chưa hoàn thành chương trình lớp 4: giúp đỡ và đánh giá bổ sung" in failed
    assert "8 (kiểm tra lại; lần đầu 3)" in retested
    assert "Toán: chưa có điểm kiểm tra định kì" in missing and "chưa có" in missing
    assert "ĐTB" not in "\n".join(pages)


def test_every_level_fits_its_column_on_one_line(tmp_path: Path) -> None:
    """«Hoàn thành tốt (T)» and «Chưa hoàn thành (C)» (bold, never wrapped) stay inside the
    «Mức đạt được» column: they ran over its rule into the test score beside them."""
    setup = _school()
    levels = {"TV": "T", "TOAN": "C", "NN1": "H"}
    values = _year_end(setup, PUPIL[0], levels=levels, scores={"TOAN": "4"})
    pupils = primary_results(setup, "4A1", values)
    records = [pupil_record(setup, "4A1", p, CHAIN, DAY) for p in pupils]
    document, _ = lay_out(records)
    document.write_pdf(tmp_path / "4A1.pdf")
    first = words(pdf_pages(tmp_path / "4A1.pdf", "-raw")[0])
    assert "Hoàn thành tốt (T)" in first and "Chưa hoàn thành (C)" in first
    assert text_past_cells(document, tags=("td",), classes=("value",)) == []


def test_a_re_test_score_wraps_in_its_column(year: Year, tmp_path: Path) -> None:
    """A re-tested pupil's score «8 (kiểm tra lại; lần đầu 3)» is wider than the score column:
    it wraps there instead of running over the comment beside it."""
    setup, values = year
    pupils = primary_results(setup, "4A1", values)
    records = [pupil_record(setup, "4A1", p, CHAIN, DAY) for p in pupils]
    document, parts = lay_out(records)
    document.write_pdf(tmp_path / "4A1.pdf")
    pages = pdf_pages(tmp_path / "4A1.pdf", "-raw")
    retested = words(" ".join(pages[sum(len(p) for p in parts[:3]) :][: len(parts[3])]))
    assert "8 (kiểm tra lại; lần đầu 3)" in retested
    assert text_past_cells(document, tags=("td",), classes=("value",)) == []


def test_the_books_written_from_the_ledger(school: tuple[Setup, Path]) -> None:
    setup, root = school
    sent = _send(school, "3A1_TOAN_CK1.xlsx", {"D8": "T", "E8": 9, "D9": "H", "E9": 2, "F9": 6})
    assert sent.status is Status.ACCEPTED, [str(p) for p in sent.problems]
    outbox = root / "outbox"
    with Ledger.open_readonly(root / "data" / "ledger.sqlite") as ledger:
        chain = ledger.chain_head()
        written = write_primary_summary(ledger, setup, outbox, "3A1", 1, "CK", DAY)
        hocba = write_primary_hocba(ledger, setup, outbox, "3A1", DAY)
    pdf, xlsx = written
    assert pdf == outbox / "books" / "tieu-hoc" / "tong-hop" / "CK1" / "3A1.pdf"
    assert xlsx.suffix == ".xlsx" and xlsx.exists()
    text = "\n".join(pdf_pages(pdf))
    assert "Lớp 3A1 – Cuối học kì I" in text and chain[:16] in text
    # grade 3 at the end of semester I: Tiếng Việt (level, test) blank, Toán H 6 (the re-test)
    assert row_of(text, "Học Sinh 3.2")[4:6] == ["H", "6"]
    assert row_of(text, "Học Sinh 3.1")[4:6] == ["T", "9"]
    assert len(hocba) == 7 and [p.name for p in hocba[-2:]] == ["3A1.pdf", "3A1.xlsx"]
    assert hocba[0].parent == outbox / "books" / "tieu-hoc" / "hoc-ba" / "3A1"
    assert "Học Sinh 3.1" in "\n".join(pdf_pages(hocba[0]))
