"""A new sheet kind is a spec and nothing else: a toy kind defined here is issued, filled,
ingested, diffed and shown in the master without a change to ingest, checker or master code."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import School, master_sheet
from workbook_engine.io.identity import Identity, load_or_create_secret
from workbook_engine.io.kinds import KINDS, CellError, Column, Layout, Plan, SheetKind, ValueType
from workbook_engine.io.kinds.base import class_identity
from workbook_engine.io.sheet_base import FIRST_ROW, ROSTER_WIDTH, Header, a1_range
from workbook_engine.model import ChangeStatus, Setup, SheetKey
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status

LIMIT = 50


def _books(text: str) -> str:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise CellError("value-not-integer", value=text) from None
    if number != int(number):
        raise CellError("value-not-integer", value=text)
    if not 0 <= number <= LIMIT:
        raise CellError("value-out-of-range", value=text, low=0, high=LIMIT)
    return str(int(number))


BOOKS = ValueType(
    "books",
    _books,
    f"Số sách học sinh đã đọc trong học kì, số nguyên từ 0 đến {LIMIT}.",
    "Số sách",
    excel_rule=lambda c: f"AND(ISNUMBER({c}),{c}>=0,{c}<={LIMIT},INT({c})={c})",
)


def _identity(setup: Setup, class_code: str, semester: int) -> Identity:
    last = FIRST_ROW + len(setup.students_of(class_code)) - 1
    inputs = (a1_range(FIRST_ROW, ROSTER_WIDTH, last, ROSTER_WIDTH),)
    return class_identity(setup, "reading", "Đọc sách", class_code, semester, ("SACH",), inputs)


class ReadingKind(SheetKind):
    """Books read in the semester, one number per student, filled by the homeroom teacher."""

    kind = "reading"
    sheet = "Đọc sách"
    title = "Đọc sách"
    in_master = True

    def plans(self, setup: Setup, semester: int, teacher_code: str) -> list[Plan]:
        rooms = sorted(r.code for r in setup.classes if r.homeroom_teacher == teacher_code)
        return [
            Plan(
                self.kind,
                teacher_code,
                f"{code}_DocSach_HK{semester}.xlsx",
                partial(_identity, setup, code, semester),
            )
            for code in rooms
        ]

    def layout(self, setup: Setup, identity: Identity) -> Layout:
        return Layout((Column("SACH", "Số sách đã đọc", BOOKS),))

    def header(self, setup: Setup, identity: Identity) -> Header:
        title = f"SỐ SÁCH ĐÃ ĐỌC — LỚP {identity.class_code}"
        return Header(title, [(f"Trường: {setup.school.name}", "")], BOOKS.help)

    def master_columns(self, setup: Setup, class_code: str) -> list[Column]:
        return list(self.layout(setup, _identity(setup, class_code, 1)).columns)


@pytest.fixture
def reading(school: School) -> Iterator[Path]:
    """The toy kind registered, and its sheet issued to 6A1's homeroom teacher."""
    KINDS.register(ReadingKind())
    try:
        teacher = school.setup.class_by_code("6A1").homeroom_teacher
        secret = load_or_create_secret(school.data.secret)
        issue_templates(school.setup, school.data.root / "share", secret, 1, teacher)
        yield school.sheets(teacher) / "6A1_DocSach_HK1.xlsx"
    finally:
        KINDS.unregister("reading")


def fill(school: School, issued: Path, cells: dict[str, object], name: str) -> Path:
    teacher = school.setup.class_by_code("6A1").homeroom_teacher
    book = openpyxl.load_workbook(issued)
    for ref, value in cells.items():
        book["Đọc sách"][ref] = value
    book.properties.lastModifiedBy = school.username(teacher)
    target = school.inbox / teacher / name
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def test_a_kind_defined_only_by_its_spec_goes_all_the_way(school: School, reading: Path) -> None:
    issued = openpyxl.load_workbook(reading)["Đọc sách"]
    assert issued["D7"].value == "Số sách đã đọc"
    assert not issued["D8"].protection.locked and issued["C8"].protection.locked
    rule = issued.data_validations.dataValidation[0]
    assert rule.formula1 == f"AND(ISNUMBER(D8),D8>=0,D8<={LIMIT},INT(D8)=D8)"

    (returned,) = school.ingest(fill(school, reading, {"D8": 3, "D9": "12", "D10": 99}, "a.xlsx"))
    assert returned.status is Status.REJECTED
    assert [(p.code, f"{p.column}{p.row}", p.column_title) for p in returned.problems] == [
        ("value-out-of-range", "D10", "Số sách đã đọc")
    ]

    (accepted,) = school.ingest(fill(school, reading, {"D8": 3, "D9": "12"}, "b.xlsx"))
    assert accepted.status is Status.ACCEPTED, [str(p) for p in accepted.problems]
    first, second = (s.code for s in school.setup.students_of("6A1")[:2])
    key = SheetKey("6A1", "reading", 1)
    with Ledger.open(school.data.ledger) as ledger:
        assert ledger.scores(key) == {(first, "SACH"): "3", (second, "SACH"): "12"}

    (changed,) = school.ingest(fill(school, reading, {"D8": 4, "D9": "12"}, "c.xlsx"))
    assert [(c.student_code, c.old, c.new, c.status) for c in changed.changes] == [
        (first, "3", "4", ChangeStatus.PENDING)  # an accepted value changed: a correction
    ]

    master = master_sheet(school.outbox, "6A1")
    start = next(c.column for c in master[4] if c.value == "Đọc sách")
    assert [master.cell(5, start).value, master.cell(6, start).value] == [
        "Học kì I",
        "Số sách đã đọc",
    ]
    assert master.cell(7, start).value == "3"  # the pending correction is not merged
    assert master.cell(8, start).value == "12"
