"""The diff report vice-principals read: cell changes, flagged items first (a day's summary lists
the changes to review and counts new entries; a file's page lists every cell it changed).

:func:`build_diff_report` is pure (ledger records and setup in, dataclasses out); the writers
turn one report into HTML (``diff_report.html.j2`` with ``diff_report.css`` inlined) or into a
PDF laid out by weasyprint from that same HTML.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from workbook_engine.errors import CATALOGUE, Severity
from workbook_engine.io.feedback_report import sentence
from workbook_engine.io.kinds.score import NOTE_HEADER, NOTE_KEY
from workbook_engine.model import ChangeRecord, ChangeStatus, FileRecord, Setup, SheetKey
from workbook_engine.names import safe_stem
from workbook_engine.render.common import (
    Directory,
    column_order,
    date_text,
    day_of,
    render,
    score_text,
    semester_name,
    time_text,
    write_html,
    write_pdf,
    write_rendered,
)

# What a vice-principal must look at comes first: changes that never merge, then corrections
# waiting for a decision, then decided corrections, then plain new entries.
STATUS_ORDER = (
    ChangeStatus.UNAUTHORISED,
    ChangeStatus.PENDING,
    ChangeStatus.REFUSED,
    ChangeStatus.APPROVED,
    ChangeStatus.MERGED,
)
_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
_FLAGGED = (ChangeStatus.UNAUTHORISED, ChangeStatus.PENDING)
MERGED = ChangeStatus.MERGED  # counted in the alert at the top
SHORT_HASH = 8
DIFF_TEMPLATE = "diff_report.html.j2"


@dataclass(frozen=True)
class StatusCount:
    status: ChangeStatus
    count: int

    @property
    def label(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class ChangeRow:
    """One cell change, with its values already written as a Vietnamese reader expects."""

    id: int
    student_code: str
    student_name: str
    column: str
    old: str
    new: str
    old_blank: bool  # a first entry: nothing to strike out
    new_blank: bool  # a value deleted
    status: ChangeStatus
    at: str
    teacher: str
    file_name: str
    file_page: str
    sha_short: str
    reason: str
    decision: str

    @property
    def label(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class SheetGroup:
    """The changes to one subject of one class in one semester."""

    subject_code: str
    subject_name: str
    semester: int
    semester_name: str
    teachers: tuple[str, ...]
    rows: tuple[ChangeRow, ...]
    merged: int = 0  # new entries counted, not listed (a summary page)

    @property
    def status(self) -> ChangeStatus:
        return min((r.status for r in self.rows), key=_RANK.__getitem__, default=MERGED)

    @property
    def counts(self) -> tuple[StatusCount, ...]:
        return _counts((r.status for r in self.rows), self.merged)


@dataclass(frozen=True)
class ClassGroup:
    class_code: str
    sheets: tuple[SheetGroup, ...]

    @property
    def status(self) -> ChangeStatus:
        return min((s.status for s in self.sheets), key=_RANK.__getitem__)

    @property
    def change_count(self) -> int:
        return sum(len(s.rows) + s.merged for s in self.sheets)


@dataclass(frozen=True)
class FileSummary:
    """One file received: who sent it, when, its fingerprint and what was wrong with it."""

    id: int
    name: str
    teacher: str
    saved_by: str
    received_at: str
    sha256: str
    sha_short: str
    page: str  # the file's own page, beside the daily reports in files/
    accepted: bool
    late: bool
    warnings: tuple[str, ...]
    error_count: int
    error_kinds: tuple[str, ...]  # the catalogue titles of its errors, each once
    change_count: int
    delivered: str = ""  # "văn phòng nộp thay", "thư mục Nộp của …": how it arrived
    forged_decision: bool = False  # an attempted decision from the wrong folder or person


@dataclass(frozen=True)
class DiffReport:
    title: str
    school: str
    school_year: str
    counts: tuple[StatusCount, ...]  # every status, in STATUS_ORDER, zeros included
    classes: tuple[ClassGroup, ...]
    files: tuple[FileSummary, ...]  # accepted files
    rejected: tuple[FileSummary, ...]
    file_link_prefix: str = ""  # where file pages are, relative to this page; "" for no links
    # classes whose results the principal approved and that would change if recomputed now
    # ("lớp 6A1 (HKI: 1 học sinh)"), as of when the page was written; shown first
    approval_alerts: tuple[str, ...] = ()

    @property
    def change_count(self) -> int:
        return sum(c.count for c in self.counts)

    @property
    def forged_decisions(self) -> tuple[FileSummary, ...]:
        return tuple(f for f in self.rejected if f.forged_decision)

    @property
    def flagged_count(self) -> int:
        return sum(c.count for c in self.counts if c.status in _FLAGGED)

    def count(self, status: ChangeStatus) -> int:
        return next(c.count for c in self.counts if c.status is status)


def build_diff_report(
    changes: Sequence[ChangeRecord],
    files: Sequence[FileRecord],
    setup: Setup,
    title: str,
    merged: Mapping[tuple[SheetKey, str, int], int] | None = None,
) -> DiffReport:
    """Group ``changes`` by class, then subject and semester, flagged groups and rows first.
    ``merged`` counts new entries not passed as rows, by (sheet, teacher, file id)."""
    names = Directory(setup)
    by_id = {f.id: f for f in files}
    pages = {f.id: file_page(f) for f in files}
    sheets: dict[SheetKey, list[ChangeRow]] = defaultdict(list)
    for change in changes:
        page = pages.get(change.file_id, "")
        sheets[change.key].append(_row(change, by_id.get(change.file_id), names, page))
    counted: dict[SheetKey, int] = defaultdict(int)
    senders: dict[SheetKey, list[str]] = defaultdict(list)
    per_file: dict[int, int] = defaultdict(int)
    for (key, teacher, file_id), count in (merged or {}).items():
        sheets.setdefault(key, [])
        counted[key] += count
        senders[key].append(names.teacher_label(teacher))
        per_file[file_id] += count

    by_class: dict[str, list[SheetGroup]] = defaultdict(list)
    for key, rows in sheets.items():
        rows.sort(
            key=lambda r: (
                _RANK[r.status],
                names.roster_position.get(r.student_code, len(names.roster_position)),
                r.student_code,
                column_order(r.column),
                r.id,
            )
        )
        by_class[key.class_code].append(
            SheetGroup(
                subject_code=key.subject_code,
                subject_name=names.subject_name(key.class_code, key.subject_code),
                semester=key.semester,
                semester_name=semester_name(key.semester),
                teachers=tuple(dict.fromkeys([*(r.teacher for r in rows), *senders[key]])),
                rows=tuple(rows),
                merged=counted[key],
            )
        )
    classes = [
        ClassGroup(code, tuple(sorted(groups, key=_sheet_order)))
        for code, groups in by_class.items()
    ]
    classes.sort(key=lambda c: (_RANK[c.status], names.grade(c.class_code), c.class_code))

    changed_files: dict[int, int] = per_file
    for change in changes:
        changed_files[change.file_id] += 1
    summaries = [_file_summary(f, changed_files[f.id], names) for f in files]
    return DiffReport(
        title=title,
        school=setup.school.name,
        school_year=setup.school.school_year,
        counts=_counts((ChangeStatus(c.status) for c in changes), sum(counted.values())),
        classes=tuple(classes),
        files=tuple(s for s in summaries if s.accepted),
        rejected=tuple(s for s in summaries if not s.accepted),
    )


def render_diff_html(report: DiffReport, printed: bool = False) -> str:
    """The page; ``printed`` lists only the changes to review (new entries are counted: a day
    of entries is thousands of cells, too many pages to print and to render)."""
    return render(DIFF_TEMPLATE, **_context(report, printed))


def _context(report: DiffReport, printed: bool) -> dict[str, object]:
    return {"report": report, "flagged": _FLAGGED, "printed": printed}


def write_diff_html(path: Path, report: DiffReport, summary: bool = False) -> Path:
    """One self-contained HTML page (styles inlined), written atomically; ``summary`` lists
    only the changes to review, new entries counted (as printed)."""
    return write_html(path, render_diff_html(report, printed=summary))


def write_diff_pdf(path: Path, report: DiffReport) -> Path:
    """The page to print (A4 landscape PDF): changes to review in full, new entries counted."""
    return write_pdf(path, render_diff_html(report, printed=True))


def write_diff_reports(
    outbox: Path,
    changes: Sequence[ChangeRecord],
    files: Sequence[FileRecord],
    setup: Setup,
    since: date | None = None,
    pdf: bool = True,
) -> list[Path]:
    """Write ``reports/diff/<day>.html`` and ``.pdf`` for every day with a change or a file
    received (from ``since`` on), and ``reports/diff/files/<stem>-<sha8>.html`` per file."""
    folder = Path(outbox) / "reports" / "diff"
    # a day is rewritten when something was received on it since ``since``, or when one of its
    # corrections was decided since (its page must no longer say "waiting")
    affected = {
        day_of(c.at)
        for c in changes
        if _on_or_after(day_of(c.at), since)
        or (c.decided_at and _on_or_after(day_of(c.decided_at), since))
    } | {day_of(f.received_at) for f in files if _on_or_after(day_of(f.received_at), since)}
    kept_changes = [c for c in changes if day_of(c.at) in affected]
    kept_files = [f for f in files if day_of(f.received_at) in affected]
    by_id = {f.id: f for f in files}

    days: dict[date, tuple[list[ChangeRecord], dict[int, FileRecord]]] = defaultdict(
        lambda: ([], {})
    )
    for change in kept_changes:
        day = day_of(change.at)
        if day is None:
            continue
        day_changes, day_files = days[day]
        day_changes.append(change)
        if change.file_id in by_id:  # a file received just before midnight
            day_files[change.file_id] = by_id[change.file_id]
    for file in kept_files:
        day = day_of(file.received_at)
        if day is not None:
            days[day][1][file.id] = file

    written: list[Path] = []
    for day in sorted(days):
        day_changes, day_files = days[day]
        written += write_day_report(folder, day, day_changes, day_files.values(), setup, pdf)
    of_file: dict[int, list[ChangeRecord]] = defaultdict(list)
    for change in changes:
        of_file[change.file_id].append(change)
    for file in kept_files:
        written.append(write_file_page(folder, file, of_file[file.id], setup))
    return written


def write_day_report(
    folder: Path,
    day: date,
    changes: Sequence[ChangeRecord],
    files: Iterable[FileRecord],
    setup: Setup,
    pdf: bool,
    summary: bool = False,
    merged: Mapping[tuple[SheetKey, str, int], int] | None = None,
    alerts: Sequence[str] = (),
) -> list[Path]:
    """``<day>.html`` (and ``<day>.pdf`` when ``pdf``) for one day's changes and files; a
    ``summary`` page lists in full only the changes to review (a school's busy day holds 10⁵
    new entries: each file's own page lists them). ``alerts`` name the classes whose approved
    results would change if recomputed now: a line at the top, for the principal."""
    title = f"Báo cáo thay đổi điểm ngày {date_text(day)}"
    ordered = sorted(files, key=lambda f: (f.received_at, f.id))
    report = build_diff_report(changes, ordered, setup, title, merged)
    report = replace(report, file_link_prefix="files/", approval_alerts=tuple(alerts))
    page = folder / f"{day.isoformat()}.html"  # written as rendered: 15 MB at ×16 on a burst day
    written = [write_rendered(page, DIFF_TEMPLATE, **_context(report, printed=summary))]
    if pdf:  # the printed page: the summary, or the day rendered for print
        written.append(write_pdf(folder / f"{day.isoformat()}.pdf", render_diff_html(report, True)))
    return written


def write_file_page(
    folder: Path, file: FileRecord, changes: Sequence[ChangeRecord], setup: Setup
) -> Path:
    """``files/<stem>-<sha8>.html``: what one received file changed."""
    report = build_diff_report(changes, [file], setup, f"Thay đổi từ tệp {file.name}")
    return write_diff_html(folder / "files" / file_page(file), report)


def file_page(file: FileRecord) -> str:
    """``6A1_TOAN_HK1-1a2b3c4d.html``: the hash tells apart two files sent under one name."""
    return f"{safe_stem(Path(file.name).stem)}-{file.sha256[:SHORT_HASH]}.html"


def _on_or_after(day: date | None, since: date | None) -> bool:
    return since is None or (day is not None and day >= since)


def _counts(statuses: Iterable[str], merged: int = 0) -> tuple[StatusCount, ...]:
    tally: dict[ChangeStatus, int] = dict.fromkeys(STATUS_ORDER, 0)
    tally[MERGED] = merged
    for status in statuses:
        tally[ChangeStatus(status)] += 1
    return tuple(StatusCount(s, n) for s, n in tally.items())


def _sheet_order(sheet: SheetGroup) -> tuple[int, str, int]:
    return (_RANK[sheet.status], sheet.subject_code, sheet.semester)


def _row(change: ChangeRecord, file: FileRecord | None, names: Directory, page: str) -> ChangeRow:
    status = ChangeStatus(change.status)
    sha = change.file_sha256 or (file.sha256 if file else "")
    return ChangeRow(
        id=change.id,
        student_code=change.student_code,
        student_name=names.student_name(change.student_code),
        column=NOTE_HEADER if change.column == NOTE_KEY else change.column,
        old=score_text(change.old),
        new=score_text(change.new),
        old_blank=not (change.old and change.old.strip()),
        new_blank=not (change.new and change.new.strip()),
        status=status,
        at=time_text(change.at),
        teacher=names.teacher_label(change.teacher_code),
        file_name=change.file_name,
        file_page=page,
        sha_short=sha[:SHORT_HASH],
        reason=change.reason,
        decision=_decision(change, status, names),
    )


def _decision(change: ChangeRecord, status: ChangeStatus, names: Directory) -> str:
    if status is ChangeStatus.PENDING:
        return "Chờ Hiệu trưởng duyệt phiếu đề nghị sửa điểm"
    if status not in (ChangeStatus.APPROVED, ChangeStatus.REFUSED):
        return ""
    verb = "Duyệt" if status is ChangeStatus.APPROVED else "Không duyệt"
    who = names.teacher_name(change.decided_by) or change.decided_by
    parts = [f"{verb}: {who}" if who else verb]
    if change.decided_at:
        parts.append(time_text(change.decided_at))
    return ", ".join(parts)


FORGED_DECISION = frozenset({"decision-wrong-folder", "decision-other-approver"})


def _delivered(file: FileRecord, names: Directory) -> str:
    """How a file arrived, from the share folder it was found in ("" when not kept, older rows)."""
    if file.sender is None or file.sender == file.teacher_code:
        return ""  # not kept (older rows), or the teacher's own folder: nothing to add
    if not file.sender:
        return "văn phòng nộp thay"
    return f"thư mục của {names.teacher_label(file.sender)}"


def _file_summary(file: FileRecord, change_count: int, names: Directory) -> FileSummary:
    warnings = tuple(
        sentence(str(p.get("message", "")))
        for p in file.problems
        if p.get("severity") == Severity.WARNING
    )
    errors = [
        str(p.get("code", "")) for p in file.problems if p.get("severity") != Severity.WARNING
    ]
    return FileSummary(
        id=file.id,
        name=file.name,
        teacher=names.teacher_label(file.teacher_code),
        saved_by=file.saved_by,
        received_at=time_text(file.received_at),
        sha256=file.sha256,
        sha_short=file.sha256[:SHORT_HASH],
        page=file_page(file),
        accepted=file.status == "accepted",
        late=file.late,
        warnings=warnings,
        error_count=len(errors),
        error_kinds=tuple(dict.fromkeys(_title(code) for code in errors)),
        delivered=_delivered(file, names),
        forged_decision=bool(FORGED_DECISION & set(errors)),
        change_count=change_count,
    )


def _title(code: str) -> str:
    kind = CATALOGUE.get(code)
    return kind.title if kind else code
