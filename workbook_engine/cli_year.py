"""``wbe year close`` and ``wbe year new`` (registered by cli.py): the principal closes the school
year with her own PIN once every class's final results are approved; the next year's setup
workbook is then written from the closed year (:mod:`workbook_engine.pipeline.year`)."""

from __future__ import annotations

from datetime import date
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
    setup_or_fail,
)
from workbook_engine.cli_control import ByOption, NoteOption, decider, lock_record, school
from workbook_engine.io.cells import format_day
from workbook_engine.paths import data_dir
from workbook_engine.policy import Action

if TYPE_CHECKING:
    from workbook_engine.pipeline.year import Rollover

year_app = new_app("Khóa sổ năm học, lập năm học mới / Close the school year, start the next.")

GRADUATES_FILE = "hoc-sinh-hoan-thanh-THCS-{year}.xlsx"
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Nơi ghi tệp thiết lập năm học mới (mặc định: thư mục <năm học mới> cạnh thư mục "
        "dữ liệu, ví dụ 2026-2027/setup.xlsx) / where to write the next year's setup.",
        show_default=False,
    ),
]
NextYear = Annotated[str, typer.Argument(help="Năm học mới, dạng 2026-2027 / the next year.")]


@year_app.command("close")
def year_close(
    by: ByOption,
    note: NoteOption = "",
    data_dir_: DataDirOption = None,
    today: TodayOption = None,
    outbox: OutboxOption = Path("outbox"),
) -> None:
    """Khóa sổ năm học (Hiệu trưởng, có mã PIN): chỉ khi kết quả cuối năm của mọi lớp đã được
    duyệt; từ đó mọi tệp gửi đến bị trả lại, sổ tổng hợp, sổ in và báo cáo vẫn xem được; lập
    biên bản để kí / Close the school year: nothing more is entered."""
    from workbook_engine.pipeline.year import close_year
    from workbook_engine.rollover import following_year

    data = data_dir(data_dir_)
    setup = decider(data, by, Action.CLOSE_YEAR)
    with school(data, setup) as (setup, ledger):
        number = close_year(ledger, setup, by, today.date() if today else date.today(), note)
        at, _ = ledger.year_closed() or ("", "")
        rows = ledger.lock_rows(number)
    year, person = setup.school.school_year, setup.teacher_by_code(by)
    day = format_day(at)
    lines = [
        f"Đã khóa sổ năm học {year} ngày {day} (người quyết định: {person.full_name} ({by})).",
        "Từ nay mọi tệp gửi đến đều bị trả lại; sổ tổng hợp, sổ in và báo cáo của năm học vẫn "
        "xem, in được.",
        f"Lập tệp thiết lập năm học mới: wbe year new {following_year(year)}",
    ]
    for line in lines:
        out.print(line, markup=False)
    lock_record(outbox, setup, rows)


@year_app.command("new")
def year_new(next_year: NextYear, data_dir_: DataDirOption = None, out_file: OutOption = None
             ) -> None:  # fmt: skip
    """Lập tệp thiết lập năm học mới từ năm học đã khóa sổ: lớp lên khối, học sinh theo kết quả
    cuối năm, giáo viên, phân công, miễn giảm, lịch; kèm danh sách học sinh hoàn thành chương
    trình THCS / Write the next year's setup workbook from the closed year."""
    from workbook_engine.io.setup_reader import check_setup
    from workbook_engine.io.setup_writer import write_setup
    from workbook_engine.pipeline.year import roll_over
    from workbook_engine.render.graduates import write_graduates

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    with school(data, setup) as (setup, ledger):
        rollover = roll_over(ledger, setup, next_year)
    target = out_file or data.root.parent / rollover.setup.school.school_year / "setup.xlsx"
    listed = target.parent / GRADUATES_FILE.format(year=setup.school.school_year)
    for path in (target, listed):
        if path.exists():
            raise engine_error("year-new-exists", path=path)
    write_setup(target, rollover.setup)
    write_graduates(listed, setup, rollover.graduates, rollover.finals)
    _, report = check_setup(target)
    _summary(rollover, target, listed)
    out.print(f"Kiểm tra tệp (wbe setup check): {len(report.errors)} lỗi, "
              f"{len(report.warnings)} cảnh báo.", markup=False)  # fmt: skip
    for problem in report.errors:
        err.print(str(problem), style="red", markup=False)


def _summary(rollover: Rollover, target: Path, listed: Path) -> None:
    new = rollover.setup
    low = min((c.grade for c in new.classes), default=0)
    top = max((c.grade for c in new.classes), default=0)
    intake = [c.code for c in new.classes if c.grade == low and not new.students_of(c.code)]
    lines = [
        f"Đã ghi tệp thiết lập năm học {new.school.school_year}: {target}",
        f"Học sinh chuyển sang năm học mới: {len(new.students)} (lên lớp: {rollover.promoted}, "
        f"ở lại lớp: {rollover.retained}); hoàn thành chương trình THCS: "
        f"{len(rollover.graduates)}.",
        f"Danh sách học sinh hoàn thành chương trình THCS: {listed}",
    ]
    if intake:
        lines.append(
            f"Lớp {low} chờ học sinh mới: {', '.join(intake)} (nhập vào trang «Học sinh»; giáo "
            f"viên chủ nhiệm là của lớp {top} cùng tên năm trước)."
        )
    lines.append("Lịch, học kì giữ ngày, tháng của năm trước: đối chiếu với kế hoạch năm học "
                 "mới (ngày nghỉ Tết Nguyên đán theo âm lịch).")  # fmt: skip
    if rollover.notes:
        lines.append(f"Chưa chuyển được ({len(rollover.notes)} mục):")
        lines += [f"  – {note}" for note in rollover.notes]
    for line in lines:
        out.print(line, markup=False)


@year_app.command("archive")
def year_archive(
    dest: Annotated[Path, typer.Argument(help="Thư mục lưu (ổ ngoài) / where to write.")],
    data_dir_: DataDirOption = None,
    today: TodayOption = None,
) -> None:
    """Lưu năm học ba dạng vào một thư mục mới «DEST/<mã trường> <năm học>»: mọi sổ sách in
    (PDF, Excel), sổ tổng hợp và các tệp Excel của năm (nhật ký, thống kê, tệp gửi Phòng Giáo
    dục), bản sao lưu dữ liệu / The year in three forms, for an external drive."""
    from workbook_engine.cli_common import progress_steps
    from workbook_engine.pipeline.year import is_closed
    from workbook_engine.render.year_archive import archive_root, write_year_archive

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    if not data.ledger.exists():
        raise engine_error("ledger-missing", path=data.ledger)
    root = archive_root(dest, setup)
    if root.exists():
        raise engine_error("year-archive-exists", path=root)
    with school(data, setup) as (setup, ledger):
        closed = is_closed(ledger)
    if not closed:
        err.print(f"Lưu ý: năm học {setup.school.school_year} chưa khóa sổ (wbe year close): bản "
                  "lưu này là kết quả đến hôm nay.", markup=False)  # fmt: skip
    day = today.date() if today else date.today()
    with progress_steps() as update:
        made = write_year_archive(data, setup, dest, day, update)
    for message in made.held:
        err.print(f"Chưa ghi được: {message}", markup=False)
    out.print(f"Đã lưu năm học {setup.school.school_year} vào {made.root}:", markup=False)
    out.print(f"  sổ sách in: {len(made.books)} tệp; Excel và báo cáo: {len(made.excel)} tệp; "
              f"bản sao lưu: {made.backup.name if made.backup else '—'}", markup=False)  # fmt: skip
    out.print("Chép cả thư mục này sang ổ đĩa ngoài; kiểm tra bản sao lưu bằng "
              "wbe backup --verify.", markup=False)  # fmt: skip
