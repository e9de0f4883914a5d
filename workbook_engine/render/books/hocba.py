"""The student record book (học bạ) of one school year: one PDF per student and one per class,
and for each class a print-ready Excel workbook, a sheet per student
(:mod:`~workbook_engine.render.books.hocba_xlsx`).

Everything comes from the ledger through the code the master uses: the class's results
(:func:`~workbook_engine.pipeline.result_approval.class_results`) as the principal approved them
(:func:`~workbook_engine.approvals.approved_result`), the subject teachers' comments (column
``NX`` of each subject's sheet) and the homeroom teacher's (``NX`` of the conduct sheet), and
the principal's approvals. Every page shows the ledger's hash-chain head at the time it was
rendered, so a printed page can be checked later with ``wbe log verify``.

A value not computed yet (a student who left mid-year, a semester not over) is left blank in the
subject table and written «chưa có» elsewhere; nothing is guessed.

A class is laid out once (a layout per student costs about a third more), each student a page
group of their own so that "Trang x/y" counts that student's pages; the class's PDF is the whole
document, each student's PDF their pages of it. The ledger's values and its chain head are read
in one read transaction, so the chain head printed is that of the values printed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from workbook_engine.approvals import (
    APPROVAL_PERIODS,
    Approved,
    approval_changes,
    approved_result,
    result_text,
)
from workbook_engine.io.kinds.score import NOTE_KEY
from workbook_engine.io.master_workbook import missing_text, proposal_text, re_exam_text
from workbook_engine.model import SUMMER, ClassRoom, Role, Setup, SheetKey, Student, Teacher
from workbook_engine.names import safe_stem
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.books.class_data import book_results, book_values
from workbook_engine.render.books.pdf_parts import Part, split_records, write_parts
from workbook_engine.render.common import (
    compact,
    date_text,
    day_of,
    gc_paused,
    render,
)
from workbook_engine.render.correction_record import place_date
from workbook_engine.render.pdf_chunks import join_pdfs
from workbook_engine.results import CONDUCT_CODE, StudentResult, Values
from workbook_engine.rules import Level, Outcome

if TYPE_CHECKING:
    from weasyprint import Document, Page

BOOK_FOLDER = Path("books") / "hoc-ba"
CHAIN_SHOWN = 16  # hex digits of the chain head in the footer
NOT_YET = "chưa có"
EXEMPT = "Miễn"
NONE = "Không"
SEMESTER_LABELS = {1: "HKI", 2: "HKII", SUMMER: "Hè"}
# The approvals as the record names them, in period order (keys of APPROVAL_PERIODS).
PERIOD_TEXT = {
    "HK1": "Kết quả học kì I",
    "HK2": "Kết quả học kì II",
    "CN": "Kết quả cả năm",
    "HE": "Kết quả sau kì nghỉ hè",
}
YEAR_PERIODS = ("HE", "CN")  # the principal signs the record for the latest of these
FINAL = (Outcome.PROMOTED, Outcome.RETAINED)
SIGN_HOMEROOM = "(Kí, ghi rõ họ tên)"
SIGN_PRINCIPAL = "(Kí, ghi rõ họ tên, đóng dấu)"
PART_END = "hb-end-"  # the id of the mark ending each record: hb-end-1, hb-end-2… (the template's)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Remark:
    """One comment, labelled with its semester ("HKI", "HKII", "Hè")."""

    label: str
    text: str


@dataclass(frozen=True)
class SubjectLine:
    number: int
    name: str
    hk1: str  # "8,5", "Đ", "Miễn", "" while not computed
    hk2: str
    year: str
    re_exam: str  # the re-exam result, "chưa có" while awaited, "" for a subject not re-examined
    remarks: tuple[Remark, ...]
    teacher: str
    exempt: bool = False


@dataclass(frozen=True)
class LevelLine:
    period: str
    learning: str
    conduct: str
    excused: str
    unexcused: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    strong: bool = False


@dataclass(frozen=True)
class Signer:
    """One place to sign: heading lines (upper case), the hint under them, the printed name
    ("" leaves a dotted line to write it by hand)."""

    heading: tuple[str, ...]
    hint: str
    name: str


@dataclass(frozen=True)
class StudentRecord:
    """One student's record of the year, every value already written out in Vietnamese."""

    authority: str
    school: str
    province: str
    school_year: str
    class_code: str
    grade: int
    student_code: str
    student_name: str
    birth_date: str
    gender: str
    homeroom_teacher: str
    subjects: tuple[SubjectLine, ...]
    levels: tuple[LevelLine, ...]
    outcome: tuple[Fact, ...]
    missing: str  # what keeps a result from being computed, "" when complete
    notes: tuple[str, ...]
    homeroom_remarks: tuple[Remark, ...]
    approvals: tuple[str, ...]  # "Kết quả cả năm: đã duyệt ngày 04/06/2026 (Nguyễn Văn A)"
    changed: tuple[str, ...]  # what the ledger computes now differs from the approved values
    approved: bool  # the year (or the summer's final list) is approved for this student
    place_date: str
    signers: tuple[Signer, ...]  # the homeroom teacher, the principal
    rendered_on: str
    chain_head: str

    @property
    def running_head(self) -> str:
        return (
            f"Học bạ năm học {self.school_year} – Lớp {self.class_code} – "
            f"{self.student_name} ({self.student_code})"
        )

    @property
    def chain_text(self) -> str:
        return f"Mã kiểm tra sổ: {self.chain_head[:CHAIN_SHOWN]}…"


# --- what the record says ------------------------------------------------------------------------


def student_record(
    setup: Setup,
    room: ClassRoom,
    result: StudentResult,
    values: Values,
    approvals: Mapping[str, Approved],
    chain_head: str,
    day: date,
) -> StudentRecord:
    """The record of one student of ``room``: ``result`` as computed now (as
    :func:`class_results` gives it), ``values`` the class's ledger values (for the comments),
    ``approvals`` the class's latest approval of each period (:meth:`Ledger.approved_results`)."""
    shown = approved_result(result, approvals)
    subjects = setup.subjects_of_grade(room.grade)
    names = {s.code: s.name for s in subjects}
    teachers = _subject_teachers(setup, room.code)
    student = setup.find_student(result.code)
    held = {
        p: approvals[p]
        for p in APPROVAL_PERIODS
        if p in approvals and result.code in approvals[p][0]
    }
    signed = next((held[p] for p in YEAR_PERIODS if p in held), None)
    signed_on = day_of(signed[2]) if signed else None
    homeroom = setup.find_teacher(room.homeroom_teacher)
    classes = setup.classes_of(result.code) or [room.code]  # a mover's comments follow them
    return StudentRecord(
        authority=setup.school.authority,
        school=setup.school.name,
        province=setup.school.province,
        school_year=setup.school.school_year,
        class_code=room.code,
        grade=room.grade,
        student_code=result.code,
        student_name=result.name,
        birth_date=_birth(student),
        gender=student.gender.value if student else "",
        homeroom_teacher=homeroom.full_name if homeroom else "",
        subjects=tuple(
            _subject_line(i, s.code, s.name, shown, values, classes, teachers)
            for i, s in enumerate(subjects, start=1)
        ),
        levels=_levels(shown),
        outcome=_outcome(shown, names),
        missing=missing_text([*result.missing, *result.summer_missing]),
        notes=tuple(result.notes),
        homeroom_remarks=_remarks(values, classes, CONDUCT_CODE, result.code, with_summer=True),
        approvals=tuple(approval_line(setup, period, held[period]) for period in held),
        changed=tuple(
            item
            for period, (snapshot, _, _) in held.items()
            for item in approval_changes(result, period, snapshot.get(result.code))
        ),
        approved=signed is not None,
        place_date=place_date(setup.school.province, signed_on),
        signers=(
            Signer(("GIÁO VIÊN CHỦ NHIỆM",), SIGN_HOMEROOM, homeroom.full_name if homeroom else ""),
            principal(setup, signed),
        ),
        rendered_on=date_text(day),
        chain_head=chain_head,
    )


def _birth(student: Student | None) -> str:
    return date_text(student.birth_date) if student else ""


def _subject_teachers(setup: Setup, class_code: str) -> dict[str, str]:
    """Subject code → the names of the teachers assigned it in the class."""
    found: dict[str, list[str]] = {}
    for a in setup.assignments:
        if a.class_code == class_code:
            teacher = setup.find_teacher(a.teacher_code)
            found.setdefault(a.subject_code, []).append(
                teacher.full_name if teacher else a.teacher_code
            )
    return {code: ", ".join(dict.fromkeys(names)) for code, names in found.items()}


def _subject_line(
    number: int,
    code: str,
    name: str,
    result: StudentResult,
    values: Values,
    classes: Sequence[str],
    teachers: Mapping[str, str],
) -> SubjectLine:
    if code in result.exempt:
        return SubjectLine(number, name, EXEMPT, EXEMPT, EXEMPT, "", (), "", exempt=True)
    year = result.year
    re_exam = ""
    if code in year.re_exam or (year.summer is not None and code in year.summer.re_exam):
        got = year.summer.re_exam.get(code) if year.summer is not None else None
        re_exam = result_text(got) or NOT_YET
    return SubjectLine(
        number=number,
        name=name,
        hk1=result_text(result.hk1.averages.get(code)),
        hk2=result_text(result.hk2.averages.get(code)),
        year=result_text(year.averages.get(code)),
        re_exam=re_exam,
        remarks=_remarks(values, classes, code, result.code),
        teacher=teachers.get(code, ""),
    )


def _remarks(
    values: Values, classes: Sequence[str], code: str, student: str, *, with_summer: bool = False
) -> tuple[Remark, ...]:
    """The comments (column NX) of one sheet per semester, labelled, from the last of
    ``classes`` (the student's, in order) that has one; the same text twice is kept once,
    under the later semester."""
    semesters = (1, 2, SUMMER) if with_summer else (1, 2)
    found: list[Remark] = []
    for number in semesters:
        said = (values.get((SheetKey(c, code, number), student, NOTE_KEY), "") for c in classes)
        text = next((t for t in reversed([t.strip() for t in said]) if t), "")
        if not text:
            continue
        found = [r for r in found if r.text != text]
        found.append(Remark(SEMESTER_LABELS[number], text))
    return tuple(found)


def _level(value: Level | None) -> str:
    return value.value if value is not None else NOT_YET


def _levels(result: StudentResult) -> tuple[LevelLine, ...]:
    year = result.year
    lines = [
        LevelLine(label, _level(half.learning), _level(half.conduct),
                  str(half.excused), str(half.unexcused))
        for label, half in (("Học kì I", result.hk1), ("Học kì II", result.hk2), ("Cả năm", year))
    ]  # fmt: skip
    summer = year.summer
    if summer is not None:
        trained = year.outcome in (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)
        learning = _level(summer.learning) if year.re_exam or summer.re_exam else ""
        conduct = _level(summer.conduct) if trained else ""
        lines.append(LevelLine("Sau kì nghỉ hè", learning, conduct, "", ""))
    return tuple(lines)


def _outcome(result: StudentResult, names: Mapping[str, str]) -> tuple[Fact, ...]:
    """The year's proposal, the summer's results, the final outcome and the award."""
    year = result.year
    facts = [Fact("Đề nghị cuối năm", proposal_text(year, names) or NOT_YET)]
    if year.summer is not None:
        if year.re_exam or year.summer.re_exam:
            facts.append(Fact("Kết quả kiểm tra lại", re_exam_text(year.summer, names) or NOT_YET))
        if year.outcome in (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING):
            facts.append(Fact("Rèn luyện trong hè", _level(year.summer.conduct)))
    facts.append(Fact("Xét lên lớp", final_text(result), strong=True))
    if year.award is not None:
        prize = year.award.value
    else:
        prize = NONE if year.outcome is not None else NOT_YET
    facts.append(Fact("Danh hiệu", prize, strong=year.award is not None))
    return tuple(facts)


def final_text(result: StudentResult) -> str:
    """«Lên lớp», «Ở lại lớp (…)» with the reason, or «chưa có» (and what it waits for)."""
    year = result.year
    final = year.final
    if year.outcome is None:
        return NOT_YET
    if final not in FINAL:
        return f"{NOT_YET} (chờ kết quả kiểm tra lại, rèn luyện trong hè)"
    assert final is not None
    reason = year.summer.reason if year.summer is not None else year.reason
    if final is Outcome.RETAINED and reason:
        return f"{final.value} ({reason[:1].lower()}{reason[1:]})"
    return final.value


def _teacher_name(setup: Setup, code: str) -> tuple[Teacher | None, str]:
    teacher = setup.find_teacher(code)
    return teacher, teacher.full_name if teacher else code


def approval_line(setup: Setup, period: str, approval: Approved) -> str:
    _, by, at = approval
    moment = day_of(at)
    when = date_text(moment) if moment else at[:10]
    return f"{PERIOD_TEXT[period]}: đã duyệt ngày {when} ({_teacher_name(setup, by)[1]})"


def principal(setup: Setup, approval: Approved | None) -> Signer:
    """Who signs for the school: the principal, or a vice-principal signing for the principal
    (KT. HIỆU TRƯỞNG); a blank block while the year is not approved."""
    if approval is None:
        return Signer(("HIỆU TRƯỞNG",), SIGN_PRINCIPAL, "")
    teacher, name = _teacher_name(setup, approval[1])
    roles = teacher.roles if teacher is not None else ()
    if Role.VICE_PRINCIPAL in roles and Role.PRINCIPAL not in roles:
        return Signer(("KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG"), SIGN_PRINCIPAL, name)
    return Signer(("HIỆU TRƯỞNG",), SIGN_PRINCIPAL, name)


# --- reading the ledger ---------------------------------------------------------------------------


def class_records(
    ledger: Ledger,
    setup: Setup,
    class_code: str,
    day: date,
    students: Collection[str] | None = None,
    chain_head: str | None = None,
) -> list[StudentRecord]:
    """The records of the class's students (only ``students`` when given), in roster order,
    as of ``day``: the class as it is that day, a «Biến động» movement dated later not made yet
    (:meth:`~workbook_engine.model.Setup.as_of`)."""
    setup = setup.as_of(day)
    room = setup.class_by_code(class_code)
    results, _ = book_results(setup, ledger, class_code, day)
    values = book_values(setup, ledger, class_code)  # a mover's earlier classes' comments too
    approvals = ledger.approved_results(class_code)
    chain = chain_head if chain_head is not None else ledger.chain_head()
    return [
        student_record(setup, room, result, values, approvals, chain, day)
        for result in results
        if students is None or result.code in students
    ]


# --- laying out and writing -----------------------------------------------------------------------


def render_hocba_html(records: Sequence[StudentRecord]) -> str:
    """The HTML of ``records``, each starting on a new page as a page group of its own."""
    return compact(render("hocba.html.j2", records=records))


def lay_out(records: Sequence[StudentRecord]) -> tuple[Document, list[list[Page]]]:
    """``records`` laid out as one document (one layout for a whole class: much faster than one
    per student), and the pages of each record."""
    return split_records(render_hocba_html(records), len(records), PART_END)


def student_path(outbox: Path, record: StudentRecord) -> Path:
    return record_path(outbox, BOOK_FOLDER, record.class_code, record.student_code,
                       record.student_name)  # fmt: skip


def class_path(outbox: Path, class_code: str, folder: Path = BOOK_FOLDER) -> Path:
    return Path(outbox) / folder / f"{safe_stem(class_code)}.pdf"


def record_path(outbox: Path, folder: Path, class_code: str, code: str, name: str) -> Path:
    """``<outbox>/<folder>/<class>/<code> <name>.pdf``: one student's record."""
    stem = safe_stem(f"{code} {name}".strip())
    return Path(outbox) / folder / safe_stem(class_code) / f"{stem}.pdf"


def write_hocba(
    ledger: Ledger,
    setup: Setup,
    outbox: Path,
    day: date,
    classes: Iterable[str] | None = None,
    students: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the học bạ of the year as of ``day``: ``outbox/books/hoc-ba/<class>/<student code>
    <name>.pdf`` for each student, and for each class rendered whole
    ``outbox/books/hoc-ba/<class>.pdf`` (every student of the class, each from a new page) and
    ``<class>.xlsx`` beside it (a sheet per student, print-ready); returns the written paths.
    ``classes`` and ``students`` (codes) narrow the choice; a class named is rendered whole
    unless ``students`` are named too. ``KeyError`` for a code the setup does not have.
    ``progress(done, total)`` counts the students written."""
    # here, not at the top: hocba_xlsx reads this module's records
    from workbook_engine.render.books.hocba_xlsx import write_hocba_xlsx

    setup = setup.as_of(day)  # a student named is found in their class of that day
    rooms = chosen_classes(setup, classes, students)
    wanted = set(students) if students is not None else None
    with gc_paused(), ledger.reading():  # the chain head printed is that of the values printed
        chain = ledger.chain_head()
        books = [
            (room, class_records(ledger, setup, room.code, day, wanted, chain)) for room in rooms
        ]
    total = sum(len(records) for _, records in books)
    done = 0
    if progress is not None:
        progress(done, total)
    written: list[Path] = []
    for room, records in books:
        if not records:
            continue
        with gc_paused():
            document, pages = lay_out(records)
            parts = student_parts(outbox, records, pages)
            title = class_title(setup, room.code)
            whole = (class_path(outbox, room.code), title) if wanted is None else None

            def one_more() -> None:
                nonlocal done
                done += 1
                if progress is not None:
                    progress(done, total)

            written += write_parts(document, parts, whole, one_more)
            if whole is not None:
                written.append(write_hocba_xlsx(whole[0].with_suffix(".xlsx"), records, title))
            del document, pages, parts  # garbage for the collection that follows
    return written


@dataclass(frozen=True)
class Share:
    """One share of a class's học bạ, laid out on a core of its own (:func:`write_hocba_share`):
    its students' records in roster order, and their pages as one PDF, a hidden temporary
    beside the class's until :func:`join_hocba` makes the class's PDF of the shares."""

    class_code: str
    index: int
    count: int
    records: tuple[StudentRecord, ...]
    pages: Path | None  # None: no student in this share


def share_of(total: int, index: int, count: int) -> slice:
    """The students (positions in the roster) of share ``index`` of ``count``."""
    return slice(total * index // count, total * (index + 1) // count)


def write_hocba_share(
    ledger: Ledger, setup: Setup, outbox: Path, day: date, class_code: str, index: int, count: int
) -> tuple[list[Path], Share]:
    """Share ``index`` of ``count`` of the class's học bạ: its students' PDFs, written, and the
    share (their pages as one temporary PDF) for :func:`join_hocba`. Each share reads the
    ledger in a read transaction of its own: each student's pages show the chain head of the
    values they print."""
    with gc_paused(), ledger.reading():
        records = class_records(ledger, setup, class_code, day)
    mine = records[share_of(len(records), index, count)]
    if not mine:
        return [], Share(class_code, index, count, (), None)
    whole = class_path(outbox, class_code)
    pages_path = whole.with_name(f".{whole.stem}.{uuid.uuid4().hex[:12]}.pdf")  # as atomic_path
    with gc_paused():
        document, pages = lay_out(mine)
        parts = student_parts(outbox, mine, pages)
        written = write_parts(document, parts, (pages_path, class_title(setup, class_code)))
        del document, pages, parts
    return written[:-1], Share(class_code, index, count, tuple(mine), pages_path)


def join_hocba(setup: Setup, outbox: Path, shares: Sequence[Share]) -> list[Path]:
    """The class's PDF made of its ``shares`` (all of them) in order, and its Excel workbook;
    the shares' temporaries removed in any case. Returns the two paths written."""
    from workbook_engine.render.books.hocba_xlsx import write_hocba_xlsx

    ordered = sorted(shares, key=lambda share: share.index)
    try:
        records = [record for share in ordered for record in share.records]
        if not records:
            return []
        code = ordered[0].class_code
        title = class_title(setup, code)
        sources = [share.pages for share in ordered if share.pages is not None]
        whole = join_pdfs(sources, class_path(outbox, code), title)
        return [whole, write_hocba_xlsx(whole.with_suffix(".xlsx"), records, title)]
    finally:
        for share in ordered:
            if share.pages is not None:
                share.pages.unlink(missing_ok=True)


def student_parts(
    outbox: Path, records: Sequence[StudentRecord], pages: Sequence[Sequence[Page]]
) -> list[Part]:
    """Each student's pages (``pages``, as :func:`lay_out` splits them), their file, title."""
    return [
        Part(student_path(outbox, record), student_title(record), of_record)
        for record, of_record in zip(records, pages, strict=True)
    ]


def class_title(setup: Setup, class_code: str) -> str:
    return f"Học bạ lớp {class_code} – năm học {setup.school.school_year}"


def student_title(record: StudentRecord) -> str:
    return f"Học bạ – {record.student_name} ({record.student_code}) – lớp {record.class_code}"


def chosen_classes(
    setup: Setup, classes: Iterable[str] | None, students: Iterable[str] | None
) -> list[ClassRoom]:
    """The classes to render, in setup order: those named, those of the students named."""
    codes: set[str] | None = None
    if classes is not None:
        codes = {setup.class_by_code(code).code for code in classes}
    if students is not None:
        theirs = set()
        for code in students:
            student = setup.find_student(code)
            if student is None:
                raise KeyError(f"không có học sinh «{code}» trong tệp thiết lập")
            theirs.add(student.class_code)
        codes = theirs if codes is None else codes & theirs
    return [room for room in setup.secondary_classes if codes is None or room.code in codes]
