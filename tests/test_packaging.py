"""The project's own files: packaging lists every subpackage; the shipped template is current."""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl

from workbook_engine.io.setup_writer import write_setup

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "workbook_engine").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {found - listed}"


def cell_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_shipped_setup_template_matches_the_generator(tmp_path: Path) -> None:
    shipped = ROOT / "templates_xlsx" / "setup.xlsx"
    fresh = write_setup(tmp_path / "setup.xlsx")
    assert cell_values(shipped) == cell_values(fresh), (
        "templates_xlsx/setup.xlsx is stale: run `wbe setup template templates_xlsx/setup.xlsx`"
    )


def test_a_dropdown_whose_choices_hold_a_comma_offers_them_whole(tmp_path: Path) -> None:
    """Excel splits a typed list at commas: «Kiểm tra lại, rèn luyện hè» is offered from a very
    hidden sheet instead, every kind of the calendar whole, and the workbook still reads."""
    from workbook_engine.io.setup_reader import check_setup
    from workbook_engine.io.setup_writer import LISTS_SHEET
    from workbook_engine.model import EventKind

    path = write_setup(tmp_path / "setup.xlsx")
    book = openpyxl.load_workbook(path)
    assert book[LISTS_SHEET].sheet_state == "veryHidden"
    (kind,) = [v for v in book["Lịch"].data_validations.dataValidation
               if v.type == "list" and LISTS_SHEET in str(v.formula1)]  # fmt: skip
    column = kind.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    offered = [c.value for c in book[LISTS_SHEET][column] if c.value]
    assert offered == [k.value for k in EventKind]
    assert "Kiểm tra lại, rèn luyện hè" in offered
    _, report = check_setup(path)
    assert not [p for p in report if "Danh mục" in p.message]
