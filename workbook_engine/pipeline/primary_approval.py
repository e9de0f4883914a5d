"""The principal's approval of a primary class's year-end results (Circular 27: no semester
results), recorded like a secondary class's (:meth:`Ledger.approve_results`).

``CN``: a class is approved when every pupil's year-end result can be computed and no correction
of the year is waiting; the snapshot keeps each pupil's result, award and completion.
``HE`` (after the summer): for the pupils the year left at Chưa hoàn thành, once every
supplementary assessment is in, the principal decides for those it leaves there too: the ones
``promoted`` go up a grade, the others stay (:func:`~workbook_engine.rules.primary.year_decision`);
the snapshot keeps each such pupil's decision, which the results then read."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from workbook_engine.errors import Problem, make_problem
from workbook_engine.io.master_workbook import missing_text
from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.primary_results import PupilResult, completion_text, primary_results
from workbook_engine.rules.primary import YearDecision

SHOWN_PER_PUPIL = 2


def principal_decisions(ledger: Ledger, class_code: str) -> dict[str, bool]:
    """Pupil → promoted, as the principal decided after the supplementary assessment."""
    approved = ledger.approved_results(class_code).get("HE")
    if approved is None:
        return {}
    return {
        code: entry.get("decision") == YearDecision.PROMOTED.value
        for code, entry in approved[0].items()
        if entry.get("decision")
    }


def primary_class_results(
    setup: Setup, ledger: Ledger, class_code: str, promoted: Collection[str] | None = None
) -> list[PupilResult]:
    """The class's pupils' results from the ledger, with the principal's decisions as recorded
    (or, when ``promoted`` is given, as they would be with those pupils promoted)."""
    from workbook_engine.pipeline.result_approval import class_values

    decisions = principal_decisions(ledger, class_code)
    if promoted is not None:
        decisions = dict.fromkeys(decisions, False) | dict.fromkeys(promoted, True)
    values = class_values(setup, ledger, class_code)
    pupils = primary_results(setup, class_code, values, decisions)
    if promoted is not None:  # every pupil left to the principal is decided: kept, if not named
        undecided = [p.code for p in pupils if p.year.decision is YearDecision.PRINCIPAL]
        if undecided:
            decisions |= dict.fromkeys(undecided, False)
            pupils = primary_results(setup, class_code, values, decisions)
    return pupils


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


def decision_snapshot(pupils: Sequence[PupilResult]) -> dict[str, dict[str, str]]:
    """Pupil → the supplementary assessment's outcome and the decision, for each pupil whose
    year was Chưa hoàn thành."""
    return {
        p.code: {"decision": p.year.decision.value if p.year.decision is not None else ""}
        for p in pupils
        if p.year.result is not None and not p.year.result.completed
    }


def primary_problem(
    ledger: Ledger,
    class_code: str,
    period: str,
    pupils: Sequence[PupilResult],
    promoted: Collection[str] = (),
) -> Problem | None:
    """Why the class's period cannot be approved now: a semester (``results-primary-year-only``),
    corrections waiting, year-end inputs missing; after the summer: the year not approved, a
    supplementary assessment missing, a pupil ``promoted`` whom the principal does not decide
    for (``results-primary-not-undecided``)."""
    from workbook_engine.pipeline.result_approval import PERIOD_NAMES, _not_year_approved, _pending

    if period == "HE":
        return _not_year_approved(ledger, class_code, period) or _after_summer(
            class_code, pupils, promoted
        )
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


def _after_summer(
    class_code: str, pupils: Sequence[PupilResult], promoted: Collection[str]
) -> Problem | None:
    failing = [p for p in pupils if p.year.result is not None and not p.year.result.completed]
    waiting = [f"{p.name} ({p.code})" for p in failing
               if p.year.decision is YearDecision.SUPPORT]  # fmt: skip
    if waiting:
        return make_problem("results-incomplete", class_code=class_code, period="sau kì nghỉ hè",
                            count=len(waiting),
                            missing=missing_text([f"{w}: chưa có kết quả đánh giá bổ sung"
                                                  for w in waiting]))  # fmt: skip
    decided = {p.code for p in failing if p.year.decision in (YearDecision.PROMOTED,
                                                               YearDecision.RETAINED)}  # fmt: skip
    wrong = sorted(set(promoted) - decided)
    if wrong:
        return make_problem("results-primary-not-undecided", class_code=class_code,
                            pupils=", ".join(wrong))  # fmt: skip
    return None
