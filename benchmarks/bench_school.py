"""Benchmark: a whole school through the inbox, as ratios to a raw read of the same files.

Run on demand (not part of the test suite):
    ./run bench                          40 classes × 45 students, both semesters (~960 sheets)
    ./run bench --scale 1,4,16           growth table (16× is ~15,000 sheets: tens of minutes)
    ./run bench --profile                also a burst under cProfile: top 25, .prof beside the JSON
    ./run bench --compare OLD.json       this run next to an earlier one
    ./run bench --compare OLD.json NEW.json    two saved runs side by side, nothing is run
(or `.venv/bin/python benchmarks/bench_school.py …`).

The demo school's semester 1 and 2 score sheets are issued and every TX/GK/CK cell filled once,
then cached under --cache (default: a folder in the system temp dir), so a second run skips
generation. Each scale is measured in a fresh process, on fresh copies of the cached files:

- baseline: python-calamine reading every sheet of every file (per file and in total);
- burst: ``Pipeline.process_all`` over the whole inbox into a fresh data dir, then one ``publish``
  (each ``Pipeline.process`` timed: p50/p95 per file), a second ``publish`` with nothing new,
  then one more file (make-up test scores) ingested and published;
- ``wbe watch`` on that full school: 5 more files dropped one at a time (atomic rename into
  ``inbox/<teacher>/``), time until the receipt (or returned copy) and until the class's
  master workbook (``lop/6A1.xlsx``) changes;
- peak RSS of the in-process run and of the watcher (VmHWM); ``wbe --help`` wall time.

Figures and targets are printed as a table and written as JSON (--json, default
``benchmarks/results/<git sha>-<time>.json``) for comparison between commits.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import math
import multiprocessing
import os
import platform
import pstats
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook
from rich.console import Console
from rich.table import Table

from workbook_engine.demo.fill import CellValue, fill_sheet
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.identity import TEMPLATE_VERSION, load_or_create_secret, read_identity
from workbook_engine.io.setup_reader import load_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.io.sheet_base import FIRST_ROW, ROSTER_WIDTH
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ingest import Outcome
from workbook_engine.pipeline.issue import issue_templates
from workbook_engine.pipeline.runner import Pipeline
from workbook_engine.render.publish import class_master_path, publish
from workbook_engine.rules import AssessmentMode, Comment

Figures = dict[str, Any]

CLASSES, STUDENTS = 40, 45  # one scale step
CORPUS_VERSION = 1  # bump when the generated files change
TODAY = date(2025, 11, 20)  # TX and GK windows open, CK not yet due, nothing locked: no flags
HK2_DAY = date(2026, 3, 20)  # the same in semester 2 (its sheets are refused before it begins)
TODAY_ARG = HK2_DAY.isoformat()  # what ``wbe watch`` is told: it is sent semester 2 sheets


def day_for(path: Path) -> date:
    """The day a sheet is sent on: inside its own semester."""
    return HK2_DAY if "_HK2" in path.name else TODAY


WATCH_FILES = 5
TIMEOUT = 300.0  # seconds to wait for one receipt or master update
READY = "Theo d"  # the watcher's first log line, «Theo dõi <inbox> (…)»
HERE = Path(__file__).resolve().parent
WBE = Path(sys.executable).with_name("wbe")
CONSOLE = Console(width=None if sys.stdout.isatty() else 150)


# --- small helpers -------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Progress:
    """Prints ``label: done/total`` about every tenth of the way (also as an issue progress)."""

    def __init__(self, label: str) -> None:
        self.label, self.start = label, time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            say(f"  {self.label}: {done}/{total} ({time.perf_counter() - self.start:.0f} s)")


def in_child(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` in a fresh interpreter (its own peak RSS, no state from earlier scales)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(stopping_children, fn, *args).result()


def stopping_children(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in the measuring child, which takes its own workers with it when killed."""
    stop_children_on_sigterm()
    return fn(*args)


# --- the corpus: generated once, cached -----------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """Filled score sheets of a demo school, ``<teacher>/<file>`` under ``filled/``; ``extra/``
    holds re-filled copies of a few semester 2 sheets (the files sent after the full school)."""

    root: Path
    files: tuple[str, ...]
    extras: tuple[str, ...]
    classes: int
    students: int

    @classmethod
    def load(cls, root: Path) -> Corpus:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        return cls(
            root,
            tuple(manifest["files"]),
            tuple(manifest["extras"]),
            manifest["classes"],
            manifest["students"],
        )

    @property
    def school(self) -> Path:
        return self.root / "school"

    def filled(self) -> list[Path]:
        return [self.root / "filled" / rel for rel in self.files]

    def extra(self) -> list[tuple[Path, str]]:
        """(file, teacher code) of each re-filled file (its folder: the code, or the share's
        «GV005 - Lê Tuệ Thảo»)."""
        return [(self.root / "extra" / rel, teacher_code(rel)) for rel in self.extras]


def teacher_code(rel: str) -> str:
    """The teacher code of a corpus file's folder (``GV005`` or ``GV005 - Lê Tuệ Thảo``)."""
    return Path(rel).parts[0].split(" - ", 1)[0]


def ensure_corpus(cache: Path, scale: int, regenerate: bool) -> Corpus:
    root = cache / f"school-x{scale}-{STUDENTS}s-v{CORPUS_VERSION}-t{TEMPLATE_VERSION}"
    if regenerate or not (root / "manifest.json").exists():
        if root.exists():
            shutil.rmtree(root)
        say(f"Generating the school ×{scale} in {root} (not measured; cached for later runs)")
        generate(root, scale)
    return Corpus.load(root)


def generate(root: Path, scale: int) -> None:
    school = root / "school"
    school.mkdir(parents=True)
    options = DemoOptions(total_classes=CLASSES * scale, students_per_class=STUDENTS)
    write_setup(school / "setup.xlsx", build_demo_school(options))
    setup = load_setup(school / "setup.xlsx")
    secret = load_or_create_secret(school / "secret.key")
    share = root / "share"
    by_semester = {s: issue_score_sheets(setup, share, secret, s) for s in (1, 2)}
    files = sorted(by_semester[1] + by_semester[2])
    fill_all(setup, share, root / "filled", files)
    extras = pick_extras(by_semester[2])
    for rel in extras:
        make_up(root / "filled" / rel, root / "extra" / rel, setup)
    shutil.rmtree(share)
    manifest = {"files": files, "extras": extras, "classes": len(setup.classes)}
    manifest["students"] = len(setup.students)
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def issue_score_sheets(setup: Setup, share: Path, secret: bytes, semester: int) -> list[str]:
    issued = issue_templates(
        setup, share, secret, semester, progress=Progress(f"issue HK{semester}")
    )
    return sorted(str(f.path.relative_to(share)) for f in issued.files if f.kind == "score")


def fill_all(setup: Setup, share: Path, filled: Path, files: list[str]) -> None:
    """Every TX/GK/CK of every student, as the demo teachers type them."""
    progress = Progress("fill")
    for done, rel in enumerate(files, start=1):
        columns = list(read_identity(share / rel).columns)
        rng = random.Random(zlib.crc32(rel.encode()))
        fill_sheet(share / rel, filled / rel, setup, columns, rng)
        progress(done, len(files))


def pick_extras(semester2: list[str]) -> list[str]:
    """One sheet each of ``WATCH_FILES + 1`` teachers spread over the school."""
    first: dict[str, str] = {}
    for rel in semester2:
        first.setdefault(Path(rel).parts[0], rel)
    picks = list(first.values())
    return picks[:: max(1, len(picks) // (WATCH_FILES + 1))][: WATCH_FILES + 1]


def make_up(source: Path, target: Path, setup: Setup) -> Path:
    """The make-up tests: every blank cell of ``source`` gets a score (new entries); a copy with
    no blank cell changes one score instead (a correction, held for approval)."""
    identity = read_identity(source)
    sheet = openpyxl.load_workbook(source)[identity.sheet]
    grade = setup.class_by_code(identity.class_code).grade
    commented = setup.subject(grade, identity.subject_code).mode is AssessmentMode.COMMENT
    rows = [i for i, code in enumerate(identity.student_codes) if code not in identity.exempt]

    def value(i: int, index: int) -> object:
        return sheet.cell(FIRST_ROW + i + 1, ROSTER_WIDTH + index + 1).value

    changes: dict[tuple[int, str], CellValue] = {
        (nth, column): _other(None, commented)
        for nth, i in enumerate(rows)
        for index, column in enumerate(identity.columns)
        if value(i, index) is None
    }
    if not changes:
        last = len(identity.columns) - 1
        changes = {(0, identity.columns[last]): _other(value(rows[0], last), commented)}
    return fill_sheet(source, target, setup, [], random.Random(0), changes=changes)


def _other(old: object, commented: bool) -> CellValue:
    """A value for a blank cell, or one that differs from ``old``."""
    if commented:
        return Comment.CD.value if old == Comment.D.value else Comment.D.value
    return 9 if old in (10, "10") else 10 if old is not None else 8


# --- measuring one scale, in its own process -----------------------------------------------------


@dataclass(frozen=True)
class Plan:
    corpus: Corpus
    scale: int
    profile: Path | None


@dataclass(frozen=True)
class School:
    data: DataDir
    inbox: Path
    outbox: Path


def measure_scale(plan: Plan) -> Figures:
    corpus = plan.corpus
    setup = load_setup(corpus.school / "setup.xlsx")
    figures: Figures = {"scale": plan.scale, "classes": corpus.classes, "files": len(corpus.files)}
    figures["students"] = corpus.students
    extras = corpus.extra()
    with tempfile.TemporaryDirectory(prefix="wbe-bench-") as tmp:
        work = Path(tmp)
        figures |= raw_read_all(corpus.filled())
        school = fresh_school(work / "run", corpus)
        figures |= in_process(school, setup, *extras[0])
        figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures |= watch(school, extras[1:], work)
        if plan.profile is not None:
            profile_burst(fresh_school(work / "profile", corpus), setup, plan.profile)
            figures["profile"] = str(plan.profile)
    return figures


def fresh_school(root: Path, corpus: Corpus) -> School:
    """An empty data dir of the corpus's school, and every filled sheet in its inbox."""
    data = DataDir(root / "data").ensure()
    shutil.copyfile(corpus.school / "setup.xlsx", data.setup)
    shutil.copyfile(corpus.school / "secret.key", data.secret)
    shutil.copytree(corpus.root / "filled", root / "inbox")
    return School(data, root / "inbox", root / "outbox")


def raw_read(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def raw_read_all(paths: list[Path]) -> Figures:
    """The baseline: the least any check must do, per file and for the whole school."""
    for path in paths:  # warm the page cache, as the inbox copies are when the burst reads them
        raw_read(path)
    say(f"baseline: python-calamine reads {len(paths)} files")
    start = time.perf_counter()
    times = [timed(partial(raw_read, path)) for path in paths]
    total = time.perf_counter() - start
    return {"raw_all_s": total} | quantiles("raw_file", times)


def quantiles(name: str, times: list[float]) -> Figures:
    if not times:
        return {}
    return {f"{name}_p50_s": percentile(times, 0.5), f"{name}_p95_s": percentile(times, 0.95)}


def publish_now(pipeline: Pipeline) -> None:
    """What ``wbe ingest`` and ``wbe watch`` do after a batch."""
    publish(pipeline.ledger, pipeline.setup, pipeline.outbox)


def in_process(school: School, setup: Setup, extra: Path, teacher: str) -> Figures:
    with Pipeline(school.data, school.inbox, school.outbox, TODAY, setup=setup) as pipeline:
        figures = burst(pipeline, len(list(school.inbox.rglob("*.xlsx"))))
        say("publish again, nothing new")
        figures["republish_s"] = timed(partial(publish_now, pipeline))
        figures |= one_more_file(pipeline, extra, teacher)
    return figures


def burst(pipeline: Pipeline, total: int) -> Figures:
    """Every file of the inbox in one batch, then one publish (``wbe ingest inbox/``)."""
    say(f"burst: {total} files into a fresh data dir, then publish")
    with each_file_timed(pipeline, total) as per_file:
        start = time.perf_counter()
        # as ``wbe ingest`` does: a status kept of each file, not its changes
        statuses = Counter(o.status.value for o in pipeline.process_each([pipeline.inbox]))
        published = timed(partial(publish_now, pipeline))
        wall = time.perf_counter() - start
    figures: Figures = {"burst_s": wall, "burst_publish_s": published}
    figures["burst_ingest_s"] = wall - published
    figures["outcomes"] = dict(statuses)
    figures["failed"] = pipeline.failures
    say(f"  outcomes {figures['outcomes']} in {wall:.0f} s")  # returned copies cost far more
    return figures | quantiles("ingest_file", per_file)


@contextmanager
def each_file_timed(pipeline: Pipeline, total: int) -> Iterator[list[float]]:
    """Time every ``pipeline.process`` call (how ``process_all`` handles each file)."""
    times: list[float] = []
    process, progress = pipeline.process, Progress("ingest")

    def timed_process(path: Path) -> Outcome:
        pipeline.today = day_for(path)
        start = time.perf_counter()
        try:
            return process(path)
        finally:
            times.append(time.perf_counter() - start)
            progress(len(times), total)

    pipeline.process = timed_process  # type: ignore[method-assign]
    try:
        yield times
    finally:
        del pipeline.process


def one_more_file(pipeline: Pipeline, source: Path, teacher: str) -> Figures:
    """A teacher sends make-up scores after the whole school is in: ingest, then publish."""
    target = pipeline.inbox / teacher / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    say(f"one more file: {teacher}/{source.name}")
    outcome: list[Outcome] = []
    pipeline.today = day_for(target)
    ingest_s = timed(lambda: outcome.append(pipeline.process(target)))
    publish_s = timed(partial(publish_now, pipeline))
    return {"single_ingest_s": ingest_s, "single_publish_s": publish_s, "single": outcome[0].line}


def profile_burst(school: School, setup: Setup, target: Path) -> None:
    say(f"profiled burst (fresh data dir), written to {target}")
    profiler = cProfile.Profile()
    with Pipeline(school.data, school.inbox, school.outbox, TODAY, setup=setup) as pipeline:
        process = pipeline.process

        def on_its_day(path: Path) -> Outcome:
            pipeline.today = day_for(path)
            return process(path)

        pipeline.process = on_its_day  # type: ignore[method-assign]
        profiler.runcall(pipeline.process_all, [school.inbox], after=partial(publish_now, pipeline))
    target.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(target)
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    sys.stdout.flush()


# --- wbe watch on the full school ----------------------------------------------------------------


class Watcher:
    """``wbe watch`` as a subprocess, and what can be seen of it from outside."""

    def __init__(self, school: School, inbox: Path, log: Path) -> None:
        self.log = log
        args = ["watch", "--data-dir", str(school.data.root), "--inbox", str(inbox)]
        args += ["--share", str(inbox.parent / "share")]  # none: answers stay in the data dir
        args += ["--outbox", str(school.outbox), "--settle", "0.5", "--today", TODAY_ARG]
        with log.open("w", encoding="utf-8") as err:
            self.proc = subprocess.Popen([str(WBE), *args], stdout=subprocess.DEVNULL, stderr=err)
        WATCHERS.add(self.proc)  # stopped with the benchmark, if it is killed
        self.exit_code: int | None = None

    def check(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"wbe watch exited with {self.proc.returncode}:\n{tail}")

    def wait(
        self, until: Callable[[], object], start: float, timeout: float = TIMEOUT
    ) -> float | None:
        """Seconds from ``start`` until ``until()`` is true; None after ``timeout``."""
        while time.perf_counter() - start < timeout:
            if until():
                return time.perf_counter() - start
            self.check()
            time.sleep(0.01)
        return None

    def ready(self) -> bool:
        return READY in self.log.read_text(encoding="utf-8", errors="replace")

    def cpu_ticks(self) -> int:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime, every thread

    def wait_idle(self, quiet: float = 1.0) -> None:
        """Until the watcher has used (almost) no CPU for ``quiet`` seconds."""
        base, since = self.cpu_ticks(), time.perf_counter()
        while time.perf_counter() - since < quiet:
            time.sleep(0.1)
            self.check()
            if self.cpu_ticks() - base > 2:
                base, since = self.cpu_ticks(), time.perf_counter()

    def peak_rss_mb(self) -> float | None:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    def stop(self) -> None:
        self.exit_code = stop_watcher(self.proc, signal.SIGINT, timeout=120)


# ``wbe watch`` processes running (subprocess.Popen: not among multiprocessing's children)
WATCHERS: set[subprocess.Popen[bytes]] = set()


def stop_watcher(proc: subprocess.Popen[bytes], signum: int, timeout: float) -> int:
    """``signum`` (SIGINT: Ctrl-C; SIGTERM: a service manager's stop) to a ``wbe watch``, which
    finishes its file and its waiting publish; killed after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signum)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    WATCHERS.discard(proc)
    return code


@contextmanager
def watcher(school: School, inbox: Path, log: Path) -> Iterator[Watcher]:
    w = Watcher(school, inbox, log)
    try:
        yield w
    finally:
        if w.proc.poll() is None:
            w.stop()


def watch(school: School, drops: list[tuple[Path, str]], work: Path) -> Figures:
    inbox = work / "watch-inbox"
    for _, teacher in drops:
        (inbox / teacher).mkdir(parents=True, exist_ok=True)
    say(f"wbe watch on the full school: {len(drops)} files dropped one at a time")
    with watcher(school, inbox, work / "watch.log") as w:
        startup = w.wait(w.ready, time.perf_counter(), 120)
        w.wait_idle()
        latencies = [drop(w, school, inbox, work, source, teacher) for source, teacher in drops]
        peak = w.peak_rss_mb()
        w.stop()
    receipts, masters = [r for r, _ in latencies], [m for _, m in latencies]
    figures: Figures = {"watch_startup_s": startup, "watch_rss_mb": peak, "watch_exit": w.exit_code}
    figures |= {"watch_receipt_s": receipts, "watch_master_s": masters}
    figures |= spread("watch_receipt", receipts) | spread("watch_master", masters)
    return figures


def spread(name: str, times: list[float | None]) -> Figures:
    """p50 and worst; a timeout makes the worst None (not met)."""
    seen = [t for t in times if t is not None]
    worst = max(seen) if seen and len(seen) == len(times) else None
    return {f"{name}_p50_s": statistics.median(seen) if seen else None, f"{name}_max_s": worst}


def drop(
    w: Watcher, school: School, inbox: Path, staging: Path, source: Path, teacher: str
) -> tuple[float | None, float | None]:
    """Copy ``source`` in atomically; seconds until its receipt and until its class's master
    workbook (``lop/6A1.xlsx``, the class is the file name's first part) changes."""
    before = feedback(school.data, teacher)
    master = class_master_path(school.outbox, source.name.split("_")[0])
    stamp = file_stamp(master)
    part = staging / f"{source.name}.part"
    shutil.copyfile(source, part)
    start = time.perf_counter()
    os.replace(part, inbox / teacher / source.name)
    receipt = w.wait(lambda: feedback(school.data, teacher) - before, start)
    updated = w.wait(lambda: file_stamp(master) != stamp, start)
    shown = master.relative_to(school.outbox).as_posix()
    say(f"  {teacher}/{source.name}: receipt {_secs(receipt)}, {shown} {_secs(updated)}")
    w.wait_idle()
    return receipt, updated


def _secs(value: float | None) -> str:
    return "timed out" if value is None else f"{value:.2f} s"


def feedback(data: DataDir, teacher: str) -> set[Path]:
    """The teacher's receipts and returned copies (not the temporary files being written)."""
    folders = [data.receipts / teacher, data.rejected / teacher]
    found = [p for f in folders if f.is_dir() for p in f.iterdir()]
    return {p for p in found if not p.name.startswith(".")}


def file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


# --- figures, targets and tables -----------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str = "s"
    base: str | None = None  # the raw-read figure the ratio is taken to
    target: str = ""
    limit: float | None = None
    on_ratio: bool = False  # the limit applies to the ratio, not the value
    per_scale: bool = False  # the limit is for scale 1 and grows linearly
    goal: float | None = None


ROWS = (
    Row("raw_file_p50_s", "raw read, one file (p50)", base="raw_file_p50_s"),
    Row("raw_file_p95_s", "raw read, one file (p95)", base="raw_file_p95_s"),
    Row("raw_all_s", "raw read, every file", base="raw_all_s"),
    Row("ingest_file_p50_s", "ingest one file (p50)", base="raw_file_p50_s",
        target="≤ 5× raw, goal 2×", limit=5.0, on_ratio=True, goal=2.0),
    Row("ingest_file_p95_s", "ingest one file (p95)", base="raw_file_p95_s",
        target="≤ 5× raw", limit=5.0, on_ratio=True),
    Row("burst_s", "burst: every file + one publish", base="raw_all_s",
        target="≤ 30 s × scale", limit=30.0, per_scale=True),
    Row("burst_ingest_s", "  of which ingest", base="raw_all_s"),
    Row("burst_publish_s", "  of which publish", base="raw_all_s"),
    Row("republish_s", "publish again, nothing new", base="raw_all_s"),
    Row("single_ingest_s", "one more file: ingest", base="raw_file_p50_s"),
    Row("single_publish_s", "one more file: publish", base="raw_all_s"),
    Row("watch_receipt_p50_s", "watch: file → receipt (p50 of 5)"),
    Row("watch_receipt_max_s", "watch: file → receipt (worst)", target="≤ 2 s",
        limit=2.0),
    Row("watch_master_p50_s", "watch: file → its class's master (p50)"),
    Row("watch_master_max_s", "watch: file → its class's master (worst)", target="≤ 10 s",
        limit=10.0),
    Row("rss_mb", "peak RSS, in-process run", "MB", target="≤ 300 MB", limit=300.0),
    Row("watch_rss_mb", "peak RSS, wbe watch (VmHWM)", "MB", target="≤ 300 MB",
        limit=300.0),
    Row("help_s", "wbe --help (median of 5)", target="≤ 0.5 s", limit=0.5),
)  # fmt: skip


def show(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def ratio(row: Row, figures: Figures) -> float | None:
    value, base = figures.get(row.key), figures.get(row.base or "")
    return value / base if value is not None and base else None


def verdict(row: Row, figures: Figures) -> str:
    """One of goal, met, missed, or "" (no target, or nothing measured)."""
    measured = ratio(row, figures) if row.on_ratio else figures.get(row.key)
    if row.limit is None or row.key not in figures:
        return ""
    if measured is None:  # measured but failed (a watcher timeout)
        return "missed"
    if row.goal is not None and measured <= row.goal:
        return "goal"
    limit = row.limit * (figures["scale"] if row.per_scale else 1)
    return "met" if measured <= limit else "missed"


MARKS = {"goal": "[green]✓ goal[/]", "met": "[green]✓[/]", "missed": "[red]✗[/]", "": ""}


def cell(row: Row, figures: Figures) -> str:
    value = figures.get(row.key)
    if value is None:
        return "—" + (f" {MARKS['missed']}" if verdict(row, figures) else "")
    text = show(value, row.unit)
    times = ratio(row, figures)
    if times is not None:
        text += f" = {times:.1f}×" if times >= 1 else f" = {times:.2f}×"
    return f"{text} {MARKS[verdict(row, figures)]}".rstrip()


def print_table(result: dict[str, Any]) -> None:
    meta, scales = result["meta"], result["scales"]
    title = f"workbook_engine: a school through the inbox ({meta['git']}, {meta['date']})"
    table = Table(title=title)
    table.add_column("figure")
    for figures in scales.values():
        table.add_column(f"×{figures['scale']}: {figures['files']} files", justify="right")
    table.add_column("target")
    for row in ROWS:
        table.add_row(row.label, *(cell(row, f) for f in scales.values()), row.target)
    CONSOLE.print(table)
    say("Ratios: per-file figures to the raw read of one file (p50, p95), the rest to the raw")
    say(f"read of every file. {meta['cores']} cores, Python {meta['python']}, load {meta['load']}")
    for figures in scales.values():
        say(f"×{figures['scale']}: outcomes {figures['outcomes']}, failed {figures['failed']}")
        if set(figures["outcomes"]) != {"accepted"} or figures["failed"]:
            say("  [!] not every file was accepted: --regenerate if the cached sheets are stale")
        say(f"  one more file: {figures['single']}; watch exit code {figures['watch_exit']}")


def print_compare(old: dict[str, Any], new: dict[str, Any]) -> None:
    common = sorted(set(old["scales"]) & set(new["scales"]), key=int)
    if not common:
        say(f"Nothing to compare: scales {list(old['scales'])} vs {list(new['scales'])}")
    for scale in common:
        was, now = old["scales"][scale], new["scales"][scale]
        table = Table(title=f"×{scale}: {old['meta']['git']} → {new['meta']['git']}")
        for name in ("figure", old["meta"]["date"], new["meta"]["date"], "new / old"):
            table.add_column(name, justify="left" if name == "figure" else "right")
        for row in ROWS:
            a, b = was.get(row.key), now.get(row.key)
            change = f"{b / a:.2f}×" if a and b is not None else "—"
            table.add_row(row.label, cell(row, was), cell(row, now), change)
        CONSOLE.print(table)


# --- the run -------------------------------------------------------------------------------------


def git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    changed = git("--no-optional-locks", "status", "--porcelain", "--untracked-files=no")
    return {
        "git": git("rev-parse", "--short", "HEAD") or "nogit",
        "dirty": bool(changed),
        "date": datetime.now().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load": round(os.getloadavg()[0], 2),
    }


def help_time(runs: int = 5) -> float:
    command = [str(WBE), "--help"]
    run = partial(subprocess.run, command, stdout=subprocess.DEVNULL, check=True)
    return statistics.median(timed(run) for _ in range(runs))


def run_scales(args: argparse.Namespace, out: Path, result: dict[str, Any]) -> None:
    help_s = help_time()
    for scale in args.scale:
        corpus = ensure_corpus(args.cache, scale, args.regenerate)
        say(f"== ×{scale}: {corpus.classes} classes, {corpus.students} students, "
            f"{len(corpus.files)} score sheets ==")  # fmt: skip
        profile = out.with_name(f"{out.stem}-x{scale}.prof") if args.profile else None
        figures = in_child(measure_scale, Plan(corpus, scale, profile)) | {"help_s": help_s}
        figures["met"] = {row.key: verdict(row, figures) for row in ROWS if row.limit is not None}
        result["scales"][str(scale)] = figures
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


def load(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def scales(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part.strip()})


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=scales, default=[1], help="multiples of 40 classes: 1,4,16")
    cache = Path(tempfile.gettempdir()) / "wbe-bench-cache"
    parser.add_argument("--cache", type=Path, default=cache, help=f"generated files ({cache})")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached files")
    parser.add_argument("--json", type=Path, help="where to write the figures")
    parser.add_argument("--compare", type=Path, nargs="+", metavar="JSON", help="OLD [NEW]")
    parser.add_argument("--profile", action="store_true", help="also a burst under cProfile")
    args = parser.parse_args(argv)
    if args.compare and len(args.compare) > 2:
        parser.error("--compare takes OLD.json, or OLD.json NEW.json")
    return args


def stop_children_on_sigterm() -> None:
    """A process of the benchmark killed (SIGTERM) takes its spawned children with it (the
    measuring child, its publishing workers, the ``wbe watch`` it started): they otherwise run
    on alone, for minutes at ×16, and skew whatever runs next. The watcher gets SIGTERM too
    and stops as on Ctrl-C, killed if it is not gone within 10 s."""

    def stop(signum: int, frame: object) -> None:
        for child in multiprocessing.active_children():
            child.terminate()
        for proc in list(WATCHERS):
            stop_watcher(proc, signal.SIGTERM, timeout=10)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, stop)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stop_children_on_sigterm()
    if args.compare and len(args.compare) == 2:
        print_compare(load(args.compare[0]), load(args.compare[1]))
        return 0
    meta = machine()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.json or HERE / "results" / f"{meta['git']}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    targets = {row.key: row.target for row in ROWS if row.target}
    result: dict[str, Any] = {"meta": meta, "targets": targets, "scales": {}}
    run_scales(args, out, result)
    print_table(result)
    say(f"Figures written to {out}")
    if args.compare:
        print_compare(load(args.compare[0]), result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
