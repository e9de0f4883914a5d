"""The record of a lock or an unlock (biên bản khóa sổ, mở sổ điểm): one signed A4 page per
decision, written by ``wbe lock``, ``wbe unlock`` and ``wbe year close``.

Locking and opening the book are decisions with legal weight: the principal decides, the clerk
or the administrator may carry them out on the principal's instruction, and the decision ends
on a signed paper record (DOMAIN: roles, who did what). The record says what a person reads on
paper: what was locked or opened, when, by whom, on whose decision, why, and what follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workbook_engine.model import Role, Setup, Teacher
from workbook_engine.pipeline.ledger import YEAR_WIDE, LockRow
from workbook_engine.render.common import (
    Directory,
    day_of,
    parse_time,
    render,
    semester_name,
    write_pdf,
)
from workbook_engine.render.correction_record import (
    Signer,
    find_person,
    joined,
    place_date,
    role_text,
)

TITLES = {"lock": "BIÊN BẢN KHÓA SỔ ĐIỂM", "unlock": "BIÊN BẢN MỞ SỔ ĐIỂM"}
YEAR_TITLE = "BIÊN BẢN KHÓA SỔ NĂM HỌC"
EFFECTS = {
    "lock": "Từ thời điểm khóa, sổ điểm điện tử không nhận thêm điểm, điểm danh, nhận xét nào "
    "trong phạm vi trên; điểm chỉ được thay đổi khi Hiệu trưởng mở sổ hoặc duyệt đề nghị sửa "
    "điểm của giáo viên.",
    "columns": "Từ thời điểm khóa, điểm nhập thêm hoặc sửa ở các cột điểm trên chỉ có hiệu lực "
    "khi được Hiệu trưởng duyệt; các cột chưa đến hạn vẫn nhận điểm như thường.",
    "unlock": "Từ thời điểm mở, sổ điểm điện tử nhận lại điểm, điểm danh, nhận xét gửi đến "
    "trong phạm vi trên cho đến khi sổ được khóa lại; mọi thay đổi vẫn được lưu vết.",
    "year": "Từ thời điểm khóa, sổ điểm điện tử của năm học không nhận thêm tệp nào; sổ tổng "
    "hợp, sổ in và báo cáo của năm học vẫn được xem và in.",
}


@dataclass(frozen=True)
class DueColumns:
    """One class-subject of a monthly lock and the columns it closed."""

    class_code: str
    subject: str
    columns: str  # "TX1, TX2, GK"


@dataclass(frozen=True)
class LockRecord:
    """What the record says, every value already written out in Vietnamese."""

    number: int
    kind: str  # the file's: "khoa-so", "mo-so", "khoa-so-nam-hoc"
    act: str  # "khóa sổ" or "mở sổ"
    authority: str
    school: str
    school_year: str
    place_date: str
    title: str
    scope: str  # "Học kì I – lớp 6A1 – môn Toán"
    moment: str  # "14:03 ngày 10/01/2026"
    doer: str  # "Lê Văn Bình, Văn thư"
    decider: str  # "Nguyễn Ngọc Dung, Hiệu trưởng"
    note: str
    effect: str
    due: tuple[DueColumns, ...]  # a monthly lock's columns; () for a whole lock
    signers: tuple[Signer, ...]


def build_lock_record(setup: Setup, rows: Sequence[LockRow]) -> LockRecord:
    """The record of one decision: ``rows`` recorded together (a monthly lock records a row
    per class-subject; every other decision one row)."""
    first = rows[0]
    names = Directory(setup)
    doer = find_person(setup, first.decided_by)
    principal = next((t for t in setup.teachers if Role.PRINCIPAL in t.roles), None)
    year = first.semester == YEAR_WIDE
    due = tuple(
        DueColumns(
            row.class_code,
            names.subject_name(row.class_code, row.subject_code),
            ", ".join(row.columns),
        )
        for row in rows
        if row.columns
    )
    moment = parse_time(first.at)
    effect = "year" if year else "columns" if due else first.action
    kind = "khoa-so-nam-hoc" if year else "mo-so" if first.action == "unlock" else "khoa-so"
    return LockRecord(
        number=first.id,
        kind=kind,
        act="mở sổ" if first.action == "unlock" else "khóa sổ",
        authority=setup.school.authority,
        school=setup.school.name,
        school_year=setup.school.school_year,
        place_date=place_date(setup.school.province, day_of(first.at)),
        title=YEAR_TITLE if year else TITLES[first.action],
        scope=_scope(setup, rows, bool(due)),
        moment=f"{moment:%H:%M} ngày {moment:%d/%m/%Y}" if moment else first.at,
        doer=joined(doer.full_name if doer else first.decided_by, role_text(doer)),
        decider=joined(principal.full_name, str(Role.PRINCIPAL)) if principal else "",
        note=first.note.strip(),
        effect=EFFECTS[effect],
        due=due,
        signers=_signers(setup, doer, first.decided_by, principal),
    )


def _scope(setup: Setup, rows: Sequence[LockRow], due: bool) -> str:
    """What the decision covers: its semester, its class and subject when it names one (a
    monthly lock: those all its rows share)."""
    first = rows[0]
    if first.semester == YEAR_WIDE:
        return f"Cả năm học {setup.school.school_year} – toàn trường"
    classes = {row.class_code for row in rows}
    subjects = {row.subject_code for row in rows}
    class_code = first.class_code if len(classes) == 1 else ""
    subject_code = first.subject_code if len(subjects) == 1 else ""
    parts = [semester_name(first.semester), f"lớp {class_code}" if class_code else "mọi lớp"]
    if subject_code:
        subject = next((s.name for s in setup.subjects if s.code == subject_code), "")
        parts.append(f"môn {subject or subject_code}")
    if due:
        parts.append("các cột điểm đã đến hạn")
    return " – ".join(parts)


def _signers(
    setup: Setup, doer: Teacher | None, doer_code: str, principal: Teacher | None
) -> tuple[Signer, ...]:
    """The one who carried the decision out and the principal; when the principal did it
    themselves, the administrator (or clerk) who drew the record up signs beside them."""
    head = Signer(("HIỆU TRƯỞNG",), "", principal.full_name if principal else "")
    if doer is not None and Role.PRINCIPAL in doer.roles:
        clerk = next(
            (t for role in (Role.ADMIN, Role.CLERK) for t in setup.teachers if role in t.roles),
            None,
        )
        name = clerk.full_name if clerk else ""
        return (Signer(("NGƯỜI LẬP BIÊN BẢN",), role_text(clerk), name), head)
    name = doer.full_name if doer else doer_code
    return (Signer(("NGƯỜI THỰC HIỆN",), role_text(doer), name), head)


def lock_record_path(outbox: Path, record: LockRecord) -> Path:
    """``outbox/records/bien-ban-khoa-so-<n>.pdf`` (``mo-so``, ``khoa-so-nam-hoc``): n the
    decision's first row in the ledger."""
    return Path(outbox) / "records" / f"bien-ban-{record.kind}-{record.number}.pdf"


def render_lock_html(record: LockRecord) -> str:
    return render("lock_record.html.j2", record=record)


def write_lock_record(outbox: Path, setup: Setup, rows: Sequence[LockRow]) -> Path:
    """Write the record of the decision ``rows`` as an A4 PDF (atomically); its path."""
    record = build_lock_record(setup, rows)
    return write_pdf(lock_record_path(outbox, record), render_lock_html(record))
