"""``wbe students move|leave|join|history``: roster movements with an effective date, written to
the setup's «Biến động» sheet (registered by cli.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    TodayOption,
    engine_error,
    new_app,
    out,
    setup_or_fail,
)
from workbook_engine.paths import data_dir

if TYPE_CHECKING:
    from workbook_engine.model import Movement, Setup, Student

students_app = new_app("Biến động học sinh có ngày hiệu lực / Roster movements with a date.")

DateOption = Annotated[
    str,
    typer.Option(
        "--date",
        help="Ngày bắt đầu có hiệu lực, dd/mm/yyyy (mặc định hôm nay) / first day it holds.",
    ),
]
SchoolOption = Annotated[
    str, typer.Option("--school", help="Trường cũ hoặc trường mới / the other school.")
]
DATE_FORMAT = "ngày dạng dd/mm/yyyy, ví dụ 19/01/2026"
NoteOption = Annotated[str, typer.Option("--note", help="Ghi chú (số quyết định…) / a note.")]


def _today(today: datetime | None) -> date:
    return today.date() if today else date.today()


def _day(text: str, today: date) -> date:
    """The movement's first day, ``today`` when none is given."""
    from workbook_engine.io.cells import parse_date

    if not text:
        return today
    day = parse_date(text)
    if day is None:
        raise engine_error("value-bad-format", value=text, expected=DATE_FORMAT)
    return day


def _record(data_arg: Path | None, movement: Movement, joining: Student | None = None) -> Setup:
    from workbook_engine.errors import WorkbookEngineError, make_problem
    from workbook_engine.io.setup_edit import record_movement
    from workbook_engine.io.setup_reader import SetupError

    data = data_dir(data_arg)
    try:
        return record_movement(data.setup, movement, joining)
    except SetupError as exc:
        headline = make_problem("setup-invalid", path=data.setup)
        raise WorkbookEngineError(*exc.report.sorted(), headline) from exc


def _current(setup: Setup, code: str, kind: str, today: date) -> str:
    """The student's class now, or why they cannot make a movement of ``kind``."""
    if setup.find_student(code) is None:
        raise engine_error("unknown-student", value=code)
    now = setup.current_class(code)
    if not now:
        day = today.strftime("%d/%m/%Y")
        raise engine_error("movement-not-in-school", student=code, kind=kind, day=day)
    return now


def _done(setup: Setup, moved: Movement, classes: list[str], today: date) -> None:
    """What was recorded and what it does to the sheets: re-issue them now, or, for a movement
    dated after ``today``, from its date (a sheet lists the class as it is on its issue day,
    and ingest takes the student in the old class until then)."""
    from workbook_engine.model import MovementKind

    student = setup.find_student(moved.student_code)
    name = student.full_name if student else moved.student_code
    day = moved.effective.strftime("%d/%m/%Y")
    other = f" ({moved.school})" if moved.school else ""
    said = {
        MovementKind.CLASS_CHANGE: f"chuyển từ lớp {moved.from_class} sang lớp {moved.to_class}",
        MovementKind.TRANSFER_OUT: f"chuyển trường{other}",
        MovementKind.DROPOUT: "thôi học",
        MovementKind.TRANSFER_IN: f"chuyển đến lớp {moved.to_class}{other}",
    }[moved.kind]
    out.print(
        f"Đã ghi vào trang «Biến động»: {name} ({moved.student_code}) {said} từ ngày {day}.",
        markup=False,
    )
    listed = " và ".join(dict.fromkeys(c for c in classes if c))
    if moved.effective > today:
        out.print(
            f"Bảng điểm của lớp {listed} thay đổi từ ngày {day}: trước ngày đó, các bảng đang "
            f"dùng vẫn nhận điểm như cũ; từ ngày {day}, phát lại bảng điểm (wbe templates "
            "issue) theo danh sách mới, bản mới chép các điểm đã nhận.",
            markup=False,
        )
        return
    out.print(
        f"Phát lại bảng điểm cho lớp {listed} (wbe templates issue): bản mới chép các điểm đã "
        "nhận; điểm trước ngày chuyển vẫn thuộc lớp cũ.",
        markup=False,
    )


@students_app.command("move")
def move(
    student: Annotated[str, typer.Argument(help="Mã học sinh / student code.")],
    to: Annotated[str, typer.Option("--to", help="Lớp mới / the new class.")],
    day: DateOption = "",
    note: NoteOption = "",
    data_dir_: DataDirOption = None,
    today: TodayOption = None,
) -> None:
    """Chuyển lớp từ một ngày / a class change from a date."""
    from workbook_engine.model import Movement, MovementKind

    setup = setup_or_fail(data_dir(data_dir_))
    now = _today(today)
    old = _current(setup, student, MovementKind.CLASS_CHANGE.value, now)
    moved = Movement(student, MovementKind.CLASS_CHANGE, _day(day, now), old, to, note=note)
    _done(_record(data_dir_, moved), moved, [old, to], now)


@students_app.command("leave")
def leave(
    student: Annotated[str, typer.Argument(help="Mã học sinh / student code.")],
    day: DateOption = "",
    dropout: Annotated[
        bool, typer.Option("--dropout", help="Thôi học (không chuyển trường) / drops out.")
    ] = False,
    school: SchoolOption = "",
    note: NoteOption = "",
    data_dir_: DataDirOption = None,
    today: TodayOption = None,
) -> None:
    """Chuyển đi hoặc thôi học từ một ngày / leaves the school from a date."""
    from workbook_engine.model import Movement, MovementKind

    setup = setup_or_fail(data_dir(data_dir_))
    kind = MovementKind.DROPOUT if dropout else MovementKind.TRANSFER_OUT
    now = _today(today)
    old = _current(setup, student, kind.value, now)
    moved = Movement(student, kind, _day(day, now), old, school=school, note=note)
    _done(_record(data_dir_, moved), moved, [old], now)


@students_app.command("join")
def join(
    student: Annotated[str, typer.Argument(help="Mã học sinh (mã định danh) / student code.")],
    name: Annotated[str, typer.Option("--name", help="Họ và tên / full name.")],
    birth: Annotated[str, typer.Option("--birth", help="Ngày sinh dd/mm/yyyy / birth date.")],
    gender: Annotated[str, typer.Option("--gender", help="Nam hoặc Nữ / gender.")],
    class_code: Annotated[str, typer.Option("--class", help="Lớp / the class joined.")],
    day: DateOption = "",
    school: SchoolOption = "",
    note: NoteOption = "",
    data_dir_: DataDirOption = None,
    today: TodayOption = None,
) -> None:
    """Học sinh chuyển đến từ trường khác / a student joins from another school."""
    from workbook_engine.io.cells import parse_date
    from workbook_engine.model import Gender, Movement, MovementKind, Student

    setup = setup_or_fail(data_dir(data_dir_))
    known = setup.find_student(student)
    born = parse_date(birth)
    if born is None:
        raise engine_error("value-bad-format", value=birth, expected=DATE_FORMAT)
    genders = {g.value.casefold(): g for g in Gender}
    if gender.strip().casefold() not in genders:
        raise engine_error("value-not-allowed", value=gender, allowed="Nam, Nữ")
    joining = None
    if known is None:
        joining = Student(student, name.strip(), born, genders[gender.strip().casefold()],
                          class_code)  # fmt: skip
    now = _today(today)
    moved = Movement(student, MovementKind.TRANSFER_IN, _day(day, now), "", class_code, school,
                     note)  # fmt: skip
    _done(_record(data_dir_, moved, joining), moved, [class_code], now)


@students_app.command("history")
def history(
    student: Annotated[str, typer.Argument(help="Mã học sinh / student code.")],
    data_dir_: DataDirOption = None,
) -> None:
    """Các lớp học sinh đã học trong năm / the classes a student was in this year."""
    setup = setup_or_fail(data_dir(data_dir_))
    found = setup.find_student(student)
    if found is None:
        raise engine_error("unknown-student", value=student)
    out.print(f"{found.full_name} ({found.code})", markup=False)
    for stay in setup.stays(student):
        since = f"từ {stay.start.strftime('%d/%m/%Y')}" if stay.start else "từ đầu năm học"
        until = f" đến {stay.end.strftime('%d/%m/%Y')}" if stay.end else ""
        extra = f" – {stay.mark}" if stay.mark else ""
        out.print(f"  lớp {stay.class_code}: {since}{until}{extra}", markup=False)
