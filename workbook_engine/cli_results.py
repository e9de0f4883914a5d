"""``wbe results approve``, ``wbe results form`` and ``wbe results list``: the principal approves
a class's semester or year results (registered by cli.py), with their own PIN or on the results
decision form (Phiếu duyệt kết quả) dropped into their own ``Duyệt/``. An approval records every
student's values of that period in the ledger (hash-chained); from then on the master shows the
approved values, and a later correction that would change them is flagged until the principal
approves again (:mod:`workbook_engine.render.publish`).

A class is approved only when every student's results of the period can be computed as of the
period's end (every subject's columns, the conduct, every month's attendance); otherwise it is
refused with what is missing (``results-incomplete``) and the other classes are still approved.
The year (proposal, awards) is approved only after the year has ended (``results-year-open``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    OutboxOption,
    ShareOption,
    TodayOption,
    engine_error,
    err,
    fail,
    new_app,
    out,
    problem_line,
    setup_or_fail,
)
from workbook_engine.cli_control import ByOption, NoteOption, person, school
from workbook_engine.cli_people import require_pin
from workbook_engine.errors import WorkbookEngineError
from workbook_engine.paths import data_dir
from workbook_engine.policy import Action

if TYPE_CHECKING:
    from workbook_engine.model import ClassRoom, Setup

results_app = new_app(
    "Duyệt kết quả học tập, rèn luyện (Hiệu trưởng) / The principal approves results."
)

# The ledger's periods as the commands name them to the user.
PERIOD_NAMES = {"HK1": "HKI", "HK2": "HKII", "CN": "cả năm", "HE": "sau hè"}

SemesterChoice = Annotated[
    int | None,
    typer.Option("--semester", min=1, max=2, help="Duyệt kết quả học kì 1 hoặc 2 / a semester."),
]
YearChoice = Annotated[
    bool,
    typer.Option("--year", help="Duyệt kết quả cả năm và đề nghị lên lớp / the whole year."),
]
SummerChoice = Annotated[
    bool,
    typer.Option(
        "--summer",
        help="Duyệt danh sách lên lớp sau kiểm tra lại, rèn luyện hè / the final list.",
    ),
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
    summer: SummerChoice = False,
    classes: ClassesOption = None,
    note: NoteOption = "",
    promote: Annotated[
        list[str] | None,
        typer.Option(
            "--promote",
            help="Tiểu học, với --summer: mã học sinh vẫn chưa hoàn thành sau đánh giá bổ sung "
            "mà Hiệu trưởng cho lên lớp (nhắc lại được); các em khác ở lại lớp.",
        ),
    ] = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Duyệt kết quả học kì, cả năm hoặc sau kì nghỉ hè của từng lớp (Hiệu trưởng, có mã PIN);
    kết quả đã duyệt được giữ nguyên trong sổ tổng hợp / Approve each class's results."""
    from workbook_engine.pipeline.result_approval import (
        PERIOD_NAMES,
        approve_period,
        period_problem,
    )
    from workbook_engine.render.publish import publish

    period = _period(semester, year, summer)
    day = today.date() if today else date.today()
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    decider = person(setup, by, Action.APPROVE_RESULTS)
    rooms = _rooms(setup, classes or [], with_primary=period in ("CN", "HE"))
    problem = period_problem(setup, period, day)
    if problem is not None:
        raise WorkbookEngineError(problem)
    require_pin(data, decider)
    with school(data, setup) as (setup, ledger):
        codes = [r.code for r in rooms]
        result = approve_period(setup, ledger, period, codes, by, day, note,
                                promoted=promote or ())  # fmt: skip
        for code, students in result.approved:
            out.print(f"{code} {PERIOD_NAMES[period]}: đã duyệt {students} học sinh",
                      markup=False)  # fmt: skip
        if result.approved:
            publish(ledger, setup, outbox, today=day)
    for refused in result.refused:
        err.print(problem_line(refused), style="red", markup=False)
    if result.refused:
        raise typer.Exit(1)


@results_app.command("form")
def results_form(
    semester: SemesterChoice = None,
    year: YearChoice = False,
    summer: SummerChoice = False,
    classes: ClassesOption = None,
    data_dir_: DataDirOption = None,
    share: ShareOption = Path("share"),
    today: TodayOption = None,
) -> None:
    """Phát phiếu duyệt kết quả học kì, cả năm hoặc sau kì nghỉ hè (mỗi lớp một dòng) vào thư
    mục «Sổ điểm» của Hiệu trưởng; Hiệu trưởng ghi ý kiến rồi đặt phiếu vào thư mục «Duyệt» của
    mình / Issue the principal a decision form on each class's results."""
    from workbook_engine.io.atomic import FileLockedError
    from workbook_engine.io.identity import load_secret
    from workbook_engine.pipeline.result_approval import PERIOD_NAMES
    from workbook_engine.pipeline.results_decision import issue_results_forms
    from workbook_engine.share import ShareLayout

    period = _period(semester, year, summer)
    day = today.date() if today else date.today()
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    codes = [r.code for r in _rooms(setup, classes or [])]
    secret = load_secret(data.secret)
    with school(data, setup) as (setup, ledger):
        try:
            issued = issue_results_forms(
                ledger, setup, ShareLayout(share, setup), secret, period, day, codes
            )
        except FileLockedError as exc:
            raise fail(str(exc)) from exc
    if not issued:
        raise fail("Không có ai được duyệt kết quả (cần vai trò Hiệu trưởng trong tệp thiết lập)")
    for form in issued:
        out.print(f"Phiếu duyệt kết quả {PERIOD_NAMES[period]} ({form.classes} lớp) cho "
                  f"{form.approver}: {form.path}", markup=False)  # fmt: skip


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


def _period(semester: int | None, year: bool, summer: bool) -> str:
    """The ledger's period of exactly one of ``--semester N``, ``--year``, ``--summer``."""
    if (semester is not None) + year + summer != 1:
        raise engine_error("results-period-choice")
    return "CN" if year else "HE" if summer else f"HK{semester}"


def _rooms(setup: Setup, codes: Sequence[str], with_primary: bool = False) -> list[ClassRoom]:
    """The classes named (``unknown-class`` for one the setup does not have), or every
    secondary class (and ``with_primary``, the primary ones: only their year is approved)."""
    if not codes:
        return list(setup.classes if with_primary else setup.secondary_classes)
    rooms = []
    for code in dict.fromkeys(codes):
        room = setup.find_class(code)
        if room is None:
            raise engine_error("unknown-class", value=code)
        rooms.append(room)
    return rooms


def _local_time(at: str) -> str:
    """An ISO time as the office PC's clock shows it: ``20/01/2026 08:15``."""
    try:
        return datetime.fromisoformat(at).astimezone().strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return at
