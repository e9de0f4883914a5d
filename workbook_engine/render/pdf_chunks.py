"""Long documents laid out a chunk at a time, and PDFs joined into one.

weasyprint holds every page's boxes until the PDF is written: a burst day's report of 960
files (143 pages) peaks at 450 MB, one of 3,840 at 1.4 GB. A template marks where its document
may be cut (:func:`cut`, between class sections, every so many table rows); a document with many
such places is laid out in chunks of them, each written as a PDF and the PDFs joined, so that
memory holds one chunk. Each chunk is laid out twice: first to count its pages, then with its
pages numbered from where the chunk before ended and the whole document's page count
(:func:`numbered`), so that «Trang x/y» reads as in one document. The price: each chunk starts
on a page of its own (a partly filled page more per chunk) and the two passes take about 1.8×
the time of one (960 files: 454 → 263 MB, 9 → 16 s; 3,840 files: 1,399 → 302 MB, 36 → 67 s).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape
from pathlib import Path

from workbook_engine.io.atomic import atomic_path

CUT, PART, END = "<!--wbe:cut-->", "<!--wbe:part-->", "<!--/wbe:cut-->"
_CUTS = re.compile(f"{re.escape(CUT)}(.*?){re.escape(PART)}(.*?){re.escape(END)}", re.S)
_BODY = re.compile(r"<body[^>]*>", re.I)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


def cut(close: str = "", reopen: str = "") -> str:
    """What a template writes where its document may be cut: ``close`` ends what is open there
    (a table), ``reopen`` opens it again (the table with its head). Left out where no cut is
    made (:func:`whole`)."""
    return f"{CUT}{close}{PART}{reopen}{END}"


def places(html: str) -> int:
    """How many places ``html`` may be cut at."""
    return html.count(CUT)


def whole(html: str) -> str:
    """``html`` with every place it might be cut at left out: one document."""
    return _CUTS.sub("", html) if CUT in html else html


def chunks(html: str, per_chunk: int) -> list[str]:
    """``html`` cut after every ``per_chunk`` pieces between its places, each chunk a whole
    document: the head (styles) of ``html``, then its pieces."""
    found = _BODY.search(html)
    if found is None or per_chunk < 1:
        return [whole(html)]
    head, rest = html[: found.end()], html[found.end() :]
    pieces = _CUTS.split(rest)  # text, close, reopen, text, close, reopen, …, text
    texts, closes, reopens = pieces[0::3], pieces[1::3], pieces[2::3]
    documents: list[str] = []
    body: list[str] = []
    for i, text in enumerate(texts):
        body.append(text)
        if i < len(texts) - 1 and (i + 1) % per_chunk == 0:
            documents.append(head + "".join(body) + closes[i] + "</body></html>")
            body = [reopens[i]]
    documents.append(head + "".join(body))  # the last piece closes the document
    return documents


def numbered(document: str, first_page: int, pages: int) -> str:
    """A chunk whose pages count from ``first_page`` in a document of ``pages`` pages: the
    page counter set on its first page, ``counter(pages)`` given as the number, the running
    title (``string(doctitle)``, set by the heading of the first chunk) as the document's
    title."""
    text = title_of(document).replace("\\", "\\\\").replace('"', '\\"')
    styled = document.replace("counter(pages)", f'"{pages}"')
    styled = styled.replace("string(doctitle)", f'"{text}"')
    rule = f"<style>@page :first {{ counter-set: page {first_page} }}</style>"
    return styled.replace("</head>", rule + "</head>", 1)


def join_pdfs(sources: Sequence[Path], target: Path, title: str) -> Path:
    """The PDFs ``sources`` one after the other, outlines included, as ``target`` titled
    ``title`` (the other document information taken from the first), written atomically."""
    import pypdf

    writer = pypdf.PdfWriter()
    info: dict[str, str] = {}
    for source in sources:
        reader = pypdf.PdfReader(source)
        if not info:
            info = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
        writer.append(reader)
    info["/Title"] = title
    writer.add_metadata(info)
    with atomic_path(target) as tmp, tmp.open("wb") as out:
        writer.write(out)
    return target


def title_of(html: str) -> str:
    """The text of the document's ``<title>``."""
    found = _TITLE.search(html)
    return unescape(found.group(1).strip()) if found else ""
