"""The PDF stack ./run installs: weasyprint with pango and a font that has Vietnamese glyphs."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import weasyprint


@pytest.mark.slow
def test_vietnamese_text_renders_with_a_real_font() -> None:
    html = (
        '<html lang="vi"><body style="font-family: \'DejaVu Sans\'">'
        "<p>Sổ điểm điện tử — Nguyễn Thị Hoa: ĐTBmhk 8,5; Học sinh Xuất sắc</p></body></html>"
    )
    pdf = weasyprint.HTML(string=html).write_pdf(uncompressed_pdf=True)
    assert pdf is not None and pdf.startswith(b"%PDF")
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", pdf))
    assert fonts and all(name.startswith(b"DejaVu") for name in fonts), fonts
