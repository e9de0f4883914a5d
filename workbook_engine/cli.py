"""``wbe``: the command line. Thin: each command opens what it needs and calls one function.

Errors: a :class:`~workbook_engine.errors.WorkbookEngineError` raised by any command is printed
by :class:`~workbook_engine.cli_common.WbeGroup` (exit code 1). Imports of the library (pandas,
openpyxl, weasyprint…) stay inside the commands: ``wbe --help`` imports none of them.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workbook_engine.cli_backup import backup, restore
from workbook_engine.cli_books import books_app
from workbook_engine.cli_common import (
    DataDirOption,
    DemoInboxOption,
    DemoOutboxOption,
    DemoShareOption,
    JsonOption,
    engine_error,
    fail,
    new_app,
    out,
    print_report,
    progress_steps,
    require_paths,
)
from workbook_engine.cli_control import corrections_app, lock, log_app, unlock
from workbook_engine.cli_inbox import ingest, setup_logging, watch
from workbook_engine.cli_people import people_app
from workbook_engine.cli_report import report_app
from workbook_engine.cli_results import results_app
from workbook_engine.cli_share import share_app
from workbook_engine.cli_students import students_app
from workbook_engine.cli_templates import templates_app
from workbook_engine.cli_year import year_app
from workbook_engine.paths import ENV_VAR, DataDir, data_dir

if TYPE_CHECKING:
    from workbook_engine.demo.school import DemoOptions
    from workbook_engine.errors import Problem
    from workbook_engine.model import Setup

app = new_app(
    "Sổ điểm điện tử theo Thông tư 22 / Electronic grade book (Circular 22).",
    add_completion=False,
    rich_markup_mode=None,
)
setup_app = new_app("Tệp thiết lập nhà trường / School setup workbook.")
app.add_typer(setup_app, name="setup")
app.add_typer(templates_app, name="templates")
app.command("ingest")(ingest)
app.command("watch")(watch)
app.command("backup")(backup)
app.command("restore")(restore)
app.add_typer(corrections_app, name="corrections")
app.add_typer(people_app, name="people")
app.command("lock")(lock)
app.command("unlock")(unlock)
app.add_typer(log_app, name="log")
app.add_typer(report_app, name="report")
app.add_typer(results_app, name="results")
app.add_typer(share_app, name="share")
app.add_typer(books_app, name="books")
app.add_typer(year_app, name="year")
app.add_typer(students_app, name="students")


def print_setup_summary(setup: Setup) -> None:
    from rich.table import Table

    table = Table(title=f"{setup.school.name} — năm học {setup.school.school_year}")
    for header in ("Khối", "Lớp", "Học sinh", "Môn (TX/HK)"):
        table.add_column(header)
    for grade in sorted({c.grade for c in setup.classes}):
        rooms = [c for c in setup.classes if c.grade == grade]
        students = sum(len(setup.students_of(c.code)) for c in rooms)
        subjects = ", ".join(f"{s.code} {s.tx_count}" for s in setup.subjects_of_grade(grade))
        table.add_row(str(grade), str(len(rooms)), str(students), subjects)
    out.print(table)


@setup_app.command("check")
def setup_check(
    file: Annotated[Path, typer.Argument(help="Tệp thiết lập / setup workbook (.xlsx).")],
    json_output: JsonOption = False,
    data_dir_: DataDirOption = None,
) -> None:
    """Kiểm tra tệp thiết lập, liệt kê mọi lỗi; với --data-dir (thư mục dữ liệu đã có sổ điểm),
    nói thêm thay đổi so với tệp thiết lập đang dùng ảnh hưởng thế nào đến điểm đã nhập / Check
    a setup workbook; with --data-dir, what it changes for the values already entered."""
    from workbook_engine.io.setup_reader import check_setup

    require_paths([file])
    setup, report = check_setup(file)
    if setup is not None and (data_dir_ is not None or os.environ.get(ENV_VAR)):
        report.extend(_impact(data_dir(data_dir_), setup, file))
    print_report(report, json_output)
    if not report.valid:
        raise typer.Exit(1)


def _impact(data: DataDir, new: Setup, file: Path) -> list[Problem]:
    """What replacing the data directory's setup by ``new`` does to the values in its ledger
    (nothing when there is no ledger yet, or ``file`` is that setup)."""
    from workbook_engine.io.setup_reader import check_setup
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.setup_impact import setup_impact

    if not (data.setup.exists() and data.ledger.exists()):
        return []
    if data.setup.resolve() == Path(file).resolve():
        return []
    old, _ = check_setup(data.setup)
    if old is None:
        return []
    values = {}
    with Ledger.open_readonly(data.ledger) as ledger, ledger.reading():
        for room in old.classes:
            values.update(ledger.scores_of_class(room.code))
    return setup_impact(old, new, values)


@setup_app.command("template")
def setup_template(
    out_file: Annotated[Path, typer.Argument(help="Nơi ghi tệp mẫu / where to write it.")] = Path(
        "setup.xlsx"
    ),
) -> None:
    """Ghi tệp thiết lập trống cho văn thư / Write the blank setup workbook template."""
    from workbook_engine.io.setup_writer import write_setup

    write_setup(out_file)
    out.print(f"Đã ghi tệp mẫu {out_file}", markup=False)


def _demo_options(classes: int | None, per_grade: int, students: int, seed: int) -> DemoOptions:
    from workbook_engine.demo.school import DemoOptions

    return DemoOptions(
        classes_per_grade=per_grade, total_classes=classes, students_per_class=students, seed=seed
    )


ClassesOption = Annotated[
    int | None, typer.Option("--classes", help="Tổng số lớp / total classes (spread over 6–9).")
]
PerGradeOption = Annotated[int, typer.Option("--classes-per-grade", help="Số lớp mỗi khối.")]
StudentsOption = Annotated[int, typer.Option("--students", help="Sĩ số trung bình / class size.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên / random seed.")]


def make_demo_school(data: DataDir, options: DemoOptions) -> Setup:
    from workbook_engine.demo.school import build_demo_school
    from workbook_engine.io.setup_writer import write_setup

    setup = build_demo_school(options)
    write_setup(data.ensure().setup, setup)
    return setup


@app.command("demo-school")
def demo_school(
    data_dir_: DataDirOption = None,
    classes: ClassesOption = None,
    classes_per_grade: PerGradeOption = 2,
    students: StudentsOption = 40,
    seed: SeedOption = 2025,
) -> None:
    """Tạo trường mẫu (khối 6–9) trong thư mục dữ liệu / Build the demo school's setup."""
    data = data_dir(data_dir_)
    setup = make_demo_school(data, _demo_options(classes, classes_per_grade, students, seed))
    out.print(
        f"Đã tạo {data.setup}: {len(setup.classes)} lớp, {len(setup.students)} học sinh, "
        f"{len(setup.teachers)} giáo viên.",
        markup=False,
    )


@app.command("demo")
def demo(
    data_dir_: DataDirOption = None,
    inbox: DemoInboxOption = Path("inbox"),
    outbox: DemoOutboxOption = Path("outbox"),
    share: DemoShareOption = Path("share"),
    classes: ClassesOption = None,
    classes_per_grade: PerGradeOption = 2,
    students: StudentsOption = 40,
    seed: SeedOption = 2025,
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="secondary: trường THCS mẫu (Thông tư 22); primary: trường tiểu học mẫu "
            "(Thông tư 27) / which demo school.",
        ),
    ] = "secondary",
) -> None:
    """Chạy toàn bộ quy trình với trường mẫu / Run everything that exists on the demo school."""
    from workbook_engine.demo.run import run_demo
    from workbook_engine.pipeline.ingest import Status

    data = data_dir(data_dir_)
    setup_logging(data, console_level=logging.WARNING)  # progress bars here; details in wbe.log
    if level not in ("secondary", "primary"):
        raise fail(f"«{level}» không phải trường mẫu: chọn --level secondary hoặc primary")
    if level == "primary":
        _primary_demo(data, inbox, outbox, share, classes_per_grade, students, seed)
        return
    options = _demo_options(classes, classes_per_grade, students, seed)
    with progress_steps() as update:
        result = run_demo(data, inbox, outbox, options, progress=update, share=share)
    print_setup_summary(result.setup)
    out.print(result.issued.summary(), markup=False)
    for round_, outcomes in result.rounds:
        rejected = sum(1 for o in outcomes if o.status is Status.REJECTED)
        out.print(f"{round_.label}: {len(outcomes)} tệp, trả lại {rejected}.", markup=False)
    out.print(f"Phó hiệu trưởng duyệt {len(result.approved)} đề nghị sửa điểm.", markup=False)
    for what, approval in result.results:
        students = sum(n for _, n in approval.approved)
        out.print(f"{what}: {len(approval.approved)} lớp, {students} học sinh.", markup=False)
    out.print(f"Bảng kiểm tra lại, rèn luyện hè: {len(result.summer.written)} tệp.", markup=False)
    books = f"{len(result.books)} tệp trong {outbox / 'books'}"
    sample = "một lớp: điểm danh hai tháng, sổ theo dõi; sổ điểm một giáo viên; học bạ vài em"
    out.print(f"Sổ in mẫu ({sample}): {books}.", markup=False)
    where = f"{outbox / 'reports' / 'thong-ke'} và {outbox / 'exports'}"
    out.print(f"Thống kê chất lượng cả năm và tệp gửi Phòng Giáo dục: {len(result.reports)} tệp "
              f"trong {where}.", markup=False)  # fmt: skip
    if result.chain_problem:
        raise engine_error("chain-broken", detail=result.chain_problem)
    out.print(f"Nhật ký nguyên vẹn. Mã kiểm tra: {result.chain_head}", markup=False)
    out.print(
        f"Dữ liệu: {data.root}  Thư mục chia sẻ: {result.share}  Kết quả: {outbox}", markup=False
    )


def _primary_demo(
    data: DataDir, inbox: Path, outbox: Path, share: Path, per_grade: int, students: int,
    seed: int,
) -> None:  # fmt: skip
    """``wbe demo --level primary``: the primary demo school's year through the inbox."""
    from workbook_engine.demo.primary import run_primary_demo
    from workbook_engine.demo.school import DemoOptions
    from workbook_engine.pipeline.ingest import Status

    options = DemoOptions(grades=(1, 2, 3, 4, 5), classes_per_grade=per_grade,
                          students_per_class=students, seed=seed)  # fmt: skip
    with progress_steps() as update:
        result = run_primary_demo(data, inbox, outbox, options, progress=update, share=share)
    print_setup_summary(result.setup)
    out.print(f"Đã phát {result.issued} bảng đánh giá (Thông tư 27).", markup=False)
    for label, outcomes in result.rounds:
        rejected = sum(1 for o in outcomes if o.status is Status.REJECTED)
        out.print(f"{label}: {len(outcomes)} tệp, trả lại {rejected}.", markup=False)
    out.print(f"Bảng tổng hợp cuối năm mọi lớp, học bạ một lớp: {len(result.books)} tệp trong "
              f"{outbox / 'books' / 'tieu-hoc'}.", markup=False)  # fmt: skip
    if result.chain_problem:
        raise engine_error("chain-broken", detail=result.chain_problem)
    out.print(f"Nhật ký nguyên vẹn. Mã kiểm tra: {result.chain_head}", markup=False)
    out.print(f"Dữ liệu: {data.root}  Thư mục chia sẻ: {result.share}  Kết quả: {outbox}",
              markup=False)  # fmt: skip


def main() -> None:
    app()  # WbeGroup turns every WorkbookEngineError into its report and exit code 1


if __name__ == "__main__":
    main()
