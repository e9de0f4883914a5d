"""Many books at once (``wbe books all``, or every class of one kind), spread over worker
processes so that printing the school uses every core.

A job is one class's book of one kind (the class book, the học bạ, the attendance months) or one
teacher's book. Each job opens the ledger read-only itself and reads its values and the chain
head in one read transaction, so every book's footer names the head of the values it prints.
Workers are spawned (the same on Windows); with one core, or a single job, everything runs in
this process. An output held open elsewhere (a PDF reader, Excel) costs only its own job: the
others are written and the held ones reported.

When there are fewer jobs than cores (one class's học bạ), each whole class's học bạ is split
into shares of its students, one per core; each worker writes its students' PDFs and its pages
as one PDF, and this process joins a class's shares into the class's PDF and workbook as soon as
the last one is in (:func:`~workbook_engine.render.books.hocba.join_hocba`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from workbook_engine.io.atomic import FileLockedError
from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger

if TYPE_CHECKING:
    from workbook_engine.render.books.hocba import Share

log = logging.getLogger("workbook_engine.render")

CLASS, HOCBA, ATTENDANCE, TEACHER = "class", "hocba", "attendance", "teacher"
KINDS = (HOCBA, TEACHER, ATTENDANCE, CLASS)  # the longest first: the workers end together
MAX_WORKERS = 8

Progress = Callable[[int, int], None]
Month = tuple[int, int]


@dataclass(frozen=True)
class BookJob:
    """One book to print: ``kind`` (CLASS, HOCBA, ATTENDANCE, TEACHER) of class or teacher
    ``code``, for semester ``semester`` (None: the year; the class and teacher books);
    ``months`` (attendance; None: every month begun), ``students`` (học bạ; None: the class
    whole), ``share`` (học bạ of the class whole: share ``index`` of ``count``)."""

    kind: str
    code: str
    semester: int | None = None
    months: tuple[Month, ...] | None = None
    students: tuple[str, ...] | None = None
    share: tuple[int, int] | None = None


@dataclass
class Printed:
    """What a run wrote, and the jobs that could not replace a file held open elsewhere."""

    written: list[Path] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # the Vietnamese message of each
    shares: list[Share] = field(default_factory=list)  # học bạ shares not joined yet

    def add(self, other: Printed) -> None:
        self.written += other.written
        self.held += other.held
        self.shares += other.shares


def school_jobs(
    setup: Setup, semester: int | None, classes: Iterable[str] | None = None
) -> list[BookJob]:
    """Every book of semester ``semester`` (None: the year) for the whole school, or only the
    class books of ``classes``: a job per class (the học bạ only for the year, the class book
    for semester 1 or the year, the attendance months begun), per teacher with classes when the
    whole school is printed; the longest kinds first."""
    chosen = None if classes is None else set(classes)
    rooms = [room.code for room in setup.secondary_classes if chosen is None or room.code in chosen]
    jobs: list[BookJob] = []
    for kind in KINDS:
        if kind == HOCBA and semester is None:
            jobs += [BookJob(HOCBA, code) for code in rooms]
        elif kind == TEACHER and chosen is None:
            jobs += [
                BookJob(TEACHER, t.code, semester)
                for t in setup.teachers
                if setup.assignments_of(t.code)
            ]
        elif kind == ATTENDANCE:
            jobs += [BookJob(ATTENDANCE, code) for code in rooms]
        elif kind == CLASS and semester in (1, None):
            jobs += [BookJob(CLASS, code, semester) for code in rooms]
    return jobs


def run_book_job(ledger: Ledger, setup: Setup, outbox: Path, day: date, job: BookJob) -> Printed:
    """Print one job's book; a file held open ends the job (reported), not the run."""
    # imported here: each pulls weasyprint, and a worker needs only its own
    try:
        if job.kind == CLASS:
            from workbook_engine.render.books.class_book import write_class_books

            paths = write_class_books(ledger, setup, outbox, day, job.semester, [job.code])
        elif job.kind == HOCBA and job.share is not None:
            from workbook_engine.render.books.hocba import write_hocba_share

            paths, share = write_hocba_share(ledger, setup, outbox, day, job.code, *job.share)
            return Printed(written=paths, shares=[share])
        elif job.kind == HOCBA:
            from workbook_engine.render.books.hocba import write_hocba

            paths = write_hocba(ledger, setup, outbox, day, [job.code], job.students)
        elif job.kind == ATTENDANCE:
            from workbook_engine.render.books.attendance import write_attendance_books

            months = list(job.months) if job.months is not None else None
            paths = write_attendance_books(ledger, setup, outbox, months, [job.code], today=day)
        elif job.kind == TEACHER:
            from workbook_engine.render.books.teacher import write_teacher_books

            paths = write_teacher_books(ledger, setup, outbox, day, job.semester, [job.code])
        else:
            raise ValueError(f"unknown book kind {job.kind!r}")
    except FileLockedError as exc:
        log.warning("%s", exc)
        return Printed(held=[str(exc)])
    return Printed(written=paths)


def print_books(
    ledger_path: Path,
    setup: Setup,
    outbox: Path,
    day: date,
    jobs: Sequence[BookJob],
    progress: Progress | None = None,
    workers: int | None = None,
) -> Printed:
    """Run ``jobs`` on ``workers`` processes (default: every core, at most MAX_WORKERS; one
    job or one worker: in this process), a class's học bạ in shares when cores would be idle
    (:func:`shared`). ``progress(done, total)`` counts jobs (a share is one). A ValueError of a
    job (a month outside the year…) ends the run with its message."""
    cores = min(workers or os.cpu_count() or 1, MAX_WORKERS)
    jobs = shared(jobs, setup, cores)
    count = min(cores, len(jobs))
    printed = Printed()
    if progress is not None:
        progress(0, len(jobs))
    if count < 2:
        with Ledger.open_readonly(ledger_path) as ledger:
            for done, job in enumerate(jobs, start=1):
                printed.add(run_book_job(ledger, setup, outbox, day, job))
                if progress is not None:
                    progress(done, len(jobs))
        return joined(printed, setup, outbox, final=True)
    try:
        with ProcessPoolExecutor(
            count,
            mp_context=get_context("spawn"),
            initializer=_start_worker,
            initargs=(str(ledger_path), setup, str(outbox), day),
        ) as pool:
            pending: set[Future[Printed]] = {pool.submit(_in_worker, job) for job in jobs}
            done = 0
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        printed.add(future.result())
                        printed = joined(printed, setup, outbox)
                        done += 1
                        if progress is not None:
                            progress(done, len(jobs))
            except BaseException:  # a refusal, Ctrl+C: the jobs not begun are dropped
                pool.shutdown(wait=True, cancel_futures=True)
                joined(printed, setup, outbox, final=True)  # the shares' temporaries removed
                raise
    except BrokenProcessPool:  # workers could not start here: print in this process
        log.warning("Không chạy được tiến trình phụ; in tuần tự trong tiến trình này")
        joined(printed, setup, outbox, final=True)
        whole = list(dict.fromkeys(replace(job, share=None) for job in jobs))  # unshared
        return print_books(ledger_path, setup, outbox, day, whole, progress, workers=1)
    return joined(printed, setup, outbox, final=True)


def shared(jobs: Sequence[BookJob], setup: Setup, cores: int) -> list[BookJob]:
    """``jobs``, each whole class's học bạ split into ``cores`` shares when there are fewer
    jobs than cores (and the class more students than cores)."""
    if len(jobs) >= cores:
        return list(jobs)
    split: list[BookJob] = []
    for job in jobs:
        whole = job.kind == HOCBA and job.students is None and job.share is None
        if whole and len(setup.students_of(job.code)) > cores:
            split += [replace(job, share=(index, cores)) for index in range(cores)]
        else:
            split.append(job)
    return split


def joined(printed: Printed, setup: Setup, outbox: Path, final: bool = False) -> Printed:
    """``printed`` with each class whose học bạ shares are all in joined into the class's PDF
    and workbook (:func:`~workbook_engine.render.books.hocba.join_hocba`). ``final``: the
    run is over; the shares of a class missing one (its job stopped by a file held open) are
    dropped, their temporaries removed: that class's PDF is not written, as when not shared."""
    if not printed.shares:
        return printed
    from workbook_engine.render.books.hocba import join_hocba

    by_class: dict[str, list[Share]] = {}
    for share in printed.shares:
        by_class.setdefault(share.class_code, []).append(share)
    waiting: list[Share] = []
    for shares in by_class.values():
        if len(shares) == shares[0].count:
            try:
                printed.written += join_hocba(setup, outbox, shares)
            except FileLockedError as exc:
                log.warning("%s", exc)
                printed.held.append(str(exc))
        elif final:
            for share in shares:
                if share.pages is not None:
                    share.pages.unlink(missing_ok=True)
        else:
            waiting += shares
    printed.shares = waiting
    return printed


# --- in a worker -------------------------------------------------------------------------------

_worker: dict[str, object] = {}


def _start_worker(ledger_path: str, setup: Setup, outbox: str, day: date) -> None:
    """Each worker receives the setup once and keeps the ledger open for all its jobs."""
    _worker.update(ledger=Ledger.open_readonly(ledger_path), setup=setup, outbox=Path(outbox),
                   day=day)  # fmt: skip


def _in_worker(job: BookJob) -> Printed:
    ledger = _worker["ledger"]
    setup = _worker["setup"]
    outbox = _worker["outbox"]
    day = _worker["day"]
    assert isinstance(ledger, Ledger) and isinstance(setup, Setup)
    assert isinstance(outbox, Path) and isinstance(day, date)
    printed = run_book_job(ledger, setup, outbox, day, job)
    if not _worker.get("frozen"):
        _freeze()
    return printed


def _freeze() -> None:
    """After a worker's first job: what lives as long as the worker (the setup, the modules
    and caches of weasyprint, pypdf, xlsxwriter the job loaded) moved out of the collector's
    sight (``gc.freeze``), so that each full collection of a later job no longer walks them
    all: the collector took half as long in the teacher and attendance books (some 25 ms a
    job, 5 s of CPU for the 190 jobs of a 40-class school). The first job's garbage is
    collected first."""
    from workbook_engine.render.common import freeze_long_lived

    freeze_long_lived()
    _worker["frozen"] = True
