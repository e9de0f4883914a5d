"""Everything school-wide, derived from the ledger: the master (one workbook per class under
``lop/`` and ``master.xlsx``, which counts every class's results and links to them), the change
logs (one per class and month), the day reports and file pages for vice-principals, a biên bản
per approved correction.

Publishing is incremental: the outbox remembers the last event of the hash chain it reflects
(``.wbe-publish.json``), and a publish redoes only the classes, months, days and files touched by
the events after it. A missing or foreign state (another ledger, an emptied outbox) rebuilds all.
A day's PDF is rendered once the day is over (or on demand), never on every publish. The entry
progress report (``reports/tien-do/``, HTML and xlsx; its PDF on demand) is written by the first
publish of each day, as of that day.

The master shows each student's results (:mod:`workbook_engine.results`), which depend on the
class's own values and on the day (what is due, what is overdue): a publish on a new day (or
after the setup changed) recomputes every class once; otherwise only the classes touched since
the last publish are recomputed and their workbooks rewritten, the touched ones first. The other
classes' rows of ``master.xlsx`` come from the publish state, so a file received costs one
class, whatever the size of the school.

Results the principal approved (``wbe results approve``) are shown as approved; a class whose
results computed now differ from its approval (a score corrected since) is named in an alert at
the top of every day report written while it lasts, and today's report is rewritten whenever that
list changes (an approval again clears it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import partial
from itertools import chain, takewhile
from pathlib import Path
from typing import TypeVar

from workbook_engine.io.atomic import atomic_path
from workbook_engine.io.kinds.homeroom import AttendanceKind
from workbook_engine.io.master_workbook import (
    ClassTable,
    LogVolume,
    class_table,
    summary_row,
    write_class_master,
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
CLASS_FOLDER = "lop"  # one master workbook per class
STATE_NAME = ".wbe-publish.json"


def record_path(outbox: Path, change_id: int) -> Path:
    return Path(outbox) / "records" / f"bien-ban-sua-diem-{change_id}.pdf"


def class_master_path(outbox: Path, class_code: str) -> Path:
    """The class's own master workbook: ``lop/6A1.xlsx``."""
    return Path(outbox) / CLASS_FOLDER / f"{class_code}.xlsx"


def waiting_path(target: Path) -> Path:
    """Where a new output waits while ``target`` is held open: ``master (bản mới).xlsx``."""
    return target.with_name(f"{target.stem} (bản mới){target.suffix}")


def setup_fingerprint(setup: Setup) -> str:
    """A digest of everything the setup declares (its parts are tuples of frozen records)."""
    digest = hashlib.sha256()
    for part in (setup.school, setup.semesters, setup.classes, setup.students, setup.subjects,
                 setup.teachers, setup.assignments, setup.exemptions, setup.calendar,
                 setup.movements):  # fmt: skip
        digest.update(repr(part).encode("utf-8"))
    return digest.hexdigest()


@dataclass
class ClassRow:
    """What ``master.xlsx`` shows of a class whose workbook is up to date: its counts, its
    approvals and how its results drifted from them (see :class:`ClassTable`); and a digest of
    everything its workbook shows, so that a class recomputed on a new day whose workbook
    would not change is not written again ("" once its workbook was held open); and the day its
    results were computed for."""

    counts: list[int] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    digest: str = ""
    day: str = ""  # ISO

    @classmethod
    def of(cls, table: ClassTable, fingerprint: str, day: date) -> ClassRow:
        digest = hashlib.sha256(f"{fingerprint}{table!r}".encode()).hexdigest()
        counts, approved, drift = list(table.counts), list(table.approved), list(table.drift)
        return cls(counts, approved, drift, digest, day.isoformat())


@dataclass
class PublishState:
    """The last event the outbox reflects, the days whose PDF is still to render, the day the
    master's results were computed for, from which setup, and each class's row of the master."""

    event_id: int = 0
    hash: str = ""
    pdf_due: list[str] = field(default_factory=list)  # ISO days
    day: str = ""  # ISO day of the master's results ("" in a state written before results)
    # the classes whose approved results would change, as the day reports' alert names them
    alerts: list[str] = field(default_factory=list)
    setup: str = ""  # the setup's fingerprint the class workbooks were written from
    classes: dict[str, ClassRow] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> PublishState | None:
        try:
            raw = json.loads(path.read_text("utf-8"))
            due = [str(d) for d in raw["pdf_due"]]
            alerts = [str(a) for a in raw.get("alerts", [])]
            day, setup = str(raw.get("day", "")), str(raw.get("setup", ""))
            rows = {
                str(code): ClassRow(
                    [int(n) for n in row["counts"]],
                    [str(a) for a in row["approved"]],
                    [str(d) for d in row["drift"]],
                    str(row.get("digest", "")),
                    str(row.get("day", "")),
                )
                for code, row in raw.get("classes", {}).items()
            }
            return cls(int(raw["event_id"]), str(raw["hash"]), due, day, alerts, setup, rows)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")


@dataclass
class Published:
    """What one publish wrote (empty lists when nothing had changed)."""

    master: Path | None = None
    classes: list[str] = field(default_factory=list)  # the classes recomputed
    class_files: list[Path] = field(default_factory=list)  # their workbooks written
    logs: list[Path] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)
    records: list[Path] = field(default_factory=list)
    progress: list[Path] = field(default_factory=list)  # the day's entry progress report
    # classes whose results are still of an earlier day: the time allowed ran out (a new day's
    # first publish under ``wbe watch``); the next publish goes on with them
    behind: list[str] = field(default_factory=list)
    full: bool = False
    seconds: float = 0.0

    def __bool__(self) -> bool:
        return bool(
            self.master
            or self.class_files
            or self.logs
            or self.reports
            or self.records
            or self.progress
        )


class Publisher:
    """Bring ``outbox`` up to date with the ledger. A publish after one file recomputes and
    rewrites one class (the others' rows of the master come from the publish state).

    On a new day every class is recomputed (what is due). With ``day_seconds``, a publish
    spends at most about that long on classes nothing new touched, and leaves the rest to the
    next publish (:attr:`Published.behind`): a file that arrives in the morning does not wait
    for the whole school's new day. Their rows of the master meanwhile are of the day before."""

    def __init__(
        self,
        ledger: Ledger,
        setup: Setup,
        outbox: Path,
        witness: str = "",
        day_seconds: float | None = None,
    ) -> None:
        self.ledger, self.setup, self.outbox = ledger, setup, Path(outbox)
        self.witness = witness
        self.day_seconds = day_seconds
        self.fingerprint = setup_fingerprint(setup)
        self._locked: list[Path] = []  # outputs held open elsewhere during this publish
        # the day reports' alert (the classes whose approved results would change), once the
        # master was written in this publish (None: not known, the last one's stands)
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
        new_day = state.day != today.isoformat()
        # results depend on the day (what is due, overdue), rosters and subjects on the setup
        day = today.isoformat()
        setup_changed = state.setup != self.fingerprint
        recompute = setup_changed or any(row.day != day for row in state.classes.values())
        lost = {  # a class's workbook removed by hand: that class is written again
            room.code
            for room in self.setup.classes
            if not class_master_path(self.outbox, room.code).exists()
        }
        self._locked = []
        self._alerts = None
        result = Published(full=full)
        with running(self._jobs(since), self.ledger, self.setup, self.outbox, head) as collect:
            if since or full or recompute or lost:  # meanwhile, here: master and day pages
                self._outputs(since, result, head, counts, today, state, lost, setup_changed)
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
            state.alerts, state.setup = alerts, self.fingerprint
        state.save(self.state_path)
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
        state: PublishState,
        lost: set[str],
        setup_changed: bool,
    ) -> None:
        """Recompute the classes touched since, and those computed for another day or setup;
        rewrite their workbooks, the touched ones first, then ``master.xlsx`` from every
        class's row."""
        touched = {code for code, _ in since.touched}
        # an attendance sheet without any absence changes no value, yet its month is now in
        touched |= {
            f.class_code
            for f in since.files
            if f.kind == AttendanceKind.kind and f.status == Status.ACCEPTED
        }
        touched |= since.approved  # its results are now shown as approved
        # a student who moved on is summed up by their new class, from their values here too
        touched |= {
            self.setup.result_class(stay.student_code)
            for code in touched
            for stay in self.setup.members_of(code)
            if stay.end is not None
        }
        known = [room.code for room in self.setup.classes]
        before = state.classes
        rows = {} if setup_changed else {c: r for c, r in before.items() if c in known}
        must = touched | lost | (set(known) - set(rows))  # then those of another day
        late = [c for c in known if c not in must and rows[c].day != today.isoformat()]
        order = [c for c in known if c in touched] + [c for c in known if c in must - touched]
        started = time.perf_counter()

        def in_time(code: str) -> bool:
            """Whether to go on with ``code`` now: at least one class of another day per
            publish, so that every publish makes progress."""
            if code in must or self.day_seconds is None or code == late[0]:
                return True
            return time.perf_counter() - started < self.day_seconds

        for table in self._class_tables(takewhile(in_time, [*order, *late]), today):
            code, row = table.class_code, ClassRow.of(table, self.fingerprint, today)
            result.classes.append(code)
            target = class_master_path(self.outbox, code)
            kept = code in before and before[code].digest == row.digest and code not in lost
            if not (kept and row.digest and not result.full):
                write = partial(write_class_master, setup=self.setup, table=table)
                if self._write(target, write) is not None:
                    result.class_files.append(target)
                elif target in self._locked:
                    row.digest = ""  # the new one waits beside it: written again next time
            rows[code] = row
        state.classes = rows
        result.behind = [c for c in late if rows[c].day != today.isoformat()]
        if result.full:  # a class no longer in the setup keeps no workbook
            for path in (self.outbox / CLASS_FOLDER).glob("*.xlsx"):
                if path.stem not in rows and not path.stem.endswith("(bản mới)"):
                    path.unlink(missing_ok=True)
        volumes = [
            LogVolume(month, code, count, log_path(Path(), month, code).as_posix())
            for month, code, count in counts
        ]
        summary = [
            summary_row(
                self.setup,
                code,
                rows[code].counts,
                rows[code].approved,
                class_master_path(Path(), code).as_posix(),
            )
            for code in known
        ]
        write_index = partial(
            write_master, setup=self.setup, rows=summary, chain_head=head, volumes=volumes
        )
        result.master = self._write(self.outbox / MASTER_NAME, write_index)
        self._alerts = [
            f"lớp {code} ({'; '.join(rows[code].drift)})" for code in known if rows[code].drift
        ]
        result.records = self._records(since.decided)

    def _class_tables(self, order: Iterable[str], today: date) -> Iterator[ClassTable]:
        """The tables of the classes in ``order``, each with its students' results on
        ``today``, one at a time (``order`` is read as they are asked for)."""
        codes = iter(order)
        first = next(codes, None)
        if first is None:
            return
        received: dict[str, list[SheetKey]] = {}  # attendance months in, per class
        for key in self.ledger.received_keys(kind=AttendanceKind.kind):
            received.setdefault(key.class_code, []).append(key)
        late: dict[str, set[SheetKey]] = {}  # months confirmed after their deadline, per class
        for key in confirmed_late(self.setup, self.ledger.first_received()):
            late.setdefault(key.class_code, set()).add(key)
        for code in chain([first], codes):
            room = self.setup.find_class(code)
            scores = class_values(self.setup, self.ledger, code)
            months, overdue = received.get(code, ()), late.get(code, set())
            results = (  # a primary class: no Circular 22 averages nor results
                student_results(self.setup, code, scores, today, received=months, late=overdue)
                if room is not None and not room.primary
                else None
            )
            approvals = self.ledger.approved_results(code)
            yield class_table(self.setup, code, scores, results, approvals, months, overdue)

    def _write(self, target: Path, write: Callable[[Path], Path]) -> Path | None:
        """Write one workbook; one held open (Excel) stays readable where it is while the new
        one waits beside it (``… (bản mới).xlsx``), which the next publish replaces."""
        written = self._unlocked(target, lambda: write(target))
        waiting = waiting_path(target)
        if written is None and target in self._locked:
            unless_held(waiting, lambda: write(waiting), [])
            log.warning("Bản mới được ghi vào %s; đóng %s để lần sau ghi đè", waiting.name,
                        target.name)  # fmt: skip
        elif written is not None:
            waiting.unlink(missing_ok=True)
        return written

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
    return Publisher(ledger, setup, outbox).publish(today, all_pdfs)
