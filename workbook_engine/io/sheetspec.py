"""The layout of the setup workbook, loaded from ``schemas/setup.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str
    type: str = "text"
    required: bool = False
    unique: bool = False
    values: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    pattern: str | None = None
    expected: str = ""
    references: str | None = None
    on_unknown: str = ""
    required_code: str = "value-required"
    default: str | None = None
    help: str = ""
    width: int = 14


@dataclass(frozen=True)
class SheetSpec:
    key: str
    name: str
    title: str
    help: str
    layout: str  # "table" or "fields"
    columns: tuple[ColumnSpec, ...]
    unique_together: tuple[str, ...] = ()
    optional: bool = False  # a workbook made before the sheet existed may lack it

    def column(self, key: str) -> ColumnSpec:
        return next(c for c in self.columns if c.key == key)


@dataclass(frozen=True)
class WorkbookSpec:
    version: int
    title_row: int
    help_row: int
    header_row: int
    sheets: tuple[SheetSpec, ...]

    def sheet(self, key: str) -> SheetSpec:
        return next(s for s in self.sheets if s.key == key)


def _column(raw: dict[str, Any]) -> ColumnSpec:
    raw = dict(raw)
    if "label" in raw:
        raw["header"] = raw.pop("label")
    raw["values"] = tuple(str(v) for v in raw.get("values", ()))
    if raw.get("default") is not None:
        raw["default"] = str(raw["default"])
    return ColumnSpec(**raw)


@cache
def setup_spec() -> WorkbookSpec:
    """The setup workbook specification shipped with the package."""
    text = resources.files("workbook_engine.schemas").joinpath("setup.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    sheets = tuple(
        SheetSpec(
            key=s["key"],
            name=s["name"],
            title=s["title"],
            help=s["help"],
            layout=s.get("layout", "table"),
            columns=tuple(_column(c) for c in s.get("columns", s.get("fields", []))),
            unique_together=tuple(s.get("unique_together", ())),
            optional=bool(s.get("optional", False)),
        )
        for s in raw["sheets"]
    )
    return WorkbookSpec(
        version=raw["version"],
        title_row=raw["title_row"],
        help_row=raw["help_row"],
        header_row=raw["header_row"],
        sheets=sheets,
    )
