"""The year kept in three forms (DOMAIN, «Storage»): the printed books, the year in Excel, and an
offline copy. ``wbe year archive DEST`` writes all three into one new folder,
``DEST/<school code> <year>/``, for an external drive:

- ``so-sach/``: every book of the year (:mod:`~workbook_engine.render.books.batch`), PDF and
  Excel, to print, sign and file;
- ``excel/``: the master workbook, the change logs of every class and month, the diff reports,
  the correction records (a full publish), the year's statistics and the export for the
  education office;
- ``so-diem-….zip``: the backup of the data directory (:mod:`~workbook_engine.pipeline.backup`),
  which ``wbe restore`` brings back and ``wbe backup --verify`` checks.

Nothing is written into the school's own outbox; the ledger is only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from workbook_engine.io.office_export import export_path, load_layout, write_office_export
from workbook_engine.model import Setup
from workbook_engine.names import safe_stem
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.backup import write_backup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.books.batch import print_books, school_jobs
from workbook_engine.render.publish import publish
from workbook_engine.render.statistics import school_results, write_statistics

BOOKS, EXCEL = "so-sach", "excel"
Step = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class YearArchive:
    """What was written, by form; ``held`` the books a reader kept open (none on a new folder)."""

    root: Path
    books: list[Path] = field(default_factory=list)
    excel: list[Path] = field(default_factory=list)
    backup: Path | None = None
    held: list[str] = field(default_factory=list)


def archive_root(dest: Path, setup: Setup) -> Path:
    school = setup.school
    return Path(dest) / safe_stem(f"{school.code or 'truong'} {school.school_year}")


def write_year_archive(
    data: DataDir, setup: Setup, dest: Path, day: date, progress: Step | None = None
) -> YearArchive:
    """The three forms into ``archive_root(dest, setup)``, which must not exist yet
    (``FileExistsError``): an archive is written once, whole."""
    root = archive_root(dest, setup)
    root.mkdir(parents=True, exist_ok=False)
    result = YearArchive(root)

    def step(what: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(what, done, total)) if progress else None

    printed = print_books(data.ledger, setup, root / BOOKS, day, school_jobs(setup, None),
                          step("Sổ sách in"))  # fmt: skip
    result.books, result.held = printed.written, printed.held
    excel = root / EXCEL
    tick = step("Sổ tổng hợp, thống kê, tệp gửi Phòng Giáo dục")
    if tick:
        tick(0, 3)
    with Ledger.open_readonly(data.ledger) as ledger:
        done = publish(ledger, setup, excel, day, all_pdfs=True)
        result.excel += [p for p in [done.master] if p] + done.class_files + done.logs
        result.excel += done.reports + done.records
        if tick:
            tick(1, 3)
        school = school_results(ledger, setup, day)
    result.excel += write_statistics(school, setup, excel, "CN")
    result.excel.append(write_office_export(export_path(excel, setup), setup, school.results,
                                            load_layout(), school.chain_head))  # fmt: skip
    if tick:
        tick(2, 3)
    result.backup = write_backup(data, root, setup=setup)
    if tick:
        tick(3, 3)
    return result
