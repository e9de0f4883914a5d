"""``wbe report``: the pages vice-principals and the principal read (registered by cli.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

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
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.paths import data_dir
from workbook_engine.pipeline.ledger import Ledger

report_app = new_app("Báo cáo cho Ban giám hiệu / Reports for the principal and vice-principals.")


@report_app.callback()
def report() -> None:
    """Báo cáo cho Ban giám hiệu / Reports for the principal and vice-principals."""
    # a callback keeps ``diff`` a subcommand while it is the only one


StatsSemesterOption = Annotated[
    int | None, typer.Option("--semester", min=1, max=2, help="Thống kê học kì 1 hoặc 2.")
]
StatsYearOption = Annotated[
    bool, typer.Option("--year", help="Thống kê cả năm (có xét lên lớp, khen thưởng).")
]
StatsClassesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--class",
        help="Chỉ các lớp này (nhắc lại được), mỗi lớp một tệp; mặc định toàn trường và từng khối.",
    ),
]


@report_app.command("stats")
def stats(
    semester: StatsSemesterOption = None,
    year: StatsYearOption = False,
    classes: StatsClassesOption = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Thống kê chất lượng giáo dục (HTML, PDF, Excel): mức học tập, rèn luyện theo giới tính,
    lên lớp, kiểm tra lại, rèn luyện hè, khen thưởng, phân bố điểm từng môn, danh sách học sinh;
    trong «<outbox>/reports/thong-ke/<HK1|HK2|CN>/» / Quality statistics."""
    from datetime import date

    from workbook_engine.render.statistics import school_results, stats_folder, write_statistics

    if (semester is not None) == year:
        raise fail("cần chọn đúng một kì: --semester 1, --semester 2 hoặc --year (cả năm)")
    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    for code in classes or []:
        if setup.find_class(code) is None:
            raise engine_error("unknown-class", value=code)
    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    period = "CN" if year else f"HK{semester}"
    chosen = list(dict.fromkeys(classes)) if classes else None
    try:
        with progress_bar("Đang lập thống kê") as update:
            with Ledger.open_readonly(data.ledger) as ledger:
                school = school_results(ledger, setup, today.date() if today else date.today(),
                                        chosen)  # fmt: skip
            written = write_statistics(school, setup, outbox, period, chosen, update)
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    folder = stats_folder(outbox, period)
    out.print(f"Đã ghi {len(written)} tệp thống kê vào {folder}.", markup=False)


LayoutOption = Annotated[
    Path | None,
    typer.Option(
        "--layout",
        help="Tệp bố cục cột (YAML) của tỉnh; mặc định schemas/office_export.yaml.",
    ),
]


@report_app.command("export")
def export(
    layout: LayoutOption = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
    today: TodayOption = None,
) -> None:
    """Kết quả năm học của từng học sinh (Excel) gửi Phòng/Sở Giáo dục, theo bố cục cột của mẫu
    nhập dữ liệu ngành, trong «<outbox>/exports/» / The year's results for the education
    office."""
    from datetime import date

    from workbook_engine.io.office_export import (
        LayoutError,
        export_path,
        load_layout,
        unknown_subjects,
        write_office_export,
    )
    from workbook_engine.render.statistics import school_results

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    try:
        columns = load_layout(layout)
    except LayoutError as exc:
        raise fail(str(exc)) from exc
    for code in unknown_subjects(columns, setup):
        err.print(f"Cảnh báo: môn «{code}» của bố cục không có trong tệp thiết lập: cột để trống.",
                  markup=False)  # fmt: skip
    try:
        with Ledger.open_readonly(data.ledger) as ledger:
            school = school_results(ledger, setup, today.date() if today else date.today())
        path = write_office_export(export_path(outbox, setup), setup, school.results, columns,
                                   school.chain_head)  # fmt: skip
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    students = sum(len(setup.students_of(c.code)) for c in setup.classes)
    out.print(f"Đã ghi kết quả năm học của {students} học sinh vào {path}.", markup=False)


@report_app.command("diff")
def diff(
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            help="Từ ngày này (YYYY-MM-DD); mặc định mọi ngày / from this day on.",
        ),
    ] = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
) -> None:
    """Báo cáo thay đổi điểm theo ngày (HTML, PDF) và theo từng tệp / Daily diff reports."""
    from workbook_engine.render.diff_report import write_diff_reports

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    day = since.date() if since else None
    try:
        with Ledger.open(data.ledger) as ledger:
            changes = ledger.changes(day.isoformat() if day else None)
            files = ledger.files()
        written = write_diff_reports(outbox, changes, files, setup, day)
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    if not written:
        since_text = f" từ ngày {day:%d/%m/%Y}" if day else ""
        out.print(f"Không có thay đổi hay tệp nào{since_text}: không ghi báo cáo.", markup=False)
        return
    for path in written:
        out.print(str(path), markup=False)
    out.print(f"Đã ghi {len(written)} tệp báo cáo.", markup=False)


@report_app.command("progress")
def progress(
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Tính đến ngày này (YYYY-MM-DD); mặc định hôm nay / as of this day.",
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option("--group", help="Chỉ giáo viên của tổ chuyên môn này (cho tổ trưởng)."),
    ] = None,
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
) -> None:
    """Tiến độ nhập điểm đến một ngày (HTML, PDF, Excel): ô phải nhập và đã nhập của từng
    giáo viên, lớp, môn, cột; tệp muộn, đề nghị sửa chờ duyệt, tháng điểm danh chưa nộp, rèn
    luyện; người chậm nhất trước / Entry progress as of a day."""
    from datetime import date

    from workbook_engine.render.progress_report import FOLDER, write_progress

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    groups = sorted({t.group for t in setup.teachers if t.group})
    if group is not None and group not in groups:
        known = ", ".join(f"«{g}»" for g in groups) or "(chưa có tổ nào trong tệp thiết lập)"
        raise fail(f"không có tổ chuyên môn «{group}»; các tổ: {known}")
    day = as_of.date() if as_of else date.today()
    try:
        with Ledger.open_readonly(data.ledger) as ledger:
            written = write_progress(ledger, setup, outbox, day, group)
    except FileLockedError as exc:
        raise fail(str(exc)) from exc
    for path in written:
        out.print(str(path), markup=False)
    out.print(f"Đã ghi báo cáo tiến độ vào {Path(outbox) / FOLDER}.", markup=False)
