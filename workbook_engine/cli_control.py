"""``wbe corrections``, ``wbe lock``/``unlock`` and ``wbe log verify``: the principal's and the
vice-principals' side of change control (registered by cli.py). Every decision asks the
decider's own PIN (:func:`~workbook_engine.cli_people.require_pin`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from workbook_engine.cli_common import (
    DataDirOption,
    JsonOption,
    OutboxOption,
    ShareOption,
    TodayOption,
    engine_error,
    err,
    fail,
    new_app,
    out,
    print_json,
    print_problems,
    problem_line,
    setup_or_fail,
)
from workbook_engine.cli_people import people_app, require_pin
from workbook_engine.io.atomic import FileLockedError
from workbook_engine.model import ChangeRecord, ChangeStatus, Setup, Teacher
from workbook_engine.paths import DataDir, data_dir
from workbook_engine.pipeline.ledger import Ledger, LedgerError, LockRow
from workbook_engine.policy import Action, may, may_be_delegated, roles_text
from workbook_engine.rules import ScoreError, format_tenths, parse_score

corrections_app = new_app("Duyệt đề nghị sửa điểm / Approve or refuse score corrections.")
log_app = new_app("Nhật ký thay đổi / The change log.")

ByOption = Annotated[
    str,
    typer.Option(
        "--by",
        help="Mã người quyết định, sẽ được hỏi mã PIN (hoặc lấy từ WBE_PIN) / decided by (code).",
    ),
]
NoteOption = Annotated[str, typer.Option("--note", help="Ghi chú / note.")]


@contextmanager
def school(data: DataDir, setup: Setup | None = None) -> Iterator[tuple[Setup, Ledger]]:
    from workbook_engine.pipeline.school import School

    with School.open(data, setup or setup_or_fail(data), secret=False) as opened:
        yield opened.setup, opened.ledger


def person(setup: Setup, code: str, action: Action, delegated: Collection[str] = ()) -> Teacher:
    """The decider ``code`` if their role allows ``action`` (their PIN: :func:`decider`);
    ``delegated``: whom the principal delegated it to."""
    teacher = setup.find_teacher(code)
    if teacher is None:
        raise engine_error("unknown-teacher", value=code)
    if may_be_delegated(teacher, action) and not may(teacher, action, delegated):
        raise fail(
            f"{teacher.full_name} ({code}) chưa được Hiệu trưởng ủy quyền {action.value}; "
            f"Hiệu trưởng ủy quyền bằng lệnh: wbe people delegate {code} --by <mã Hiệu trưởng>"
        )
    if not may(teacher, action, delegated):
        allowed = roles_text(action)
        raise fail(
            f"{teacher.full_name} ({code}) không có quyền {action.value} (cần vai trò: {allowed})"
        )
    return teacher


def delegated_of(data: DataDir) -> frozenset[str]:
    """Whom the principal delegated the approval of corrections to, read before anyone types a
    PIN (nobody before the ledger exists or has the delegations)."""
    if not data.ledger.exists():
        return frozenset()
    with Ledger.open_readonly(data.ledger) as ledger:
        try:
            return ledger.delegated()
        except sqlite3.OperationalError:  # a ledger from before delegations: none recorded
            return frozenset()


def decider(data: DataDir, code: str, action: Action) -> Setup:
    """The setup, once ``code`` may take ``action`` and gave their own PIN (before the ledger
    is opened for writing: nothing waits on a person typing)."""
    setup = setup_or_fail(data)
    require_pin(data, person(setup, code, action, delegated_of(data)))
    return setup


def shown(value: str | None) -> str:
    if value is None:
        return "trống"
    try:
        tenths = parse_score(value)
    except ScoreError:
        return value
    return format_tenths(tenths) if tenths is not None else value


def change_line(setup: Setup, c: ChangeRecord) -> str:
    """One change on one line (whole in logs and when copied into an e-mail)."""
    names = {s.code: s.full_name for s in setup.students}
    when = c.at[:16].replace("T", " ")
    student = f"{c.student_code} {names.get(c.student_code, '')}".strip()
    where = f"{c.key.class_code} {c.key.subject_code} HK{c.key.semester}"
    label = ChangeStatus(c.status).label
    return (
        f"Số {c.id} | {when} | {c.teacher_code} | {where} | {student} | "
        f"{c.column}: {shown(c.old)} → {shown(c.new)} | {label}"
    )


@people_app.command("delegate")
def people_delegate(
    vice: Annotated[str, typer.Argument(help="Mã Phó hiệu trưởng / the vice-principal's code.")],
    by: ByOption,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Thu hồi ủy quyền / withdraw the delegation.")
    ] = False,
    note: NoteOption = "",
    data_dir_: DataDirOption = None,
) -> None:
    """Hiệu trưởng ủy quyền cho Phó hiệu trưởng duyệt sửa điểm (--revoke: thu hồi); có mã PIN,
    ghi vào nhật ký / The principal delegates (or withdraws) the approval of corrections."""
    data = data_dir(data_dir_)
    setup = decider(data, by, Action.DELEGATE)
    target = setup.find_teacher(vice)
    if target is None:
        raise engine_error("unknown-teacher", value=vice)
    if not may_be_delegated(target, Action.DECIDE_CORRECTION) or may(
        target, Action.DECIDE_CORRECTION
    ):
        raise fail(f"{target.full_name} ({target.code}) không phải Phó hiệu trưởng: chỉ Phó "
                   "hiệu trưởng được ủy quyền duyệt sửa điểm.")  # fmt: skip
    with school(data, setup) as (_, ledger):
        delegated = ledger.delegated()
        if (target.code in delegated) != revoke:
            state = "đang được" if not revoke else "chưa được"
            out.print(f"{target.full_name} ({target.code}) {state} ủy quyền duyệt sửa điểm: "
                      "không có gì thay đổi.", markup=False)  # fmt: skip
            return
        with ledger.transaction():
            ledger.record_delegation(target.code, "revoke" if revoke else "grant", by, note)
        delegated = ledger.delegated()
    principal = setup.teacher_by_code(by)
    verb = "Đã thu hồi ủy quyền duyệt sửa điểm của" if revoke else "Đã ủy quyền duyệt sửa điểm cho"
    out.print(f"{verb} {target.full_name} ({target.code}), Phó hiệu trưởng (người quyết định: "
              f"{principal.full_name} ({by})).", markup=False)  # fmt: skip
    names = [f"{t.full_name} ({t.code})" for t in setup.teachers if t.code in delegated]
    out.print(f"Phó hiệu trưởng được ủy quyền: {', '.join(names) or 'không có'}.", markup=False)
    if not revoke:
        out.print(f"Phát phiếu duyệt các đề nghị đang chờ: wbe corrections form --by {target.code}",
                  markup=False)  # fmt: skip


@corrections_app.command("form")
def corrections_form(
    data_dir_: DataDirOption = None,
    share: ShareOption = Path("share"),
    by: Annotated[
        str | None, typer.Option("--by", help="Chỉ phát cho người duyệt có mã này / one approver.")
    ] = None,
    today: TodayOption = None,
) -> None:
    """Phát phiếu duyệt sửa điểm (các đề nghị đang chờ) vào thư mục «Sổ điểm» của từng người
    duyệt / Issue each approver a decision form listing the pending corrections."""
    from datetime import date

    from workbook_engine.io.identity import load_secret
    from workbook_engine.pipeline.decision_forms import issue_decision_forms
    from workbook_engine.share import ShareLayout

    data = data_dir(data_dir_)
    setup = setup_or_fail(data)
    if by is not None:
        person(setup, by, Action.DECIDE_CORRECTION, delegated_of(data))
    secret = load_secret(data.secret)
    day = today.date() if today else date.today()
    with school(data, setup) as (_, ledger):
        try:
            issued = issue_decision_forms(ledger, setup, ShareLayout(share, setup), secret, day, by)
        except FileLockedError as exc:
            raise fail(str(exc)) from exc
    if not issued:
        out.print("Không có đề nghị sửa điểm nào đang chờ duyệt.", markup=False)
    for form in issued:
        out.print(f"Phiếu duyệt {form.requests} đề nghị cho {form.approver}: {form.path}",
                  markup=False)  # fmt: skip


@corrections_app.command("list")
def corrections_list(
    data_dir_: DataDirOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Cả các đề nghị đã quyết định.")] = False,
) -> None:
    """Liệt kê đề nghị sửa điểm đang chờ duyệt / List corrections waiting for approval."""
    with school(data_dir(data_dir_)) as (setup, ledger):
        wanted = (ChangeStatus.PENDING, ChangeStatus.APPROVED, ChangeStatus.REFUSED)
        changes = [c for c in ledger.changes() if c.status in wanted] if all_ else ledger.pending()
        if not changes:
            out.print("Không có đề nghị sửa điểm nào đang chờ duyệt.", markup=False)
            return
        for change in changes:
            out.print(change_line(setup, change), markup=False)


def _decide(
    data: DataDir,
    ids: list[int],
    decision: ChangeStatus,
    by: str,
    note: str,
    outbox: Path,
    witness: str = "",
) -> None:
    from workbook_engine.render.correction_record import write_correction_record
    from workbook_engine.render.publish import publish, record_path

    with school(data, decider(data, by, Action.DECIDE_CORRECTION)) as (setup, ledger):
        failed = False
        for change_id in ids:
            try:
                with ledger.transaction():
                    change = ledger.decide(change_id, decision, by, "wbe corrections", note)
            except LedgerError as exc:  # the other numbers are still decided
                for problem in exc.report:
                    err.print(problem_line(problem), style="red", markup=False)
                failed = True
                continue
            out.print(f"Số {change_id}: {ChangeStatus(change.status).label}.", markup=False)
            if decision is ChangeStatus.APPROVED:
                record = record_path(outbox, change_id)
                try:
                    write_correction_record(record, setup, change, witness=witness)
                except FileLockedError as exc:  # the decision stands; the record follows
                    err.print(f"Cảnh báo: {exc} Biên bản sẽ được ghi ở lần cập nhật sau.",
                              markup=False)  # fmt: skip
                    continue
                out.print(f"  Biên bản sửa điểm: {record}", markup=False)
        publish(ledger, setup, outbox)
        if failed:
            raise typer.Exit(1)


@corrections_app.command("approve")
def corrections_approve(
    ids: Annotated[list[int], typer.Argument(help="Số của các thay đổi / change numbers.")],
    by: ByOption,
    data_dir_: DataDirOption = None,
    note: NoteOption = "",
    witness: Annotated[str, typer.Option("--witness", help="Người chứng kiến.")] = "",
    outbox: OutboxOption = Path("outbox"),
) -> None:
    """Duyệt sửa điểm: giá trị mới được ghi, lập biên bản / Approve: the new value merges."""
    _decide(data_dir(data_dir_), ids, ChangeStatus.APPROVED, by, note, outbox, witness)


@corrections_app.command("refuse")
def corrections_refuse(
    ids: Annotated[list[int], typer.Argument(help="Số của các thay đổi / change numbers.")],
    by: ByOption,
    data_dir_: DataDirOption = None,
    note: NoteOption = "",
    outbox: OutboxOption = Path("outbox"),
) -> None:
    """Không duyệt: giữ giá trị cũ / Refuse: the old value stays."""
    _decide(data_dir(data_dir_), ids, ChangeStatus.REFUSED, by, note, outbox)


SemesterOption = Annotated[int, typer.Option("--semester", min=1, max=2, help="Học kì 1 hoặc 2.")]
ClassOption = Annotated[str, typer.Option("--class", help="Chỉ lớp này / only this class.")]
SubjectOption = Annotated[str, typer.Option("--subject", help="Chỉ môn này / only this subject.")]


GAPS_SHOWN = 30  # located gaps printed before a lock is refused; the rest counted


def _lock(action: str, data: DataDir, semester: int, class_: str, subject: str, by: str,
          note: str, outbox: Path, today: date | None = None, force: bool = False,
          due: bool = False) -> None:  # fmt: skip
    scope = " ".join(filter(None, [f"học kì {semester}", class_ and f"lớp {class_}",
                                   subject and f"môn {subject}"]))  # fmt: skip
    day = today or date.today()
    with school(data, decider(data, by, Action.LOCK)) as (setup, ledger):
        room = setup.find_class(class_) if class_ else None
        if class_ and room is None:
            raise engine_error("unknown-class", value=class_)
        if subject and subject not in {s.code for s in setup.subjects}:
            grade = room.grade if room else "nào"
            raise engine_error("unknown-subject", value=subject, grade=grade)
        if action == "lock" and due:
            ids = _lock_due(ledger, setup, semester, class_, subject, scope, day, force, note, by)
        else:
            if action == "lock":
                _complete(ledger, setup, semester, class_, subject, scope, day, force, note)
            with ledger.transaction():
                ids = [ledger.record_lock(action, semester, by, class_, subject, note)]
            verb = "Đã khóa sổ" if action == "lock" else "Đã mở sổ"
            out.print(f"{verb} {scope} (người quyết định: {by}).", markup=False)
        rows = ledger.lock_rows(ids[0], ids[-1]) if ids else []
    if rows:  # laid out once the data directory is free again
        lock_record(outbox, setup, rows)


def lock_record(outbox: Path, setup: Setup, rows: list[LockRow]) -> None:
    """Write the decision's signed record (biên bản) and say where; the decision stands
    whatever happens to its record."""
    from workbook_engine.render.lock_record import write_lock_record

    try:
        path = write_lock_record(outbox, setup, rows)
    except (FileLockedError, OSError) as exc:
        err.print(f"Cảnh báo: chưa ghi được biên bản ({exc}).", markup=False)
        return
    out.print(f"  Biên bản để kí: {path}", markup=False)


def _complete(ledger: Ledger, setup: Setup, semester: int, class_: str, subject: str,
              scope: str, today: date, force: bool, note: str) -> None:  # fmt: skip
    """Check what a lock would close: say it is complete, or list what is missing and refuse
    unless ``force`` with a ``note``."""
    from workbook_engine.pipeline.progress_check import lock_day, lock_gaps

    day = lock_day(setup, semester, today)
    gaps = lock_gaps(ledger, setup, day, semester, class_, subject)
    until = "cả học kì" if day is None else f"đến hạn ngày {day:%d/%m/%Y}"
    _judge_gaps(gaps, scope, until, "điểm, điểm danh và rèn luyện", force, note)


def _lock_due(ledger: Ledger, setup: Setup, semester: int, class_: str, subject: str,
              scope: str, today: date, force: bool, note: str, by: str) -> list[int]:  # fmt: skip
    """The monthly lock: the columns of each class-subject due by ``today`` (TX, GK, CK as the
    progress report counts them), checked complete first; a value added there later waits
    for approval; the columns not yet due stay open. The rows recorded (none: nothing new)."""
    from workbook_engine.pipeline.progress_check import (
        due_columns,
        gaps_closed,
        progress_of,
        read_entries,
    )

    entries = read_entries(ledger, setup)
    gaps = gaps_closed(setup, entries, today, semester, class_, subject, with_homerooms=False)
    until = f"đến hạn ngày {today:%d/%m/%Y}"
    _judge_gaps(gaps, f"các cột đến hạn {scope}", until, "điểm", force, note)
    due = due_columns(progress_of(setup, entries, today), semester, class_, subject)
    new = {}
    for key, (columns, _) in due.items():
        locked = ledger.locked_columns(key)  # one query a class-subject
        if fresh := tuple(c for c in columns if c not in locked):
            new[key] = fresh
    with ledger.transaction():
        ids = [
            ledger.record_lock(
                "lock", semester, by, key.class_code, key.subject_code, note, columns
            )
            for key, columns in new.items()
        ]
    if not new:
        out.print(f"Không có cột nào mới đến hạn để khóa ({scope}, {until}).", markup=False)
        return ids
    for key, columns in new.items():
        out.print(f"  {key.class_code} {key.subject_code}: {', '.join(columns)}", markup=False)
    out.print(f"Đã khóa các cột đến hạn {scope} ({until}) của {len(new)} lớp-môn (người quyết "
              f"định: {by}); thêm hay sửa điểm ở các cột này từ nay phải được duyệt.",
              markup=False)  # fmt: skip
    return ids


def _judge_gaps(gaps: list[str], scope: str, until: str, what: str, force: bool,
                note: str) -> None:  # fmt: skip
    if not gaps:
        out.print(f"Đã kiểm tra {scope}: đủ {what} {until}.", markup=False)
        return
    err.print(f"Kiểm tra {scope} ({until}): còn {len(gaps)} mục chưa đủ:", markup=False)
    for line in gaps[:GAPS_SHOWN]:
        err.print(f"  – {line}", markup=False)
    if len(gaps) > GAPS_SHOWN:
        err.print(f"  … và {len(gaps) - GAPS_SHOWN} mục khác (xem wbe report progress).",
                  markup=False)  # fmt: skip
    if not force:
        raise engine_error("lock-incomplete", scope=scope, count=len(gaps))
    if not note.strip():
        raise engine_error("lock-force-needs-note", scope=scope, count=len(gaps))
    out.print(f"Khóa dù còn {len(gaps)} mục chưa đủ; lí do: {note.strip()}", markup=False)


ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Khóa cả khi chưa đủ điểm (cần --note lí do) / lock anyway."),
]
DueOption = Annotated[
    bool,
    typer.Option(
        "--due",
        help="Khóa tháng: chỉ các cột điểm đã đến hạn (sau kiểm tra tiến độ); các cột sau vẫn mở.",
    ),
]


def lock(
    semester: SemesterOption,
    by: ByOption,
    class_: ClassOption = "",
    subject: SubjectOption = "",
    note: NoteOption = "",
    force: ForceOption = False,
    due: DueOption = False,
    data_dir_: DataDirOption = None,
    today: TodayOption = None,
    outbox: OutboxOption = Path("outbox"),
) -> None:
    """Khóa sổ (Hiệu trưởng) / Lock a semester, a class or a subject. Trước khi khóa, kiểm tra
    điểm, điểm danh, rèn luyện đã đến hạn của phần sắp khóa; chưa đủ thì không khóa (trừ khi
    --force --note). --due: khóa tháng, chỉ các cột đã đến hạn. Lập biên bản khóa sổ để kí
    (outbox/records/)."""
    day = today.date() if today else None
    _lock("lock", data_dir(data_dir_), semester, class_, subject, by, note, outbox, day, force,
          due)  # fmt: skip


def unlock(
    semester: SemesterOption,
    by: ByOption,
    class_: ClassOption = "",
    subject: SubjectOption = "",
    note: NoteOption = "",
    data_dir_: DataDirOption = None,
    outbox: OutboxOption = Path("outbox"),
) -> None:
    """Mở sổ (Hiệu trưởng), lập biên bản mở sổ để kí / Unlock: overrides a calendar lock too."""
    _lock("unlock", data_dir(data_dir_), semester, class_, subject, by, note, outbox)


@log_app.command("verify")
def log_verify(data_dir_: DataDirOption = None, json_output: JsonOption = False) -> None:
    """Kiểm tra chuỗi nhật ký không bị sửa và mọi tệp lưu trữ đều có trong sổ điểm / Verify the
    tamper-evident change log, and that the ledger knows every archived original."""
    import json

    from workbook_engine.errors import Report, make_problem
    from workbook_engine.pipeline.ledger import blank_state
    from workbook_engine.pipeline.school import archived, open_ledger, school_history

    data = data_dir(data_dir_)
    if blank_state(data.ledger) is not None and not school_history(data):
        raise engine_error("ledger-missing", path=data.ledger)
    with open_ledger(data) as ledger:  # lost, damaged or too new: its problem, nothing written
        broken = ledger.verify()
        count, head = len(ledger.events()), ledger.chain_head()
        known = ledger.file_hashes()
    originals = list(archived(data))
    unknown = [path for sha, path in originals if sha not in known]
    report = Report()
    if broken is not None:
        report.add(make_problem("chain-broken", detail=broken))
    if unknown:
        first = unknown[0].relative_to(data.archive).as_posix()
        problem = make_problem("archive-unknown", archive=data.archive, count=len(unknown),
                               example=first)  # fmt: skip
        report.add(problem)
    if json_output:
        archive = {
            "files": len(originals),
            "unknown": [p.relative_to(data.archive).as_posix() for p in unknown],
        }
        summary = json.loads(report.to_json())
        print_json({**summary, "events": count, "chain_head": head, "archive": archive})
    else:
        print_problems(report)
    if not report.valid:
        raise typer.Exit(1)
    if not json_output:
        out.print(f"Nhật ký nguyên vẹn: {count} sự kiện. Mã kiểm tra: {head}", markup=False)
