"""A book laid out once and written as one PDF for the class and one per student (or, for the
attendance sheets, one per month of the class).

weasyprint paints every page again, and subsets the fonts again, for each PDF it writes, so
writing the class's PDF and then each student's pages of the same document drew every page
twice (a third of a class's học bạ). Here the document is written once, and each student's PDF
is cut from that PDF (pypdf copies the pages as drawn, with the fonts they use): the same pages,
about ten times faster. A class laid out in shares on several cores is joined back into one
PDF by :func:`~workbook_engine.render.pdf_chunks.join_pdfs`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbook_engine.io.atomic import atomic_path
from workbook_engine.render.common import TEMPLATES
from workbook_engine.render.stack_room import with_room

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader
    from weasyprint import Document, Page


@dataclass(frozen=True)
class Part:
    """One student's pages: where to write them and the PDF's title."""

    path: Path
    title: str
    pages: Sequence[Page]


def write_parts(
    document: Document,
    parts: Sequence[Part],
    whole: tuple[Path, str] | None = None,
    each: Callable[[], None] | None = None,
) -> list[Path]:
    """Write each of ``parts`` (pages of ``document``) as a PDF of its own (``each()`` called
    after each) and, when ``whole`` (path, title) is given, the whole document after them; each
    file written atomically, each part keeping its own entries of the document's outline.
    Returns the paths written, in that order."""
    import pypdf  # here: only the books need it

    if not parts and whole is None:
        return []
    title = whole[1] if whole is not None else parts[0].title
    data = _pdf(document, title)
    reader = pypdf.PdfReader(io.BytesIO(data))
    index = {id(page): number for number, page in enumerate(document.pages)}
    outline = _outline(reader)
    written = []
    for part in parts:
        numbers = [index[id(page)] for page in part.pages]
        written.append(_write_part(reader, numbers, part, outline))
        if each is not None:
            each()
    if whole is not None:
        with atomic_path(whole[0]) as tmp:
            tmp.write_bytes(data)
        written.append(whole[0])
    return written


def split_records(html: str, count: int, end_mark: str) -> tuple[Document, list[list[Page]]]:
    """``html`` holding ``count`` records (a student's học bạ, a month's attendance…), each closed
    by an anchor ``<end_mark><n>``, laid out as one document, and each record's pages
    (weasyprint imported here: it takes a while)."""
    from workbook_engine.render.lean_html import LeanHTML, font_config

    html_document = LeanHTML(string=html, base_url=str(TEMPLATES))
    document = with_room(html_document.render, font_config=font_config())
    ends = {f"{end_mark}{i}" for i in range(1, count + 1)}
    parts: list[list[Page]] = [[]]
    for page in document.pages:
        parts[-1].append(page)
        if ends.intersection(page.anchors):  # the record ends on this page
            parts.append([])
    parts.pop()  # the one opened after the last record's end
    if len(parts) != count:
        raise RuntimeError(f"{count} phần nhưng tách được {len(parts)} phần trang")
    return document, parts


def _pdf(document: Document, title: str) -> bytes:
    metadata = document.metadata
    shown = metadata.title
    metadata.title = title
    try:
        return bytes(with_room(document.write_pdf))
    finally:
        metadata.title = shown


def _outline(reader: PdfReader) -> list[tuple[str, int | None]]:
    """The top-level entries of the PDF's outline: (title, page number), read once for all
    the parts (pypdf reads the outline again each time it is asked)."""
    import pypdf

    return [
        (str(item.title), reader.get_destination_page_number(item))
        for item in reader.outline
        if isinstance(item, pypdf.generic.Destination)
    ]


def _write_part(
    reader: PdfReader, numbers: Sequence[int], part: Part, outline: Sequence[tuple[str, int | None]]
) -> Path:
    import pypdf

    writer = pypdf.PdfWriter()
    for number in numbers:
        writer.add_page(_own_resources(reader.pages[number]))
    info = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
    info["/Title"] = part.title
    writer.add_metadata(info)
    place = {number: i for i, number in enumerate(numbers)}
    for title, page in outline:  # the top-level entries whose page is in the part
        if page in place:
            writer.add_outline_item(title=title, page_number=place[page])
    with atomic_path(part.path) as tmp, tmp.open("wb") as out:
        writer.write(out)
    return part.path


def _own_resources(page: PageObject) -> PageObject:
    """``page`` with only the images, patterns, shadings and graphics states its content names.
    weasyprint gives every page of a document the same resources: a part copied with them would
    carry those of every other page (a month of attendance cut from its class's ten: 121 KB
    instead of 51 KB, and ten times the objects to copy). Fonts and colour spaces are kept
    whole (the same for every page, and each font only once in the file); a page that uses
    all its resources is left as it is."""
    from pypdf.generic import DictionaryObject, NameObject

    contents = page.get_contents()
    resources = page.get("/Resources")
    if contents is None or resources is None:
        return page
    named = {_name(token) for token in _NAME.findall(contents.get_data())}
    own = DictionaryObject()
    dropped = False
    for kind, entries in resources.get_object().items():
        found = entries.get_object()
        if kind in _PRUNED and isinstance(found, DictionaryObject):
            entries = DictionaryObject({k: v for k, v in found.items() if k in named})
            dropped = dropped or len(entries) < len(found)
        own[NameObject(kind)] = entries
    if dropped:
        page[NameObject("/Resources")] = own
    return page


_PRUNED = ("/XObject", "/Pattern", "/Shading", "/ExtGState")
_NAME = re.compile(rb"/[^\s/\[\]<>(){}%]+")  # a name in a content stream (and some bytes)
_ESCAPED = re.compile(rb"#([0-9A-Fa-f]{2})")


def _name(token: bytes) -> str:
    """A content stream's name as pypdf gives the keys: ``/a#20b`` → ``/a b``."""
    return _ESCAPED.sub(lambda m: bytes([int(m[1], 16)]), token).decode("latin-1")
