"""The correction record shows the real request: who asked and why, who approved and when, two
witnesses (a vice-principal who did not approve, and the administrator), no technical strings."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.test_render_diff import pdf_text
from workbook_engine.model import ChangeRecord, ChangeStatus, Role, Setup, SheetKey, Teacher
from workbook_engine.render.correction_record import (
    CorrectionRecord,
    build_correction_record,
    render_correction_html,
    split_reason,
    write_correction_record,
)

FORM = "PhieuDeNghiSuaDiem_HK1.xlsx"
SHA = "3f" * 32
DECIDED_AT = "2026-11-26T09:15:00+07:00"
APPROVAL_DAY = "ngày 26 tháng 11 năm 2026"
TECHNICAL = re.compile(r"[0-9a-f]{64}|wbe|\.xlsx|approved|pending|refused|SHA", re.IGNORECASE)


@dataclass(frozen=True)
class EvidencedChange(ChangeRecord):
    """A change that carries the evidence apart from the reason."""

    evidence: str = ""


def people(setup: Setup, role: Role) -> list[Teacher]:
    return [t for t in setup.teachers if role in t.roles]


def maths_teacher(setup: Setup) -> Teacher:
    code = next(
        a.teacher_code
        for a in setup.assignments
        if (a.class_code, a.subject_code) == ("6A1", "TOAN")
    )
    return setup.teacher_by_code(code)


def correction(setup: Setup, **fields: object) -> ChangeRecord:
    """An approved correction of TX1 of the first student of 6A1, asked for on the form."""
    change = ChangeRecord(
        id=7,
        file_id=3,
        file_name=FORM,
        at="2025-10-10T14:03:22+07:00",
        teacher_code=maths_teacher(setup).code,
        key=SheetKey("6A1", "TOAN", 1),
        student_code=setup.students_of("6A1")[0].code,
        column="TX1",
        old="6.0",
        new="7.5",
        status=ChangeStatus.APPROVED,
        reason="Cộng nhầm điểm bài kiểm tra",
        decided_by=people(setup, Role.VICE_PRINCIPAL)[0].code,
        decided_at=DECIDED_AT,
        request="wbe corrections",
        file_sha256=SHA,
    )
    return replace(change, **fields)


def record(setup: Setup, witness: str = "", **fields: object) -> CorrectionRecord:
    return build_correction_record(setup, correction(setup, **fields), witness)


def test_the_requester_is_the_teacher_who_sent_the_change(small_school: Setup) -> None:
    teacher = maths_teacher(small_school)
    built = record(small_school)
    assert built.requester == f"{teacher.full_name}, giáo viên bộ môn Toán lớp 6A1"
    assert built.signers[0].heading == ("NGƯỜI ĐỀ NGHỊ",)
    assert built.signers[0].name == teacher.full_name
    assert built.submitted == "Phiếu đề nghị sửa điểm nộp lúc 14:03 ngày 10/10/2025"


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("Cộng nhầm điểm bài kiểm tra", ("Cộng nhầm điểm bài kiểm tra", "", "")),
        ("  Chấm sót câu 3  ", ("Chấm sót câu 3", "", "")),
        # reason and evidence joined by the form, or a reason typed with "; ": kept on one line
        ("Cộng nhầm; Bài làm số 12", ("", "", "Cộng nhầm; Bài làm số 12")),
        ("Nhầm học sinh; cùng tên; Sổ trang 12", ("", "", "Nhầm học sinh; cùng tên; Sổ trang 12")),
        ("", ("", "", "")),
    ],
)
def test_reason_and_evidence_are_split_only_when_it_is_safe(
    reason: str, expected: tuple[str, str, str]
) -> None:
    assert split_reason(reason) == expected


def test_evidence_carried_apart_from_the_reason_is_labelled(small_school: Setup) -> None:
    change = correction(small_school, reason="Cộng nhầm; chưa cộng câu 2")
    evidenced = EvidencedChange(**vars(change), evidence="Bài làm số 12")
    built = build_correction_record(small_school, evidenced)
    assert (built.reason, built.evidence, built.reason_and_evidence) == (
        "Cộng nhầm; chưa cộng câu 2",
        "Bài làm số 12",
        "",
    )
    html = render_correction_html(built)
    assert '<th>Lí do</th><td colspan="3">Cộng nhầm; chưa cộng câu 2</td>' in html
    assert '<th>Minh chứng</th><td colspan="3">Bài làm số 12</td>' in html
    assert "Lí do, minh chứng" not in html


@pytest.mark.parametrize(
    ("approver", "role", "heading"),
    [
        (Role.PRINCIPAL, "Hiệu trưởng", ("HIỆU TRƯỞNG",)),
        (Role.VICE_PRINCIPAL, "Phó hiệu trưởng", ("KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG")),
    ],
)
def test_approver_role_date_and_decision(
    small_school: Setup, approver: Role, role: str, heading: tuple[str, ...]
) -> None:
    person = people(small_school, approver)[0]
    built = record(small_school, decided_by=person.code)
    assert built.approver == f"{person.full_name}, {role}"
    assert built.approved_on == APPROVAL_DAY
    assert built.place_date == f"Hải Phòng, {APPROVAL_DAY}"
    assert built.decision == "Đồng ý"
    assert (built.signers[3].heading, built.signers[3].name) == (heading, person.full_name)


@pytest.mark.parametrize(
    ("status", "decision"),
    [(ChangeStatus.APPROVED, "Đồng ý"), (ChangeStatus.REFUSED, "Không đồng ý")],
)
def test_decision_is_written_in_words(
    small_school: Setup, status: ChangeStatus, decision: str
) -> None:
    assert record(small_school, status=status).decision == decision


def test_undecided_record_leaves_the_approval_to_be_written_by_hand(small_school: Setup) -> None:
    built = record(small_school, status=ChangeStatus.PENDING, decided_by="", decided_at="")
    assert (built.approver, built.approved_on, built.decision) == ("", "", "")
    assert built.place_date.endswith("ngày ..... tháng ..... năm ........")
    assert (built.signers[3].heading, built.signers[3].name) == (("NGƯỜI PHÊ DUYỆT",), "")


def test_witnesses_are_a_vice_principal_who_did_not_approve_and_the_administrator(
    small_school: Setup,
) -> None:
    first, second = people(small_school, Role.VICE_PRINCIPAL)[:2]
    (admin,) = people(small_school, Role.ADMIN)
    principal = people(small_school, Role.PRINCIPAL)[0]
    cases = [  # approver → vice-principal witness
        (first, second),
        (second, first),
        (principal, first),
    ]
    for approver, vice in cases:
        built = record(small_school, decided_by=approver.code)
        signers = [(s.heading, s.role, s.name) for s in built.signers[1:3]]
        assert signers == [
            (("NGƯỜI CHỨNG KIẾN",), "Phó hiệu trưởng", vice.full_name),
            (("NGƯỜI CHỨNG KIẾN",), "Quản trị viên", admin.full_name),
        ], approver.full_name


def test_a_lone_vice_principal_who_approved_leaves_the_witness_line_blank(
    small_school: Setup,
) -> None:
    vice, other = people(small_school, Role.VICE_PRINCIPAL)[:2]
    teachers = tuple(t for t in small_school.teachers if t.code != other.code)
    setup = replace(small_school, teachers=teachers)
    built = record(setup, decided_by=vice.code)
    assert (built.signers[1].role, built.signers[1].name) == ("Phó hiệu trưởng", "")
    html = render_correction_html(built)
    assert '<div class="name blank">……………………</div>' in html


def test_witness_named_on_the_command_line_replaces_the_vice_principal(
    small_school: Setup,
) -> None:
    vice = people(small_school, Role.VICE_PRINCIPAL)[1]
    cases = [  # --witness → (role, name) written on the record
        ("Nguyễn Văn Chứng", ("", "Nguyễn Văn Chứng")),  # not in the setup: written as given
        ("  Nguyễn Văn Chứng ", ("", "Nguyễn Văn Chứng")),
        (vice.code, ("Phó hiệu trưởng", vice.full_name)),
        (vice.usernames[0].upper(), ("Phó hiệu trưởng", vice.full_name)),
    ]
    for witness, expected in cases:
        built = record(small_school, witness)
        assert (built.signers[1].role, built.signers[1].name) == expected, witness
        assert built.signers[2].role == "Quản trị viên"


def test_approver_note_is_shown_when_it_says_more_than_the_reason(small_school: Setup) -> None:
    change = correction(small_school)
    noted = dataclasses.replace(change, note="Đã đối chiếu bài làm")
    html = render_correction_html(build_correction_record(small_school, noted))
    assert "Ý kiến của người duyệt" in html and "Đã đối chiếu bài làm" in html
    # a decision taken on the form repeats the teacher's reason as its note: shown once
    echoed = dataclasses.replace(change, note=change.reason)
    assert build_correction_record(small_school, echoed).approver_note == ""
    assert "Ý kiến của người duyệt" not in render_correction_html(
        build_correction_record(small_school, change)
    )


def test_a_score_sheet_typed_over_is_not_called_a_request_form(small_school: Setup) -> None:
    sheet = record(small_school, reason="", file_name="6A1_TOAN_HK1.xlsx")
    assert sheet.submitted == "Bảng điểm có điểm sửa nộp lúc 14:03 ngày 10/10/2025"
    assert record(small_school, at="").submitted == ""


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"reason": "Cộng nhầm; Bài làm số 12"},
        {"reason": "", "file_name": "6A1_TOAN_HK1.xlsx"},
        {"status": ChangeStatus.PENDING, "decided_by": "", "decided_at": "", "request": ""},
        {"request": FORM},
    ],
)
def test_no_technical_string_in_the_html(small_school: Setup, fields: dict[str, object]) -> None:
    html = render_correction_html(record(small_school, **fields))
    text = re.sub(r"<[^>]+>", " ", html.split("</style>")[1])
    assert TECHNICAL.search(text) is None, TECHNICAL.search(text)


@pytest.mark.slow
def test_pdf_record_shows_the_real_request(small_school: Setup, tmp_path: Path) -> None:
    setup = small_school
    teacher = maths_teacher(setup)
    approver, vice = people(setup, Role.VICE_PRINCIPAL)[:2]
    (admin,) = people(setup, Role.ADMIN)
    change = correction(setup, reason="Cộng nhầm điểm bài kiểm tra; Bài làm số 12")
    noted = dataclasses.replace(change, note="Đã đối chiếu với sổ điểm cá nhân")
    pdf = write_correction_record(tmp_path / "bien-ban.pdf", setup, noted)
    raw = pdf_text(pdf)
    assert raw.count("\f") == 1, "the record must fit on one page"
    text = " ".join(raw.split())
    student = setup.students_of("6A1")[0]
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TRƯỜNG THCS NGUYỄN DU",
        f"Hải Phòng, {APPROVAL_DAY}",
        "BIÊN BẢN SỬA ĐIỂM",
        "Môn Toán – Lớp 6A1 – Học kì I, năm học 2025-2026",
        f"{student.full_name} – mã học sinh {student.code} – lớp 6A1",
        "Điểm đã nhập (cũ) 6,0",
        "Điểm sửa lại (mới) 7,5",
        f"Người đề nghị {teacher.full_name}, giáo viên bộ môn Toán lớp 6A1",
        "Phiếu đề nghị sửa điểm nộp lúc 14:03 ngày 10/10/2025",
        "Lí do, minh chứng Cộng nhầm điểm bài kiểm tra; Bài làm số 12",
        f"Người phê duyệt {approver.full_name}, Phó hiệu trưởng",
        f"Ngày phê duyệt {APPROVAL_DAY}",
        "Kết quả phê duyệt Đồng ý",
        "Ý kiến của người duyệt Đã đối chiếu với sổ điểm cá nhân",
        "KT. HIỆU TRƯỞNG PHÓ HIỆU TRƯỞNG",
        "(Phó hiệu trưởng)",
        "(Quản trị viên)",
        f"{vice.full_name} {admin.full_name}",
    ):
        assert words in text, words
    assert text.count("NGƯỜI CHỨNG KIẾN") == 2
    assert text.count("(Kí, ghi rõ họ tên)") == 4
    assert text.rstrip().endswith(approver.full_name)
    assert TECHNICAL.search(text) is None, TECHNICAL.search(text)
    assert SHA not in "".join(raw.split())
