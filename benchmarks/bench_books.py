"""Benchmark: rendering the books (issue 12 targets), on the demo school's whole year.

Run on demand (not part of the test suite):
    .venv/bin/python benchmarks/bench_books.py [--classes-per-grade 2] [--students 45]

The demo year is played once into a cache directory (reused while its options are the same),
then each book is rendered from its ledger into a fresh outbox, and timed: one class book (year),
all học bạ of one class, one class-month of attendance, one teacher's year, and every book of
the school (``wbe books all --year``: a job per class and teacher on every core). Targets (issue
12, this machine): one class book ≤ 1.5 s, a class's học bạ ≤ 5 s,
every book of a 40-class school ≤ 60 s (run with --classes-per-grade 10 for 40 classes).

``--only hocba class`` times only those books; ``--repeat 3`` runs each three times and reports
the best (the machine may be shared: compare figures of one run, not across runs).

"học bạ of a class" is printed as ``wbe books hocba --class`` does (in shares on every core);
"…, one core" is the same book in this process.

Before ``render/stack_room.py``, the call depth at which a book was laid out decided whether
CPython 3.11 mapped and unmapped a frame-stack chunk on every call crossing a chunk boundary
(the class book 1.0–1.7 s by depth): weasyprint is now called from a frame with room above it,
and the figures no longer depend on how this benchmark is started.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbook_engine.paths import DataDir

# Everything else is imported in the functions, as the CLI does: a spawned worker imports this
# module first, and should not pay for more than `wbe`'s own worker does.

TARGETS = {"class book (year)": 1.5, "học bạ of a class": 5.0, "every book of the school": 60.0}


def demo_year(cache: Path, per_grade: int, students: int) -> DataDir:
    """The demo's whole year, played once per set of options."""
    from workbook_engine.demo.run import run_demo
    from workbook_engine.demo.school import DemoOptions
    from workbook_engine.paths import DataDir

    mark = cache / f"played-{per_grade}x{students}"
    data = DataDir(cache / "data")
    if not mark.exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        options = DemoOptions(classes_per_grade=per_grade, students_per_class=students)
        print(f"Playing the demo year ({per_grade * 4} classes × {students} students)…")
        run_demo(data, cache / "inbox", cache / "outbox", options, share=cache / "share")
        mark.write_text("ok", encoding="utf-8")
    return data


BOOKS = ("class", "hocba", "attendance", "teacher", "school")  # --only's choices, in run order


def timed(
    label: str, figures: dict[str, float], work: Callable[[], object], repeat: int = 1
) -> None:
    """Time ``work`` ``repeat`` times; the best run is the figure (the CPU time beside it, user
    and system, of this process and the workers it waited for: on a shared machine it varies
    less than the elapsed time)."""
    runs, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), sum(os.times()[:4])
        work()
        runs.append(time.perf_counter() - start)
        cpu.append(sum(os.times()[:4]) - start_cpu)
    figures[label] = min(runs)
    target = TARGETS.get(label)
    verdict = "" if target is None else (" ✓" if figures[label] <= target else " ✗")
    shown = f" (target ≤ {target:g} s)" if target else ""
    every = f"  runs: {' '.join(f'{r:.2f}' for r in runs)}" if repeat > 1 else ""
    print(f"{label:<32} {figures[label]:8.2f} s{verdict}{shown}  cpu {min(cpu):.2f} s{every}")


def page_count(folder: Path) -> int:
    """Pages of every PDF under ``folder`` except the class-wide học bạ (its students' pages
    are counted in their own files): pdfinfo's count, 0 without poppler."""
    total = 0
    for pdf in folder.rglob("*.pdf"):
        if pdf.parent.name == "hoc-ba" or shutil.which("pdfinfo") is None:
            continue
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        total += next((int(line.split()[-1]) for line in info.splitlines()
                       if line.startswith("Pages:")), 0)  # fmt: skip
    return total


def main() -> None:
    from workbook_engine.demo.run import RESULTS_DAY
    from workbook_engine.io.setup_reader import check_setup
    from workbook_engine.pipeline.ledger import Ledger
    from workbook_engine.render.books.attendance import write_attendance_books
    from workbook_engine.render.books.batch import HOCBA, BookJob, print_books, school_jobs
    from workbook_engine.render.books.class_book import write_class_books
    from workbook_engine.render.books.hocba import write_hocba
    from workbook_engine.render.books.teacher import write_teacher_books

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes-per-grade", type=int, default=2)
    parser.add_argument("--students", type=int, default=45)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "wbe-books")
    parser.add_argument("--json", type=Path, help="where to write the figures")
    parser.add_argument("--only", nargs="+", choices=BOOKS, default=BOOKS, help="books to time")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each book (best shown)")
    args = parser.parse_args()
    data = demo_year(args.cache, args.classes_per_grade, args.students)
    setup, _ = check_setup(data.setup)
    assert setup is not None
    day: date = RESULTS_DAY
    first = setup.classes[0].code
    teacher = max(setup.teachers, key=lambda t: len(setup.assignments_of(t.code))).code
    last = max(s.end for s in setup.semesters)
    figures: dict[str, float] = {}
    only, repeat = set(args.only), args.repeat
    with tempfile.TemporaryDirectory() as tmp, Ledger.open_readonly(data.ledger) as ledger:
        out = Path(tmp)
        if "class" in only:
            timed("class book (year)", figures,
                  lambda: write_class_books(ledger, setup, out, day, None, [first]),
                  repeat)  # fmt: skip
        if "hocba" in only:
            job = [BookJob(HOCBA, first)]  # as `wbe books hocba --class`: in shares, every core
            timed("học bạ of a class", figures,
                  lambda: print_books(data.ledger, setup, out, day, job), repeat)  # fmt: skip
            timed("học bạ of a class, one core", figures,
                  lambda: write_hocba(ledger, setup, out, day, [first]), repeat)  # fmt: skip
        if "attendance" in only:
            timed("attendance, one class-month", figures,
                  lambda: write_attendance_books(ledger, setup, out, [(last.year, last.month)],
                                                 [first], today=day), repeat)  # fmt: skip
        if "teacher" in only:
            timed("teacher's book (year)", figures,
                  lambda: write_teacher_books(ledger, setup, out, day, None, [teacher]),
                  repeat)  # fmt: skip
        if "school" not in only:
            if args.json:
                args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
            return
        every = Path(tmp) / "every"
        jobs = school_jobs(setup, None)
        timed("every book of the school", figures,
              lambda: print_books(data.ledger, setup, every, day, jobs), repeat)  # fmt: skip
        pages = page_count(every)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{'':<32} {pages} pages, {len(jobs)} jobs on {os.cpu_count()} cores: "
        f"{figures['every book of the school'] / max(1, pages) * 1000:.0f} ms a page"
    )
    print(
        f"{'peak RSS':<32} {peak:8.0f} MB, a worker {workers:.0f} MB   ({len(setup.classes)} "
        f"classes, {len(setup.students)} students, {len(setup.teachers)} teachers)"
    )
    if args.json:
        figures.update(rss_mb=peak, worker_rss_mb=workers, pages=pages)
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
