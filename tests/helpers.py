"""Helpers for tests that need outside programs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from workbook_engine.model import Role, Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ingest import Outcome
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.render.publish import MASTER_NAME, class_master_path, publish
from workbook_engine.share import ShareLayout

if TYPE_CHECKING:
    from weasyprint.document import Document


def soffice_convert(files: list[Path], outdir: Path, fmt: str = "xlsx") -> list[Path]:
    """Round-trip files through LibreOffice (as a clerk saving in LibreOffice would)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; ./run test installs it")
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [outdir / f"{f.stem}.{fmt}" for f in files]


OCTOBER = date(2025, 10, 10)  # semester 1, before every deadline
SCORE = "Bảng điểm"


@dataclass
class School:
    setup: Setup
    data: DataDir
    inbox: Path
    outbox: Path

    def teacher_of(self, class_code: str, subject: str) -> str:
        return next(
            a.teacher_code
            for a in self.setup.assignments
            if (a.class_code, a.subject_code) == (class_code, subject)
        )

    @property
    def share(self) -> ShareLayout:
        """The school's share: per-person Sổ điểm/, Nộp/, Trả lại/, Biên nhận/ (and Duyệt/)."""
        return ShareLayout(self.data.root / "share", self.setup)

    def sheets(self, teacher: str) -> Path:
        """The teacher's issued copies (``Sổ điểm/``)."""
        return self.share.sheets(teacher)

    def issued(self, class_code: str, subject: str) -> Path:
        teacher = self.teacher_of(class_code, subject)
        return self.sheets(teacher) / f"{class_code}_{subject}_HK1.xlsx"

    def username(self, teacher: str) -> str:
        return next(t for t in self.setup.teachers if t.code == teacher).usernames[0]

    def fill(
        self,
        class_code: str,
        subject: str,
        cells: dict[str, object],
        *,
        name: str | None = None,
        folder: str | None = None,
        edit: Callable[[openpyxl.Workbook], None] | None = None,
    ) -> Path:
        """Copy the issued sheet into the teacher's inbox folder with ``cells`` filled."""
        teacher = self.teacher_of(class_code, subject)
        wb = openpyxl.load_workbook(self.issued(class_code, subject))
        ws = wb[SCORE]
        for ref, value in cells.items():
            ws[ref] = value
        if edit is not None:
            edit(wb)
        wb.properties.lastModifiedBy = self.username(teacher)
        target = self.inbox / (folder or teacher) / (name or f"{class_code}_{subject}_HK1.xlsx")
        target.parent.mkdir(parents=True, exist_ok=True)
        wb.save(target)
        return target

    def type_into(self, copy: Path, teacher: str, cells: dict[str, object]) -> Path:
        """The teacher types ``cells`` into their copy's score sheet and saves it in Excel."""
        book = openpyxl.load_workbook(copy)
        for ref, value in cells.items():
            book[SCORE][ref] = value
        book.properties.lastModifiedBy = self.username(teacher)
        book.save(copy)
        return copy

    def send(self, copy: Path, teacher: str, cells: dict[str, object]) -> Path:
        """:meth:`type_into`, then a copy dropped into the teacher's ``Nộp/``."""
        self.type_into(copy, teacher, cells)
        target = self.share.submit(teacher) / copy.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy, target)
        return target

    def fill_homeroom(self, class_code: str, name: str, cells: dict[str, object]) -> Path:
        """The homeroom teacher's issued sheet ``name`` (attendance, conduct) filled with
        ``cells``, in their inbox folder."""
        teacher = self.setup.class_by_code(class_code).homeroom_teacher
        book = openpyxl.load_workbook(self.sheets(teacher) / name)
        for ref, value in cells.items():
            book.worksheets[0][ref] = value
        book.properties.lastModifiedBy = self.username(teacher)
        target = self.inbox / teacher / name
        target.parent.mkdir(parents=True, exist_ok=True)
        book.save(target)
        return target

    def pipeline(self, today: date = OCTOBER) -> Pipeline:
        return Pipeline(self.data, self.inbox, self.outbox, today, share=self.share.root)

    def ingest(self, *paths: Path, today: date = OCTOBER) -> list[Outcome]:
        """Ingest, then publish the outbox as ``wbe ingest`` does."""
        with self.pipeline(today) as pipeline:
            return pipeline.process_all(
                paths or [self.inbox],
                after=lambda: publish(pipeline.ledger, self.setup, self.outbox),
            )


def master_sheet(outbox: Path, class_code: str) -> Worksheet:
    """A class's sheet of the published master (the class's own workbook, ``lop/6A1.xlsx``)."""
    return openpyxl.load_workbook(class_master_path(outbox, class_code))[class_code]


def master_values(outbox: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet of the published master, values only: ``master.xlsx``'s under their names,
    each class workbook's as ``"6A1"`` (its class sheet) and ``"6A1/Nhận xét"``."""
    found: dict[str, list[tuple[object, ...]]] = {}
    paths = [
        Path(outbox) / MASTER_NAME,
        *sorted(class_master_path(outbox, "x").parent.glob("*.xlsx")),
    ]
    for path in paths:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in book.worksheets:
            name = (
                ws.title
                if path.name == MASTER_NAME or ws.title == path.stem
                else f"{path.stem}/{ws.title}"
            )
            found[name] = [tuple(row) for row in ws.iter_rows(values_only=True)]
        book.close()
    return found


def delegate_first_vice(school: School) -> str:
    """The principal delegates the approval of corrections to the first vice-principal, as the
    demo does at the start of the year (the other one is not delegated)."""
    principal = next(t.code for t in school.setup.teachers if Role.PRINCIPAL in t.roles)
    vice = next(t.code for t in school.setup.teachers if Role.VICE_PRINCIPAL in t.roles)
    with Ledger.open(school.data.ledger) as ledger, ledger.transaction():
        ledger.record_delegation(vice, "grant", principal)
    return vice


def laid_out(html: str) -> Document:
    """``html`` laid out as the books are written (the lean user-agent stylesheet, the fonts),
    its boxes kept to be measured."""
    from workbook_engine.render.lean_html import LeanHTML, font_config

    return LeanHTML(string=html).render(font_config=font_config())


def text_past_cells(
    document: Document, tags: Collection[str] = ("th", "td"), classes: Collection[str] = ()
) -> list[tuple[int, str, float]]:
    """The words that run past the left or right border of their table cell (a ``th`` or ``td``
    of ``tags``; only those of one of ``classes`` when given), by more than half a point: each
    (page, text, points past). A clipped or overflowing word prints over its neighbour."""
    from weasyprint.formatting_structure import boxes

    found: list[tuple[int, str, float]] = []

    def walk(box: boxes.Box, cell: boxes.Box | None, page: int) -> None:
        if isinstance(box, boxes.TableCellBox):
            wanted = box.element_tag in tags and (
                not classes or bool(set(classes) & set(box.element.get("class", "").split()))
            )
            cell = box if wanted else None
        if isinstance(box, boxes.TextBox) and cell is not None and box.text.strip():
            left, right = cell.position_x, cell.position_x + cell.border_width()
            past = max(left - box.position_x, box.position_x + box.width - right) * 0.75
            if past > 0.5:  # points (boxes are laid out in CSS pixels)
                found.append((page, box.text, round(past, 1)))
        for child in getattr(box, "children", None) or ():
            walk(child, cell, page)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, None, number)
    return found


def small_text(pdf: Path, least: float = 8.0) -> list[tuple[int, float, str]]:
    """The texts of ``pdf`` printed smaller than ``least`` points: (page, size, text)."""
    import math

    from pypdf import PdfReader

    found: list[tuple[int, float, str]] = []
    for number, page in enumerate(PdfReader(pdf).pages, start=1):

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  number: int = number) -> None:  # fmt: skip
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            if text.strip() and round(size * scale, 2) < least:
                found.append((number, round(size * scale, 2), text.strip()))

        page.extract_text(visitor_text=visit)
    return found
