"""Everything school-wide, derived from the ledger: the master workbook, the change logs (one per
class and month), the day reports and file pages for vice-principals, a biên bản per approved
correction.

Publishing is incremental: the outbox remembers the last event of the hash chain it reflects
(``.wbe-publish.json``), and a publish redoes only the classes, months, days and files touched by
the events after it. A missing or foreign state (another ledger, an emptied outbox) rebuilds all.
A day's PDF is rendered once the day is over (or on demand), never on every publish. The entry
progress report (``reports/tien-do/``, HTML and xlsx; its PDF on demand) is written by the first
publish of each day, as of that day.

The master shows each student's results (:mod:`workbook_engine.results`), which depend on the
class's own values and on the day (what is due, what is overdue): a publish on a new day
recomputes every class once; otherwise only the classes touched since the last publish.

Results the principal approved (``wbe results approve``) are shown as approved; a class whose
results computed now differ from its approval (a score corrected since) is named in an alert at
the top of every day report written while it lasts, and today's report is rewritten whenever that
list changes (an approval again clears it).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.kinds.homeroom import AttendanceKind
from workbook_engine.io.master_workbook import (
    ClassTable,
    LogVolume,
    class_table,
    write_master,
)
from workbook_engine.model import ChangeRecord, ChangeStatus, FileRecord, Setup, SheetKey
from workbook_engine.pipeline.ledger import Ledger, Since
from workbook_engine.pipeline.outcome import Status
from workbook_engine.pipeline.result_approval import class_values
from workbook_engine.render.common import day_of
from workbook_engine.render.correction_record import write_correction_record
from workbook_engine.render.diff_report import write_day_report
from workbook_engine.render.jobs import Job, LogJob, log_path, page_jobs, running, unless_held
from workbook_engine.render.progress_report import FOLDER as PROGRESS_FOLDER
from workbook_engine.render.progress_report import progress_stem, write_progress
from workbook_engine.results import confirmed_late, student_results

log = logging.getLogger("workbook_engine.render")

Merged = dict[tuple[SheetKey, str, int], int]
T = TypeVar("T")

MASTER_NAME = "master.xlsx"
STATE_NAME = ".wbe-publish.json"


def record_path(outbox: Path, change_id: int) -> Path:
    return Path(outbox) / "records" / f"bien-ban-sua-diem-{change_id}.pdf"


@dataclass
class PublishState:
    """The last event the outbox reflects, the days whose PDF is still to render, and the day
    the master's results were computed for."""

    event_id: int = 0
    hash: str = ""
    pdf_due: list[str] = field(default_factory=list)  # ISO days
    day: str = ""  # ISO day of the master's results ("" in a state written before results)
    # the classes whose approved results would change, as the day reports' alert names them
    alerts: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> PublishState | None:
        try:
            raw = json.loads(path.read_text("utf-8"))
            due = [str(d) for d in raw["pdf_due"]]
            alerts = [str(a) for a in raw.get("alerts", [])]
            day = str(raw.get("day", ""))
            return cls(int(raw["event_id"]), str(raw["hash"]), due, day, alerts)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")


@dataclass
class Published:
    """What one publish wrote (empty lists when nothing had changed)."""

    master: Path | None = None
    classes: list[str] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    records: list[Path] = field(default_factory=list)
    progress: list[Path] = field(default_factory=list)  # the day's entry progress report
    full: bool = False
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.master or self.logs or self.reports or self.records or self.progress)


class Publisher:
    """Bring ``outbox`` up to date with the ledger. Keep one per process: class tables computed
    once are reused, so a publish after one file costs one class, not the school."""

    def __init__(
        self,
        ledger: Ledger,
        setup: Setup,
        outbox: Path,
        witness: str = "",
        keep_tables: bool = True,
    ) -> None:
        self.ledger, self.setup, self.outbox = ledger, setup, Path(outbox)
        self.witness = witness
        self.keep_tables = keep_tables  # a long-running publisher keeps class tables warm
        self._tables: dict[str, ClassTable] = {}
        self._tables_day: date | None = None  # the day the cached tables' results were computed for
        self._saved: tuple[int, str] | None = None  # the state this publisher wrote last
        self._locked: list[Path] = []  # outputs held open elsewhere during this publish
        # class → periods whose approved results changed since ("HKI: 1 học sinh"), from the
        # tables of the master written in this publish; the day reports' alert once every class
        # was seen (None: not known in this publish, the last one's stands)
        self._drift: dict[str, tuple[str, ...]] = {}
        self._alerts: list[str] | None = None

    @property
    def state_path(self) -> Path:
        return self.outbox / STATE_NAME

    def publish(self, today: date | None = None, all_pdfs: bool = False) -> Published:
        """Publish what changed since the last publish; ``all_pdfs`` renders every touched
        day's PDF now (on demand) instead of once the day is over."""
        started = time.perf_counter()
        today = today or date.today()
        state = PublishState.load(self.state_path)
        event_id, head = self.ledger.head_event()
        full = state is None or self.ledger.event_hash(state.event_id) != state.hash
        since = self.ledger.since(0 if state is None or full else state.event_id)
        counts = self.ledger.change_volumes()  # (month, class, changes): the log volumes
        if not full and self._missing_outputs(since, counts):
            full, since = True, self.ledger.since(0)
        if state is None or full:
            state = PublishState()
            self._tables.clear()
        elif self._saved != (state.event_id, state.hash):
            self._tables.clear()  # another process published meanwhile: the cache may be stale
        if self._tables_day != today:  # results depend on the day: what is due, overdue
            self._tables.clear()
            self._tables_day = today
        new_day = state.day != today.isoformat()
        self._locked = []
        self._alerts = None
        result = Published(full=full)
        with running(self._jobs(since), self.ledger, self.setup, self.outbox, head) as collect:
            if since or full or new_day:  # meanwhile, in this process: the master and day pages
                self._outputs(since, result, head, counts, today)
            alerts = state.alerts if self._alerts is None else self._alerts
            result.reports += self._reports(since, state, today, all_pdfs, alerts)
            if new_day:  # the entry progress: once a day, as of the day
                result.progress = self._progress(today, pdf=all_pdfs)
            for written, held in collect():
                for path in written:
                    (result.logs if path.suffix == ".xlsx" else result.reports).append(path)
                self._locked += held
        if not self._locked:  # else the next publish redoes it all
            state.event_id, state.hash, state.day = event_id, head, today.isoformat()
            state.alerts = alerts
        state.save(self.state_path)
        self._saved = (state.event_id, state.hash)
        result.seconds = time.perf_counter() - started
        if result:
            log.info("Đã cập nhật thư mục kết quả %s (%.1f giây)", self.outbox, result.seconds)
        return result

    # --- master and change logs ------------------------------------------------------------------

    def _jobs(self, since: Since) -> list[Job]:
        """The month logs and file pages to write: many, independent, run by :mod:`.jobs`."""
        months = sorted({(day[:7], code) for code, day in since.touched})
        logs: list[Job] = [LogJob(month, code) for month, code in months]
        files = {f.id for f in since.files} | {c.file_id for c in since.decided}
        return [*logs, *page_jobs(sorted(files))]

    def _outputs(
        self,
        since: Since,
        result: Published,
        head: str,
        counts: list[tuple[str, str, int]],
        today: date,
    ) -> None:
        classes = {code for code, _ in since.touched}
        # an attendance sheet without any absence changes no value, yet its month is now in
        classes |= {
            f.class_code
            for f in since.files
            if f.kind == AttendanceKind.kind and f.status == Status.ACCEPTED
        }
        classes |= since.approved  # its results are now shown as approved
        known = {room.code for room in self.setup.classes}
        # a student who moved on is summed up by their new class, from their values here too
        classes |= {
            self.setup.result_class(stay.student_code)
            for code in classes
            for stay in self.setup.members_of(code)
            if stay.end is not None
        }
        stale = (classes & known) | (known - set(self._tables))
        result.classes = sorted(stale)
        volumes = [
            LogVolume(month, code, count, log_path(Path(), month, code).as_posix())
            for month, code, count in counts
        ]
        target = self.outbox / MASTER_NAME
        beside = target.with_name(f"{target.stem} (bản mới){target.suffix}")
        write = partial(write_master, setup=self.setup, chain_head=head, volumes=volumes)
        tables = partial(self._class_tables, stale, today)
        self._drift = {}
        result.master = self._unlocked(target, lambda: write(target, tables=tables()))
        if result.master is None and target in self._locked:
            # the book stays readable where it is; the up-to-date one waits beside it
            unless_held(beside, lambda: write(beside, tables=tables()), [])
            log.warning("Sổ tổng hợp mới được ghi vào %s; đóng %s để lần sau ghi đè", beside.name,
                        target.name)  # fmt: skip
        elif result.master is not None:
            beside.unlink(missing_ok=True)
        if known <= set(self._drift):  # every class's table was made: the alert is known
            self._alerts = [
                f"lớp {room.code} ({'; '.join(self._drift[room.code])})"
                for room in self.setup.classes
                if self._drift[room.code]
            ]
        result.records = self._records(since.decided)

    def _class_tables(self, stale: set[str], today: date) -> Iterator[ClassTable]:
        """Every class's table with its students' results on ``today``, in setup order: cached
        ones reused, stale ones computed. A one-off publish keeps none (one class in memory at a
        time)."""
        received: dict[str, list[SheetKey]] | None = None  # attendance months in, per class
        late: dict[str, set[SheetKey]] = {}  # months confirmed after their deadline, per class
        for room in self.setup.classes:
            table = None if room.code in stale else self._tables.get(room.code)
            if table is None:
                if received is None:  # one query for every class (the files have no index)
                    received = {}
                    for key in self.ledger.received_keys(kind=AttendanceKind.kind):
                        received.setdefault(key.class_code, []).append(key)
                    for key in confirmed_late(self.setup, self.ledger.first_received()):
                        late.setdefault(key.class_code, set()).add(key)
                scores = class_values(self.setup, self.ledger, room.code)
                months, overdue = received.get(room.code, ()), late.get(room.code, set())
                results = (  # a primary class: no Circular 22 averages nor results
                    student_results(self.setup, room.code, scores, today, received=months,
                                    late=overdue)
                    if not room.primary
                    else None
                )  # fmt: skip
                approvals = self.ledger.approved_results(room.code)
                table = class_table(self.setup, room.code, scores, results, approvals, months,
                                    overdue)  # fmt: skip
                if self.keep_tables:
                    self._tables[room.code] = table
            self._drift[room.code] = table.drift
            yield table

    def _unlocked(self, target: Path, write: Callable[[], T]) -> T | None:
        """Write one output; one held open (Excel, a PDF reader) is skipped and redone by the
        next publish, which does not count it as published."""
        return unless_held(target, write, self._locked)

    def _day_report(
        self, folder: Path, day: date, pdf: bool, alerts: Sequence[str] = ()
    ) -> list[Path]:
        changes, files, merged = self._day(day)
        write = partial(
            write_day_report, folder, day, changes, files, self.setup, pdf, True, merged, alerts
        )
        return self._unlocked(folder / f"{day.isoformat()}.html", write) or []

    def _missing_outputs(self, since: Since, counts: list[tuple[str, str, int]]) -> bool:
        """Whether a file the last publish wrote is gone (then everything is rebuilt)."""
        if not (self.outbox / MASTER_NAME).exists():
            return True
        new = {(day[:7], code) for code, day in since.touched}
        volumes = [(m, c) for m, c, _ in counts if (m, c) not in new]
        if any(not log_path(self.outbox, month, code).exists() for month, code in volumes):
            return True
        return bool(volumes) and not (self.outbox / "reports" / "diff").is_dir()

    def _records(self, decided: Iterable[ChangeRecord]) -> list[Path]:
        written = []
        for change in decided:
            path = record_path(self.outbox, change.id)
            if change.status != ChangeStatus.APPROVED or path.exists():
                continue
            record = partial(write_correction_record, path, self.setup, change, self.witness)
            if self._unlocked(path, record) is not None:
                written.append(path)
                log.info("Biên bản sửa điểm: %s", path)
        return written

    # --- the vice-principals' day reports --------------------------------------------------------

    def _reports(
        self,
        since: Since,
        state: PublishState,
        today: date,
        all_pdfs: bool,
        alerts: Sequence[str] = (),
    ) -> list[Path]:
        """The day reports touched since the last publish, each with ``alerts`` (the classes
        whose approved results would change) at its top; today's too when those changed."""
        folder = self.outbox / "reports" / "diff"
        days = {d for d in (day_of(f.received_at) for f in since.files) if d is not None}
        days |= {date.fromisoformat(day) for _, day in since.touched}
        if list(alerts) != state.alerts:
            days.add(today)
        due = {date.fromisoformat(d) for d in state.pdf_due} | days
        now = {day for day in due if all_pdfs or day < today}  # PDFs once the day is over
        written: list[Path] = []
        for day in sorted(days | now):
            pages = self._day_report(folder, day, pdf=day in now, alerts=alerts)
            written += pages
            if pages and day in now:
                due.discard(day)
        state.pdf_due = [d.isoformat() for d in sorted(due)]
        return written

    def _progress(self, today: date, pdf: bool) -> list[Path]:
        """The day's entry progress report (HTML and xlsx; the PDF only when every PDF is asked
        for: ``wbe report progress`` prints it on demand) for the principal and the group heads;
        one held open elsewhere waits for the next day's."""
        target = self.outbox / PROGRESS_FOLDER / f"{progress_stem(today, None)}.xlsx"
        written = self._unlocked(
            target, lambda: write_progress(self.ledger, self.setup, self.outbox, today, pdf=pdf)
        )
        return written or []

    def _day(self, day: date) -> tuple[list[ChangeRecord], list[FileRecord], Merged]:
        """A day's changes to review, its new entries counted, and the files they came from or
        that arrived that day (a busy day's 10⁵ entries are counted in SQL, never loaded)."""
        start, end = day.isoformat(), (day + timedelta(days=1)).isoformat()
        changes = self.ledger.reviewable_between(start, end)
        merged = self.ledger.merged_counts_between(start, end)
        files = {f.id: f for f in self.ledger.files_between(start, end)}
        missing = {c.file_id for c in changes} | {file_id for _, _, file_id in merged}
        files.update({f.id: f for f in self.ledger.files_by_id(missing - set(files))})
        return changes, list(files.values()), merged


def publish(
    ledger: Ledger, setup: Setup, outbox: Path, today: date | None = None, all_pdfs: bool = False
) -> Published:
    """One-off publish (a CLI command, the demo); long-running services keep a Publisher."""
    return Publisher(ledger, setup, outbox, keep_tables=False).publish(today, all_pdfs)
