"""Benchmark: ingesting filled score sheets, as a ratio to reading the same files' raw values.

Run on demand (not part of the test suite):
    .venv/bin/python benchmarks/bench_ingest.py --classes 8 --students 40

A demo school is built, its semester 1 score sheets issued and filled (TX1, TX2, GK for every
student), then every file is ingested into a fresh ledger. The baseline is measured in the same
run on the same files: python-calamine reading every sheet's values, the least any check must do.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from python_calamine import CalamineWorkbook

from workbook_engine.demo.fill import fill_sheet
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.identity import load_or_create_secret
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.render.publish import publish

OCTOBER_DAY = "2025-10-18"


def read_raw(paths: list[Path]) -> None:
    for path in paths:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=8)
    parser.add_argument("--students", type=int, default=40)
    args = parser.parse_args()

    setup = build_demo_school(
        DemoOptions(total_classes=args.classes, students_per_class=args.students)
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = DataDir(root / "data").ensure()
        write_setup(data.setup, setup)
        issued = issue_templates(setup, root / "share", load_or_create_secret(data.secret), 1)
        sheets = [f.path for f in issued.files if f.kind == "score"]
        rng = random.Random(1)
        filled = []
        for sheet in sheets:
            target = root / "filled" / sheet.relative_to(root / "share")
            fill_sheet(sheet, target, setup, ["TX1", "TX2", "GK"], rng)
            filled.append(target)

        start = time.perf_counter()
        read_raw(filled)
        baseline = time.perf_counter() - start

        inbox = root / "inbox"
        shutil.copytree(root / "filled", inbox)
        with Pipeline(data, inbox, root / "outbox", date.fromisoformat(OCTOBER_DAY)) as pipeline:
            start = time.perf_counter()
            outcomes = [pipeline.process(p) for p in sorted(inbox.rglob("*.xlsx"))]
            ingest = time.perf_counter() - start
            start = time.perf_counter()
            publish(pipeline.ledger, setup, root / "outbox")
            published = time.perf_counter() - start
            changes = len(pipeline.ledger.changes())
    n = len(filled)
    print(f"school: {len(setup.classes)} classes, {len(setup.students)} students, {n} sheets")
    print(f"accepted {sum(o.status == 'accepted' for o in outcomes)}/{n}, {changes} cell changes")
    print(f"baseline (calamine raw read of {n} files): {baseline:7.2f} s = 1.00")
    print(f"ingest (check, diff, commit, feedback):   {ingest:7.2f} s = {ingest / baseline:.1f}x")
    ratio = published / baseline
    print(f"publish (master, diff reports, records):  {published:7.2f} s = {ratio:.1f}x")
    print(f"per file: ingest {ingest / n * 1000:.0f} ms, raw read {baseline / n * 1000:.0f} ms")


if __name__ == "__main__":
    main()
