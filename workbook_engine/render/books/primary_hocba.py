"""The primary Học bạ (Circular 27) of one school year, year-end values only: one PDF per pupil
and one per class, and the class's print-ready xlsx, a sheet per pupil
(:mod:`~workbook_engine.render.books.primary_hocba_xlsx`) (issue 15, item 5).

Each record holds the identity block; per subject the year-end level, the end-of-year test score
(the re-test when there is one, the first attempt named beside it) and the teacher's comment;
the 3 general and 7 specific competences and the 5 qualities with the homeroom teacher's
comments; the overall result with the reasons it is not higher; the award; the completion of
the grade (of primary school in grade 5) or the CHT path; the homeroom teacher's and the
principal's signature blocks (the seal). A value not in yet is written «chưa có»; nothing is
guessed. No average, no ranking.

A class is laid out once, each pupil a page group of their own ("Trang x/y" counts the pupil's
pages); the class's PDF is the whole document, each pupil's PDF their pages of it. The ledger's
values and its chain head are read in one read transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.primary_approval import principal_decisions
from workbook_engine.pipeline.result_approval import class_values
from workbook_engine.primary_results import (
    PupilResult,
    SubjectAssessment,
    completion_text,
    primary_results,
)
from workbook_engine.render.books.hocba import (
    CHAIN_SHOWN,
    EXEMPT,
    NONE,
    NOT_YET,
    SIGN_HOMEROOM,
    SIGN_PRINCIPAL,
    Fact,
    Signer,
    class_path,
    record_path,
)
from workbook_engine.render.books.pdf_parts import Part, split_records, write_parts
from workbook_engine.render.books.primary_summary import TRAIT_ORDER
from workbook_engine.render.common import compact, date_text, gc_paused, render
from workbook_engine.render.correction_record import place_date
from workbook_engine.rules.primary import AssessmentPoint, OverallResult

if TYPE_CHECKING:
    from weasyprint import Document, Page

BOOK_FOLDER = Path("books") / "tieu-hoc" / "hoc-ba"
PART_END = "phb-end-"  # the id of the mark ending each record (the template's)
YEAR_END = AssessmentPoint.YEAR_END


@dataclass(frozen=True)
class SubjectLine:
    number: int
    name: str
    level: str  # "Hoàn thành tốt (T)", «chưa có», «Miễn»
    score: str  # "9", "6 (kiểm tra lại; lần đầu 3)", «chưa có», "" where no test exists
    comment: str
    exempt: bool = False


@dataclass(frozen=True)
class TraitLine:
    group: str
    name: str
    level: str  # "Tốt (T)", «chưa có»


@dataclass(frozen=True)
class PupilRecord:
    """One pupil's Học bạ of the year, every value already written out in Vietnamese."""

    authority: str
    school: str
    province: str
    school_year: str
    class_code: str
    grade: int
    pupil_code: str
    pupil_name: str
    birth_date: str
    gender: str
    homeroom_teacher: str
    subjects: tuple[SubjectLine, ...]
    traits: tuple[TraitLine, ...]
    quality_comment: str
    competence_comment: str
    outcome: tuple[Fact, ...]
    reasons: tuple[str, ...]  # why the result is not higher (empty for HTXS)
    missing: str  # what keeps the result from being computed, "" when complete
    notes: tuple[str, ...]
    place_date: str
    signers: tuple[Signer, ...]
    rendered_on: str
    chain_head: str

    @property
    def running_head(self) -> str:
        return (
            f"Học bạ tiểu học năm học {self.school_year} – Lớp {self.class_code} – "
            f"{self.pupil_name} ({self.pupil_code})"
        )

    @property
    def chain_text(self) -> str:
        return f"Mã kiểm tra sổ: {self.chain_head[:CHAIN_SHOWN]}…"


def _score(subject: SubjectAssessment) -> str:
    if not subject.tested:
        return ""
    if subject.score is None:
        return NOT_YET
    if subject.first_score is not None:
        return f"{subject.score} (kiểm tra lại; lần đầu {subject.first_score})"
    return str(subject.score)


def pupil_record(
    setup: Setup, class_code: str, pupil: PupilResult, chain_head: str, day: date
) -> PupilRecord:
    """The Học bạ of one pupil of ``class_code`` from their results (year-end values only)."""
    room = setup.class_by_code(class_code)
    end = pupil.at(YEAR_END)
    student = setup.find_student(pupil.code)
    homeroom = setup.find_teacher(room.homeroom_teacher)
    homeroom_name = homeroom.full_name if homeroom else ""
    lines = []
    for number, subject in enumerate(setup.subjects_of_grade(room.grade), start=1):
        got = end.subjects.get(subject.code)
        if got is None:
            lines.append(SubjectLine(number, subject.name, EXEMPT, "", "", exempt=True))
            continue
        level = f"{got.level.value} ({got.level.name})" if got.level is not None else NOT_YET
        lines.append(SubjectLine(number, subject.name, level, _score(got), got.comment))
    traits = tuple(
        TraitLine(t.group.value, t.name, f"{q.value} ({q.letter})" if q is not None else NOT_YET)
        for t in TRAIT_ORDER
        for q in [end.traits[t.code]]
    )
    year = pupil.year
    result = year.result
    facts = (
        Fact("Kết quả giáo dục", result.value if result else NOT_YET, strong=result is not None),
        Fact("Khen thưởng", year.award.value if year.award else NONE if result else NOT_YET,
             strong=year.award is not None),
        Fact("Xét hoàn thành chương trình", completion_text(pupil) or NOT_YET,
             strong=result is not None),
    )  # fmt: skip
    return PupilRecord(
        authority=setup.school.authority,
        school=setup.school.name,
        province=setup.school.province,
        school_year=setup.school.school_year,
        class_code=room.code,
        grade=room.grade,
        pupil_code=pupil.code,
        pupil_name=pupil.name,
        birth_date=date_text(student.birth_date) if student else "",
        gender=student.gender.value if student else "",
        homeroom_teacher=homeroom_name,
        subjects=tuple(lines),
        traits=traits,
        quality_comment=end.quality_comment,
        competence_comment=end.competence_comment,
        outcome=facts,
        reasons=tuple(year.reasons) if result is not OverallResult.HTXS else (),
        missing="; ".join(end.missing),
        notes=tuple(pupil.notes),
        place_date=place_date(setup.school.province, None),
        signers=(
            Signer(("GIÁO VIÊN CHỦ NHIỆM",), SIGN_HOMEROOM, homeroom_name),
            Signer(("HIỆU TRƯỞNG",), SIGN_PRINCIPAL, ""),
        ),
        rendered_on=date_text(day),
        chain_head=chain_head,
    )


def class_records(
    ledger: Ledger, setup: Setup, class_code: str, day: date, chain_head: str | None = None
) -> list[PupilRecord]:
    """The records of the class's pupils, in roster order, from the ledger (reads only)."""
    with ledger.reading():
        values = class_values(setup, ledger, class_code)
        decided = principal_decisions(ledger, class_code)
        chain = chain_head if chain_head is not None else ledger.chain_head()
    pupils = primary_results(setup, class_code, values, decided)
    return [pupil_record(setup, class_code, p, chain, day) for p in pupils]


def render_primary_hocba_html(records: Sequence[PupilRecord]) -> str:
    return compact(render("primary_hocba.html.j2", records=records))


def lay_out(records: Sequence[PupilRecord]) -> tuple[Document, list[list[Page]]]:
    """``records`` laid out as one document, and the pages of each record."""
    return split_records(render_primary_hocba_html(records), len(records), PART_END)


def pupil_path(outbox: Path, record: PupilRecord) -> Path:
    return record_path(outbox, BOOK_FOLDER, record.class_code, record.pupil_code,
                       record.pupil_name)  # fmt: skip


def write_primary_hocba(
    ledger: Ledger, setup: Setup, outbox: Path, class_code: str, day: date
) -> list[Path]:
    """Write the primary Học bạ of ``class_code`` as of ``day``: ``outbox/books/tieu-hoc/hoc-ba/
    <class>/<pupil code> <name>.pdf`` for each pupil, then ``outbox/books/tieu-hoc/hoc-ba/
    <class>.pdf`` (every pupil, each from a new page), and ``<class>.xlsx`` beside it (a sheet
    per pupil, print-ready: :mod:`~workbook_engine.render.books.primary_hocba_xlsx`); returns
    the paths written, the class's PDF and xlsx last. ``KeyError`` for a
    class the setup does not have, ``ValueError`` for a class that is not primary."""
    # here, not at the top: primary_hocba_xlsx reads this module's records
    from workbook_engine.render.books.primary_hocba_xlsx import write_primary_hocba_xlsx

    records = class_records(ledger, setup, class_code, day)
    if not records:
        return []
    written: list[Path] = []
    with gc_paused():  # the class's layout garbage collected once, after it
        document, pages = lay_out(records)
        parts = [
            Part(
                pupil_path(outbox, record),
                f"Học bạ – {record.pupil_name} ({record.pupil_code}) – lớp {record.class_code}",
                of_record,
            )
            for record, of_record in zip(records, pages, strict=True)
        ]
        room = records[0].class_code
        title = f"Học bạ lớp {room} – năm học {setup.school.school_year}"
        whole = class_path(outbox, room, BOOK_FOLDER)
        written += write_parts(document, parts, (whole, title))
        written.append(write_primary_hocba_xlsx(whole.with_suffix(".xlsx"), records, title))
        del document, pages, parts
    return written
