"""Issue the sheets teachers fill into the shared folder, one folder per teacher.

Layout: ``<share>/<code> - <name>/Sổ điểm/<class>_<subject>_HK<n>.xlsx`` for each assignment;
a homeroom teacher also gets ``<class>_DiemDanh_<yyyy-mm>_HK<n>.xlsx`` per month and
``<class>_RenLuyen_HK<n>.xlsx``; every teacher with an assignment gets
``PhieuDeNghiSuaDiem_HK<n>.xlsx``.

Re-issuing never destroys a teacher's work. For each target, the existing file is read back:

- missing: written;
- a genuine blank (identity verifies, no editable cell filled) with the same template content:
  left as is; with a different content (roster, teacher, columns changed): replaced, since
  nothing can be lost (reported as not written when the file is held open in Excel);
- filled (or not a genuine issued sheet) with the same template content: skipped, the teacher
  keeps working on it; with a different content: a new version ``…_HK1_v2.xlsx`` is written
  beside it (the next free or reusable ``_vN`` name, checked by the same rules).

Classes of grades 1–5 (Circular 27) are never given Circular 22 sheets (score, conduct, summer,
correction: each of those kinds plans for secondary classes only); they get the primary kinds'
sheets (:mod:`workbook_engine.io.kinds.primary`).

A sheet lists its class's students on the day it is issued, the ones ingest takes that day: a
movement of the setup's «Biến động» sheet recorded ahead of its date changes only the sheets
issued from that date on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from itertools import count
from pathlib import Path

from workbook_engine.errors import WorkbookEngineError, make_problem
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.io.identity import Identity, IdentityError, read_identity, verify_identity
from workbook_engine.io.issued import entered_cells
from workbook_engine.io.kind_sheet import write_sheet
from workbook_engine.io.kinds import KINDS, Plan
from workbook_engine.model import SUMMER, Setup, SummerList
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.refresh import Status as Refreshed
from workbook_engine.pipeline.refresh import refresh_file
from workbook_engine.share import ShareLayout

Progress = Callable[[int, int], None]


class IssueError(WorkbookEngineError):
    """The request cannot be served (unknown teacher, semester missing from the setup)."""

    def __init__(self, detail: str) -> None:
        super().__init__(make_problem("issue-error", detail=detail))


class Status(StrEnum):
    CREATED = "created"
    NEW_VERSION = "new_version"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    KEPT = "kept"
    LOCKED = "locked"  # an outdated blank is open in Excel: retry later


WRITTEN = frozenset({Status.CREATED, Status.NEW_VERSION, Status.REPLACED})


@dataclass(frozen=True)
class IssuedFile:
    """What happened to one target file; ``message`` is for the clerk, in Vietnamese."""

    path: Path
    kind: str
    teacher_code: str
    status: Status
    message: str

    @property
    def written(self) -> bool:
        return self.status in WRITTEN


@dataclass
class IssueResult:
    files: list[IssuedFile] = field(default_factory=list)

    @property
    def written(self) -> list[IssuedFile]:
        return [f for f in self.files if f.written]

    @property
    def skipped(self) -> list[IssuedFile]:
        return [f for f in self.files if not f.written]

    def summary(self) -> str:
        return f"Đã ghi {len(self.written)} tệp, bỏ qua {len(self.skipped)} tệp."


def plan_templates(
    setup: Setup,
    semester: int,
    teacher_code: str | None = None,
    summer: SummerList | None = None,
) -> list[Plan]:
    """Every sheet to issue for one semester, for one teacher or for all of them; for
    :data:`~workbook_engine.model.SUMMER`, the summer's sheets of the students ``summer`` lists."""
    if semester == SUMMER:
        if summer is None:
            raise IssueError("chưa có danh sách học sinh kiểm tra lại, rèn luyện hè")
    elif semester not in {s.number for s in setup.semesters}:
        raise IssueError(f"tệp thiết lập không có học kì {semester}")
    if teacher_code is not None:
        if teacher_code not in {t.code for t in setup.teachers}:
            raise IssueError(f"không có giáo viên mã «{teacher_code}» trong tệp thiết lập")
        codes = [teacher_code]
    else:
        codes = sorted(t.code for t in setup.teachers)
    jobs = [job for code in codes for job in _jobs_of(setup, semester, code, summer)]
    if teacher_code is not None and not jobs and semester != SUMMER:
        raise IssueError(
            f"giáo viên «{teacher_code}» không được phân công giảng dạy hay chủ nhiệm lớp nào"
        )
    return jobs


def _jobs_of(setup: Setup, semester: int, code: str, summer: SummerList | None) -> list[Plan]:
    """What every registered sheet kind issues to this person, each with its writer."""
    if semester == SUMMER:
        assert summer is not None
        return [_job(setup, p) for kind in KINDS for p in kind.summer_plans(setup, summer, code)]
    return [_job(setup, plan) for kind in KINDS for plan in kind.plans(setup, semester, code)]


def _job(setup: Setup, plan: Plan) -> Plan:
    if plan.write is not None:
        return plan
    kind = KINDS.require(plan.kind)

    def write(path: Path, secret: bytes) -> Identity:
        return write_sheet(path, setup, kind, plan.identity(), secret)

    return replace(plan, write=write)


def issue_templates(
    setup: Setup,
    share: Path,
    secret: bytes,
    semester: int,
    teacher_code: str | None = None,
    *,
    progress: Progress | None = None,
    summer: SummerList | None = None,
    ledger: Ledger | None = None,
    today: date | None = None,
) -> IssueResult:
    """Write the sheets of one semester (or of the summer, for ``summer``'s students) into each
    teacher's ``Sổ điểm/`` (see module doc); with ``ledger`` (only read), a file written carries
    the values already accepted for its students (a copy re-issued after a roster change).

    Each class's sheets list its students on ``today`` (default: the real today), those ingest
    takes that day: a movement recorded ahead of its date changes them only from that date
    (:meth:`~workbook_engine.model.Setup.as_of`).

    ``progress(done, total)`` is called after each file. Raises :class:`IssueError` for an
    unknown teacher or semester.
    """
    day = today or date.today()
    setup = setup.as_of(day)
    jobs = plan_templates(setup, semester, teacher_code, summer)
    result = IssueResult()
    layout = ShareLayout(Path(share), setup)
    for done, job in enumerate(jobs, start=1):
        issued = _issue_one(job, layout, secret)
        if ledger is not None and issued.written:
            issued = _carried(issued, setup, secret, ledger, day)
        result.files.append(issued)
        if progress is not None:
            progress(done, len(jobs))
    return result


def _carried(
    issued: IssuedFile, setup: Setup, secret: bytes, ledger: Ledger, today: date
) -> IssuedFile:
    """The new copy filled from the ledger, as ``wbe templates refresh`` fills a blank one."""
    filled = refresh_file(issued.path, issued.teacher_code, setup, secret, ledger, today)
    if filled.status is not Refreshed.REFRESHED:
        return issued
    note = f"{issued.message} Đã chép {filled.cells} ô đã nhận từ sổ điểm vào tệp."
    return replace(issued, message=note)


def _write(job: Plan, path: Path, secret: bytes) -> None:
    assert job.write is not None  # set by _job
    job.write(path, secret)


def _versioned(filename: str, version: int) -> str:
    if version == 1:
        return filename
    stem, dot, suffix = filename.rpartition(".")
    return f"{stem}_v{version}{dot}{suffix}"


class _State(StrEnum):
    BLANK_SAME = "blank-same"
    BLANK_OLD = "blank-old"
    FILLED_SAME = "filled-same"
    OTHER = "other"  # filled with an older template, or not a genuine issued sheet


def _inspect(path: Path, fresh: Identity, secret: bytes) -> _State:
    try:
        identity = read_identity(path)
        if not verify_identity(identity, secret):
            return _State.OTHER
        filled = bool(entered_cells(path, identity))
    except IdentityError:
        return _State.OTHER
    same = identity.content() == fresh.content()
    if filled:
        return _State.FILLED_SAME if same else _State.OTHER
    return _State.BLANK_SAME if same else _State.BLANK_OLD


def _issue_one(job: Plan, layout: ShareLayout, secret: bytes) -> IssuedFile:
    share, folder = layout.root, layout.sheets(job.teacher_code)
    fresh = job.identity()
    first = folder / job.filename

    def done(path: Path, status: Status, message: str) -> IssuedFile:
        return IssuedFile(path, job.kind, job.teacher_code, status, message)

    for version in count(1):
        path = folder / _versioned(job.filename, version)
        shown = path.relative_to(share).as_posix()
        if not path.exists():
            _write(job, path, secret)
            if version == 1:
                return done(path, Status.CREATED, f"Đã tạo {shown}.")
            return done(
                path,
                Status.NEW_VERSION,
                f"Đã tạo phiên bản mới {shown}: tệp {first.name} đã có dữ liệu "
                "nên được giữ nguyên, còn mẫu đã thay đổi.",
            )
        state = _inspect(path, fresh, secret)
        if state is _State.BLANK_SAME:
            return done(path, Status.UNCHANGED, f"Bỏ qua {shown}: mẫu trống đã có, không đổi.")
        if state is _State.BLANK_OLD:
            try:
                _write(job, path, secret)
            except FileLockedError:
                return done(
                    path,
                    Status.LOCKED,
                    f"Chưa cập nhật được {shown}: tệp đang được mở; đóng tệp rồi phát lại.",
                )
            return done(path, Status.REPLACED, f"Đã cập nhật {shown}: mẫu cũ chưa có dữ liệu nào.")
        if state is _State.FILLED_SAME:
            return done(
                path, Status.KEPT, f"Bỏ qua {shown}: giáo viên đã nhập dữ liệu, mẫu không đổi."
            )
    raise AssertionError("unreachable")
