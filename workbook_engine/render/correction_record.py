"""The correction record (biên bản sửa điểm): one signed A4 page per corrected score.

The school files it with the printed books, so it says what a person reads on paper: who asked
and why, who approved and when, who witnessed. The technical trace (files, hashes, the hash
chain) stays in the ledger; the signatures are made by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from workbook_engine.model import ChangeRecord, ChangeStatus, Role, Setup, Teacher
from workbook_engine.render.common import (
    Directory,
    column_name,
    day_of,
    parse_time,
    render,
    score_text,
    semester_name,
    write_pdf,
)

# How the correction form joins its two columns (Lí do, Minh chứng) into the change's reason.
JOINED = "; "
DECISIONS = {ChangeStatus.APPROVED: "Đồng ý", ChangeStatus.REFUSED: "Không đồng ý"}
# The role a person is named by on paper, first match wins.
ROLE_ORDER = (
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.ADMIN,
    Role.CLERK,
    Role.GROUP_HEAD,
    Role.TEACHER,
)


@dataclass(frozen=True)
class Signer:
    """One place to sign: heading lines (upper case), the signer's role, and the name written
    under the signing space ("" leaves a dotted line to write it by hand)."""

    heading: tuple[str, ...]
    role: str
    name: str


@dataclass(frozen=True)
class CorrectionRecord:
    """What the record says, every value already written out in Vietnamese."""

    authority: str
    school: str
    school_year: str
    place_date: str
    subject: str
    semester: str
    class_code: str
    student_code: str
    student_name: str
    column: str
    old: str
    new: str
    requester: str  # "Trần Thị Lan, giáo viên bộ môn Toán lớp 6A1"
    submitted: str  # "Phiếu đề nghị sửa điểm nộp lúc 14:03 ngày 10/10/2025", or ""
    reason: str  # the reason alone, when it can be told apart from the evidence
    evidence: str
    reason_and_evidence: str  # both on one line, when they cannot be told apart
    approver_note: str
    approver: str  # "Nguyễn Ngọc Dung, Hiệu trưởng", or "" before a decision
    approved_on: str  # "ngày 05 tháng 02 năm 2026", or ""
    decision: str  # "Đồng ý" / "Không đồng ý", or ""
    signers: tuple[Signer, ...]


def build_correction_record(
    setup: Setup, change: ChangeRecord, witness: str = ""
) -> CorrectionRecord:
    names = Directory(setup)
    key = change.key
    subject = names.subject_name(key.class_code, key.subject_code)
    teacher = find_person(setup, change.teacher_code)
    decided = ChangeStatus(change.status) in DECISIONS
    approver = find_person(setup, change.decided_by) if decided else None
    requester_name = teacher.full_name if teacher else change.teacher_code
    requester_role = request_role(setup, teacher, key.class_code, key.subject_code, subject)
    approver_name = (approver.full_name if approver else change.decided_by) if decided else ""
    approver_role = role_text(approver)
    reason, evidence, both = split_reason(change.reason, carried(change, "evidence"))
    decided_day = day_of(change.decided_at) if decided else None
    return CorrectionRecord(
        authority=setup.school.authority,
        school=setup.school.name,
        school_year=setup.school.school_year,
        place_date=place_date(setup.school.province, decided_day),
        subject=subject,
        semester=semester_name(key.semester),
        class_code=key.class_code,
        student_code=change.student_code,
        student_name=names.student_name(change.student_code),
        column=column_name(change.column),
        old=score_text(change.old),
        new=score_text(change.new),
        requester=joined(requester_name, requester_role),
        submitted=submitted_text(change),
        reason=reason,
        evidence=evidence,
        reason_and_evidence=both,
        approver_note=approver_note(change),
        approver=joined(approver_name, approver_role),
        approved_on=date_words(decided_day) if decided_day else "",
        decision=DECISIONS.get(ChangeStatus(change.status), ""),
        signers=signers(setup, change, witness, requester_name, approver, approver_name),
    )


def find_person(setup: Setup, code: str) -> Teacher | None:
    """The teacher named by a code, or by a user name or full name the setup knows."""
    if not code.strip():
        return None
    return setup.find_teacher(code.strip()) or setup.teacher_for_username(code)


def role_text(person: Teacher | None) -> str:
    if person is None:
        return ""
    return next((str(role) for role in ROLE_ORDER if role in person.roles), "")


def request_role(
    setup: Setup, teacher: Teacher | None, class_code: str, subject_code: str, subject: str
) -> str:
    """``giáo viên bộ môn Toán lớp 6A1`` for the assigned teacher, else their role."""
    if teacher is None:
        return ""
    if setup.is_assigned(teacher.code, class_code, subject_code):
        return f"giáo viên bộ môn {subject} lớp {class_code}"
    return role_text(teacher).lower()


def joined(name: str, role: str) -> str:
    return f"{name}, {role}" if name and role else name


def split_reason(text: str, evidence: str = "") -> tuple[str, str, str]:
    """(reason, evidence, both-on-one-line) from the change's reason.

    The correction form requires a reason and joins a given evidence to it with ``; ``. Text
    without that separator is therefore the reason alone. With it, the two cannot be told apart
    safely (a teacher may type ``; `` inside the reason), so the text is kept on one line; only
    an evidence the change carries apart from its reason is labelled as such."""
    text, evidence = text.strip(), evidence.strip()
    if evidence:
        return text, evidence, ""
    if not text:
        return "", "", ""
    if JOINED not in text:
        return text, "", ""
    return "", "", text


def carried(change: ChangeRecord, name: str) -> str:
    """A field of the decision the ledger may carry on the change (the approver's ``note``, an
    ``evidence`` kept apart from the reason); "" while the change has no such field."""
    return str(getattr(change, name, "") or "").strip()


def approver_note(change: ChangeRecord) -> str:
    """The approver's note of the decision, when it says more than the teacher's reason (a
    decision taken on the form repeats the reason as its note)."""
    note = carried(change, "note")
    return "" if note == change.reason.strip() else note


def submitted_text(change: ChangeRecord) -> str:
    """When the request arrived, named as the school knows it (never by its file name)."""
    moment = parse_time(change.at)
    if moment is None:
        return ""
    # a correction form requires a reason; a score sheet typed over carries none
    from_form = change.status != ChangeStatus.UNAUTHORISED and (
        bool(change.reason.strip()) or (change.request != "" and change.request == change.file_name)
    )
    what = "Phiếu đề nghị sửa điểm" if from_form else "Bảng điểm có điểm sửa"
    return f"{what} nộp lúc {moment:%H:%M} ngày {moment:%d/%m/%Y}"


def signers(
    setup: Setup,
    change: ChangeRecord,
    witness: str,
    requester: str,
    approver: Teacher | None,
    approver_name: str,
) -> tuple[Signer, ...]:
    """Người đề nghị, the two witnesses (a vice-principal and the administrator, never the
    approver nor the requester), and the approver: the principal, or a vice-principal signing
    for the principal (KT. Hiệu trưởng)."""
    busy = {change.teacher_code, approver.code if approver else ""}
    vice = witness_signer(setup, witness, Role.VICE_PRINCIPAL, busy)
    admin = witness_signer(setup, "", Role.ADMIN, busy, {vice.name})
    return (
        Signer(("NGƯỜI ĐỀ NGHỊ",), "", requester),
        vice,
        admin,
        approver_signer(approver, approver_name),
    )


def witness_signer(
    setup: Setup, explicit: str, role: Role, busy: set[str], taken: Iterable[str] = ()
) -> Signer:
    heading = ("NGƯỜI CHỨNG KIẾN",)
    if explicit.strip():  # named by whoever decided (--witness): their word replaces the pick
        person = find_person(setup, explicit)
        name = person.full_name if person else explicit.strip()
        return Signer(heading, role_text(person), name)
    names = set(taken)
    person = next(
        (
            t
            for t in setup.teachers
            if role in t.roles and t.code not in busy and t.full_name not in names
        ),
        None,
    )
    return Signer(heading, str(role), person.full_name if person else "")


def approver_signer(approver: Teacher | None, name: str) -> Signer:
    """The principal; a vice-principal signs for the principal; someone the setup no longer
    knows is named as the ledger recorded them."""
    if approver is None:
        return Signer(("NGƯỜI PHÊ DUYỆT",), "", name)
    if Role.PRINCIPAL in approver.roles:
        return Signer(("HIỆU TRƯỞNG",), "", approver.full_name)
    if Role.VICE_PRINCIPAL in approver.roles:
        return Signer(("KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG"), "", approver.full_name)
    return Signer(("NGƯỜI PHÊ DUYỆT",), role_text(approver), approver.full_name)


def date_words(day: date) -> str:
    """``ngày 05 tháng 02 năm 2026`` (administrative style: a zero before days under 10 and
    months under 3)."""
    dd = f"{day.day:02d}" if day.day < 10 else str(day.day)
    mm = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {dd} tháng {mm} năm {day.year}"


def place_date(province: str, day: date | None) -> str:
    """``Hải Phòng, ngày 05 tháng 02 năm 2026``; left to be written by hand when there is no
    date yet."""
    place = f"{province}, " if province else ""
    if day is None:
        return f"{place}ngày ..... tháng ..... năm ........"
    return place + date_words(day)


def render_correction_html(record: CorrectionRecord) -> str:
    return render("correction_record.html.j2", record=record)


def write_correction_record(
    path: Path, setup: Setup, change: ChangeRecord, witness: str = ""
) -> Path:
    """Write the record of ``change`` as a one-page A4 PDF (atomically)."""
    return write_pdf(path, render_correction_html(build_correction_record(setup, change, witness)))
