"""Page images of the books against committed references (issue 12): a changed layout must be a
deliberate update of ``tests/references/*.png`` (``WBE_UPDATE_REFERENCES=1`` rewrites them).

Each book's first page (and the teacher's book's first table) is rendered at 30 dpi in grey;
the bands that change from run to run (the footer's chain head, the running header's time) are
left out; the rest must match the reference pixel for pixel but for anti-aliasing noise."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tests.helpers import School
from tests.test_books_attendance import Rendered, rendered  # noqa: F401 (the fixture)
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.books.class_book import write_class_books
from workbook_engine.render.books.hocba import write_hocba
from workbook_engine.render.books.teacher import write_teacher_books

REFERENCES = Path(__file__).parent / "references"
UPDATE = os.environ.get("WBE_UPDATE_REFERENCES") == "1"
DPI = 30
BAND = 0.06  # the top and bottom of the page: running header and footer (chain head)
TOLERANCE = 0.004  # at most this share of pixels may differ by more than a quarter of the range

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) is missing"),
]


def first_page(pdf: Path, target: Path, number: int = 1) -> Image.Image:
    """Page ``number`` (the first) of ``pdf`` as a grey image, its header and footer bands cut
    off."""
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", str(number), "-l",
                    str(number), "-singlefile", str(pdf), str(stem)], check=True)  # fmt: skip
    page = Image.open(stem.with_suffix(".png")).convert("L")
    band = int(page.height * BAND)
    return page.crop((0, band, page.width, page.height - band))


def matches(name: str, page: Image.Image) -> None:
    reference = REFERENCES / f"{name}.png"
    if UPDATE:
        page.save(reference, optimize=True)
        return
    assert reference.exists(), f"no reference {reference}: render with WBE_UPDATE_REFERENCES=1"
    expected = Image.open(reference).convert("L")
    assert expected.size == page.size, f"{name}: page size {page.size} ≠ {expected.size}"
    diff = ImageChops.difference(expected, page).point(lambda v: 255 if v > 64 else 0)
    changed = diff.histogram()[255] / (page.width * page.height)
    assert changed <= TOLERANCE, f"{name}: {changed:.2%} of the page changed"


def test_the_attendance_sheet_looks_as_it_did(rendered: Rendered, tmp_path: Path) -> None:  # noqa: F811
    pdf = rendered.month(2025, 10, ".pdf")  # the late month: its note under the table
    matches("attendance-2025-10", first_page(pdf, tmp_path / "attendance"))


def test_the_hoc_ba_looks_as_it_did(school: School, tmp_path: Path) -> None:
    code = school.setup.students_of("6A1")[0].code
    with Ledger.open(school.data.ledger) as ledger:
        (pdf,) = write_hocba(ledger, school.setup, tmp_path / "outbox", date(2026, 6, 15),
                             students=[code])  # fmt: skip
    matches("hoc-ba-first-page", first_page(pdf, tmp_path / "hocba"))


def test_a_changed_page_is_caught(rendered: Rendered, tmp_path: Path) -> None:  # noqa: F811
    """The comparison can fail: another month's page is not October's."""
    if UPDATE:
        pytest.skip("references being rewritten")
    other = first_page(rendered.month(2025, 9, ".pdf"), tmp_path / "september")
    with pytest.raises(AssertionError, match="of the page changed"):
        matches("attendance-2025-10", other)


def test_the_class_book_looks_as_it_did(school: School, tmp_path: Path) -> None:
    school.ingest(school.fill("6A1", "TOAN", {"D8": 8, "E8": "6,5", "F8": 9}))
    with Ledger.open(school.data.ledger) as ledger:
        pdf, _ = write_class_books(ledger, school.setup, tmp_path / "outbox", date(2026, 1, 20),
                                   1, ["6A1"])  # fmt: skip
    matches("class-book-first-page", first_page(pdf, tmp_path / "class"))


def test_the_teacher_book_looks_as_it_did(school: School, tmp_path: Path) -> None:
    school.ingest(school.fill("6A1", "TOAN", {"D8": 8, "E8": "6,5", "F8": 9}))
    teacher = school.teacher_of("6A1", "TOAN")
    with Ledger.open(school.data.ledger) as ledger:
        written = write_teacher_books(ledger, school.setup, tmp_path / "outbox",
                                      date(2026, 1, 20), 1, [teacher])  # fmt: skip
    (pdf,) = [p for p in written if p.suffix == ".pdf"]
    matches("teacher-book-first-page", first_page(pdf, tmp_path / "teacher"))
    # a class-subject's table: each student's values one monospaced line, rules behind
    matches("teacher-book-table-page", first_page(pdf, tmp_path / "table", 2))
