"""``wbe books``: the final books the school prints, signs and archives (registered by cli.py).

``wbe books hocba`` writes the student record books (học bạ) of the year into
``<outbox>/books/hoc-ba/``: one PDF per student, one PDF and one Excel workbook (a sheet per
student) per class; ``wbe books attendance`` the
monthly attendance sheets into ``<outbox>/books/diem-danh/``, as PDF and Excel; ``wbe books
teacher`` each teacher's personal score book into ``<outbox>/books/so-diem-ca-nhan/``, as PDF and
Excel; ``wbe books class`` the class assessment book (sổ theo dõi và đánh giá học sinh) of
semester 1 or of the year into ``<outbox>/books/so-theo-doi/<HK1|CN>/``, a PDF and an Excel
workbook per class;
``wbe books all`` every one of them for a semester or the year. Each class's (or teacher's) book
is a job run on every core (render/books/batch.py); a file held open elsewhere is reported and
the others written. The ledger is only read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    fail,
    new_app,
    out,
    progress_bar,
    setup_or_fail,
)
from workbook_engine.paths import DataDir, data_dir

if TYPE_CHECKING:
    from workbook_engine.model import Setup
    from workbook_engine.render.books.batch import BookJob

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
    """Học bạ năm học của từng học sinh: mỗi em một tệp PDF, mỗi lớp một tệp PDF và một tệp
    Excel (mỗi em một trang tính), trong «<outbox>/books/hoc-ba/» / The student record books."""
    from workbook_engine.render.books.batch import HOCBA, BookJob
    from workbook_engine.render.books.hocba import chosen_classes

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-class", classes, setup.find_class)
    _known("unknown-student", students, setup.find_student)
    named = tuple(dict.fromkeys(students)) if students else None
    jobs = [BookJob(HOCBA, room.code, students=named)
            for room in chosen_classes(setup, classes, students)]  # fmt: skip
    written = _printed(data, setup, outbox, today, jobs, "Đang in học bạ (lớp)")
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
    from workbook_engine.render.books.attendance import attendance_months
    from workbook_engine.render.books.batch import ATTENDANCE, BookJob

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-class", classes, setup.find_class)
    wanted = tuple(_month(text) for text in months or []) or None
    try:  # a month outside the year is refused before anything is printed
        attendance_months(setup, today.date() if today else date.today(), wanted)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    codes = list(dict.fromkeys(classes)) if classes else [c.code for c in setup.classes]
    jobs = [BookJob(ATTENDANCE, code, months=wanted) for code in codes]
    written = _printed(data, setup, outbox, today, jobs, "Đang in sổ điểm danh (lớp)")
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
    from workbook_engine.render.books.batch import TEACHER, BookJob

    if (semester is not None) == year:
        raise fail("cần chọn đúng một kì: --semester 1, --semester 2 hoặc --year (cả năm)")
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-teacher", teachers, setup.find_teacher)
    named = list(dict.fromkeys(teachers or []))
    idle = [code for code in named if not setup.assignments_of(code)]
    busy = [code for code in named if code not in idle] if teachers else [
        t.code for t in setup.teachers if setup.assignments_of(t.code)]  # fmt: skip
    jobs = [BookJob(TEACHER, code, semester) for code in busy]
    written = _printed(data, setup, outbox, today, jobs, "Đang in sổ (giáo viên)")
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
    """Sổ theo dõi và đánh giá học sinh theo lớp (PDF và Excel in được) của học kì I hoặc cả
    năm: mỗi lớp một tệp mỗi loại, trong «<outbox>/books/so-theo-doi/<HK1|CN>/» / The class
    assessment books."""
    from workbook_engine.render.books.batch import CLASS, BookJob
    from workbook_engine.render.books.class_book import class_book_path

    if (semester is not None) == year or semester not in (None, 1):
        raise fail("cần chọn đúng một kì: --semester 1 (học kì I) hoặc --year (cả năm)")
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-class", classes, setup.find_class)
    codes = list(dict.fromkeys(classes)) if classes else [c.code for c in setup.secondary_classes]
    jobs = [BookJob(CLASS, code, semester) for code in codes]
    written = _printed(data, setup, outbox, today, jobs, "Đang in sổ (lớp)")
    folder = class_book_path(outbox, "_", semester).parent
    out.print(f"Đã ghi {len(written)} tệp sổ theo dõi và đánh giá học sinh vào {folder}.",
              markup=False)  # fmt: skip


AllSemesterOption = Annotated[
    int | None, typer.Option("--semester", min=1, max=2, help="Các sổ của học kì 1 hoặc 2.")
]
AllYearOption = Annotated[bool, typer.Option("--year", help="Các sổ cả năm, có học bạ.")]


@books_app.command("all")
def all_books(
    semester: AllSemesterOption = None,
    year: AllYearOption = False,
    classes: ClassesOption = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Mọi sổ của trường (hoặc của các lớp chọn) trong một lần, chạy trên mọi nhân máy: sổ
    theo dõi và đánh giá (học kì I, cả năm), học bạ (cả năm), sổ điểm danh các tháng đã bắt
    đầu, sổ điểm cá nhân của giáo viên (khi in cả trường) / Every book at once."""
    from workbook_engine.render.books.batch import school_jobs

    if (semester is not None) == year:
        raise fail("cần chọn đúng một kì: --semester 1, --semester 2 hoặc --year (cả năm)")
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-class", classes, setup.find_class)
    jobs = school_jobs(setup, semester, classes)
    written = _printed(data, setup, outbox, today, jobs, "Đang in các sổ")
    out.print(f"Đã ghi {len(written)} tệp sổ vào {Path(outbox) / 'books'}.", markup=False)


def _known(code: str, given: Sequence[str] | None, find: Callable[[str], object]) -> None:
    """``code`` (unknown-class, unknown-student, unknown-teacher) for the first code named that
    the setup does not have."""
    for value in given or []:
        if find(value) is None:
            raise engine_error(code, value=value)


def _printed(
    data: DataDir,
    setup: Setup,
    outbox: Path,
    today: datetime | None,
    jobs: Sequence[BookJob],
    label: str,
) -> list[Path]:
    """Print ``jobs`` from the ledger (read only) on every core, under a progress bar; a file
    held open elsewhere is reported and the rest printed; a refusal stated in Vietnamese (a
    month outside the year) ends the command."""
    from workbook_engine.render.books.batch import print_books

    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    day = today.date() if today else date.today()
    try:
        with progress_bar(label) as update:
            printed = print_books(data.ledger, setup, outbox, day, jobs, update)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    for message in printed.held:
        err.print(f"Chưa ghi được: {message}", markup=False)
    return printed.written


PRIMARY_POINTS = {"GK1": (1, "GK"), "CK1": (1, "CK"), "GK2": (2, "GK"), "CN": (2, "CK")}


@books_app.command("primary")
def primary(
    point: Annotated[
        str,
        typer.Option(
            "--point",
            help="Thời điểm: GK1 (giữa HK I), CK1 (cuối HK I), GK2 (giữa HK II), CN (cuối năm).",
        ),
    ] = "CN",
    classes: ClassesOption = None,
    hocba: Annotated[
        bool, typer.Option("--hocba", help="Cả học bạ tiểu học (cuối năm) / the pupils' records.")
    ] = False,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Lớp tiểu học (Thông tư 27): bảng tổng hợp kết quả đánh giá giáo dục của lớp ở một thời
    điểm (PDF và Excel), và với --hocba học bạ từng em, trong «<outbox>/books/tieu-hoc/» /
    The primary classes' summary sheets and records."""
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.render.books.primary_hocba import write_primary_hocba
    from workbook_engine.render.books.primary_summary import write_primary_summary

    if point not in PRIMARY_POINTS:
        raise fail(f"«{point}» không phải thời điểm đánh giá: chọn GK1, CK1, GK2 hoặc CN")
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    _known("unknown-class", classes, setup.find_class)
    primary_codes = [c.code for c in setup.classes if c.primary]
    codes = list(dict.fromkeys(classes)) if classes else primary_codes
    if not codes:
        out.print("Trường không có lớp tiểu học (khối 1–5).", markup=False)
        return
    if not set(codes) <= set(primary_codes):
        raise fail("bảng tổng hợp Thông tư 27 chỉ in cho lớp tiểu học (khối 1–5)")
    day = today.date() if today else date.today()
    semester, at = PRIMARY_POINTS[point]
    written: list[Path] = []
    with Ledger.open_readonly(data.ledger) as ledger, progress_bar("Đang in (lớp)") as step:
        for done, code in enumerate(codes, start=1):
            written += write_primary_summary(ledger, setup, outbox, code, semester, at, day)
            if hocba:
                written += write_primary_hocba(ledger, setup, outbox, code, day)
            step(done, len(codes))
    out.print(f"Đã ghi {len(written)} tệp vào {Path(outbox) / 'books' / 'tieu-hoc'}.",
              markup=False)  # fmt: skip
