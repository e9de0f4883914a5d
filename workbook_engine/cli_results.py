"""``wbe results approve`` and ``wbe results list``: the principal approves a class's semester or
year results (registered by cli.py), with their own PIN. An approval records every student's
values of that period in the ledger (hash-chained); from then on the master shows the approved
values, and a later correction that would change them is flagged until the principal approves
again (:mod:`workbook_engine.render.publish`).

A class is approved only when every student's results of the period can be computed as of the
period's end (every subject's columns, the conduct, every month's attendance); otherwise it is
refused with what is missing (``results-incomplete``) and the other classes are still approved.
The year (proposal, awards) is approved only after the year has ended (``results-year-open``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    OutboxOption,
    TodayOption,
    engine_error,
    err,
    new_app,
    out,
    problem_line,
    setup_or_fail,
)
from workbook_engine.cli_control import ByOption, NoteOption, person, school
from workbook_engine.cli_people import require_pin
from workbook_engine.errors import Problem, make_problem
from workbook_engine.paths import data_dir
from workbook_engine.policy import Action

if TYPE_CHECKING:
    from workbook_engine.model import ClassRoom, Setup
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.results import StudentResult

results_app = new_app(
    "Duyệt kết quả học tập, rèn luyện (Hiệu trưởng) / The principal approves results."
)

# The ledger's periods as the commands name them to the user.
PERIOD_NAMES = {"HK1": "HKI", "HK2": "HKII", "CN": "cả năm"}
SHOWN_PER_STUDENT = 2  # missing items named per student in a refusal; the rest counted

SemesterChoice = Annotated[
    int | None,
    typer.Option("--semester", min=1, max=2, help="Duyệt kết quả học kì 1 hoặc 2 / a semester."),
]
YearChoice = Annotated[
    bool,
    typer.Option("--year", help="Duyệt kết quả cả năm và đề nghị lên lớp / the whole year."),
]
ClassesOption = Annotated[
    list[str] | None,
    typer.Option("--class", help="Chỉ các lớp này (nhắc lại được); mặc định mọi lớp."),
]


@results_app.command("approve")
def results_approve(
    by: ByOption,
    semester: SemesterChoice = None,
    year: YearChoice = False,
    classes: ClassesOption = None,
    note: NoteOption = "",
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Duyệt kết quả học kì hoặc cả năm của từng lớp (Hiệu trưởng, có mã PIN); kết quả đã duyệt
    được giữ nguyên trong sổ tổng hợp / Approve each class's results of a period."""
    from workbook_engine.approvals import approval_snapshot
    from workbook_engine.render.publish import publish

    if (semester is not None) == year:
        raise engine_error("results-period-choice")
    period = "CN" if year else f"HK{semester}"
    day = today.date() if today else date.today()
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    decider = person(setup, by, Action.APPROVE_RESULTS)
    rooms = _rooms(setup, classes or [])
    evaluated = _evaluation_day(setup, period, day)
    require_pin(data, decider)
    refused: list[Problem] = []
    with school(data, setup) as (setup, ledger):
        approved: list[tuple[str, dict[str, dict[str, str]]]] = []
        for room in rooms:
            results, months = _class_results(setup, ledger, room.code, evaluated)
            problem = _pending(ledger, room.code, period) or _incomplete(
                room.code, period, results, months
            )
            if problem is not None:
                refused.append(problem)
            else:
                approved.append((room.code, approval_snapshot(results, period)))
        if approved:
            with ledger.transaction():
                for code, snapshot in approved:
                    ledger.approve_results(code, period, by, snapshot, note)
            for code, snapshot in approved:
                out.print(f"{code} {PERIOD_NAMES[period]}: đã duyệt {len(snapshot)} học sinh",
                          markup=False)  # fmt: skip
            publish(ledger, setup, outbox, today=day)
    for problem in refused:
        err.print(problem_line(problem), style="red", markup=False)
    if refused:
        raise typer.Exit(1)


@results_app.command("list")
def results_list(
    class_: Annotated[str, typer.Option("--class", help="Chỉ lớp này / only this class.")] = "",
    data_dir_: DataDirOption = None,
) -> None:
    """Liệt kê các lần duyệt kết quả (lớp, kì, người duyệt, thời điểm) / List the approvals."""
    with school(data_dir(data_dir_)) as (setup, ledger):
        approvals = ledger.result_approvals(class_ or None)
        if not approvals:
            out.print("Chưa có kết quả nào được duyệt.", markup=False)
            return
        latest = {(a.class_code, a.period): a.id for a in approvals}  # the newest one counts
        for a in approvals:
            teacher = setup.find_teacher(a.decided_by)
            who = f"{teacher.full_name} ({a.decided_by})" if teacher else a.decided_by
            parts = [
                a.class_code,
                PERIOD_NAMES.get(a.period, a.period),
                who,
                _local_time(a.at),
                f"{a.students} học sinh",
                f"mã {a.snapshot_hash[:12]}",
            ]
            if a.note:
                parts.append(a.note)
            if latest[(a.class_code, a.period)] != a.id:
                parts.append("đã được thay bằng lần duyệt sau")
            out.print(" | ".join(parts), markup=False)


def _pending(ledger: Ledger, class_code: str, period: str) -> Problem | None:
    """Corrections still waiting in the class for the period: decided first, then approved."""
    semester = None if period == "CN" else int(period[-1])
    waiting = [
        c for c in ledger.pending()
        if c.key.class_code == class_code and semester in (None, c.key.semester)
    ]  # fmt: skip
    if not waiting:
        return None
    return make_problem("results-pending", class_code=class_code, count=len(waiting))


def _rooms(setup: Setup, codes: Sequence[str]) -> list[ClassRoom]:
    """The classes named (``unknown-class`` for one the setup does not have), or every class."""
    if not codes:
        return list(setup.classes)
    rooms = []
    for code in dict.fromkeys(codes):
        room = setup.find_class(code)
        if room is None:
            raise engine_error("unknown-class", value=code)
        rooms.append(room)
    return rooms


def _evaluation_day(setup: Setup, period: str, day: date) -> date:
    """The day the results are computed for: a semester's are complete only once every input
    up to its last day is in, so they are computed as of that day at the earliest; the year's
    only after it has ended (``results-year-open`` / ``results-semester-open`` before)."""
    if period == "CN":
        end = max(s.end for s in setup.semesters)
        if day <= end:
            raise engine_error("results-year-open", end=end.strftime("%d/%m/%Y"))
        return day
    number = int(period[-1])
    semester = next(s for s in setup.semesters if s.number == number)
    if day <= semester.end:
        raise engine_error("results-semester-open", semester=number,
                           end=semester.end.strftime("%d/%m/%Y"))  # fmt: skip
    return day


def _class_results(
    setup: Setup, ledger: Ledger, class_code: str, day: date
) -> tuple[list[StudentResult], dict[int, list[str]]]:
    """The class's results on ``day``, and per semester the attendance months not yet in,
    labelled exactly as the results list them among the missing inputs."""
    from workbook_engine.results import ATTENDANCE_PREFIX, CONFIRM_DAY, student_results
    from workbook_engine.results import attendance_missing as months_missing

    values = ledger.scores_of_class(class_code)
    received = ledger.received_keys(class_code)
    results = student_results(setup, class_code, values, day, received=received)
    months_in = {(k.semester, k.subject_code) for k in received}
    months_in |= {
        (key.semester, key.subject_code)
        for key, _, _ in values
        if key.subject_code.startswith(ATTENDANCE_PREFIX)
    }
    semesters = sorted(setup.semesters, key=lambda s: s.number)
    return results, months_missing(semesters, months_in, day, CONFIRM_DAY)


def _incomplete(
    class_code: str,
    period: str,
    results: Sequence[StudentResult],
    months: Mapping[int, list[str]],
) -> Problem | None:
    """``results-incomplete`` naming what keeps ``period``'s results of the class from being
    computed (the attendance months first, then student by student), or None when complete."""
    from workbook_engine.io.master_workbook import missing_text

    number = {"HK1": 1, "HK2": 2}.get(period)
    every_month = [label for n in sorted(months) for label in months[n]]
    class_items = months.get(number, []) if number else every_month
    items = list(class_items)
    incomplete = 0
    for r in results:
        if number is None:
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


def _local_time(at: str) -> str:
    """An ISO time as the office PC's clock shows it: ``20/01/2026 08:15``."""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return at
