"""Publishing's many independent outputs (a change log per class and month, a page per received
file), written in worker processes when there are many, so that a burst uses every core and the
process that answers teachers keeps its own.

Each job opens the ledger read-only by itself; what it wrote and what was held open (Excel, a PDF
reader) come back to the publisher. Spawned workers, so it behaves the same on Windows. The setup
goes to each worker once, when it starts: sent with every job, a district's setup (29,000
students, 5.7 MB pickled) cost more than the jobs themselves.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

from workbook_engine.io.atomic import FileLockedError
from workbook_engine.io.lockfiles import lock_owner
from workbook_engine.io.master_workbook import write_change_log
from workbook_engine.model import ChangeRecord, Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.common import freeze_long_lived
from workbook_engine.render.diff_report import file_page, write_file_page

log = logging.getLogger("workbook_engine.render")
T = TypeVar("T")

LOG_FOLDER = "nhat-ky"
POOL_FROM = 24  # fewer jobs than this run in the publishing process (a worker costs ~1 s)
PAGE_BATCH = 50  # file pages per job


@dataclass(frozen=True)
class LogJob:
    """The change log of one class for one month."""

    month: str  # "2025-10"
    class_code: str


@dataclass(frozen=True)
class PagesJob:
    """The pages of a few received files."""

    file_ids: tuple[int, ...]


Job = LogJob | PagesJob
Done = tuple[list[Path], list[Path]]  # (written, held open elsewhere)


def log_path(outbox: Path, month: str, class_code: str) -> Path:
    return Path(outbox) / LOG_FOLDER / month / f"{class_code}.xlsx"


def month_bounds(month: str) -> tuple[str, str]:
    """``"2025-12"`` → ``("2025-12", "2026-01")``: ISO text bounds of a month."""
    year, number = map(int, month.split("-"))
    following = f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}"
    return month, following


def page_jobs(file_ids: Sequence[int]) -> list[PagesJob]:
    return [
        PagesJob(tuple(file_ids[i : i + PAGE_BATCH])) for i in range(0, len(file_ids), PAGE_BATCH)
    ]


def unless_held(target: Path, write: Callable[[], T], held: list[Path]) -> T | None:
    """``write()``; an output held open (Excel, LibreOffice, a PDF reader: its lock file, or
    Windows refusing the replace) is logged, added to ``held`` and skipped: the next publish
    redoes it."""
    owner = lock_owner(target)
    if owner is None:
        try:
            return write()
        except FileLockedError:
            owner = ""
    who = f" (người mở: {owner})" if owner else ""
    log.warning("%s đang được mở%s: chưa cập nhật được, sẽ ghi lại sau", target, who)
    held.append(target)
    return None


def run_job(ledger: Ledger, setup: Setup, outbox: Path, head: str, job: Job) -> Done:
    """Write one job's outputs; an output held open is reported, not raised."""
    written: list[Path] = []
    held: list[Path] = []
    for target, write in _writes(ledger, setup, outbox, head, job):
        if unless_held(target, write, held) is not None:
            written.append(target)
    return written, held


def _writes(
    ledger: Ledger, setup: Setup, outbox: Path, head: str, job: Job
) -> Iterator[tuple[Path, Callable[[], object]]]:
    if isinstance(job, LogJob):
        changes = ledger.changes_of_class(job.class_code, *month_bounds(job.month))
        target = log_path(outbox, job.month, job.class_code)
        yield target, partial(write_change_log, target, setup, changes, head)
        return
    folder = Path(outbox) / "reports" / "diff"
    of_file: dict[int, list[ChangeRecord]] = defaultdict(list)
    for change in ledger.changes_of_files(job.file_ids):
        of_file[change.file_id].append(change)
    for file in ledger.files_by_id(job.file_ids):
        page = folder / "files" / file_page(file)
        yield page, partial(write_file_page, folder, file, of_file[file.id], setup)


_worker_setup: list[Setup] = []  # in a worker process: the setup it was started with


def _start_worker(setup: Setup) -> None:
    _worker_setup[:] = [setup]
    freeze_long_lived()  # a change log's hundreds of thousands of cells set off full passes


def _in_worker(ledger_path: str, outbox: Path, head: str, job: Job) -> Done:
    with Ledger.open_readonly(ledger_path) as ledger:
        return run_job(ledger, _worker_setup[0], outbox, head, job)


@contextmanager
def running(
    jobs: Sequence[Job], ledger: Ledger, setup: Setup, outbox: Path, head: str
) -> Iterator[Callable[[], list[Done]]]:
    """Start ``jobs`` (in worker processes when many and the ledger is a file) and yield what
    collects their results: the caller does its own work meanwhile."""
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < POOL_FROM or ledger.path is None or workers < 2:
        yield lambda: [run_job(ledger, setup, outbox, head, job) for job in jobs]
        return
    start = get_context("spawn")
    with ProcessPoolExecutor(workers, start, initializer=_start_worker, initargs=(setup,)) as pool:
        path = str(ledger.path)
        futures = [pool.submit(_in_worker, path, outbox, head, job) for job in jobs]

        def collect() -> list[Done]:
            try:
                return [future.result() for future in futures]
            except BrokenProcessPool:  # workers could not start here: do it all in this process
                log.warning("Không chạy được tiến trình phụ; ghi nhật ký và trang tệp tuần tự")
                return [run_job(ledger, setup, outbox, head, job) for job in jobs]

        yield collect
