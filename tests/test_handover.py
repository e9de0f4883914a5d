"""Issue 14, item 5: a teacher replaced mid-year. What they entered stays theirs: their own book
keeps the class-subject they handed over, the successor's book and the class book say who taught
it before, and the former teacher signs the class book's subject page too."""

from __future__ import annotations

import dataclasses
from datetime import date

from tests.helpers import School
from workbook_engine.handover import handovers
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.books.class_book import class_book
from workbook_engine.render.books.teacher import (
    chosen_teachers,
    handover_notes,
    teacher_assignments,
)


def _replaced(setup: Setup, class_code: str, subject: str, successor: str) -> Setup:
    assignments = tuple(
        dataclasses.replace(a, teacher_code=successor)
        if (a.class_code, a.subject_code) == (class_code, subject)
        else a
        for a in setup.assignments
    )
    return dataclasses.replace(setup, assignments=assignments)


def test_a_replaced_teacher_keeps_what_they_entered(school: School) -> None:
    former = school.teacher_of("6A1", "TOAN")
    school.ingest(school.fill("6A1", "TOAN", {f"D{r}": 7 for r in range(8, 20)}))
    successor = next(t.code for t in school.setup.teachers if t.code != former)
    setup = _replaced(school.setup, "6A1", "TOAN", successor)
    write_setup(school.data.setup, setup)
    with Ledger.open_readonly(school.data.ledger) as ledger:
        handed = handovers(setup, ledger.senders())
        book = class_book(ledger, setup, "6A1", date(2025, 10, 20), 1)
    assert [(h.former, h.assignment.class_code, h.assignment.subject_code) for h in handed] == [
        (former, "6A1", "TOAN")
    ]
    # the former teacher's book still has 6A1 Toán, with the handover said
    mine = teacher_assignments(setup, former, handed)
    assert ("6A1", "TOAN") in {(a.class_code, a.subject_code) for a in mine}
    assert former in {t.code for t in chosen_teachers(setup, None, handed)}
    name = {t.code: t.full_name for t in setup.teachers}
    (said,) = handover_notes(setup, next(a for a in mine if a.subject_code == "TOAN"), handed)
    assert said.startswith(f"Đã bàn giao cho {name[successor]}; bảng điểm cuối cùng thầy/cô gửi")
    # the successor's book says who entered the values before
    theirs = next(a for a in setup.assignments_of(successor) if a.subject_code == "TOAN")
    (before,) = handover_notes(setup, theirs, handed)
    assert before.startswith(f"Trước đó do {name[former]} (bảng cuối cùng nhận ngày ")
    # the class book: both sign the mathematics page, the former first
    page = next(p for p in book.subjects if p.code == "TOAN")
    assert page.teachers == (name[former], name[successor])
    # a class-subject nobody handed over says nothing
    other = next(a for a in setup.assignments if a.subject_code == "NV" and a.class_code == "6A1")
    assert handover_notes(setup, other, handed) == ()
