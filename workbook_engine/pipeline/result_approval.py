"""The principal's approval of a period's results, class by class: what ``wbe results approve``
and the results decision form (Phiếu duyệt kết quả) both call.

A class is approved only when every student's results of the period can be computed (every
subject's columns, the conduct, every month's attendance; for the summer, every re-exam and
training result) and no correction of the period is still waiting; otherwise it is refused with
a catalogue problem naming what is missing, and the other classes are still approved.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date

from workbook_engine.approvals import approval_changes, approval_snapshot
from workbook_engine.errors import Problem, make_problem
from workbook_engine.io.master_workbook import missing_text
from workbook_engine.model import SUMMER, Setup, SheetKey, SummerList
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.results import (
    ATTENDANCE_PREFIX,
    CONFIRM_DAY,
    StudentResult,
    Values,
    attendance_missing,
    confirmed_late,
    student_results,
)
from workbook_engine.rules import Outcome

# The ledger's periods as people name them.
PERIOD_NAMES = {"HK1": "HKI", "HK2": "HKII", "CN": "cả năm", "HE": "sau kì nghỉ hè"}
SHOWN_PER_STUDENT = 2  # missing items named per student in a refusal; the rest counted
PRIMARY_NOT_DONE = "Chưa hoàn thành"  # rules.primary.OverallResult.CHT, as approved
TRAINING = (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)


@dataclass
class ApprovalResult:
    approved: list[tuple[str, int]] = field(default_factory=list)  # (class, students)
    refused: list[Problem] = field(default_factory=list)
    snapshots: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # recorded


def period_problem(setup: Setup, period: str, day: date) -> Problem | None:
    """Why ``period`` cannot be approved on ``day`` at all: a semester only after its last day,
    the year and the summer only after the year's (``results-semester-open``,
    ``results-year-open``), or None."""
    if period in ("CN", "HE"):
        end = max(s.end for s in setup.semesters)
        if day <= end:
            return make_problem("results-year-open", end=end.strftime("%d/%m/%Y"))
        return None
    number = int(period[-1])
    semester = next(s for s in setup.semesters if s.number == number)
    if day <= semester.end:
        return make_problem("results-semester-open", semester=number,
                            end=semester.end.strftime("%d/%m/%Y"))  # fmt: skip
    return None


def class_values(
    setup: Setup, ledger: Ledger, class_code: str
) -> dict[tuple[SheetKey, str, str], str]:
    """The class's accepted values (:meth:`Ledger.scores_of_class`) and, for each student who
    moved into it during the year, the values they earned in their earlier classes: what the
    class's results are computed from."""
    values = ledger.scores_of_class(class_code)
    for student in setup.results_members(class_code):
        for other in setup.classes_of(student.code):
            if other != class_code:
                values.update(ledger.scores_of_student(other, student.code))
    return values


def class_results(
    setup: Setup,
    ledger: Ledger,
    class_code: str,
    day: date,
    values: Values | None = None,
) -> tuple[list[StudentResult], dict[int, list[str]]]:
    """The class's results on ``day``, and per semester the attendance months not yet in,
    labelled exactly as the results list them among the missing inputs. ``values``: the
    class's :func:`class_values`, when the caller has read them already."""
    if values is None:
        values = class_values(setup, ledger, class_code)
    received = ledger.received_keys(class_code)
    late = confirmed_late(setup, ledger.first_received(class_code))
    results = student_results(setup, class_code, values, day, received=received, late=late)
    months_in = {(k.semester, k.subject_code) for k in received}
    months_in |= {
        (key.semester, key.subject_code)
        for key, _, _ in values
        if key.subject_code.startswith(ATTENDANCE_PREFIX)
    }
    semesters = sorted(setup.semesters, key=lambda s: s.number)
    return results, attendance_missing(semesters, months_in, day, CONFIRM_DAY, setup.calendar)


def class_problem(
    setup: Setup,
    ledger: Ledger,
    class_code: str,
    period: str,
    results: Sequence[StudentResult],
    months: Mapping[int, list[str]],
) -> Problem | None:
    """Why ``class_code``'s ``results`` of ``period`` (:func:`class_results`) cannot be approved
    now (year not approved before the summer's list, corrections waiting, inputs missing), or
    None. Reads only."""
    return (
        _not_year_approved(ledger, class_code, period)
        or _year_changed(ledger, class_code, period, results)
        or _pending(ledger, class_code, period)
        or _incomplete(class_code, period, results, months)
    )


def approve_period(
    setup: Setup,
    ledger: Ledger,
    period: str,
    classes: Sequence[str],
    by: str,
    day: date,
    note: str = "",
    *,
    joined: bool = False,
    promoted: Collection[str] = (),
) -> ApprovalResult:
    """Approve ``period`` of each class of ``classes`` that can be (one transaction, or the
    caller's when ``joined``); the others are refused with their problem. The caller has checked
    who ``by`` is, their PIN or their folder, and :func:`period_problem`."""
    from workbook_engine.pipeline.primary_approval import (
        decision_snapshot,
        primary_class_results,
        primary_problem,
        primary_snapshot,
    )

    outcome = ApprovalResult()
    for code in classes:
        if setup.is_primary(code):  # Circular 27: the year's result, no averages
            after = period == "HE"  # the principal decides for those still not completing
            pupils = primary_class_results(setup, ledger, code, promoted if after else None)
            problem = primary_problem(ledger, code, period, pupils, promoted)
            snapshot = decision_snapshot(pupils) if after else primary_snapshot(pupils)
        else:
            results, months = class_results(setup, ledger, code, day)
            problem = class_problem(setup, ledger, code, period, results, months)
            snapshot = approval_snapshot(results, period)
        if problem is not None:
            outcome.refused.append(problem)
        else:
            outcome.snapshots[code] = snapshot
    if outcome.snapshots:
        with nullcontext() if joined else ledger.transaction():
            for code, snapshot in outcome.snapshots.items():
                ledger.approve_results(code, period, by, snapshot, note)
        outcome.approved = [(code, len(snapshot)) for code, snapshot in outcome.snapshots.items()]
    return outcome


def summer_list(setup: Setup, ledger: Ledger) -> tuple[SummerList, list[str]]:
    """Who the summer concerns, from each class's approved year results, and the classes whose
    year is not approved yet (they get no summer sheet)."""
    re_exam: dict[str, dict[str, tuple[str, ...]]] = {}
    training: dict[str, tuple[str, ...]] = {}
    waiting: list[str] = []
    for room in setup.secondary_classes:
        year = ledger.approved_results(room.code).get("CN")
        if year is None:
            waiting.append(room.code)
            continue
        snapshot = year[0]
        order = [s.code for s in setup.students_of(room.code)]
        entries = [(code, snapshot[code]) for code in order if code in snapshot]
        re_exam[room.code] = {
            code: tuple(s for s in entry.get("re_exam", "").split(", ") if s)
            for code, entry in entries
            if entry.get("re_exam")
        }
        training[room.code] = tuple(
            code for code, entry in entries if entry.get("outcome") in TRAINING
        )
    supplementary: dict[str, tuple[str, ...]] = {}
    for room in setup.classes:
        if not room.primary:
            continue
        year = ledger.approved_results(room.code).get("CN")
        if year is None:
            waiting.append(room.code)
            continue
        failing = PRIMARY_NOT_DONE
        supplementary[room.code] = tuple(
            code for code, entry in year[0].items() if entry.get("result") == failing
        )
    return SummerList(re_exam, training, supplementary), waiting


def _not_year_approved(ledger: Ledger, class_code: str, period: str) -> Problem | None:
    if period != "HE" or "CN" in ledger.approved_results(class_code):
        return None
    return make_problem("results-year-not-approved", class_code=class_code)


def _year_changed(
    ledger: Ledger, class_code: str, period: str, results: Sequence[StudentResult]
) -> Problem | None:
    """Before the summer's list: the year as computed now must still be the year approved (the
    summer sheets were issued from it); a correction approved since asks for the year again."""
    if period != "HE":
        return None
    approved = ledger.approved_results(class_code).get("CN")
    if approved is None:
        return None
    snapshot = approved[0]
    changed = [
        f"{r.name} ({r.code}): {'; '.join(items)}"
        for r in results
        if (items := approval_changes(r, "CN", snapshot.get(r.code)))
    ]
    if not changed:
        return None
    return make_problem("results-year-changed", class_code=class_code,
                        changes=missing_text(changed))  # fmt: skip


def _pending(ledger: Ledger, class_code: str, period: str) -> Problem | None:
    """Corrections still waiting in the class for the period: decided first, then approved."""
    semesters = {"HK1": {1}, "HK2": {2}, "CN": {1, 2}, "HE": {1, 2, SUMMER}}[period]
    waiting = [
        c for c in ledger.pending()
        if c.key.class_code == class_code and c.key.semester in semesters
    ]  # fmt: skip
    if not waiting:
        return None
    return make_problem("results-pending", class_code=class_code, count=len(waiting))


def _incomplete(
    class_code: str,
    period: str,
    results: Sequence[StudentResult],
    months: Mapping[int, list[str]],
) -> Problem | None:
    """``results-incomplete`` naming what keeps ``period``'s results of the class from being
    computed (the attendance months first, then student by student), or None when complete."""
    number = {"HK1": 1, "HK2": 2}.get(period)
    every_month = [label for n in sorted(months) for label in months[n]]
    class_items = months.get(number, []) if number else every_month
    items = list(class_items)
    incomplete = 0
    for r in results:
        if period == "HE":
            done = r.final
            own = r.summer_missing or [m for m in r.missing if m not in every_month]
        elif number is None:
            done = r.complete
            own = [m for m in r.missing if m not in every_month]
        else:
            half = r.hk1 if number == 1 else r.hk2
            done = half.learning is not None and half.conduct is not None
            own = [m for m in r.missing if m not in every_month and f"HK{number}" in m]
        if done and not class_items:
            continue
        incomplete += 1
        if not own:
            continue
        text = "; ".join(own[:SHOWN_PER_STUDENT])
        if len(own) > SHOWN_PER_STUDENT:
            text += f"; … và {len(own) - SHOWN_PER_STUDENT} mục khác"
        items.append(f"{r.name} ({r.code}): {text}")
    if not incomplete:
        return None
    return make_problem(
        "results-incomplete",
        class_code=class_code,
        period=PERIOD_NAMES[period],
        count=incomplete,
        missing=missing_text(items) or "chưa tính được kết quả",
    )
