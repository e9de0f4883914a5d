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
