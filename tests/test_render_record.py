"""The correction record (biên bản sửa điểm) of a correction made through the real pipeline."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import weasyprint
from weasyprint.document import Document
from weasyprint.formatting_structure import boxes

from tests.helpers import School, laid_out, text_past_cells
from tests.test_render_diff import Page, pdf_text
from workbook_engine.model import ChangeRecord, ChangeStatus
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.correction_record import (
    build_correction_record,
    place_date,
    render_correction_html,
    write_correction_record,
)

PT = 0.75  # points in a CSS pixel (weasyprint lays boxes out in pixels)
REASON = "Nhập nhầm điểm của học sinh cùng tên; đối chiếu sổ điểm cá nhân trang 12."


def pending_correction(school: School) -> ChangeRecord:
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    school.ingest(school.fill("6A1", "TOAN", {"D8": 9, "E8": 5}))
    with Ledger.open(school.data.ledger) as ledger:
        (pending,) = [c for c in ledger.changes() if c.status == ChangeStatus.PENDING]
    return pending


def approved(change: ChangeRecord) -> ChangeRecord:
    # the decision is what the other half of issue 5 records; its fields are filled by hand here
    return replace(
        change,
        status=ChangeStatus.APPROVED,
        reason=REASON,
        request="phieu-sua-diem-6A1-TOAN.xlsx",
        decided_by="GV001",
        decided_at="2026-02-05T15:20:00+07:00",
    )


def test_record_of_an_approved_correction_is_one_signed_page(
    school: School, tmp_path: Path
) -> None:
    change = approved(pending_correction(school))
    assert len(change.file_sha256) == 64
    folder = tmp_path / "records"
    pdf = write_correction_record(folder / "bien-ban.pdf", school.setup, change, "Nguyễn Hải Cường")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert [p.name for p in folder.iterdir()] == ["bien-ban.pdf"]  # nothing half-written left

    raw = pdf_text(pdf)
    assert raw.count("\f") == 1, "the record must fit on one page"
    text = " ".join(raw.split())
    student = school.setup.students_of("6A1")[0]
    teacher = school.setup.teacher_by_code(change.teacher_code)
    approver = school.setup.teacher_by_code(change.decided_by)
    for words in (
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "TRƯỜNG THCS NGUYỄN DU",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hải Phòng, ngày 05 tháng 02 năm 2026",
        "BIÊN BẢN SỬA ĐIỂM",
        "Môn Toán – Lớp 6A1 – Học kì I, năm học 2025-2026",
        f"{student.full_name} – mã học sinh {student.code} – lớp 6A1",
        "Đánh giá thường xuyên 1 (TX1)",
        "Điểm đã nhập (cũ) 6,0",
        "Điểm sửa lại (mới) 9,0",
        f"Người đề nghị {teacher.full_name}, giáo viên bộ môn Toán lớp 6A1",
        f"Lí do, minh chứng {REASON}",
        "Kết quả phê duyệt Đồng ý",
        f"Người phê duyệt {approver.full_name}, Hiệu trưởng",
        "Ngày phê duyệt ngày 05 tháng 02 năm 2026",
        "NGƯỜI ĐỀ NGHỊ",
        "(Phó hiệu trưởng)",
        "(Quản trị viên)",
        "Nguyễn Hải Cường",  # the witness named on the command line
    ):
        assert words in text, words
    assert text.count("NGƯỜI CHỨNG KIẾN") == 2
    assert text.count("(Kí, ghi rõ họ tên)") == 4
    assert "HIỆU TRƯỞNG" in text  # the principal approved: no "KT."
    assert "KT. HIỆU TRƯỞNG" not in text
    assert text.rstrip().endswith(approver.full_name)  # the approver signs last
    # no technical strings on paper: the file, its hash and the request's file name stay in
    # the ledger
    for technical in (change.file_name, "phieu-sua-diem-6A1-TOAN.xlsx", ".xlsx", "wbe"):
        assert technical not in text, technical
    assert change.file_sha256 not in "".join(raw.split())
    assert re.search(r"[0-9a-f]{64}", "".join(raw.split())) is None


@pytest.mark.slow
def test_record_is_a4_portrait_in_dejavu_and_escapes_what_teachers_typed(
    school: School,
) -> None:
    change = replace(approved(pending_correction(school)), reason="<script>alert(1)</script>")
    html = render_correction_html(build_correction_record(school.setup, change))
    page = Page(html)
    assert page.balanced and page.lang == "vi"
    assert "script" not in page.tags
    assert "<script>alert(1)</script>" in page.all_text
    raw = weasyprint.HTML(string=html).write_pdf(uncompressed_pdf=True)
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", raw))
    assert fonts and all(name.startswith(b"DejaVu") for name in fonts), fonts
    width, height = map(float, re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", raw).groups())
    assert (round(width), round(height)) == (595, 842)


@pytest.mark.slow
def test_long_names_side_by_side_never_run_together(school: School) -> None:
    """Four signers of long names (as the demo's witness «Nguyễn Thùy Giang» beside the approver
    «Nguyễn Thùy Trang», printed 2 pt apart and read as one name): each name stays in its
    column, wrapped if need be, a gap wider than a space between words before the next one."""
    record = build_correction_record(school.setup, approved(pending_correction(school)), "x")
    names = ("Nguyễn Thùy Giang", "Nguyễn Thùy Trang", "Nguyễn Thanh Châu", "Trần Hồng Phương")
    signers = tuple(replace(s, name=n) for s, n in zip(record.signers, names, strict=True))
    document = laid_out(render_correction_html(replace(record, signers=signers)))
    assert len(document.pages) == 1
    assert text_past_cells(document, tags=("td",)) == []
    spans = name_spans(document)
    assert len(spans) == 4
    for (_, right), (left, _) in itertools.pairwise(spans):
        assert left - right >= 6, spans


def name_spans(document: Document) -> list[tuple[float, float]]:
    """The left and right ends of each signer's name (a ``div.name``) in points, left to
    right."""
    spans: list[tuple[float, float]] = []

    def texts(box: boxes.Box) -> Iterator[boxes.TextBox]:
        if isinstance(box, boxes.TextBox) and box.text.strip():
            yield box
        for child in getattr(box, "children", None) or ():
            yield from texts(child)

    def walk(box: boxes.Box) -> None:
        if box.element_tag == "div" and "name" in (box.element.get("class") or "").split():
            found = list(texts(box))
            spans.append((min(t.position_x for t in found) * PT,
                          max(t.position_x + t.width for t in found) * PT))  # fmt: skip
            return
        for child in getattr(box, "children", None) or ():
            walk(child)

    walk(document.pages[0]._page_box)
    return sorted(spans)


def test_undecided_record_leaves_date_and_approval_to_be_written_by_hand(
    school: School, tmp_path: Path
) -> None:
    change = replace(pending_correction(school), reason="Chấm sót câu 3 phần tự luận. " * 8)
    pdf = write_correction_record(tmp_path / "bien-ban.pdf", school.setup, change)
    raw = pdf_text(pdf)
    assert raw.count("\f") == 1
    text = " ".join(raw.split())
    assert "Hải Phòng, ngày ..... tháng ..... năm ........" in text
    assert "Kết quả phê duyệt ………" in text
    assert "Người phê duyệt ………" in text
    assert "Ngày phê duyệt ngày ..... tháng ..... năm ........" in text
    assert "NGƯỜI PHÊ DUYỆT" in text
    assert text.count("Chấm sót câu 3 phần tự luận.") == 8
    assert "Lí do Chấm sót câu 3" in text  # no "; ": the reason alone


def test_place_date_in_administrative_style() -> None:
    assert place_date("Hải Phòng", date(2026, 2, 5)) == "Hải Phòng, ngày 05 tháng 02 năm 2026"
    assert place_date("Hải Phòng", date(2025, 11, 24)) == "Hải Phòng, ngày 24 tháng 11 năm 2025"
    assert place_date("Quảng Ninh", date(2026, 3, 9)) == "Quảng Ninh, ngày 09 tháng 3 năm 2026"
    assert place_date("", None) == "ngày ..... tháng ..... năm ........"
