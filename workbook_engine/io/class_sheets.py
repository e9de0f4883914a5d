"""The homeroom teacher's sheets, written from their specs (:mod:`.kinds.homeroom`)."""

from __future__ import annotations

from pathlib import Path

from workbook_engine.io.identity import Identity
from workbook_engine.io.kind_sheet import write_sheet
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.kinds.homeroom import (
    ATTENDANCE_SHEET,
    CONDUCT_COLUMNS,
    CONDUCT_SHEET,
    attendance_identity,
    attendance_sheet_name,
    conduct_identity,
    conduct_sheet_name,
    semester_months,
)
from workbook_engine.model import Setup

__all__ = [
    "ATTENDANCE_SHEET",
    "CONDUCT_COLUMNS",
    "CONDUCT_SHEET",
    "attendance_identity",
    "attendance_sheet_name",
    "conduct_identity",
    "conduct_sheet_name",
    "semester_months",
    "write_attendance_sheet",
    "write_conduct_sheet",
]


def write_attendance_sheet(
    path: Path, setup: Setup, class_code: str, semester: int, year: int, month: int, secret: bytes
) -> Identity:
    """Write the attendance sheet of one class for one month (P/K per day, totals)."""
    identity = attendance_identity(setup, class_code, semester, year, month)
    return write_sheet(path, setup, KINDS.require("attendance"), identity, secret)


def write_conduct_sheet(
    path: Path, setup: Setup, class_code: str, semester: int, secret: bytes
) -> Identity:
    """Write the conduct sheet of one class for one semester (level dropdown and a comment)."""
    identity = conduct_identity(setup, class_code, semester)
    return write_sheet(path, setup, KINDS.require("conduct"), identity, secret)
