"""Bring the teachers' working copies (``<share>/<code> - <name>/Sổ điểm/``) up to date with the
ledger, never overwriting what a teacher typed and has not sent yet.

After a copy is accepted the ledger may move on without it: a correction approved, the same
sheet delivered by the office or filled on another PC. For each per-student sheet (score,
attendance, conduct) in a teacher's ``Sổ điểm/``, keyed by (student, column) as ingestion is:

- ``file``: what the copy holds now; ``base``: what this copy (its template) held when issued or
  last receipted; ``accepted``: the ledger's accepted values.
- An unsent edit is a cell the teacher changed since the base that the ledger does not hold
  (exactly what a submission of the copy would report as a change). A copy with any is left
  untouched: sending it comes first. A cell equal to the ledger is never an unsent edit, so a
  refreshed copy stays up to date on the next run.
- A copy that holds no value at all (as issued) has nothing to lose and is filled from the ledger
  even when its base is not empty (the sheet was filled on another copy and sent from there).
- A cell holding the new value of a correction still waiting for approval is left as it is.
- Every other cell that differs from the ledger is written with the ledger's value; nothing else
  changes but the marks of an earlier returned copy (red cells, their comments, the «Lỗi cần
  sửa» sheet), which are cleared. The copy is rewritten atomically, and only if it is still the
  file that was checked and nobody has it open.

Skipped and reported: a copy open in Excel or LibreOffice (a lock file beside it), a copy whose
check finds errors (mid-edit), a copy with unsent edits. Forms (correction, decision), foreign
files and sheets whose identity does not verify are never touched. The ledger is only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from workbook_engine.errors import Problem, Severity, WorkbookEngineError, make_problem
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.io.identity import Identity
from workbook_engine.io.kinds import KINDS, Layout
from workbook_engine.io.lockfiles import is_workbook_candidate, lock_owner
from workbook_engine.io.sheet_reader import UnreadableWorkbook, read_filled_sheet
from workbook_engine.io.working_copy import Cell, CopyMoved, rewrite_copy
from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.sheet_check import SheetCheck, check_sheet, identity_problem
from workbook_engine.share import ShareLayout

__all__ = [
    "RefreshResult",
    "RefreshedFile",
    "Status",
    "refresh_file",
    "refresh_working_copies",
]

Progress = Callable[[int, int], None]

# Errors about when or by whom a copy may be sent, not about what it holds: they do not stop
# the copy from being brought up to date (a locked semester still gets approved corrections).
NOT_ABOUT_CONTENT = frozenset({"period-locked", "saved-by-other-refused", "semester-not-started"})


class Status(StrEnum):
    REFRESHED = "refreshed"
    UP_TO_DATE = "up_to_date"
    UNSENT_EDITS = "unsent_edits"
    OPEN = "open"
    ERRORS = "errors"
    OTHER = "other"  # not a per-student sheet of this school for this teacher: never touched


SKIPPED = frozenset({Status.UNSENT_EDITS, Status.OPEN, Status.ERRORS})


@dataclass(frozen=True)
class RefreshedFile:
    """What happened to one working copy; ``message`` is for the clerk and the teacher.

    ``cells`` is the number of cells written (refreshed) or of unsent edits found."""

    path: Path
    teacher_code: str
    status: Status
    message: str
    cells: int = 0

    @property
    def skipped(self) -> bool:
        return self.status in SKIPPED


@dataclass
class RefreshResult:
    files: list[RefreshedFile] = field(default_factory=list)

    def of(self, status: Status) -> list[RefreshedFile]:
        return [f for f in self.files if f.status is status]

    @property
    def refreshed(self) -> list[RefreshedFile]:
        return self.of(Status.REFRESHED)

    @property
    def up_to_date(self) -> list[RefreshedFile]:
        return self.of(Status.UP_TO_DATE)

    @property
    def skipped(self) -> list[RefreshedFile]:
        return [f for f in self.files if f.skipped]

    @property
    def reported(self) -> list[RefreshedFile]:
        """The files worth a line: refreshed or skipped."""
        return [f for f in self.files if f.status is Status.REFRESHED or f.skipped]

    def summary(self) -> str:
        cells = sum(f.cells for f in self.refreshed)
        return (
            f"Đã cập nhật {len(self.refreshed)} tệp ({cells} ô), "
            f"{len(self.up_to_date)} tệp đã khớp với sổ điểm, bỏ qua {len(self.skipped)} tệp."
        )


def refresh_working_copies(
    setup: Setup,
    share: Path,
    secret: bytes,
    ledger: Ledger,
    teacher_code: str | None = None,
    *,
    today: date | None = None,
    progress: Progress | None = None,
) -> RefreshResult:
    """Refresh every working copy in each teacher's ``Sổ điểm/`` (or one teacher's).

    ``progress(done, total)`` is called after each file. Raises ``unknown-teacher`` for a code
    the setup does not know. ``ledger`` is only read.
    """
    if teacher_code is not None and setup.find_teacher(teacher_code) is None:
        raise WorkbookEngineError(make_problem("unknown-teacher", value=teacher_code))
    codes = [teacher_code] if teacher_code is not None else sorted(t.code for t in setup.teachers)
    layout = ShareLayout(Path(share), setup)
    jobs = [(code, path) for code in codes for path in _working_copies(layout.sheets(code))]
    result = RefreshResult()
    for done, (code, path) in enumerate(jobs, start=1):
        shown = _shown(path, layout.root)
        result.files.append(refresh_file(path, code, setup, secret, ledger, today, shown))
        if progress is not None:
            progress(done, len(jobs))
    return result


def _working_copies(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and is_workbook_candidate(p))


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def refresh_file(
    path: Path,
    teacher_code: str,
    setup: Setup,
    secret: bytes,
    ledger: Ledger,
    today: date | None = None,
    shown: str | None = None,
) -> RefreshedFile:
    """Bring one working copy of ``teacher_code`` up to date with ``ledger`` (see module doc)."""
    path = Path(path)
    shown = shown or path.name

    def done(status: Status, message: str, cells: int = 0) -> RefreshedFile:
        return RefreshedFile(path, teacher_code, status, message, cells)

    owner = lock_owner(path)
    if owner is not None:
        return done(Status.OPEN, _open_message(shown, owner))
    try:
        sheet = read_filled_sheet(path)
    except UnreadableWorkbook:
        return done(
            Status.ERRORS,
            f"Bỏ qua {shown}: không mở được tệp (hỏng hoặc đang chép dở); mở lại bằng Excel, "
            "lưu rồi chạy lại.",
        )
    identity = sheet.identity
    kind = KINDS.get(identity.kind) if identity is not None else None
    foreign = identity is None or identity_problem(sheet, setup, secret) is not None
    if foreign or kind is None or not kind.per_student:
        return done(Status.OTHER, f"Bỏ qua {shown}: không phải bảng theo học sinh của trường.")
    assert identity is not None
    if identity.teacher_code != teacher_code:
        return done(
            Status.OTHER,
            f"Bỏ qua {shown}: mẫu phát cho giáo viên {identity.teacher_code}, không phải "
            f"{teacher_code}.",
        )
    check = check_sheet(sheet, setup, secret, today or date.today())
    errors = [p for p in check.report if _blocks(p)]
    if errors or check.layout is None or check.key is None:
        return done(Status.ERRORS, _errors_message(shown, errors))
    unsent, writes = _plan(check, identity, check.layout, ledger)
    if unsent:
        student, column, was, now = unsent[0]
        example = f"{student} {column}: {_spell(was)} → {_spell(now)}"
        return done(
            Status.UNSENT_EDITS,
            f"Bỏ qua {shown}: có chỉnh sửa chưa gửi: gửi tệp vào thư mục Nộp trước "
            f"({len(unsent)} ô, ví dụ {example}).",
            len(unsent),
        )
    if not writes:
        return done(Status.UP_TO_DATE, f"{shown}: đã khớp với sổ điểm, không cần cập nhật.")
    try:
        rewrite_copy(path, sheet.content, identity, check.layout, writes)
    except (FileLockedError, CopyMoved):
        return done(Status.OPEN, _open_message(shown, lock_owner(path) or ""))
    (student, column), new = next(iter(writes.items()))
    old = check.values.get((student, column))
    example = f"{student} {column}: {_spell(old)} → {_spell(new)}"
    return done(
        Status.REFRESHED,
        f"Đã cập nhật {shown}: {len(writes)} ô theo sổ điểm của trường (ví dụ {example}).",
        len(writes),
    )


def _blocks(problem: Problem) -> bool:
    return problem.severity is Severity.ERROR and problem.code not in NOT_ABOUT_CONTENT


def _spell(value: str | None) -> str:
    return value if value is not None else "trống"


def _open_message(shown: str, owner: str) -> str:
    by = f" bởi «{owner}»" if owner else ""
    return f"Bỏ qua {shown}: tệp đang được mở{by}; đóng tệp rồi chạy lại."


def _errors_message(shown: str, errors: list[Problem]) -> str:
    if not errors:
        return f"Bỏ qua {shown}: không đọc được bảng trong tệp; sửa tệp rồi chạy lại."
    first = errors[0]
    where = f"ô {first.column}{first.row}: " if first.column and first.row is not None else ""
    return (
        f"Bỏ qua {shown}: tệp đang có {len(errors)} lỗi (ví dụ {where}{first.message}); "
        "sửa lỗi rồi gửi tệp vào thư mục Nộp trước."
    )


Unsent = tuple[str, str, str | None, str | None]  # (student, column, base value, file value)


def _plan(
    check: SheetCheck, identity: Identity, layout: Layout, ledger: Ledger
) -> tuple[list[Unsent], dict[Cell, str | None]]:
    """(unsent edits, cells to write with the ledger's value)."""
    assert check.key is not None
    file = check.values
    base = ledger.base(identity.template_id)
    accepted = ledger.scores(check.key)
    awaiting = {(c.student_code, c.column, c.new) for c in ledger.pending(check.key)}
    blank = not file and not check.notes  # as issued: no typed work to lose
    exempt = set(identity.exempt)
    columns = [c.key for _, c in layout.inputs if c.open and c.stored]
    unsent: list[Unsent] = []
    writes: dict[Cell, str | None] = {}
    for student in identity.student_codes:
        if student in exempt:
            continue
        for column in columns:
            cell = (student, column)
            have, want = file.get(cell), accepted.get(cell)
            if have == want or (student, column, have) in awaiting:
                continue
            if have != base.get(cell) and not blank:
                unsent.append((student, column, base.get(cell), have))
            else:
                writes[cell] = want
    return unsent, writes
