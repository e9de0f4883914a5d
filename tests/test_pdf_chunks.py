"""Long documents laid out a chunk at a time (render/pdf_chunks.py): where they are cut, that
the joined PDF reads as one document (every row once, in order; «Trang x/y» counted through;
the running title on every page), and a burst day's report printed that way."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pypdf
import pytest

from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.model import FileRecord, SheetKey
from workbook_engine.render.common import write_html, write_pdf
from workbook_engine.render.diff_report import DiffReport, build_diff_report, render_diff_html
from workbook_engine.render.pdf_chunks import chunks, cut, numbered, places, title_of, whole

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

CSS = """@page { size: A4; margin: 15mm;
  @bottom-left { content: string(doctitle); font-size: 7pt; }
  @bottom-right { content: "Trang " counter(page) "/" counter(pages); font-size: 7pt; } }
h1 { string-set: doctitle content(); }
tr { page-break-inside: avoid; } td { border: 0.5pt solid #999; padding: 4pt; }"""
HEAD = "<table><thead><tr><th>Số</th><th>Tên</th></tr></thead><tbody>"


def _document(rows: int, every: int) -> str:
    """A titled table of ``rows`` rows, with a place to cut it every ``every`` rows."""
    body = [f"<h1>Báo cáo dài &amp; thử</h1>{HEAD}"]
    for n in range(1, rows + 1):
        if n > 1 and (n - 1) % every == 0:
            body.append(cut("</tbody></table>", HEAD))
        body.append(f"<tr><td>Dòng {n:03d}</td><td>Học sinh số {n}</td></tr>")
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>Báo cáo dài &amp; thử</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</tbody></table></body></html>"
    )


def _pages(path: Path) -> list[str]:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, timeout=60)  # fmt: skip
    pages = unicodedata.normalize("NFC", done.stdout.decode("utf-8")).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


@pytest.mark.parametrize(
    ("pieces", "per_chunk", "sizes"),
    [
        (1, 3, [1]),  # nowhere to cut
        (3, 3, [3]),
        (4, 3, [3, 1]),
        (7, 3, [3, 3, 1]),
        (6, 2, [2, 2, 2]),
        (5, 1, [1, 1, 1, 1, 1]),
    ],
)
def test_a_document_is_cut_after_every_so_many_pieces(
    pieces: int, per_chunk: int, sizes: list[int]
) -> None:
    html = _document(pieces * 2, 2)
    assert places(html) == pieces - 1
    found = chunks(html, per_chunk)
    rows = [re.findall(r"Dòng (\d+)", document) for document in found]
    assert [len(r) // 2 for r in rows] == sizes
    assert [n for r in rows for n in r] == [f"{n:03d}" for n in range(1, pieces * 2 + 1)]
    for document in found:  # each a whole document: the head, the table opened and closed
        assert document.startswith("<!DOCTYPE html>") and document.endswith("</body></html>")
        assert document.count("<table>") == document.count("</table>") == 1
        assert "<style>" in document and places(document) == 0
    assert found[0].count("<h1>") == 1 and all("<h1>" not in d for d in found[1:])


def test_uncut_the_document_is_one_table() -> None:
    html = _document(10, 3)
    one = whole(html)
    assert places(one) == 0 and one.count("<table>") == 1 and len(re.findall("Dòng", one)) == 10
    assert whole(one) == one


def test_a_chunk_counts_its_pages_from_where_the_one_before_ended() -> None:
    document = numbered(chunks(_document(6, 2), 1)[1], 5, 12)
    assert "@page :first { counter-set: page 5 }" in document
    assert 'counter(page) "/" "12"' in document and "counter(pages)" not in document
    assert 'content: "Báo cáo dài & thử"' in document  # the running title, as text
    assert title_of(document) == "Báo cáo dài & thử"


@needs_pdftotext
def test_a_long_document_printed_in_chunks_reads_as_one(tmp_path: Path) -> None:
    html = _document(240, 20)  # 12 pieces
    cut_up = write_pdf(tmp_path / "chunked.pdf", html, per_chunk=4)  # 3 chunks
    one = write_pdf(tmp_path / "one.pdf", html, per_chunk=100)
    pages = _pages(cut_up)
    total = len(pages)
    assert total == len(pypdf.PdfReader(cut_up).pages) and total >= len(_pages(one)) > 3
    numbers = [re.search(r"Trang (\d+)/(\d+)", page) for page in pages]
    assert [(int(m[1]), int(m[2])) for m in numbers if m] == [
        (n, total) for n in range(1, total + 1)
    ]
    assert all("Báo cáo dài & thử" in page for page in pages)  # the title on every page
    rows = re.findall(r"Dòng (\d+)", "".join(pages))
    assert rows == [f"{n:03d}" for n in range(1, 241)]  # every row once, in order
    assert pypdf.PdfReader(cut_up).metadata.title == "Báo cáo dài & thử"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunked.pdf", "one.pdf"]


def test_the_html_written_is_never_cut(tmp_path: Path) -> None:
    page = write_html(tmp_path / "a.html", _document(30, 5)).read_text(encoding="utf-8")
    assert places(page) == 0 and page.count("<table>") == 1


def burst_day_report() -> DiffReport:
    """A day on which every teacher of three classes sent both semesters' sheets of new
    entries: 72 files."""
    setup = build_demo_school(DemoOptions(classes_per_grade=3, grades=(6,), students_per_class=5))
    files, merged = [], {}
    for semester in (1, 2):
        for a in setup.assignments:
            n = len(files) + 1
            name = f"{a.class_code}_{a.subject_code}_HK{semester}.xlsx"
            at = f"2025-11-20T{8 + n // 60:02d}:{n % 60:02d}:00"
            files.append(FileRecord(n, f"{n:064x}", name, a.teacher_code, "", "score",
                                    a.class_code, a.subject_code, semester, at, "accepted",
                                    False, []))  # fmt: skip
            merged[SheetKey(a.class_code, a.subject_code, semester), a.teacher_code, n] = 5
    return build_diff_report([], files, setup, "Báo cáo thay đổi điểm ngày 20/11/2025", merged)


def _numbers(pages: list[str]) -> list[tuple[int, int]]:
    found = [re.search(r"Trang (\d+)/(\d+)", page) for page in pages]
    return [(int(m[1]), int(m[2])) for m in found if m]


@needs_pdftotext
def test_a_burst_days_printed_report_is_cut_between_classes_and_file_rows(
    tmp_path: Path,
) -> None:
    report = burst_day_report()
    assert len(report.classes) == 3 and len(report.files) > 50  # a cut among the file rows too
    html = render_diff_html(report, printed=True)
    assert places(html) == len(report.classes) + (len(report.files) - 1) // 50
    pages = _pages(write_pdf(tmp_path / "day.pdf", html, per_chunk=1))
    total = len(pages)
    numbers = [re.search(r"Trang (\d+)/(\d+)", page) for page in pages]
    assert [(int(m[1]), int(m[2])) for m in numbers if m] == [
        (n, total) for n in range(1, total + 1)
    ]
    text = "".join(pages)
    for room in report.classes:
        assert f"Lớp {room.class_code}" in text
    listed = re.findall(r"6A\d_[A-Z0-9]+_HK\d\.xlsx", text.split("Tệp được nhận")[-1])
    assert listed == [f.name for f in report.files]  # every file once, in order
