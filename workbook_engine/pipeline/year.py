"""Closing the school year, and the next year's setup made from it.

A class's final results are those the principal approved last: the list after the summer
(``HE``), or the whole year (``CN``) when no student of the class has a re-exam or summer training
ahead. The year closes (``wbe year close``) only once the year is over and every class's final
results are approved and still those the ledger computes (no correction waiting or decided since:
:func:`~workbook_engine.pipeline.result_approval.class_problem`). The closing is a chained row of
the ledger's ``locks`` (:meth:`~workbook_engine.pipeline.ledger.Ledger.close_year`); from then on
the ledger records nothing but refused files, and every file received is refused with
``year-closed``. The master, the books and the reports read the closed ledger as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from workbook_engine.approvals import approval_changes
from workbook_engine.errors import Problem, WorkbookEngineError, make_problem
from workbook_engine.io.cells import format_day
from workbook_engine.model import Setup, Student
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_problem, class_results, period_problem
from workbook_engine.results import SUMMER_OUTCOMES
from workbook_engine.rollover import following_year, graduates, next_setup, promoted_count
from workbook_engine.rules import Outcome

__all__ = ["Rollover", "close_year", "closed_problem", "final_outcomes", "is_closed",
           "next_setup", "roll_over", "unfinished"]  # fmt: skip

SCHOOL_YEAR = re.compile(r"\d{4}-\d{4}")


def is_closed(ledger: Ledger) -> bool:
    return ledger.year_closed() is not None


def closed_problem(ledger: Ledger, setup: Setup, file: str = "") -> Problem | None:
    """``year-closed`` (when, by whom) once the year is closed, else None."""
    closed = ledger.year_closed()
    if closed is None:
        return None
    at, by = closed
    return make_problem("year-closed", file=file, day=format_day(at), who=_who(setup, by))


def close_year(ledger: Ledger, setup: Setup, by: str, today: date, note: str = "") -> int:
    """Close the school year for ``by`` (the caller checked who they are and their PIN), or
    raise ``year-closed``, ``results-year-open`` or ``year-not-final`` (naming the classes).
    The number of the closing in the ledger's locks."""
    problem = closed_problem(ledger, setup) or period_problem(setup, "HE", today)
    if problem is not None:
        raise WorkbookEngineError(problem)
    waiting = unfinished(setup, ledger, today)
    if waiting:
        raise WorkbookEngineError(
            make_problem(
                "year-not-final",
                year=setup.school.school_year,
                count=len(waiting),
                classes="; ".join(waiting),
            )
        )
    with ledger.transaction():
        return ledger.close_year(by, note)


def unfinished(setup: Setup, ledger: Ledger, today: date) -> list[str]:
    """The classes whose final results are not approved as they stand, each with why:
    ``6A1 (chưa duyệt danh sách sau kì nghỉ hè)``."""
    items = []
    for room in setup.secondary_classes:
        reason = _unfinished(setup, ledger, room.code, today)
        if reason:
            items.append(f"{room.code} ({reason})")
    return items


def _unfinished(setup: Setup, ledger: Ledger, class_code: str, today: date) -> str:
    period = _final_period(ledger, class_code)
    if period is None:
        approved = "CN" in ledger.approved_results(class_code)
        return "chưa duyệt danh sách sau kì nghỉ hè" if approved else "chưa duyệt kết quả cả năm"
    results, months = class_results(setup, ledger, class_code, today)
    problem = class_problem(setup, ledger, class_code, period, results, months)
    if problem is not None:
        return problem.kind.title[0].lower() + problem.kind.title[1:]
    snapshot = ledger.approved_results(class_code)[period][0]
    changed = sum(1 for r in results if approval_changes(r, period, snapshot.get(r.code)))
    if changed:
        return f"kết quả của {changed} học sinh đã thay đổi sau khi duyệt, cần duyệt lại"
    return ""


def _final_period(ledger: Ledger, class_code: str) -> str | None:
    """``HE`` once the list after the summer is approved; ``CN`` when the year's approval
    leaves nobody for the summer; None while the class's final results are not approved."""
    approvals = ledger.approved_results(class_code)
    if "HE" in approvals:
        return "HE"
    year = approvals.get("CN")
    if year is None or any(e.get("outcome") in SUMMER_OUTCOMES for e in year[0].values()):
        return None
    return "CN"


def final_outcomes(setup: Setup, ledger: Ledger) -> dict[str, Outcome]:
    """Student code → final outcome, as approved (students of a class not approved: absent)."""
    finals: dict[str, Outcome] = {}
    for room in setup.secondary_classes:
        period = _final_period(ledger, room.code)
        if period is None:
            continue
        snapshot = ledger.approved_results(room.code)[period][0]
        for code, entry in snapshot.items():
            if entry.get("outcome") in set(Outcome):
                finals[code] = Outcome(entry["outcome"])
    return finals


@dataclass(frozen=True)
class Rollover:
    """The next year's setup, who completed the programme, and what could not be carried."""

    setup: Setup
    graduates: list[Student]
    finals: dict[str, Outcome]
    notes: list[str]
    promoted: int  # students one grade up (the graduates not counted)

    @property
    def retained(self) -> int:
        return len(self.setup.students) - self.promoted


def roll_over(ledger: Ledger, setup: Setup, next_year: str) -> Rollover:
    """The next year's setup from the closed year, or ``year-not-closed`` /
    ``year-next-wrong``."""
    year = setup.school.school_year
    if not is_closed(ledger):
        raise WorkbookEngineError(make_problem("year-not-closed", year=year))
    expected = following_year(year)
    if not SCHOOL_YEAR.fullmatch(next_year.strip()) or next_year.strip() != expected:
        raise WorkbookEngineError(
            make_problem("year-next-wrong", value=next_year, year=year, expected=expected)
        )
    finals = final_outcomes(setup, ledger)
    new, notes = next_setup(setup, finals, expected)
    leaving = graduates(setup, finals)
    return Rollover(new, leaving, finals, notes, promoted_count(setup, new))


def _who(setup: Setup, code: str) -> str:
    person = setup.find_teacher(code)
    return f"{person.full_name} ({code})" if person is not None else code
