"""``wbe books``: the final books the school prints, signs and archives (registered by cli.py).

``wbe books hocba`` writes the student record books (học bạ) of the year into
``<outbox>/books/hoc-ba/``: one PDF per student and one per class; ``wbe books attendance`` the
monthly attendance sheets into ``<outbox>/books/diem-danh/``, as PDF and Excel. The ledger is
only read.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    OutboxOption,
    TodayOption,
    engine_error,
    fail,
    new_app,
    out,
    progress_bar,
    setup_or_fail,
)
from workbook_engine.paths import data_dir

books_app = new_app("In các sổ sách cuối kì, cuối năm (PDF) / Render the final books.")

ClassesOption = Annotated[
    list[str] | None,
    typer.Option("--class", help="Chỉ các lớp này (nhắc lại được); mặc định mọi lớp."),
]
StudentsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--student", help="Chỉ các học sinh có mã này (nhắc lại được); chỉ ghi tệp từng em."
    ),
]


@books_app.command("hocba")
def hocba(
    classes: ClassesOption = None,
    students: StudentsOption = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Học bạ năm học của từng học sinh (PDF): mỗi em một tệp và mỗi lớp một tệp, trong
    «<outbox>/books/hoc-ba/» / The student record books, per student and per class."""
    from workbook_engine.io.atomic import FileLockedError
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.render.books.hocba import write_hocba

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    for code in classes or []:
        if setup.find_class(code) is None:
            raise engine_error("unknown-class", value=code)
    for code in students or []:
        if setup.find_student(code) is None:
            raise engine_error("unknown-student", value=code)
    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    day = today.date() if today else date.today()
    try:
        with Ledger.open_readonly(data.ledger) as ledger, progress_bar("Đang in học bạ") as update:
            written = write_hocba(ledger, setup, outbox, day, classes, students, progress=update)
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    if not written:
        out.print("Không có học sinh nào để in học bạ.", markup=False)
        return
    folder = Path(outbox) / "books" / "hoc-ba"
    out.print(f"Đã ghi {len(written)} tệp học bạ vào {folder}.", markup=False)


MonthsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--month",
        help="Tháng YYYY-MM (nhắc lại được); mặc định mọi tháng đã bắt đầu của năm học.",
    ),
]


@books_app.command("attendance")
def attendance(
    classes: ClassesOption = None,
    months: MonthsOption = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Sổ điểm danh tháng của từng lớp (PDF và Excel in được), để giáo viên chủ nhiệm và Hiệu
    trưởng kí, trong «<outbox>/books/diem-danh/» / The monthly attendance sheets."""
    from workbook_engine.io.atomic import FileLockedError
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.render.books.attendance import write_attendance_books

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    wanted = [_month(text) for text in months or []] or None
    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    day = today.date() if today else date.today()
    try:
        with Ledger.open_readonly(data.ledger) as ledger, progress_bar("Đang in") as update:
            written = write_attendance_books(ledger, setup, outbox, wanted, classes, update,
                                             today=day)  # fmt: skip
    except ValueError as exc:  # a month outside the year, an unknown class: said in Vietnamese
        raise fail(str(exc)) from exc
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    folder = Path(outbox) / "books" / "diem-danh"
    out.print(f"Đã ghi {len(written)} tệp sổ điểm danh vào {folder}.", markup=False)


def _month(text: str) -> tuple[int, int]:
    """``2025-10`` → (2025, 10); anything else is ``fail`` with the expected form."""
    year, _, month = text.strip().partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return int(year), int(month)
    raise fail(f"tháng «{text}» không đúng dạng YYYY-MM (ví dụ 2025-10)")
