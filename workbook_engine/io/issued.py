"""Read back an issued sheet: which of its editable cells someone has filled."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries

from workbook_engine.io.identity import Identity, IdentityError


def entered_cells(path: Path, identity: Identity) -> list[str]:
    """A1 coordinates of the editable cells (``identity.inputs``) that hold a value.

    A freshly issued sheet has none; whitespace-only text counts as blank.
    """
    try:
        book = openpyxl.load_workbook(Path(path), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for non-xlsx or broken files
        raise IdentityError(f"không mở được tệp {Path(path).name}: {exc}") from exc
    try:
        if identity.sheet not in book.sheetnames:
            raise IdentityError(f"tệp {Path(path).name} thiếu trang «{identity.sheet}»")
        ws = book[identity.sheet]
        found: list[str] = []
        for cell_range in identity.inputs:
            min_col, min_row, max_col, max_row = range_boundaries(cell_range)
            if min_col is None or min_row is None:
                raise IdentityError(f"vùng nhập «{cell_range}» không hợp lệ")
            rows = ws.iter_rows(
                min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col, values_only=True
            )
            for r, values in enumerate(rows, start=min_row):
                for c, value in enumerate(values, start=min_col):
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    found.append(f"{get_column_letter(c)}{r}")
        return found
    finally:
        book.close()
