"""The correction record (biên bản sửa điểm): one signed A4 page per corrected score.

The school keeps it with the printed books; the trace (who asked, who approved, when, which
file with which hash) comes from the ledger, the signatures are made by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from workbook_engine.model import ChangeRecord, ChangeStatus, Setup
from workbook_engine.render.common import (
    Directory,
    column_name,
    day_of,
    render,
    score_text,
    semester_name,
    time_text,
    write_pdf,
)


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
    reason: str
    request: str
    status: str
    approver: str
    approved_at: str
    file_name: str
    file_sha256: str
    teacher: str
    witness: str
    principal: str


def build_correction_record(
    setup: Setup, change: ChangeRecord, witness: str = ""
) -> CorrectionRecord:
    names = Directory(setup)
    key = change.key
    decided = change.decided_by or ""
    approver = names.teacher_name(decided) or decided
    teacher = names.teacher(decided)
    if teacher is not None and teacher.roles:
        approver += f" ({', '.join(teacher.roles)})"
    return CorrectionRecord(
        authority=setup.school.authority,
        school=setup.school.name,
        school_year=setup.school.school_year,
        place_date=place_date(setup.school.province, day_of(change.decided_at)),
        subject=names.subject_name(key.class_code, key.subject_code),
        semester=semester_name(key.semester),
        class_code=key.class_code,
        student_code=change.student_code,
        student_name=names.student_name(change.student_code),
        column=column_name(change.column),
        old=score_text(change.old),
        new=score_text(change.new),
        reason=change.reason,
        request=change.request,
        status=ChangeStatus(change.status).label,
        approver=approver,
        approved_at=time_text(change.decided_at) if change.decided_at else "",
        file_name=change.file_name,
        file_sha256=change.file_sha256,
        teacher=names.teacher_name(change.teacher_code) or change.teacher_code,
        witness=witness.strip(),
        principal=setup.school.principal,
    )


def place_date(province: str, day: date | None) -> str:
    """``Hải Phòng, ngày 05 tháng 02 năm 2026`` (administrative style: a zero before days
    under 10 and months under 3); left to be written by hand when there is no date yet."""
    place = f"{province}, " if province else ""
    if day is None:
        return f"{place}ngày ..... tháng ..... năm ........"
    dd = f"{day.day:02d}" if day.day < 10 else str(day.day)
    mm = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}ngày {dd} tháng {mm} năm {day.year}"


def render_correction_html(record: CorrectionRecord) -> str:
    return render("correction_record.html.j2", record=record)


def write_correction_record(
    path: Path, setup: Setup, change: ChangeRecord, witness: str = ""
) -> Path:
    """Write the record of ``change`` as a one-page A4 PDF (atomically)."""
    return write_pdf(path, render_correction_html(build_correction_record(setup, change, witness)))
