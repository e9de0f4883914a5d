"""The entry progress report (báo cáo tiến độ nhập điểm) for the principal, the vice-principals
and each subject group's head: HTML, PDF (A4, the chain head and «Trang x/y» on every page) and
an xlsx with the same tables, under ``<outbox>/reports/tien-do/``.

It shows who is behind first: per teacher the cells required by the date and filled, the late
files and the corrections waiting; per class-subject the columns overdue with the students
still blank; per homeroom class the attendance months not received and the conduct levels
missing; per class the share filled; a page per subject group for its head; and a bar chart of
each teacher's share (matplotlib, drawn to SVG). What is due when: :mod:`workbook_engine.progress`.

A primary class (Circular 27) is listed the same way: its subject teachers' levels and test
scores, its homeroom teacher's qualities and competences, at each assessment point due, with the
pupils still blank. Only cells filled or blank are counted: no score, average or ranking of
pupils is shown for any class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from workbook_engine.io.atomic import atomic_path
from workbook_engine.model import Role, Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.progress_check import (
    calendar_locks,
    due_columns,
    progress_check_event,
    progress_of,
    read_entries,
)
from workbook_engine.progress import (
    Progress,
    TeacherLine,
    Values,
    pupils_missing_traits,
    students_missing,
)
from workbook_engine.render.charts import progress_bars
from workbook_engine.render.common import date_text, render, write_pdf, write_rendered

FOLDER = Path("reports") / "tien-do"
NAMES_SHOWN = 6  # the blank students named in a line; more are counted
BEHIND = 80.0  # a share below this is highlighted
CHAIN_SHOWN = 16


@dataclass(frozen=True, slots=True)
class Gap:
    """One overdue item, located: whose, which class, what, since when, how much is missing."""

    teacher: str
    group: str
    class_code: str
    what: str  # «Toán – HK1 – TX2», «Điểm danh tháng 10/2025», «Rèn luyện HK1», «Toán – Giữa
    # học kì I – mức đạt được», «Phẩm chất, năng lực – Cuối học kì I» (primary)
    due: str  # dd/mm/yyyy
    missing: str  # «4/45 ô», «chưa nhận»
    students: str  # the blank students, or ""


@dataclass(frozen=True)
class Lock:
    """A lock of the calendar starting soon or in force, and what it closes incomplete."""

    name: str
    start: date
    end: date
    gaps: tuple[str, ...]


@dataclass(frozen=True)
class MonthlyLock:
    """Inside a «Kiểm tra tiến độ» window: the columns due that a monthly lock would close,
    the class-subjects complete and those not, and the command the principal confirms with."""

    check: str  # the calendar's name of the check
    semester: int
    complete: tuple[str, ...]  # «6A1 Toán: TX1, TX2»
    incomplete: tuple[str, ...]
    command: str


@dataclass(frozen=True)
class ProgressReport:
    """What the templates and the xlsx show."""

    school: str
    school_year: str
    as_of: date
    group: str | None
    progress: Progress
    gaps: tuple[Gap, ...]
    chain_head: str
    chart: str  # a data URI (SVG), "" when nobody owes anything yet
    locks: tuple[Lock, ...] = ()  # the calendar's locks near or in force
    monthly: MonthlyLock | None = None  # the monthly lock to confirm, during a check
    primary: bool = False  # the school has primary classes (the hint says how they are due)

    @property
    def title(self) -> str:
        scope = f" – {self.group}" if self.group else ""
        return f"Báo cáo tiến độ nhập điểm đến ngày {date_text(self.as_of)}{scope}"

    @property
    def chain_text(self) -> str:
        return f"Mã kiểm tra sổ: {self.chain_head[:CHAIN_SHOWN]}…"

    def gaps_of(self, teacher: TeacherLine) -> list[Gap]:
        return self._gaps_by_teacher.get((teacher.name, teacher.group), [])

    @cached_property
    def _gaps_by_teacher(self) -> dict[tuple[str, str], list[Gap]]:
        """The gaps per (teacher, group), in order: a look-up per teacher, not a scan of every
        gap of the school (1,051 teachers at 16 schools' size took 10 s)."""
        found: dict[tuple[str, str], list[Gap]] = {}
        for gap in self.gaps:
            found.setdefault((gap.teacher, gap.group), []).append(gap)
        return found


def build_report(
    setup: Setup,
    progress: Progress,
    values: Values,
    chain_head: str,
    group: str | None = None,
    locks: Sequence[Lock] = (),
) -> ProgressReport:
    gaps: list[Gap] = []
    then = setup.as_of(progress.as_of)  # the students who owe the cells, as progress counts them
    for t in progress.teachers:
        for s in t.subjects:
            for c in s.overdue:
                blank = students_missing(then, s, c, values)
                gaps.append(Gap(t.name, t.group, s.class_code, f"{s.subject_name} – {c.title}",
                                f"{c.due:%d/%m/%Y}", f"{c.cells.missing}/{c.cells.required} ô",
                                _names(blank)))  # fmt: skip
        for h in t.homerooms:
            for m in h.missing_months:
                gaps.append(Gap(t.name, t.group, h.class_code, f"Điểm danh tháng {m.label}",
                                f"{m.due:%d/%m/%Y}", "chưa nhận", ""))  # fmt: skip
            for number, cells in h.conduct:
                if cells.missing:
                    gaps.append(Gap(t.name, t.group, h.class_code, f"Rèn luyện HK{number}", "",
                                    f"{cells.missing}/{cells.required} em", ""))  # fmt: skip
            for c in h.overdue_traits:
                gaps.append(Gap(t.name, t.group, h.class_code, c.title, f"{c.due:%d/%m/%Y}",
                                f"{c.cells.missing}/{c.cells.required} ô",
                                _names(pupils_missing_traits(then, h, c, values))))  # fmt: skip
    return ProgressReport(
        setup.school.name, setup.school.school_year, progress.as_of, group, progress,
        tuple(gaps), chain_head, chart(progress), tuple(locks),
        primary=any(room.primary for room in setup.classes),
    )  # fmt: skip


def _names(blank: Sequence[str]) -> str:
    """The first NAMES_SHOWN names, the others counted."""
    more = f" và {len(blank) - NAMES_SHOWN} em khác" if len(blank) > NAMES_SHOWN else ""
    return ", ".join(blank[:NAMES_SHOWN]) + more


def monthly_lock(setup: Setup, progress: Progress) -> MonthlyLock | None:
    """During a «Kiểm tra tiến độ» window: what ``wbe lock --due`` would close now."""
    event = progress_check_event(setup, progress.as_of)
    term = next((s for s in setup.semesters if s.start <= progress.as_of <= s.end), None)
    if event is None or term is None:
        return None
    names = {(s.class_code, s.subject_code): s.subject_name
             for t in progress.teachers for s in t.subjects}  # fmt: skip
    complete: list[str] = []
    incomplete: list[str] = []
    for key, (columns, full) in due_columns(progress, term.number).items():
        line = f"{key.class_code} {names[(key.class_code, key.subject_code)]}: {', '.join(columns)}"
        (complete if full else incomplete).append(line)
    principal = next((t.code for t in setup.teachers if Role.PRINCIPAL in t.roles), "<mã>")
    command = f"wbe lock --semester {term.number} --due --by {principal}"
    return MonthlyLock(event.note or "Kiểm tra tiến độ", term.number, tuple(complete),
                       tuple(incomplete), command)  # fmt: skip


CHART_TEACHERS = 40  # bars at most: the furthest behind (the table below lists everyone)


def chart(progress: Progress, most: int | None = None) -> str:
    """A bar per teacher who owes something, the furthest behind on top, ``most`` of them (an
    SVG data URI; "" when nobody owes anything yet). A thousand bars were a chart four metres
    tall that nobody reads, and 150 MB to draw."""
    owing = sorted((t for t in progress.teachers if t.cells.required),
                   key=lambda t: (t.cells.percent, t.name))[:most or CHART_TEACHERS]  # fmt: skip
    if not owing:
        return ""
    return progress_bars([t.name for t in owing], [t.cells.percent for t in owing], BEHIND)


def render_progress_html(report: ProgressReport, printed: bool = False) -> str:
    return render("progress.html.j2", **_context(report, printed))


def _context(report: ProgressReport, printed: bool) -> dict[str, Any]:
    return {"report": report, "printed": printed, "behind": BEHIND,
            "chart_teachers": CHART_TEACHERS}  # fmt: skip


def progress_stem(as_of: date, group: str | None) -> str:
    from workbook_engine.names import safe_stem

    return as_of.isoformat() + (f" {safe_stem(group)}" if group else "")


def progress_report(
    ledger: Ledger, setup: Setup, as_of: date, group: str | None = None
) -> ProgressReport:
    """The report as of ``as_of``; the school's values it was built from (every file and filled
    cell: tens of MB at district scale) are let go before it is written."""
    entries = read_entries(ledger, setup)
    progress = progress_of(setup, entries, as_of, group)
    locks = [Lock(e.note or "Khóa sổ", e.start, e.end, tuple(gaps))
             for e, gaps in calendar_locks(setup, entries, as_of)]  # fmt: skip
    report = build_report(setup, progress, entries.values, entries.chain_head, group, locks)
    return replace(report, monthly=monthly_lock(setup, progress))


def write_progress(
    ledger: Ledger,
    setup: Setup,
    outbox: Path,
    as_of: date,
    group: str | None = None,
    pdf: bool = True,
) -> list[Path]:
    """``<outbox>/reports/tien-do/<date>[ <group>].html|.xlsx|.pdf`` as of ``as_of`` (the PDF
    when ``pdf``); returns the written paths."""
    report = progress_report(ledger, setup, as_of, group)
    folder = Path(outbox) / FOLDER
    stem = progress_stem(as_of, group)
    html = folder / f"{stem}.html"  # written as rendered: 15 million characters at ×16
    written = [write_rendered(html, "progress.html.j2", **_context(report, printed=False))]
    written.append(write_progress_xlsx(folder / f"{stem}.xlsx", report))
    if pdf:
        written.append(write_pdf(folder / f"{stem}.pdf", render_progress_html(report, True)))
    return written


# --- the xlsx -----------------------------------------------------------------------------------


def write_progress_xlsx(path: Path, report: ProgressReport) -> Path:
    """The report's tables in Excel: «Giáo viên» (a row per teacher, the furthest behind
    first, filterable by group), «Chi tiết» (a row per overdue item), «Lớp» (a row per class);
    A4 landscape, headings repeated, one page wide (written atomically)."""
    import xlsxwriter

    path = Path(path)
    with atomic_path(path) as tmp:
        # row by row to disk (constant_memory): a district's «Chi tiết» is 44,000 rows
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False,
                                            "strings_to_formulas": False,
                                            "constant_memory": True})  # fmt: skip
        wb.set_properties({"title": report.title, "author": "workbook_engine",
                           "comments": f"Mã kiểm tra sổ: {report.chain_head}"})  # fmt: skip
        teachers = [
            [
                t.name,
                t.group,
                t.cells.required,
                t.cells.filled,
                t.cells.missing,
                t.cells.percent,
                t.late_files,
                t.pending,
            ]
            for t in report.progress.teachers
        ]
        _table(wb, report, "Giáo viên", [
            ("Giáo viên", 24, TEXT), ("Tổ chuyên môn", 18, TEXT), ("Số ô phải nhập", 11, COUNT),
            ("Đã nhập", 9, COUNT), ("Còn thiếu", 9, COUNT), ("Tỉ lệ (%)", 9, SHARE),
            ("Tệp nộp muộn", 9, COUNT), ("Đề nghị sửa chờ duyệt", 12, COUNT),
        ], teachers)  # fmt: skip
        gaps = [[g.teacher, g.group, g.class_code, g.what, g.due, g.missing, g.students]
                for g in report.gaps]  # fmt: skip
        _table(wb, report, "Chi tiết", [
            ("Giáo viên", 22, TEXT), ("Tổ chuyên môn", 16, TEXT), ("Lớp", 7, TEXT),
            ("Nội dung", 26, TEXT), ("Hạn", 11, TEXT), ("Còn thiếu", 10, TEXT),
            ("Học sinh chưa có điểm", 44, TEXT),
        ], gaps)  # fmt: skip
        classes = [[code, c.required, c.filled, c.missing, c.percent]
                   for code, c in report.progress.classes().items()]  # fmt: skip
        _table(wb, report, "Lớp", [
            ("Lớp", 10, TEXT), ("Số ô phải nhập", 14, COUNT), ("Đã nhập", 10, COUNT),
            ("Còn thiếu", 10, COUNT), ("Tỉ lệ (%)", 10, SHARE),
        ], classes)  # fmt: skip
        wb.close()
    return path


TEXT, COUNT, SHARE = "text", "count", "share"


def _table(
    wb: Any,
    report: ProgressReport,
    name: str,
    columns: Sequence[tuple[str, float, str]],
    rows: Sequence[Sequence[object]],
) -> None:
    """One sheet: the title, the school, the headings (repeated on each page, filtered), the
    rows; a share under BEHIND in bold red."""
    base = {"border": 1, "valign": "top"}
    styles = {
        TEXT: wb.add_format({**base, "text_wrap": True}),
        COUNT: wb.add_format(base),
        SHARE: wb.add_format({**base, "num_format": "0.0"}),
        "behind": wb.add_format(
            {**base, "num_format": "0.0", "bold": True, "font_color": "#C0392B"}
        ),
    }
    head = wb.add_format({**base, "bold": True, "bg_color": "#D9E2F3", "text_wrap": True,
                          "valign": "vcenter", "align": "center"})  # fmt: skip
    ws = wb.add_worksheet(name)
    ws.write(0, 0, report.title, wb.add_format({"bold": True, "font_size": 13}))
    ws.write(1, 0, f"{report.school} – năm học {report.school_year}")
    for k, (header, width, _) in enumerate(columns):
        ws.set_column(k, k, width)
        ws.write(3, k, header, head)
    for r, row in enumerate(rows, start=4):
        for k, value in enumerate(row):
            kind = columns[k][2]
            behind = kind == SHARE and isinstance(value, float) and value < BEHIND
            ws.write(r, k, value, styles["behind" if behind else kind])
    last = max(4, 3 + len(rows))
    ws.autofilter(3, 0, last, len(columns) - 1)
    ws.freeze_panes(4, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(3)
    ws.print_area(0, 0, last, len(columns) - 1)
    ws.set_header(f"&L&8{report.title.replace('&', '&&')}")
    ws.set_footer(f"&L&8{report.chain_text}&R&8Trang &P/&N")
