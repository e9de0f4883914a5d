"""The principal's approval of a primary class's year-end results (Circular 27: no semester
results, so only ``CN``), recorded like a secondary class's (:meth:`Ledger.approve_results`).

A class is approved when every pupil's year-end result can be computed and no correction of the
year is waiting; the snapshot keeps each pupil's result, award and completion as approved."""

from __future__ import annotations

from collections.abc import Sequence

from workbook_engine.errors import Problem, make_problem
from workbook_engine.io.master_workbook import missing_text
from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.primary_results import PupilResult, completion_text, primary_results

SHOWN_PER_PUPIL = 2


def is_primary_class(setup: Setup, class_code: str) -> bool:
    room = setup.find_class(class_code)
    return room is not None and room.grade <= 5


def primary_class_results(setup: Setup, ledger: Ledger, class_code: str) -> list[PupilResult]:
    from workbook_engine.pipeline.result_approval import class_values

    return primary_results(setup, class_code, class_values(setup, ledger, class_code))


def primary_snapshot(pupils: Sequence[PupilResult]) -> dict[str, dict[str, str]]:
    """Pupil code → what the principal approves: result, award, completion (Vietnamese)."""
    return {
        p.code: {
            "result": p.year.result.value if p.year.result is not None else "",
            "award": p.year.award.value if p.year.award is not None else "",
            "completion": completion_text(p),
        }
        for p in pupils
    }


def primary_problem(
    ledger: Ledger, class_code: str, period: str, pupils: Sequence[PupilResult]
) -> Problem | None:
    """Why the class's year cannot be approved now: a period other than the year
    (``results-primary-year-only``), corrections waiting, year-end inputs missing."""
    from workbook_engine.pipeline.result_approval import PERIOD_NAMES, _pending

    if period != "CN":
        return make_problem("results-primary-year-only", class_code=class_code)
    waiting = _pending(ledger, class_code, period)
    if waiting is not None:
        return waiting
    items = []
    for p in pupils:
        if p.year.result is not None or not p.missing:
            continue
        text = "; ".join(p.missing[:SHOWN_PER_PUPIL])
        if len(p.missing) > SHOWN_PER_PUPIL:
            text += f"; … và {len(p.missing) - SHOWN_PER_PUPIL} mục khác"
        items.append(f"{p.name} ({p.code}): {text}")
    if not items:
        return None
    return make_problem("results-incomplete", class_code=class_code,
                        period=PERIOD_NAMES[period], count=len(items),
                        missing=missing_text(items))  # fmt: skip
