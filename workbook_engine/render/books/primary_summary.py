"""The primary class's «Bảng tổng hợp kết quả đánh giá giáo dục» (Circular 27) at one assessment
point, as a PDF (landscape A4) and beside it the same tables as print-ready Excel (issue 15,
item 5).

Two tables, each on landscape pages with its headings repeated: the subjects (per subject the
level T/H/C and, where a periodic test exists at that point for the grade, the official test
score; «Miễn» for a wholly exempt pupil), then the 3 general and 7 specific competences and the
5 qualities (T/Đ/C) and, at the year's end, the overall result, the award and whether the pupil
completed the grade's programme. Below: the pupils who did not complete it and why, the
homeroom teacher's «Học sinh Tiêu biểu» proposals not taken and why, what is still missing,
the homeroom teacher's and the principal's signature blocks. No average and no ranking.

Every value comes from the ledger (:func:`~workbook_engine.primary_results.primary_results`);
the values and the ledger's hash-chain head are read in one read transaction, and the head is
printed in the footer of every page with "Trang x/y" and the class in the running header.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from workbook_engine.approvals import Approved
from workbook_engine.model import Setup
from workbook_engine.names import safe_stem
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.primary_approval import primary_snapshot, principal_decisions
from workbook_engine.pipeline.result_approval import class_values
from workbook_engine.primary_results import (
    PupilResult,
    completion_text,
    is_tested,
    point_of,
    primary_results,
)
from workbook_engine.render.books.excel import (
    fit_row,
    halves,
    page_setup,
    span,
    styles,
    workbook,
    write_signers,
    write_text,
)
from workbook_engine.render.books.hocba import (
    CHAIN_SHOWN,
    EXEMPT,
    SIGN_HOMEROOM,
    Signer,
    approval_line,
    principal,
)
from workbook_engine.render.common import date_text, day_of, render, write_pdf
from workbook_engine.render.correction_record import place_date
from workbook_engine.rules.primary import (
    COMPETENCES,
    QUALITIES,
    AssessmentPoint,
    OverallResult,
    Trait,
    YearDecision,
)

BOOK_FOLDER = Path("books") / "tieu-hoc" / "tong-hop"
TITLE = "Bảng tổng hợp kết quả đánh giá giáo dục"
# the books' order of the traits: the competences (general, specific), then the qualities
TRAIT_ORDER: tuple[Trait, ...] = (*COMPETENCES, *QUALITIES)
POINT_FOLDERS = {
    AssessmentPoint.MID_1: "GK1",
    AssessmentPoint.END_1: "CK1",
    AssessmentPoint.MID_2: "GK2",
    AssessmentPoint.YEAR_END: "CN",
}
SUBJECT_LEGEND = (
    "Mức đạt được: T – Hoàn thành tốt; H – Hoàn thành; C – Chưa hoàn thành. "
    "KT: điểm bài kiểm tra định kì (điểm bài kiểm tra lại khi học sinh được kiểm tra lại). "
    "Ô để trống: chưa có đánh giá."
)
TRAIT_LEGEND = (
    "Mức đạt được: T – Tốt; Đ – Đạt; C – Cần cố gắng. "
    "Kết quả giáo dục: HTXS – Hoàn thành xuất sắc; HTT – Hoàn thành tốt; HT – Hoàn thành; "
    "CHT – Chưa hoàn thành."
)
AWARD_NOTES = "Đề nghị khen thưởng không được xét"
# --- the geometry (mm) of the landscape page the template draws (books.css: @page landscape)
PAGE_MM = 269.0
NUMBER_MM = 8.0
NAME_MM = (38.0, 52.0)  # the names' column: at least, at most
YEAR_MM = (14.0, 30.0, 30.0)  # the year end: result, award, completion
VALUE_MM = 18.0  # a value's column at most


@dataclass(frozen=True)
class Column:
    """One column of a table: its heading, the group heading over it, its width in mm."""

    head: str
    group: str
    width_mm: float


@dataclass(frozen=True)
class Row:
    number: int
    code: str
    name: str
    subjects: tuple[str, ...]  # per subject column: "T", "9", "Miễn", ""
    traits: tuple[str, ...]  # per trait column (TRAIT_ORDER): "T", "Đ", "C", ""
    year: tuple[str, ...]  # at the year's end: result (HTXS…), award, completion; else ()

    @property
    def trait_cells(self) -> tuple[str, ...]:
        """The second table's values: the traits, then the year end's."""
        return self.traits + self.year


@dataclass(frozen=True)
class PrimarySummary:
    """One class's summary at one point, every value written out in Vietnamese."""

    authority: str
    school: str
    province: str
    school_year: str
    class_code: str
    grade: int
    point: AssessmentPoint
    homeroom_teacher: str
    subject_columns: tuple[Column, ...]
    trait_columns: tuple[Column, ...]  # the traits and, at the year's end, the 3 result columns
    name_mm: float
    rows: tuple[Row, ...]
    counts: tuple[str, ...]  # "Hoàn thành xuất sắc: 2" at the year's end
    not_completed: tuple[str, ...]  # "3. Nguyễn Văn An: … Lí do: …"
    missing: tuple[str, ...]  # "Nguyễn Văn An: Toán: chưa có mức đánh giá"
    exemptions: tuple[str, ...]  # "2. Trần Thị Bình: Giáo dục thể chất"
    notes: tuple[str, ...]  # pupils who came or left during the year
    place_date: str
    signers: tuple[Signer, ...]
    rendered_on: str
    chain_head: str
    award_notes: tuple[str, ...] = ()  # "3. Nguyễn Văn An: Đề nghị «Học sinh Tiêu biểu» không…"
    approvals: tuple[str, ...] = ()  # "Kết quả cả năm: đã duyệt ngày 30/05/2026 (…)"
    changed: tuple[str, ...] = ()  # a pupil whose result now differs from the approved one

    @property
    def year_end(self) -> bool:
        return self.point is AssessmentPoint.YEAR_END

    @property
    def subtitle(self) -> str:
        return f"Lớp {self.class_code} – {self.point.value} – Năm học {self.school_year}"

    @property
    def running_head(self) -> str:
        return f"{TITLE} – Lớp {self.class_code} – {self.point.value} – {self.school_year}"

    @property
    def chain_text(self) -> str:
        return f"Mã kiểm tra sổ: {self.chain_head[:CHAIN_SHOWN]}…"

    @property
    def title(self) -> str:
        return f"{TITLE} – lớp {self.class_code} – {self.point.value.lower()} – {self.school_year}"

    @staticmethod
    def groups(columns: Sequence[Column]) -> list[tuple[str, int]]:
        """(group heading, columns) of consecutive columns sharing a group."""
        found: list[tuple[str, int]] = []
        for col in columns:
            if found and found[-1][0] == col.group:
                found[-1] = (col.group, found[-1][1] + 1)
            else:
                found.append((col.group, 1))
        return found


# --- what the summary says ------------------------------------------------------------------------


def completion_head(grade: int) -> str:
    return "Hoàn thành chương trình " + ("tiểu học" if grade == 5 else "lớp học")


def build_primary_summary(
    setup: Setup,
    class_code: str,
    point: AssessmentPoint,
    pupils: Sequence[PupilResult],
    chain_head: str,
    day: date,
    approval: Approved | None = None,
) -> PrimarySummary:
    """The summary of ``class_code`` at ``point`` from its pupils' results (roster order);
    ``approval``: the principal's approval of the year (:meth:`Ledger.approved_results`), shown
    on the year-end summary with what was computed differently since."""
    room = setup.class_by_code(class_code)
    point = AssessmentPoint(point)
    signed = approval if point is AssessmentPoint.YEAR_END else None
    subjects = setup.subjects_of_grade(room.grade)
    tested = [is_tested(room.grade, s.code, point) for s in subjects]
    year_end = point is AssessmentPoint.YEAR_END
    longest = max((len(p.name) for p in pupils), default=0)
    name_mm = max(NAME_MM[0], min(NAME_MM[1], longest * 1.7 + 4))
    left = PAGE_MM - NUMBER_MM - name_mm
    count = sum(2 if t else 1 for t in tested)
    value_mm = min(VALUE_MM, left / max(1, count))
    subject_columns = tuple(
        Column(head, s.name, value_mm)
        for s, t in zip(subjects, tested, strict=True)
        for head in (("Mức", "KT") if t else ("Mức",))
    )
    trait_left = left - (sum(YEAR_MM) if year_end else 0.0)
    trait_mm = min(VALUE_MM, trait_left / len(TRAIT_ORDER))
    trait_columns = tuple(Column(t.name, t.group.value, trait_mm) for t in TRAIT_ORDER)
    if year_end:
        heads = ("Kết quả", "Khen thưởng", completion_head(room.grade))
        trait_columns += tuple(
            Column(head, "Cuối năm học", mm) for head, mm in zip(heads, YEAR_MM, strict=True)
        )
    rows = []
    for number, pupil in enumerate(pupils, start=1):
        at = pupil.at(point)
        cells: list[str] = []
        for s, t in zip(subjects, tested, strict=True):
            got = at.subjects.get(s.code)
            if got is None:  # wholly exempt
                cells += [EXEMPT] * (2 if t else 1)
                continue
            cells.append(got.level.name if got.level is not None else "")
            if t:
                cells.append("" if got.score is None else str(got.score))
        traits = tuple(
            q.letter if (q := at.traits[t.code]) is not None else "" for t in TRAIT_ORDER
        )
        year: tuple[str, ...] = ()
        if year_end:
            y = pupil.year
            done = (
                ""
                if y.completed is None
                else "Hoàn thành"
                if y.completed
                else y.decision.value
                if y.decision in DECIDED
                else "Chưa hoàn thành"
            )
            year = (y.result.name if y.result else "", y.award.value if y.award else "", done)
        rows.append(Row(number, pupil.code, pupil.name, tuple(cells), traits, year))
    names = {s.code: s.name for s in subjects}
    results = Counter(p.year.result for p in pupils if p.year.result is not None)
    homeroom = setup.find_teacher(room.homeroom_teacher)
    homeroom_name = homeroom.full_name if homeroom else ""
    return PrimarySummary(
        authority=setup.school.authority,
        school=setup.school.name,
        province=setup.school.province,
        school_year=setup.school.school_year,
        class_code=room.code,
        grade=room.grade,
        point=point,
        homeroom_teacher=homeroom_name,
        subject_columns=subject_columns,
        trait_columns=trait_columns,
        name_mm=name_mm,
        rows=tuple(rows),
        counts=tuple(f"{r.value}: {results[r]}" for r in OverallResult) if year_end else (),
        not_completed=tuple(
            f"{i}. {p.name}: {completion_text(p)}. Lí do: {'; '.join(_failing(p))}."
            for i, p in enumerate(pupils, start=1)
            if year_end and p.year.completed is False
        ),
        missing=tuple(
            f"{p.name}: {'; '.join(p.at(point).missing)}" for p in pupils if p.at(point).missing
        ),
        exemptions=tuple(
            f"{i}. {p.name}: {', '.join(names.get(c, c) for c in p.exempt)}"
            for i, p in enumerate(pupils, start=1)
            if p.exempt
        ),
        notes=tuple(
            f"{i}. {p.name}: {'; '.join(p.notes)}" for i, p in enumerate(pupils, start=1) if p.notes
        ),
        place_date=place_date(setup.school.province, day_of(signed[2]) if signed else None),
        signers=(
            Signer(("GIÁO VIÊN CHỦ NHIỆM",), SIGN_HOMEROOM, homeroom_name),
            principal(setup, signed),
        ),
        approvals=(approval_line(setup, "CN", signed),) if signed else (),
        changed=_changed(pupils, signed) if signed else (),
        rendered_on=date_text(day),
        chain_head=chain_head,
        award_notes=tuple(
            f"{i}. {p.name}: {p.year.award_note}."
            for i, p in enumerate(pupils, start=1)
            if year_end and p.year.award_note
        ),
    )


# after a Chưa hoàn thành: the principal's decision, shown in the completion column
DECIDED = (YearDecision.PROMOTED, YearDecision.RETAINED, YearDecision.PRINCIPAL)


def _changed(pupils: Sequence[PupilResult], approval: Approved) -> tuple[str, ...]:
    """Pupils whose result, award or completion computed now differs from what was approved."""
    now = primary_snapshot(pupils)
    labels = {"result": "kết quả", "award": "khen thưởng", "completion": "hoàn thành"}
    return tuple(
        f"{p.name}: {labels[k]} {was.get(k) or '(trống)'} → {now[p.code][k] or '(trống)'}"
        for p in pupils
        if (was := approval[0].get(p.code)) is not None
        for k in labels
        if was.get(k, "") != now[p.code][k]
    )


def _failing(pupil: PupilResult) -> list[str]:
    """The reasons that make the pupil CHT (those capping at a better result left out)."""
    return [r for r in pupil.year.reasons if "cao nhất là" not in r]


# --- reading the ledger, writing ------------------------------------------------------------------


def primary_summary(
    ledger: Ledger,
    setup: Setup,
    class_code: str,
    point: AssessmentPoint,
    day: date,
    chain_head: str | None = None,
) -> PrimarySummary:
    """The summary of ``class_code`` at ``point`` from the ledger (reads only)."""
    with ledger.reading():
        values = class_values(setup, ledger, class_code)
        decided = principal_decisions(ledger, class_code)
        chain = chain_head if chain_head is not None else ledger.chain_head()
        approval = ledger.approved_results(class_code).get("CN")
    pupils = primary_results(setup, class_code, values, decided)
    return build_primary_summary(setup, class_code, point, pupils, chain, day, approval)


def render_primary_summary_html(summary: PrimarySummary) -> str:
    return render(
        "primary_summary.html.j2",
        book=summary,
        subject_legend=SUBJECT_LEGEND,
        trait_legend=TRAIT_LEGEND,
        completion_head=completion_head(summary.grade),
        award_head=AWARD_NOTES,
    )


def summary_path(outbox: Path, class_code: str, point: AssessmentPoint) -> Path:
    """``outbox/books/tieu-hoc/tong-hop/<GK1|CK1|GK2|CN>/<class>.pdf``."""
    folder = POINT_FOLDERS[AssessmentPoint(point)]
    return Path(outbox) / BOOK_FOLDER / folder / f"{safe_stem(class_code)}.pdf"


def write_primary_summary(
    ledger: Ledger,
    setup: Setup,
    outbox: Path,
    class_code: str,
    semester: int,
    point: str,
    day: date,
) -> list[Path]:
    """Write the summary of the primary class ``class_code`` at the middle (``point`` "GK") or
    the end ("CK") of ``semester`` (1 or 2; semester 2's end is the year's) as of ``day``:
    ``outbox/books/tieu-hoc/tong-hop/<GK1|CK1|GK2|CN>/<class>.pdf`` and ``<class>.xlsx`` beside
    it; returns both paths. ``KeyError`` for a class the setup does not have, ``ValueError`` for
    a class that is not primary or a point that does not exist."""
    at = point_of(semester, point)
    summary = primary_summary(ledger, setup, class_code, at, day)
    path = summary_path(outbox, summary.class_code, at)
    return [
        write_pdf(path, render_primary_summary_html(summary)),
        write_primary_summary_xlsx(path.with_suffix(".xlsx"), summary),
    ]


# --- the workbook ---------------------------------------------------------------------------------

SUBJECTS_SHEET, TRAITS_SHEET = "Môn học", "Năng lực, phẩm chất"
MM_PER_CHAR = 2.1  # an Excel column of width w (characters) is about w · 2.1 mm at 10 pt


def write_primary_summary_xlsx(path: Path, summary: PrimarySummary) -> Path:
    """``summary`` as an Excel workbook that prints as the PDF does: a sheet per table, A4
    landscape, one page wide, the headings on every page, the running head in the header and
    the chain head with «Trang x/y» in the footer. Levels are text, test scores numbers."""
    with workbook(path, summary.title, summary.chain_head) as wb:
        f = styles(wb)
        f["int"] = wb.add_format(
            {"font_size": 10, "valign": "vcenter", "border": 1, "border_color": "#808080",
             "align": "center", "bold": True, "num_format": "0"}
        )  # fmt: skip
        _table(wb.add_worksheet(SUBJECTS_SHEET), f, summary, "I. Môn học và hoạt động giáo dục",
               summary.subject_columns, [r.subjects for r in summary.rows], SUBJECT_LEGEND,
               last=False)  # fmt: skip
        _table(wb.add_worksheet(TRAITS_SHEET), f, summary,
               "II. Năng lực, phẩm chất" + (" và kết quả cuối năm" if summary.year_end else ""),
               summary.trait_columns, [r.trait_cells for r in summary.rows], TRAIT_LEGEND,
               last=True)  # fmt: skip
    return Path(path)


def _table(
    ws: Any,
    f: dict[str, Any],
    summary: PrimarySummary,
    part: str,
    columns: Sequence[Column],
    values: Sequence[Sequence[str]],
    legend: str,
    *,
    last: bool,
) -> None:
    widths = [4.5, summary.name_mm / MM_PER_CHAR] + [
        max(4.5, c.width_mm / MM_PER_CHAR) for c in columns
    ]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    end = len(widths) - 1
    ws.set_row(0, 20)
    span(ws, 0, 0, end, TITLE.upper(), f["title"])
    span(ws, 1, 0, end, summary.subtitle, f["subtitle"])
    span(ws, 2, 0, end, part, f["section"])
    head = 3
    for col, text in ((0, "STT"), (1, "Họ và tên")):
        ws.merge_range(head, col, head + 1, col, text, f["head"])
    col = 2
    for group, count in summary.groups(columns):
        span(ws, head, col, col + count - 1, group, f["head"])
        col += count
    for i, column in enumerate(columns):
        ws.write_string(head + 1, 2 + i, column.head, f["head"])
    ws.set_row(head, 30)
    ws.set_row(head + 1, 45 if last else 20)
    row = head + 2
    for line, cells in zip(summary.rows, values, strict=True):
        ws.write_number(row, 0, line.number, f["number"])
        ws.write_string(row, 1, line.name, f["name"])
        for i, text in enumerate(cells):
            if text.isdigit():
                ws.write_number(row, 2 + i, int(text), f["int"])
            else:
                write_text(ws, row, 2 + i, text, f["text"] if text != EXEMPT else f["exempt"])
        row += 1
    ws.freeze_panes(head + 2, 2)
    row += 1
    notes = [legend]
    if last:
        if summary.counts:
            notes.append("Tổng hợp kết quả giáo dục: " + "; ".join(summary.counts) + ".")
        if summary.not_completed:
            notes.append(f"Chưa {completion_head(summary.grade).lower()}:")
            notes += summary.not_completed
        if summary.award_notes:
            notes.append(AWARD_NOTES + ":")
            notes += summary.award_notes
        if summary.exemptions:
            notes.append("Miễn học cả môn: " + "; ".join(summary.exemptions) + ".")
        if summary.notes:
            notes.append(
                "Học sinh chuyển đến, chuyển đi trong năm học: " + "; ".join(summary.notes)
            )
        if summary.missing:
            notes.append("Còn thiếu:")
            notes += summary.missing
    for text in notes:
        span(ws, row, 0, end, text, f["note"])
        fit_row(ws, row, text, widths)
        row += 1
    if last:
        row += 1
        span(ws, row, 0, end, summary.place_date, f["place_right"])
        row += 1
        signers = [(s.heading, s.hint, s.name) for s in summary.signers]
        row = write_signers(ws, f, row, signers, halves(2, end, 2)) + 1
    page_setup(ws, landscape=True, repeat=(head, head + 1), last_row=row - 1, last_col=end,
               head=summary.running_head, chain=summary.chain_text,
               scaled_header=False)  # fmt: skip
