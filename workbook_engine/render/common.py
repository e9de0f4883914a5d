"""What every rendered document shares: the template environment, value and time formats,
look-ups that tolerate a setup changed since the ledger was written, and the writers."""

from __future__ import annotations

import gc
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.cells import format_time
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.kinds.score import NOTE_HEADER, NOTE_KEY
from workbook_engine.io.sheet_base import SEMESTER_NAMES
from workbook_engine.model import Setup, SheetKey, Subject, Teacher
from workbook_engine.render.pdf_chunks import (
    chunks,
    cut,
    join_pdfs,
    numbered,
    places,
    title_of,
    whole,
)
from workbook_engine.render.stack_room import with_room
from workbook_engine.rules import ScoreError, format_tenths, parse_score

TEMPLATES = Path(__file__).resolve().parent / "templates"
BLANK = "(trống)"
UNKNOWN = "(không rõ)"
CHUNK_PIECES = 10  # a PDF with this many places to cut at or more is laid out in chunks
COLUMN_NAMES = {"GK": "Đánh giá giữa kì", "CK": "Đánh giá cuối kì"}

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


ENV.globals["cut"] = lambda close="", reopen="": Markup(cut(close, reopen))
ENV.globals["ROWS_PER_PIECE"] = 50  # a long table may be cut after so many rows


def render(template: str, **context: Any) -> str:
    return ENV.get_template(template).render(**context)


_BETWEEN_TAGS = re.compile(r">\s+<")


def compact(html: str) -> str:
    """``html`` without the whitespace between two tags (the template's line breaks and
    indentation), which weasyprint would otherwise parse and make into boxes only to drop them:
    a class's học bạ took 5 % less CPU. Only for a template whose whitespace between tags is
    never shown: no ``white-space: pre``, no inline elements kept apart by a space alone."""
    return _BETWEEN_TAGS.sub("><", html)


def score_text(value: str | None) -> str:
    """A stored value as written in Vietnamese: ``8.5`` → ``8,5``; Đ/CĐ as is; blank → (trống)."""
    if value is None or not value.strip():
        return BLANK
    try:
        tenths = parse_score(value)
    except ScoreError:
        return value
    return BLANK if tenths is None else format_tenths(tenths)


def column_name(column: str) -> str:
    """``TX2`` → ``Đánh giá thường xuyên 2 (TX2)``; ``GK`` → ``Đánh giá giữa kì (GK)``;
    ``NX`` (a teacher's comment) → ``Nhận xét``."""
    if column == NOTE_KEY:
        return NOTE_HEADER
    if column in COLUMN_NAMES:
        return f"{COLUMN_NAMES[column]} ({column})"
    if column.startswith("TX") and column[2:].isdigit():
        return f"Đánh giá thường xuyên {column[2:]} ({column})"
    return column


def column_order(column: str) -> tuple[int, int, str]:
    """TX1 < TX2 < … < GK < CK < anything else."""
    if column.startswith("TX") and column[2:].isdigit():
        return (0, int(column[2:]), "")
    return (1, ["GK", "CK"].index(column), "") if column in ("GK", "CK") else (2, 0, column)


def semester_name(semester: int | None) -> str:
    return SEMESTER_NAMES.get(semester or 0, f"Học kì {semester}" if semester else "")


def parse_time(iso: str) -> datetime | None:
    try:
        return datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None


def day_of(iso: str) -> date | None:
    moment = parse_time(iso)
    return moment.date() if moment else None


time_text = format_time  # ``2025-10-10T14:03:22+07:00`` → ``10/10/2025 14:03``


def date_text(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class Directory:
    """Names from the setup (its indexed look-ups). The ledger outlives setups: a code no longer
    there is shown bare."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        # the setup lists students in roster order, the order of the teachers' sheets
        self.roster_position = setup.roster_positions

    def student_name(self, code: str) -> str:
        student = self.setup.find_student(code)
        return student.full_name if student else ""

    def teacher(self, code: str) -> Teacher | None:
        return self.setup.find_teacher(code)

    def teacher_name(self, code: str) -> str:
        teacher = self.setup.find_teacher(code)
        return teacher.full_name if teacher else ""

    def teacher_label(self, code: str) -> str:
        """``GV005 – Trần Thị Lan``, the bare code, or (không rõ) when no teacher was identified."""
        if not code:
            return UNKNOWN
        name = self.teacher_name(code)
        return f"{code} – {name}" if name else code

    def grade(self, class_code: str) -> int:
        room = self.setup.find_class(class_code)
        return room.grade if room else 0

    def subject(self, class_code: str, subject_code: str) -> Subject | None:
        room = self.setup.find_class(class_code)
        return self.setup.find_subject(room.grade, subject_code) if room else None

    def subject_name(self, class_code: str, subject_code: str) -> str:
        return KINDS.sheet_name(self.setup, SheetKey(class_code, subject_code, 0))[0]


def write_html(path: Path, html: str) -> Path:
    """``html`` written atomically, as one document (no places to cut it at: :func:`write_pdf`)."""
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(whole(html), encoding="utf-8")
    return Path(path)


def write_rendered(path: Path, template: str, **context: Any) -> Path:
    """``template`` rendered straight into ``path`` (atomically, as one document): a piece at a
    time, never the whole page in memory (a district's progress report is 15 million
    characters). A place to cut at is one piece (:func:`cut`), left out like :func:`whole`."""
    pieces = ENV.get_template(template).generate(**context)
    with atomic_path(Path(path)) as tmp, tmp.open("w", encoding="utf-8") as out:
        out.writelines(whole(piece) for piece in pieces)
    return Path(path)


def freeze_long_lived() -> None:
    """In a worker process: what lives as long as it (the setup, the modules and their caches)
    moved out of the cyclic collector's sight (``gc.freeze``), its garbage collected first, so
    that the full collections a long document or workbook sets off no longer walk them all."""
    gc.collect()
    gc.freeze()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off (for the whole process) while a book is laid out
    and written, and as it was afterwards: weasyprint makes about a million objects for a class's
    học bạ, and every automatic full collection walks all of them while they are still in use
    (a quarter of the time of the học bạ); collected once, after the book, they cost one walk.
    Drop the document before leaving, so that the one collection frees it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_pdf(path: Path, html: str, per_chunk: int = CHUNK_PIECES) -> Path:
    """Lay ``html`` out with weasyprint and write the PDF atomically (the collector paused,
    room on the frame stack: :func:`gc_paused`, :mod:`~workbook_engine.render.stack_room`;
    the lean user-agent stylesheet: :mod:`~workbook_engine.render.lean_html`);
    a document with ``per_chunk`` places to cut at or more is laid out a chunk of that many
    pieces at a time (:mod:`~workbook_engine.render.pdf_chunks`)."""
    # imported here: weasyprint loads pango and takes a while, and most commands never print
    from workbook_engine.render.lean_html import LeanHTML, font_config

    path = Path(path)
    base = str(path.parent.resolve())
    if places(html) >= per_chunk:
        return _write_chunked(path, chunks(html, per_chunk), base, title_of(html))
    document = LeanHTML(string=whole(html), base_url=base)
    with gc_paused(), atomic_path(path) as tmp:
        # laid out and drawn with room on the frame stack
        with_room(document.write_pdf, tmp, font_config=font_config())
    return path


def _write_chunked(path: Path, documents: Sequence[str], base: str, title: str) -> Path:
    from workbook_engine.render.lean_html import LeanHTML, font_config

    counts = []
    for document in documents:  # first their pages are counted, one chunk in memory at a time
        laid = LeanHTML(string=document, base_url=base)
        with gc_paused():
            counts.append(len(with_room(laid.render, font_config=font_config()).pages))
    with tempfile.TemporaryDirectory(prefix="wbe-pdf-") as folder:
        sources, first = [], 1
        for number, (document, count) in enumerate(zip(documents, counts, strict=True)):
            source = Path(folder) / f"{number:04d}.pdf"
            laid = LeanHTML(string=numbered(document, first, sum(counts)), base_url=base)
            with gc_paused():
                with_room(laid.write_pdf, source, font_config=font_config())
            sources.append(source)
            first += count
        return join_pdfs(sources, path, title)
