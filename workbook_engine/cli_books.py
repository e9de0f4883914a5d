"""``wbe books``: the final books the school prints, signs and archives (registered by cli.py).

``wbe books hocba`` writes the student record books (học bạ) of the year into
``<outbox>/books/hoc-ba/``: one PDF per student and one per class; ``wbe books attendance`` the
monthly attendance sheets into ``<outbox>/books/diem-danh/``, as PDF and Excel; ``wbe books
teacher`` each teacher's personal score book into ``<outbox>/books/so-diem-ca-nhan/``, as PDF and
Excel; ``wbe books class`` the class assessment book (sổ theo dõi và đánh giá học sinh) of
semester 1 or of the year into ``<outbox>/books/so-theo-doi/<HK1|CN>/``, one PDF per class. The
ledger is only read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from workbook_engine.paths import DataDir, data_dir

if TYPE_CHECKING:
    from workbook_engine.pipeline.ledger import Ledger

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
    from workbook_engine.render.books.hocba import write_hocba

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-class", classes, setup.find_class)
    _known("unknown-student", students, setup.find_student)
    day = today.date() if today else date.today()
    written = _rendered(data, "Đang in học bạ", lambda ledger, update: write_hocba(
        ledger, setup, outbox, day, classes, students, progress=update))  # fmt: skip
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
    from workbook_engine.render.books.attendance import write_attendance_books

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    wanted = [_month(text) for text in months or []] or None
    day = today.date() if today else date.today()
    written = _rendered(data, "Đang in", lambda ledger, update: write_attendance_books(
        ledger, setup, outbox, wanted, classes, update, today=day))  # fmt: skip
    folder = Path(outbox) / "books" / "diem-danh"
    out.print(f"Đã ghi {len(written)} tệp sổ điểm danh vào {folder}.", markup=False)


def _month(text: str) -> tuple[int, int]:
    """``2025-10`` → (2025, 10); anything else is ``fail`` with the expected form."""
    year, _, month = text.strip().partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return int(year), int(month)
    raise fail(f"tháng «{text}» không đúng dạng YYYY-MM (ví dụ 2025-10)")


TeachersOption = Annotated[
    list[str] | None,
    typer.Option(
        "--teacher",
        help="Chỉ các giáo viên có mã này (nhắc lại được); mặc định mọi giáo viên có phân công.",
    ),
]
BookSemesterOption = Annotated[
    int | None, typer.Option("--semester", min=1, max=2, help="Sổ của học kì 1 hoặc 2.")
]
BookYearOption = Annotated[bool, typer.Option("--year", help="Sổ cả năm (hai học kì, ĐTBmcn).")]


@books_app.command("teacher")
def teacher(
    teachers: TeachersOption = None,
    semester: BookSemesterOption = None,
    year: BookYearOption = False,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Sổ điểm cá nhân của từng giáo viên (PDF và Excel in được): mọi lớp, môn được phân công,
    để giáo viên kí, trong «<outbox>/books/so-diem-ca-nhan/» / The teachers' personal books."""
    from workbook_engine.render.books.teacher import write_teacher_books

    if (semester is not None) == year:
        raise fail("cần chọn đúng một kì: --semester 1, --semester 2 hoặc --year (cả năm)")
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-teacher", teachers, setup.find_teacher)
    idle = [code for code in dict.fromkeys(teachers or []) if not setup.assignments_of(code)]
    day = today.date() if today else date.today()
    written = _rendered(data, "Đang in sổ", lambda ledger, update: write_teacher_books(
        ledger, setup, outbox, day, semester, teachers, update))  # fmt: skip
    for code in idle:
        out.print(f"Giáo viên {code} chưa được phân công lớp, môn nào: không có sổ.", markup=False)
    folder = Path(outbox) / "books" / "so-diem-ca-nhan"
    out.print(f"Đã ghi {len(written)} tệp sổ điểm cá nhân vào {folder}.", markup=False)


ClassSemesterOption = Annotated[
    int | None, typer.Option("--semester", help="Sổ học kì I: --semester 1.")
]
ClassYearOption = Annotated[bool, typer.Option("--year", help="Sổ cả năm.")]


@books_app.command("class")
def class_books(
    classes: ClassesOption = None,
    semester: ClassSemesterOption = None,
    year: ClassYearOption = False,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Sổ theo dõi và đánh giá học sinh theo lớp (PDF) của học kì I hoặc cả năm: mỗi lớp một
    tệp, trong «<outbox>/books/so-theo-doi/<HK1|CN>/» / The class assessment books."""
    from workbook_engine.render.books.class_book import class_book_path, write_class_books

    if (semester is not None) == year or semester not in (None, 1):
        raise fail("cần chọn đúng một kì: --semester 1 (học kì I) hoặc --year (cả năm)")
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-class", classes, setup.find_class)
    day = today.date() if today else date.today()
    written = _rendered(data, "Đang in sổ", lambda ledger, update: write_class_books(
        ledger, setup, outbox, day, semester, classes, update))  # fmt: skip
    folder = class_book_path(outbox, "_", semester).parent
    out.print(f"Đã ghi {len(written)} tệp sổ theo dõi và đánh giá học sinh vào {folder}.",
              markup=False)  # fmt: skip


def _known(code: str, given: Sequence[str] | None, find: Callable[[str], object]) -> None:
    """``code`` (unknown-class, unknown-student, unknown-teacher) for the first code named that
    the setup does not have."""
    for value in given or []:
        if find(value) is None:
            raise engine_error(code, value=value)


def _rendered(
    data: DataDir, label: str, render: Callable[[Ledger, Callable[[int, int], None]], list[Path]]
) -> list[Path]:
    """Run ``render`` on the ledger opened read-only, under a progress bar; a refusal it states
    in Vietnamese (a month outside the year) or a file held open elsewhere ends the command."""
    from workbook_engine.io.atomic import FileLockedError
    from workbook_engine.pipeline.ledger import Ledger

    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    try:
        with Ledger.open_readonly(data.ledger) as ledger, progress_bar(label) as update:
            return render(ledger, update)
    except (ValueError, FileLockedError) as exc:
        raise fail(str(exc)) from exc
