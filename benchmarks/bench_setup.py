"""Benchmark: checking a large school's setup workbook, as a ratio to reading its raw values.

Run on demand (not part of the test suite):
    .venv/bin/python benchmarks/bench_setup.py --classes 40 --repeat 3

The baseline is measured in the same run on the same file: python-calamine reading every sheet's
values, which is the least any check must do. The ratio says what validation costs on top.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from python_calamine import CalamineWorkbook

from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.setup_reader import check_setup
from workbook_engine.io.setup_writer import write_setup


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def read_raw(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=40)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    school = build_demo_school(
        DemoOptions(total_classes=args.classes, students_per_class=args.students)
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "setup.xlsx"
        write_time = best_of(args.repeat, lambda: write_setup(path, school))
        baseline = best_of(args.repeat, lambda: read_raw(path))
        check = best_of(args.repeat, lambda: check_setup(path))
        setup, report = check_setup(path)
    assert setup is not None and report.valid
    print(f"school: {len(school.classes)} classes, {len(school.students)} students")
    print(f"baseline (calamine raw read): {baseline * 1000:8.1f} ms   = 1.00")
    print(f"check_setup (read + validate): {check * 1000:8.1f} ms   = {check / baseline:.2f}x")
    ratio = write_time / baseline
    print(f"write_setup (xlsxwriter):      {write_time * 1000:8.1f} ms   = {ratio:.2f}x")


if __name__ == "__main__":
    main()
