"""The diff report vice-principals read, from ledger content made by the real pipeline."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import weasyprint
from typer.testing import CliRunner

from tests.helpers import School, laid_out, small_text, text_past_cells
from workbook_engine.cli_report import report_app
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import ChangeRecord, ChangeStatus, FileRecord, Setup, SheetKey
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.diff_report import (
    build_diff_report,
    render_diff_html,
    write_diff_html,
    write_diff_reports,
)
from workbook_engine.render.publish import publish

LATE = date(2025, 12, 1)  # after the GK deadline of semester 1 (22/11/2025)
VOID = {"meta", "br", "col", "link", "img", "hr", "input"}


@dataclass
class Row:
    status: str
    cells: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """Tags, balance, change rows, class and subject groups and counts of one rendered page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.unbalanced: list[str] = []
        self.tags: list[str] = []
        self.rows: list[Row] = []
        self.classes: list[str] = []
        self.subjects: list[tuple[str, str]] = []
        self.counts: dict[str, str] = {}
        self.text: list[str] = []
        self.lang = ""
        self._cell: list[str] | None = None
        self._count: str | None = None
        self._in_change = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "tr":
            self._in_change = "change" in (a.get("class") or "").split()
            if self._in_change:
                self.rows.append(Row(a.get("data-status") or ""))
        if tag == "section" and a.get("data-class"):
            self.classes.append(a["data-class"] or "")
        if tag == "div" and a.get("data-subject"):
            self.subjects.append((self.classes[-1], a["data-subject"] or ""))
        if tag == "td" and self._in_change:
            self._cell = []
        if tag == "td" and "count" in (a.get("class") or "").split():
            self._count = a.get("data-status")
            self.counts[self._count or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.unbalanced.append(tag)
            return
        self.stack.pop()
        if tag == "td" and self._cell is not None:
            self.rows[-1].cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "td":
            self._count = None
        if tag == "tr":
            self._in_change = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._count is not None:
            self.counts[self._count] += data.strip()

    @property
    def balanced(self) -> bool:
        return not self.unbalanced and not self.stack

    @property
    def all_text(self) -> str:
        return " ".join("".join(self.text).split())


def read_page(path: Path) -> Page:
    raw = path.read_bytes()
    assert raw.startswith(b"<!DOCTYPE html>")
    return Page(raw.decode("utf-8"))


def changed_by_a_teacher(school: School) -> tuple[list[ChangeRecord], list[FileRecord]]:
    """Five files for one sheet: a first entry; a correction with a new entry; a late GK; a
    copy sent from another teacher's folder (rejected, its change unauthorised); a mistyped 85."""
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    school.ingest(school.fill("6A1", "TOAN", {"D8": 9, "E8": 5}))
    school.ingest(school.fill("6A1", "TOAN", {"D8": 9, "E8": 5, "H8": 7}), today=LATE)
    other = school.teacher_of("6A1", "NV")
    school.ingest(school.fill("6A1", "TOAN", {"D8": 9, "E8": 5, "H8": 7, "F8": 8}, folder=other))
    school.ingest(school.fill("6A1", "TOAN", {"D8": 85, "E8": 5, "H8": 7}))
    with Ledger.open(school.data.ledger) as ledger:
        return ledger.changes(), ledger.files()


def test_pipeline_changes_give_a_daily_page_pdf_and_one_page_per_file(school: School) -> None:
    changes, files = changed_by_a_teacher(school)
    other = school.teacher_of("6A1", "NV")
    assert [(f.status, f.late) for f in files] == [
        ("accepted", False),
        ("accepted", False),
        ("accepted", True),
        ("rejected", False),
        ("rejected", False),
    ]
    day = date.fromisoformat(changes[0].at[:10])
    folder = school.outbox / "reports" / "diff"

    written = write_diff_reports(school.outbox, changes, files, school.setup)

    pages = [folder / "files" / f"{Path(f.name).stem}-{f.sha256[:8]}.html" for f in files]
    assert written == [folder / f"{day}.html", folder / f"{day}.pdf", *pages]
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        f"{day}.html",
        f"{day}.pdf",
    ]  # no temporary files left beside them
    page = read_page(folder / f"{day}.html")
    assert page.balanced, page.unbalanced
    assert page.lang == "vi"
    student = school.setup.students_of("6A1")[0]
    teacher = school.setup.teacher_by_code(school.teacher_of("6A1", "TOAN"))
    # flagged first: the change that never merges, the correction, then new entries by column
    assert [(r.status, r.cells[1:7]) for r in page.rows] == [
        ("unauthorised", [student.code, student.full_name, "TX3", "(trống)", "8,0",
                          "Không được phép"]),
        ("pending", [student.code, student.full_name, "TX1", "6,0", "9,0", "Chờ duyệt"]),
        ("merged", [student.code, student.full_name, "TX1", "(trống)", "6,0", "Đã cập nhật"]),
        ("merged", [student.code, student.full_name, "TX2", "(trống)", "5,0", "Đã cập nhật"]),
        ("merged", [student.code, student.full_name, "GK", "(trống)", "7,0", "Đã cập nhật"]),
    ]  # fmt: skip
    assert page.rows[0].cells[9] == (
        f"mẫu phát cho giáo viên {teacher.code} nhưng được gửi vào thư mục {other}"
    )
    assert page.counts == {
        "unauthorised": "1",
        "pending": "1",
        "refused": "0",
        "approved": "0",
        "merged": "3",
        "total": "5",
        "files": "3",
        "rejected": "2",
    }
    text = page.all_text
    assert f"Báo cáo thay đổi điểm ngày {day:%d/%m/%Y}" in text
    assert f"Giáo viên: {teacher.code} – {teacher.full_name}" in text
    assert "Toán · Học kì I" in text
    for file in files:
        assert file.sha256 in text and file.sha256[:8] in text
    assert "Nộp muộn Cảnh báo: Điểm GK được gửi sau hạn 22/11/2025" in text
    rejected = text[text.index("Tệp bị trả lại (2)") :]
    assert f"{files[3].sha256} 1 Gửi vào thư mục của giáo viên khác" in rejected
    assert f"{files[4].sha256} 1 Điểm ngoài khoảng 0–10" in rejected

    second = read_page(pages[1])
    assert second.balanced
    assert [(r.status, r.cells[3]) for r in second.rows] == [("pending", "TX1"), ("merged", "TX2")]
    assert [r.status for r in read_page(pages[3]).rows] == ["unauthorised"]
    assert "Không có thay đổi điểm nào." in read_page(pages[4]).all_text


@pytest.mark.parametrize("summary", [False, True])
def test_a_day_page_is_written_as_rendered_the_same_page(school: School, summary: bool) -> None:
    """A day's page goes to its file a piece at a time (15 MB on a district's burst day): the
    same page as rendered whole, as the publisher's summary and as the full page."""
    from workbook_engine.render.diff_report import write_day_report
    from workbook_engine.render.pdf_chunks import whole

    changes, files = changed_by_a_teacher(school)
    day = date.fromisoformat(changes[0].at[:10])
    folder = school.outbox / "reports" / "diff"
    (page,) = write_day_report(folder, day, changes, files, school.setup, False, summary)
    title = f"Báo cáo thay đổi điểm ngày {day:%d/%m/%Y}"
    report = build_diff_report(changes, sorted(files, key=lambda f: (f.received_at, f.id)),
                               school.setup, title)  # fmt: skip
    report = replace(report, file_link_prefix="files/")
    text = page.read_text(encoding="utf-8")
    assert text == whole(render_diff_html(report, printed=summary))
    assert read_page(page).balanced and len(read_page(page).rows) == (2 if summary else 5)


def test_since_leaves_out_earlier_days_and_empty_days_are_not_written(school: School) -> None:
    changes, files = changed_by_a_teacher(school)
    day = date.fromisoformat(changes[0].at[:10])
    earlier = [
        replace(c, id=c.id + 100, at=f"{day - timedelta(days=3)}T10:00:00+07:00") for c in changes
    ]
    outbox = school.outbox
    written = write_diff_reports(outbox, earlier + changes, files, school.setup, since=day)
    assert {p.name for p in written if p.parent.name == "diff"} == {f"{day}.html", f"{day}.pdf"}
    assert read_page(outbox / "reports" / "diff" / f"{day}.html").counts["total"] == "5"
    assert (
        write_diff_reports(outbox / "later", changes, files, school.setup, day + timedelta(1)) == []
    )
    assert not (outbox / "later").exists()


def change(
    id: int, room: str, subject: str, student: str, column: str, status: ChangeStatus, **kw: str
) -> ChangeRecord:
    values = {"old": "7.0", "new": "8.5"} | kw
    return ChangeRecord(
        id=id,
        file_id=1,
        file_name=f"{room}_{subject}_HK1.xlsx",
        at="2025-10-10T09:30:00+07:00",
        teacher_code="GV006",
        key=SheetKey(room, subject, 1),
        student_code=student,
        column=column,
        old=values.pop("old"),
        new=values.pop("new"),
        status=status,
        **values,
    )


def hand_made(setup: Setup) -> list[ChangeRecord]:
    """Every status the vice-principal can meet, spread over three classes."""
    s6, s7, s8 = (setup.students_of(c)[0].code for c in ("6A1", "7A1", "8A1"))
    return [
        change(1, "6A1", "TOAN", s6, "TX1", ChangeStatus.MERGED, old=""),
        change(2, "6A1", "NV", s6, "GK", ChangeStatus.APPROVED, decided_by="GV001",
               decided_at="2025-10-11T08:00:00+07:00", reason="Chấm sót câu 3"),
        change(3, "7A1", "TOAN", s7, "CK", ChangeStatus.UNAUTHORISED,
               reason="<script>alert('x')</script> sổ đã khóa"),
        change(4, "8A1", "NV", s8, "TX2", ChangeStatus.PENDING),
        change(5, "6A1", "TOAN", s6, "TX2", ChangeStatus.REFUSED, decided_by="GV002"),
        change(6, "6A1", "TOAN", s6, "TX3", ChangeStatus.MERGED, new=None),
    ]  # fmt: skip


def test_flagged_groups_first_counts_and_escaped_reason(
    small_school: Setup, tmp_path: Path
) -> None:
    report = build_diff_report(hand_made(small_school), [], small_school, "Thử <b>")
    assert [c.class_code for c in report.classes] == ["7A1", "8A1", "6A1"]
    assert [s.subject_code for s in report.classes[2].sheets] == [
        "TOAN",
        "NV",
    ]  # refused > approved
    assert [(c.status.value, c.count) for c in report.counts] == [
        ("unauthorised", 1),
        ("pending", 1),
        ("refused", 1),
        ("approved", 1),
        ("merged", 2),
    ]
    page = read_page(write_diff_html(tmp_path / "r.html", report))
    assert page.balanced, page.unbalanced
    assert page.classes == ["7A1", "8A1", "6A1"]
    assert page.subjects == [("7A1", "TOAN"), ("8A1", "NV"), ("6A1", "TOAN"), ("6A1", "NV")]
    assert [r.status for r in page.rows] == [
        "unauthorised", "pending", "refused", "merged", "merged", "approved"
    ]  # fmt: skip
    assert [r.cells[3] for r in page.rows[3:5]] == ["TX1", "TX3"]
    assert [r.cells[4:6] for r in page.rows[3:5]] == [["(trống)", "8,5"], ["7,0", "(trống)"]]
    assert "script" not in page.tags and "b" not in page.tags
    text = page.all_text
    assert "<script>alert('x')</script> sổ đã khóa" in text
    assert "Có 2 thay đổi cần xem xét (1 không được phép, 1 chờ duyệt)" in text
    assert "Duyệt: Nguyễn Ngọc Dung, 11/10/2025 08:00" in text
    assert "Không duyệt: Nguyễn Hải Cường" in text
    assert "Ngữ văn · Học kì I" in text


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; ./run test installs it")
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return unicodedata.normalize("NFC", done.stdout.decode("utf-8"))


@pytest.mark.slow
def test_diff_pdf_is_landscape_in_dejavu_with_vietnamese_text(school: School) -> None:
    changes, files = changed_by_a_teacher(school)
    changes.append(
        replace(changes[0], id=99, status="unauthorised", reason="Không phải lớp được phân công")
    )
    day = date.fromisoformat(changes[0].at[:10])
    write_diff_reports(school.outbox, changes, files, school.setup)
    pdf = school.outbox / "reports" / "diff" / f"{day}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")

    report = build_diff_report(changes, files, school.setup, "Báo cáo")
    raw = weasyprint.HTML(string=render_diff_html(report)).write_pdf(uncompressed_pdf=True)
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", raw))
    assert fonts and all(name.startswith(b"DejaVu") for name in fonts), fonts
    width, height = map(float, re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", raw).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points

    assert small_text(pdf) == []  # 8 pt at least: the hashes, the badges, the page numbers
    text = " ".join(pdf_text(pdf).split())
    student = school.setup.students_of("6A1")[0]
    for words in (
        f"Báo cáo thay đổi điểm ngày {day:%d/%m/%Y}",
        "Trường THCS Nguyễn Du",
        "Thay đổi theo lớp và môn",
        "Lớp 6A1",
        student.full_name,
        "Chờ duyệt",
        "Đã cập nhật",
        "Không được phép",
        "Nộp muộn",
        "Tệp bị trả lại (2)",
        files[0].sha256[:8],
    ):
        assert words in text, words


@pytest.mark.slow
def test_a_long_file_name_wraps_in_its_column(school: School) -> None:
    """A month's attendance sheet («6A1_DiemDanh_2025-12_HK1.xlsx») is wider than the files'
    «Tệp» column: it wraps there instead of printing over the hash beside it."""
    changes, files = changed_by_a_teacher(school)
    long = [replace(f, name=f"6A1_DiemDanh_2025-12_HK1-{f.id}.xlsx") for f in files]
    report = build_diff_report(changes, long, school.setup, "Báo cáo")
    document = laid_out(render_diff_html(report, printed=True))
    assert text_past_cells(document) == []


@pytest.mark.slow
def test_chromium_shows_every_change_row(school: School) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed: the page is checked in a real browser only there")
    changes, files = changed_by_a_teacher(school)
    written = write_diff_reports(school.outbox, changes, files, school.setup)
    done = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         written[0].resolve().as_uri()],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    dom = Page(done.stdout.decode("utf-8"))
    assert [r.status for r in dom.rows] == ["unauthorised", "pending", "merged", "merged", "merged"]
    assert dom.counts["pending"] == "1" and "Chờ duyệt" in dom.all_text


runner = CliRunner()


def test_cli_writes_the_reports_and_prints_their_paths(school: School) -> None:
    changes, _ = changed_by_a_teacher(school)
    day = date.fromisoformat(changes[0].at[:10])
    args = ["--data-dir", str(school.data.root), "--outbox", str(school.outbox)]
    result = runner.invoke(report_app, ["diff", "--since", day.isoformat(), *args])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == str(school.outbox / "reports" / "diff" / f"{day}.html")
    assert lines[-1] == "Đã ghi 7 tệp báo cáo."
    assert all(Path(line).exists() for line in lines[:-1])

    later = (day + timedelta(days=1)).isoformat()
    result = runner.invoke(report_app, ["diff", "--since", later, *args])
    assert result.exit_code == 0
    assert result.output == (
        f"Không có thay đổi hay tệp nào từ ngày {day + timedelta(days=1):%d/%m/%Y}:"
        " không ghi báo cáo.\n"
    )


def test_cli_fails_in_vietnamese_without_setup_or_ledger(
    tmp_path: Path, small_school: Setup
) -> None:
    data = DataDir(tmp_path / "data").ensure()
    result = runner.invoke(report_app, ["diff", "--data-dir", str(data.root)])
    assert result.exit_code == 1
    assert f"Lỗi: không tìm thấy tệp thiết lập {data.setup}" in result.output
    write_setup(data.setup, small_school)
    result = runner.invoke(report_app, ["diff", "--data-dir", str(data.root)])
    assert result.exit_code == 1
    assert f"Lỗi: không tìm thấy sổ điểm {data.ledger}: chưa nhận tệp nào" in result.output
    assert not data.ledger.exists()  # reporting never creates a ledger


def test_regression_a_correction_decided_later_rewrites_its_days_report(school: School) -> None:
    school.ingest(school.fill("6A1", "TOAN", {"D8": 6}))
    school.ingest(school.fill("6A1", "TOAN", {"D8": 9}))
    with Ledger.open(school.data.ledger) as ledger:
        recorded = ledger.pending()[0].at[:10]
        ledger.clock = lambda: "2031-01-02T08:00:00+07:00"  # decided on a later day
        with ledger.transaction():
            ledger.decide(ledger.pending()[0].id, ChangeStatus.APPROVED, "GV002")
        publish(ledger, school.setup, school.outbox, today=date(2031, 1, 2))
    page = (school.outbox / "reports" / "diff" / f"{recorded}.html").read_text("utf-8")
    assert "Đã duyệt sửa" in page
    assert "Chờ duyệt</td>" not in page
