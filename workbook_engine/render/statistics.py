"""The quality statistics (thống kê chất lượng, issue 13 items 3 and 5) as HTML, PDF and xlsx,
under ``<outbox>/reports/thong-ke/<HK1|HK2|CN>/``: ``toan-truong`` (the school: every class,
each grade's subtotal, the school's total) and ``khoi-6``… (a grade: its classes and total), or
``lop-6A1``… for the classes asked for; each as ``.html``, ``.pdf`` and ``.xlsx``.

Every number comes from :mod:`workbook_engine.statistics` over the classes' results as the books
print them (:func:`~workbook_engine.pipeline.result_approval.class_results` as the principal
approved them), read with the ledger's chain head in one read transaction; the head is in the
footer of every page («Mã kiểm tra sổ»), the running head and «Trang x/y» in its header, as in
the books. A document's tables are built once (:class:`Table`) and written both into the HTML
(then the PDF) and into the xlsx, one sheet per section (each list a sheet of its own): the
same tables. The charts
(:mod:`workbook_engine.render.charts`) are SVG in the HTML and the PDF only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from workbook_engine.approvals import Approved, approved_result, result_text
from workbook_engine.io.master_workbook import proposal_text
from workbook_engine.model import Setup
from workbook_engine.names import safe_stem
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results
from workbook_engine.render import charts
from workbook_engine.render.books.class_book import summer_text
from workbook_engine.render.books.hocba import CHAIN_SHOWN, Signer, final_text
from workbook_engine.render.common import date_text, render, write_html, write_pdf
from workbook_engine.render.correction_record import place_date
from workbook_engine.results import StudentResult
from workbook_engine.rules import Comment, Level
from workbook_engine.statistics import (
    BELOW,
    BINS,
    LEVELS,
    NOT_RATED,
    PERIOD_NAMES,
    GroupStats,
    LevelCounts,
    Statistics,
    StudentList,
    SubjectCounts,
    half_of,
    percent,
    percent_text,
    statistics,
)

STATS_FOLDER = Path("reports") / "thong-ke"
TITLE = "Thống kê chất lượng giáo dục"
SIGN_HINT = "(Kí, ghi rõ họ tên)"
COUNT, SHARE = "SL", "TL (%)"
# The lists' columns (and their widths, percent of the page): who, then the year's or a
# semester's details
LIST_HEADS = ("STT", "Lớp", "Mã học sinh", "Họ và tên", "Giới tính")
LIST_WIDTHS = (5, 6, 12, 18, 7)
YEAR_LIST_HEADS = ("Đề nghị cuối năm", "Kết quả kiểm tra lại, rèn luyện trong hè", "Xét lên lớp")
YEAR_LIST_WIDTHS = (17, 19, 16)
SEMESTER_LIST_HEADS = ("Môn dưới 5,0 hoặc Chưa đạt",)
# Each list's sheet in the xlsx (:attr:`Section.sheets`), by its key
LIST_SHEETS = {
    "re_exam": "Danh sách – Kiểm tra lại",
    "training": "Danh sách – Rèn luyện hè",
    "retained": "Danh sách – Ở lại lớp",
    "excellent": "Danh sách – Xuất sắc",
    "good": "Danh sách – Giỏi",
    "learning_cd": "Danh sách – Học tập Chưa đạt",
    "conduct_cd": "Danh sách – Rèn luyện Chưa đạt",
}

Cell = str | int | Decimal | None  # text, a count, a percentage; None: blank
Progress = Callable[[int, int], None]


# --- reading the ledger ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolResults:
    """Every class's results as the books print them, and the chain head of the values read."""

    results: dict[str, list[StudentResult]]  # class code → results, roster order
    approvals: dict[str, dict[str, Approved]]  # class code → period → the latest approval
    chain_head: str
    day: date


def school_results(
    ledger: Ledger, setup: Setup, day: date, classes: Sequence[str] | None = None
) -> SchoolResults:
    """The results on ``day`` of ``classes`` (default every class), as approved, in one read
    transaction with the chain head."""
    codes = [c.code for c in setup.secondary_classes] if classes is None else list(classes)
    results: dict[str, list[StudentResult]] = {}
    approvals: dict[str, dict[str, Approved]] = {}
    with ledger.reading():
        chain = ledger.chain_head()
        for code in codes:
            computed, _ = class_results(setup, ledger, code, day)
            approvals[code] = dict(ledger.approved_results(code))
            results[code] = [approved_result(r, approvals[code]) for r in computed]
    return SchoolResults(results, approvals, chain, day)


# --- the tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    strong: bool = False  # a subtotal or the total


@dataclass(frozen=True)
class Table:
    """A table of the report: ``columns`` (group, heading); a column without a group has its
    heading over both heading rows."""

    title: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[Row, ...]
    note: str = ""
    widths: tuple[int, ...] = ()  # per column, percent of the width; () the first 22, others even

    @property
    def grouped(self) -> bool:
        """Whether a column has a group: the heading then takes two rows (else one; an empty
        second row would give weasyprint a cell beyond the last column, and a warning)."""
        return any(group for group, _ in self.columns)

    @property
    def groups(self) -> list[tuple[str, int, int]]:
        """(group, first column, span) of the first heading row; "" groups span one column."""
        found: list[tuple[str, int, int]] = []
        for k, (group, _) in enumerate(self.columns):
            if group and found and found[-1][0] == group and found[-1][1] + found[-1][2] == k:
                name, first, span = found[-1]
                found[-1] = (name, first, span + 1)
            else:
                found.append((group, k, 1))
        return found

    @staticmethod
    def text(value: Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return percent_text(value)
        return str(value)


@dataclass(frozen=True)
class Section:
    """A group of tables: one sheet of the xlsx, one part of the PDF (landscape when wide);
    ``sheets``: a sheet of the xlsx for each table instead (the lists: a list's title and
    headings printed on each of its pages, and Excel repeats one range of rows a sheet)."""

    sheet: str
    title: str
    tables: tuple[Table, ...]
    charts: tuple[str, ...] = ()  # SVG data URIs
    wide: bool = False
    sheets: tuple[str, ...] = ()


def _level_table(
    title: str, rows: Sequence[GroupStats], counts: Callable[[GroupStats], LevelCounts], head: str
) -> Table:
    columns = [("", "Đơn vị"), ("", head)]
    for name in LEVELS:
        columns += [(name.value, COUNT), (name.value, SHARE)]
    columns += [(NOT_RATED, COUNT), (NOT_RATED, SHARE)]
    body = []
    for group in rows:
        got = counts(group)
        cells: list[Cell] = [group.label, got.total]
        for level in [*LEVELS, None]:
            cells += [got.count(level), got.percent(level)]
        body.append(Row(tuple(cells), group.kind != "class"))
    return Table(title, tuple(columns), tuple(body))


def _shares(pairs: Sequence[tuple[int, int]]) -> list[Cell]:
    cells: list[Cell] = []
    for count, total in pairs:
        cells += [count, percent(count, total)]
    return cells


# The year's tables: (column group, OutcomeCounts field) each, and the note under the table.
PROPOSALS = (
    ("Lên lớp", "promoted"),
    ("Kiểm tra lại", "re_exam"),
    ("Rèn luyện trong hè", "training"),
    ("Ở lại lớp (nghỉ quá số buổi)", "retained"),
    ("Chưa có", "not_proposed"),
)
PROPOSALS_NOTE = "Học sinh vừa kiểm tra lại vừa rèn luyện trong hè được đếm ở cả hai cột."
FINALS = (
    ("Lên lớp", "final_promoted"),
    ("Ở lại lớp", "final_retained"),
    ("Chờ kết quả hè", "awaited"),
    ("Học sinh Xuất sắc", "excellent"),
    ("Học sinh Giỏi", "good"),
)
FINALS_NOTE = (
    "Lên lớp, Ở lại lớp: kết quả cuối cùng, sau kiểm tra lại và rèn luyện trong hè với học sinh "
    "thuộc diện này."
)


def _outcome_table(
    title: str, rows: Sequence[GroupStats], fields: Sequence[tuple[str, str]], note: str
) -> Table:
    body = []
    for g in rows:
        counts = [(getattr(g.outcomes, name), g.students) for _, name in fields]
        body.append(Row((g.label, g.students, *_shares(counts)), g.kind != "class"))
    columns = (("", "Đơn vị"), ("", "Sĩ số"), *_pairs([group for group, _ in fields]))
    return Table(title, columns, tuple(body), note)


def _pairs(groups: Sequence[str]) -> list[tuple[str, str]]:
    return [(group, head) for group in groups for head in (COUNT, SHARE)]


def _subject_tables(group: GroupStats) -> tuple[Table, ...]:
    scored = [s for s in group.subjects if s.scored]
    commented = [s for s in group.subjects if not s.scored]
    tables = []
    if scored:
        columns = [("", "Môn học"), ("", "Có điểm")]
        columns += _pairs([b.label for b in BINS]) + _pairs(["Dưới 5,0"])
        columns += [("", "Miễn"), ("", "Chưa có")]
        rows = [Row((s.name, s.assessed, *_bin_cells(s), s.exempt, s.missing)) for s in scored]
        tables.append(Table(f"Điểm trung bình môn – {group.label}", tuple(columns), tuple(rows)))
    if commented:
        columns = [
            ("", "Môn học"),
            ("", "Có kết quả"),
            *_pairs(["Đạt", "Chưa đạt"]),
            ("", "Miễn"),
            ("", "Chưa có"),
        ]
        rows = [
            Row(
                (
                    s.name,
                    s.assessed,
                    *_shares([(s.passed, s.assessed), (s.below, s.assessed)]),
                    s.exempt,
                    s.missing,
                )
            )
            for s in commented
        ]
        tables.append(
            Table(f"Môn đánh giá bằng nhận xét – {group.label}", tuple(columns), tuple(rows))
        )
    return tuple(tables)


def _bin_cells(subject: SubjectCounts) -> list[Cell]:
    pairs = [(count, subject.assessed) for count in subject.bins]
    return _shares([*pairs, (subject.below, subject.assessed)])


def _list_table(found: StudentList, setup: Setup, period: str) -> Table:
    """A list of students: who they are, then (the year) the proposal, the summer's results and
    the final outcome, in the books' wording; (a semester) the subjects below 5.0 or CĐ."""
    year = period == "CN"
    rows = []
    for number, m in enumerate(found.members, start=1):
        names = {s.code: s.name for s in setup.subjects_of_grade(m.grade)}
        student = m.student
        cells = (number, m.class_code, student.code, student.full_name, student.gender.value)
        rows.append(Row((*cells, *_list_detail(found.key, m.result, names, period))))
    heads = LIST_HEADS + (YEAR_LIST_HEADS if year else SEMESTER_LIST_HEADS)
    columns = tuple(("", head) for head in heads)
    widths = LIST_WIDTHS + (YEAR_LIST_WIDTHS if year else (52,))
    return Table(f"{found.title} ({len(rows)})", columns, tuple(rows), widths=widths)


def _list_detail(
    key: str, result: StudentResult, names: Mapping[str, str], period: str
) -> tuple[str, ...]:
    """The cells of :data:`YEAR_LIST_HEADS` (the year) or :data:`SEMESTER_LIST_HEADS`."""
    if period == "CN":
        if key in ("re_exam", "training", "retained"):
            summer = summer_text(result, names)
            return proposal_text(result.year, names), summer, final_text(result)
        return "", "", final_text(result)
    if key != "learning_cd":
        return ("",)
    averages = half_of(result, period).averages
    weak = [
        f"{names.get(code, code)} {result_text(v)}"
        for code, v in averages.items()
        if v is Comment.CD or (isinstance(v, int) and v < BELOW)
    ]
    return ("; ".join(weak),)


# --- the document ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsDocument:
    """One document (the school, a grade or a class), every value ready to print."""

    authority: str
    school: str
    school_year: str
    period: str
    period_name: str
    scope: str
    students: int
    girls: int
    approved: str  # "Kết quả cả năm đã được Hiệu trưởng duyệt: 8/8 lớp"
    day: str
    place_date: str
    chain_head: str
    sections: tuple[Section, ...]
    signers: tuple[Signer, ...]

    @property
    def title(self) -> str:
        return f"{TITLE} – {self.scope} – {self.period_name} – năm học {self.school_year}"

    @property
    def running_head(self) -> str:
        return f"{TITLE} – {self.scope} – {self.period_name} – Năm học {self.school_year}"

    @property
    def chain_text(self) -> str:
        return f"Mã kiểm tra sổ: {self.chain_head[:CHAIN_SHOWN]}…"


def build_document(setup: Setup, school: SchoolResults, stats: Statistics) -> StatsDocument:
    """The document of ``stats``: its sections' tables and charts, its heading and signers."""
    rows = stats.rows
    sections = [
        _levels_section("Học tập", "Kết quả học tập", "learning", rows, stats),
        _levels_section("Rèn luyện", "Kết quả rèn luyện", "conduct", rows, stats),
    ]
    if stats.year:
        sections.append(_outcomes_section(rows, stats))
    sections.append(_subjects_section(stats))
    lists = tuple(_list_table(found, setup, stats.period) for found in stats.lists)
    sheets = tuple(LIST_SHEETS[found.key] for found in stats.lists)
    sections.append(Section("Danh sách", "Danh sách học sinh", lists, sheets=sheets))
    codes = [g.label for g in stats.classes]
    wanted = stats.period
    approved = sum(1 for code in codes if wanted in school.approvals.get(code, {}))
    return StatsDocument(
        authority=setup.school.authority,
        school=setup.school.name,
        school_year=setup.school.school_year,
        period=stats.period,
        period_name=stats.period_name,
        scope=stats.scope,
        students=stats.total.students,
        girls=stats.total.girls,
        approved=f"Kết quả {stats.period_name.lower()} đã được Hiệu trưởng duyệt: "
        f"{approved}/{len(codes)} lớp",
        day=date_text(school.day),
        place_date=place_date(setup.school.province, school.day),
        chain_head=school.chain_head,
        sections=tuple(
            replace(s, title=f"{n}. {s.title}") for n, s in enumerate(sections, start=1)
        ),
        signers=(
            Signer(("NGƯỜI LẬP BIỂU",), SIGN_HINT, ""),
            Signer(("HIỆU TRƯỞNG",), "(Kí, ghi rõ họ tên, đóng dấu)", setup.school.principal),
        ),
    )


def _levels_section(
    sheet: str, title: str, attr: str, rows: Sequence[GroupStats], stats: Statistics
) -> Section:
    """Learning (``attr`` "learning") or conduct levels: all students, the girls, a chart."""

    def every(g: GroupStats) -> LevelCounts:
        counts: LevelCounts = getattr(g, attr)
        return counts

    def girls(g: GroupStats) -> LevelCounts:
        counts: LevelCounts = getattr(g, f"{attr}_girls")
        return counts

    tables = (
        _level_table(f"{title} – tất cả học sinh", rows, every, "Sĩ số"),
        _level_table(f"{title} – học sinh nữ", rows, girls, "Số HS nữ"),
    )
    levels: list[Level | None] = [*LEVELS, None]
    series = [(_level_name(lv), [every(g).percent(lv) for g in rows]) for lv in levels]
    label = f"{title} – {stats.period_name} (tỉ lệ %)"
    chart = charts.stacked_shares([g.label for g in rows], series, label)
    return Section(sheet, title, tables, (chart,))


def _level_name(level: Level | None) -> str:
    return level.value if level is not None else NOT_RATED


def _outcomes_section(rows: Sequence[GroupStats], stats: Statistics) -> Section:
    tables = (
        _outcome_table("Đề nghị cuối năm", rows, PROPOSALS, PROPOSALS_NOTE),
        _outcome_table("Kết quả sau kì nghỉ hè và khen thưởng", rows, FINALS, FINALS_NOTE),
    )
    shown = (  # (colour, name, OutcomeCounts field): the final list, adding up to the roster
        (0, "Lên lớp", "final_promoted"),
        (3, "Ở lại lớp", "final_retained"),
        (2, "Chờ kết quả hè", "awaited"),
        (4, "Chưa có", "not_proposed"),
    )
    series = [
        (name, [percent(getattr(g.outcomes, field), g.students) for g in rows])
        for _, name, field in shown
    ]
    colours = [charts.LEVEL_COLOURS[k] for k, _, _ in shown]
    label = "Xét lên lớp – cả năm, sau kì nghỉ hè (tỉ lệ %)"
    chart = charts.stacked_shares([g.label for g in rows], series, label, colours)
    title = "Xét lên lớp, kiểm tra lại, rèn luyện trong hè, khen thưởng"
    return Section("Lên lớp – Khen thưởng", title, tables, (chart,))


def _subjects_section(stats: Statistics) -> Section:
    """The scope's subjects, then for a grade each class's (the school's document leaves each
    grade's and class's to the grades' documents: a table each would bury it)."""
    groups = [stats.total]
    if stats.total.kind == "grade":
        groups += stats.classes
    tables = tuple(t for g in groups for t in _subject_tables(g))
    total = stats.total
    scored = [s for s in total.subjects if s.scored]
    drawn = (
        charts.histograms(
            [(s.name, [s.bin_percent(k) for k in range(len(BINS))]) for s in scored],
            [b.label for b in BINS],
            sum(1 for b in BINS if b.high <= BELOW),
            f"Phân bố điểm trung bình môn – {total.label} – {stats.period_name} (tỉ lệ %)",
        ),
        charts.share_bars(
            [s.name for s in total.subjects],
            [s.below_percent for s in total.subjects],
            f"Tỉ lệ dưới 5,0 (môn nhận xét: Chưa đạt) – {total.label} (%)",
        ),
    )
    return Section("Môn học", "Kết quả các môn học", tables, drawn, wide=True)


# --- writing --------------------------------------------------------------------------------------


def stats_folder(outbox: Path, period: str) -> Path:
    """``<outbox>/reports/thong-ke/<HK1|HK2|CN>``."""
    if period not in PERIOD_NAMES:
        raise ValueError(f"period must be one of {tuple(PERIOD_NAMES)}, got {period!r}")
    return Path(outbox) / STATS_FOLDER / period


def render_statistics_html(document: StatsDocument) -> str:
    return render("statistics.html.j2", doc=document)


def write_document(folder: Path, stem: str, document: StatsDocument) -> list[Path]:
    """``stem``.html, .pdf and .xlsx of ``document`` in ``folder``."""
    from workbook_engine.render.statistics_xlsx import write_statistics_xlsx

    html = render_statistics_html(document)
    return [
        write_html(folder / f"{stem}.html", html),
        write_pdf(folder / f"{stem}.pdf", html),
        write_statistics_xlsx(folder / f"{stem}.xlsx", document),
    ]


def write_statistics(
    school: SchoolResults,
    setup: Setup,
    outbox: Path,
    period: str,
    classes: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """The statistics of ``period`` (HK1, HK2, CN) from ``school``: the school's and each
    grade's documents, or one per class of ``classes``; returns the written paths.
    ``progress(done, total)`` counts the documents."""
    folder = stats_folder(outbox, period)
    wanted: list[tuple[str, Statistics]]
    if classes:
        wanted = [
            (f"lop-{safe_stem(code)}", statistics(setup, school.results, period, class_code=code))
            for code in dict.fromkeys(classes)
        ]
    else:
        wanted = [("toan-truong", statistics(setup, school.results, period))]
        wanted += [
            (f"khoi-{grade}", statistics(setup, school.results, period, grade=grade))
            for grade in sorted({c.grade for c in setup.secondary_classes})
        ]
    written: list[Path] = []
    if progress is not None:
        progress(0, len(wanted))
    for done, (stem, stats) in enumerate(wanted, start=1):
        written += write_document(folder, stem, build_document(setup, school, stats))
        if progress is not None:
            progress(done, len(wanted))
    return written
