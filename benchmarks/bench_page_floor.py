"""The floor of a printed page in weasyprint on this machine (issue 12's 60 s target).

Run on demand (not part of the test suite):
    .venv/bin/python benchmarks/bench_page_floor.py

Forty sections of 45 students each, laid out and written as the books are (the lean
stylesheet, one font configuration), three ways: 45 preformatted lines (no table), a table
with a row of 5 cells per student, a table with a cell per value (13 per student). It prints
the CPU per page and per 45 students: what a page costs grows with its text lines and cells,
whatever else the layout does.
"""

from __future__ import annotations

import gc
import time

from workbook_engine.render.lean_html import LeanHTML, font_config

NAMES = ["Nguyễn Thị Phương Thảo", "Trần Văn Bình", "Lê Hoàng Anh", "Phạm Minh Đức"]
STUDENTS = 45
CSS = (
    "@page { size: A4 landscape; margin: 12mm }"
    " body { font: 9pt 'DejaVu Sans' } section { break-after: page }"
    " table { border-collapse: collapse; width: 100%; table-layout: fixed }"
    " td, th { border: 0.5pt solid #000; padding: 1pt }"
)
HEAD = "<tr><th>STT</th><th>Mã</th><th>Họ và tên</th><th>Điểm</th><th>TB</th></tr>"


def section(kind: str) -> str:
    """The 45 students as ``kind``: lines, rows (5 cells each) or cells (13 each)."""
    students = [(i, f"31250000{i:02d}", NAMES[i % len(NAMES)]) for i in range(STUDENTS)]
    if kind == "lines":
        lines = [f"{i:2d} {code} {name:<28} 8,5  7,0  9,0  6,5  8,0" for i, code, name in students]
        return "<pre>" + "\n".join(lines) + "</pre>"
    if kind == "rows":
        rows = [
            f"<tr><td>{i}</td><td>{code}</td><td>{name}</td>"
            "<td>8,5 7,0 9,0 6,5</td><td>8,0</td></tr>"
            for i, code, name in students
        ]
        return f"<table><thead>{HEAD}</thead>{''.join(rows)}</table>"
    cells = ["<tr>" + "".join(f"<td>{v}</td>" for v in [i, name] + ["8,5"] * 11) + "</tr>"
             for i, _, name in students]  # fmt: skip
    return f"<table>{''.join(cells)}</table>"


def document(kind: str, sections: int) -> str:
    body = "".join(
        f"<section><h2>Lớp 6A1 – {s}</h2>{section(kind)}</section>" for s in range(sections)
    )
    return (
        f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>{body}</body></html>"
    )


def main() -> None:
    fonts = font_config()
    sections = 40
    for kind in ("lines", "rows", "cells"):
        LeanHTML(string=document(kind, 2)).render(font_config=fonts).write_pdf()  # warm
        gc.collect()
        gc.disable()
        started = time.process_time()
        laid = LeanHTML(string=document(kind, sections)).render(font_config=fonts)
        layout = time.process_time() - started
        laid.write_pdf()
        total = time.process_time() - started
        gc.enable()
        pages = len(laid.pages)
        print(f"{kind:6s} {pages:4d} pages: layout {1000 * layout / pages:5.1f} ms a page, "
              f"with the PDF {1000 * total / pages:5.1f} ms a page, "
              f"{1000 * total / sections:6.1f} ms per {STUDENTS} students")  # fmt: skip


if __name__ == "__main__":
    main()
