"""The class assessment book (Sổ theo dõi và đánh giá học sinh, theo lớp) of semester 1 or of the
year, one PDF per class and beside it the same tables as print-ready Excel
(:mod:`~workbook_engine.render.books.class_book_xlsx`) (issue 12, item 1).

The book holds: a cover with the school's information; the roster; one page group per subject
(TX1…TXn, GK, CK or Đ/CĐ as entered, the semester averages, for the year book semester 2 and the
year average too; «Miễn» for a wholly exempt student; the subject teacher's signature block);
the per-student summary (every subject's result, learning and conduct levels, absences, the
year's proposal, the summer's results, the final outcome, the award); the approvals, and the
homeroom teacher's and the principal's signature blocks.

Every value comes from the ledger through the code the master uses: the entered values
(:meth:`Ledger.scores_of_class`), the class's results
(:func:`~workbook_engine.pipeline.result_approval.class_results`) as the principal approved them
(:func:`~workbook_engine.approvals.approved_result`). The values and the ledger's hash-chain head
are read in one read transaction, and the head is printed in the footer of every page («Mã kiểm
tra sổ»), with "Trang x/y" and the class in the running header, so that a page stamped across
and filed can be checked later with ``wbe log verify``.

Layout, for speed: weasyprint lays out a table cell in about 0.5 ms and a line of text in about
0.1 ms, and a class of 45 has some 9,000 values. So a table of students is not a row of cells
per student: each page's share of a table (a :class:`Block`) is one row whose cells hold a column
each, a line per student (``white-space: pre``, one line height for all, the rule under each line
a tiled background), and the values of a :class:`Grid` are one line per student in a monospaced
font, each value in a slot of a whole number of characters, the rules between slots a background
drawn at the widths of the heading's columns. Every student is one line: no row is split, and the
rows each page holds are counted here, so each page's block repeats the headings.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from workbook_engine.approvals import Approved, approval_changes, approved_result, result_text
from workbook_engine.handover import Handover, handovers
from workbook_engine.io.master_workbook import missing_text, proposal_text, re_exam_text
from workbook_engine.model import ClassRoom, Gender, Setup, SheetKey, Stay, Subject
from workbook_engine.names import safe_stem
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.render.books.class_book_xlsx import (
    MOVES_LEGEND,
    MOVES_NOTE,
    write_class_book_xlsx,
)
from workbook_engine.render.books.class_data import book_results
from workbook_engine.render.books.excel import line_count
from workbook_engine.render.books.hocba import (
    CHAIN_SHOWN,
    EXEMPT,
    FINAL,
    NOT_YET,
    Signer,
    approval_line,
    final_text,
    principal,
)
from workbook_engine.render.common import (
    BLANK,
    date_text,
    day_of,
    gc_paused,
    render,
    score_text,
    write_pdf,
)
from workbook_engine.render.correction_record import place_date
from workbook_engine.results import StudentResult, Values
from workbook_engine.rules import AssessmentMode, Level, Outcome

BOOK_FOLDER = Path("books") / "so-theo-doi"
TITLE = "Sổ theo dõi và đánh giá học sinh"
SIGN_HINT = "(Kí, ghi rõ họ tên)"
# The periods each book shows, and the approvals the principal signs it for (latest first).
BOOK_PERIODS: dict[int | None, tuple[str, ...]] = {1: ("HK1",), None: ("HK1", "HK2", "CN", "HE")}
SIGNED_FOR: dict[int | None, tuple[str, ...]] = {1: ("HK1",), None: ("HE", "CN")}
TRAINED = (Outcome.SUMMER_TRAINING, Outcome.RE_EXAM_AND_TRAINING)
LINE = "\n"
NBSP = "\u00a0"  # a blank line of a column: a line still
MOVED = " (*)"  # after the name of a student who came or left during the year (legend: moves)
RESULT_SHADE = "#e6e6e6"  # an average's or a result's slot

# --- the geometry class_book.css draws with (keep them equal) ---------------------------------
MM = 72 / 25.4  # points in a millimetre
LINE_PT = 11.0  # the height of a student's line in every table
CHAR_PT = 8.0 * 1233 / 2048  # a character of DejaVu Sans Mono at 8 pt
CHAR_MM = CHAR_PT / MM
SLOT_CHARS = 5  # a subject's value: «10,0» and a space
SUMMARY_CHARS = (6, 10)  # a subject's result in the summary: at least, at most
HEAD_CHAR_PT = 5.2  # a character of a heading (DejaVu Sans Condensed Bold 8 pt), generous
HEAD_PAD_PT = 2.0  # a heading cell's padding, both sides (class_book.css)
LEVEL_CHARS = 10  # «Chưa đạt» and a space each side
COUNT_CHARS = 4  # an absence count
NUMBER_MM = 7.0  # the STT column
NAME_MM = 1.5  # per character of the longest name (DejaVu Sans Condensed 8 pt), plus…
NAME_PAD_MM = 3.5
NAME_MIN_MM = 36.0
NAME_MAX_MM = 60.0  # what a narrow table gives the names at most
LEVEL_RIGHT_MM = 102.0  # the levels' table: proposal, final outcome, award (class_book.css)
# Content boxes of the pages, width and height in mm (class_book.css: @page cb-portrait;
# books.css: @page landscape)
PORTRAIT = (178.0, 267.0)
LANDSCAPE = (269.0, 172.0)
# What a part's first page has above its table (titles), and a table's headings (two rows, a
# heading of two lines; the summary's subject names up to six lines), in mm
TITLES_MM = 16.0
HEADINGS_MM = 15.0
NAMES_HEADINGS_MM = 26.0
# What weasyprint lays out around a subject's table, in points (measured on its PDFs): above
# the headings on a part's first page (its title, the teacher, the heading rows' padding) and
# on a page after it (the padding), a line of a heading (8 pt × 1.15), a line of the legend
# (8 pt serif, about LEGEND_CHAR_PT a character), and from the table's last line to the foot of
# the teacher's name less the legend (margins, the signature block). A page holds the part's
# signature block when they add up to its height (:func:`part_pages`).
PART_TOP_PT = 37.3
HEAD_TOP_PT = 5.0
HEAD_LINE_PT = 9.2
LEGEND_LINE_PT = 10.0
LEGEND_CHAR_PT = 4.4
SIGNING_PT = 83.6
# … and around the roster's and the summary's tables (measured the same way): above the
# roster's first line (its title, its heading row), above the levels' headings (the section's
# title, the padding), a line of the notes under them (8.5 pt), a line of the approvals (9 pt),
# the approvals' title, the place and date with the two signature blocks, a line of «In ngày»
ROSTER_TOP_PT = 29.4
LEVELS_TOP_PT = 22.3
NOTE_LINE_PT = 11.2
APPROVAL_LINE_PT = 11.8
SECTION_PT = 19.0
LEGEND_GAP_PT = 7.0
SIGNERS_PT = 120.0
PRINTED_LINE_PT = 10.0
NOTE_CHAR_PT = 4.6
# The rule under each student's line: a tile repeated down a block (an image, not a gradient: a
# thin gradient band may vanish when a viewer or a printer rasterises it)
ROW_RULE = "data:image/svg+xml," + urllib.parse.quote(
    f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="{LINE_PT:g}" '
    f'viewBox="0 0 10 {LINE_PT:g}" preserveAspectRatio="none">'
    f'<path d="M0 {LINE_PT - 0.25:g}H10" stroke="#000" stroke-width="0.5"/></svg>'
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Block:
    """A page's share of a table: the rows ``start`` to ``end`` (0-based, end excluded)."""

    start: int
    end: int


@dataclass(frozen=True)
class Slot:
    """One column of a :class:`Grid`: its heading, its group (a heading over several slots),
    shaded when it holds an average or a result, its width in characters; ``shade`` a colour
    to shade it in instead (another book's shading: a day without school…)."""

    head: str
    group: int = 0
    result: bool = False
    chars: int = SLOT_CHARS
    shade: str = ""

    @property
    def width_pt(self) -> float:
        return self.chars * CHAR_PT

    @property
    def fill(self) -> str:
        """The slot's shading ("" none): ``shade``, else a result's grey."""
        return self.shade or (RESULT_SHADE if self.result else "")


@dataclass(frozen=True)
class Grid:
    """Values in monospaced slots, a line per row: ``lines`` as :func:`slot_line` writes them,
    ``titles`` the group headings (none: one heading row)."""

    slots: tuple[Slot, ...]
    lines: tuple[str, ...]
    titles: tuple[str, ...] = ()

    @property
    def groups(self) -> list[tuple[str, int]]:
        """(title, slots) of each group, in order."""
        counts: dict[int, int] = {}
        for slot in self.slots:
            counts[slot.group] = counts.get(slot.group, 0) + 1
        return [(self.titles[group], count) for group, count in counts.items()]

    @property
    def width_mm(self) -> float:
        return sum(slot.chars for slot in self.slots) * CHAR_MM

    @property
    def rules(self) -> str:
        return slot_rules(self.slots)

    def text(self, block: Block) -> str:
        return LINE.join(self.lines[block.start : block.end])


@dataclass(frozen=True)
class Table:
    """How a table of students is laid out: its grid, landscape or not, its page blocks."""

    grid: Grid
    wide: bool
    blocks: tuple[Block, ...]
    width_mm: float  # the whole table: STT, Họ và tên (as wide as the page leaves, up to a
    # limit), the grid, the columns of text right of it


@dataclass(frozen=True)
class RosterLine:
    number: int
    code: str
    name: str
    birth_date: str
    gender: str


@dataclass(frozen=True)
class SubjectRow:
    """One student on a subject's page: a value per slot as written ("" when blank), or
    exempt (then «Miễn» in the result slots)."""

    number: int
    name: str
    values: tuple[str, ...]
    exempt: bool = False


@dataclass(frozen=True)
class SubjectPage:
    """One subject's page group: its rows, its teachers (a signature block each), its table,
    the legend under it."""

    number: int
    code: str
    name: str
    scored: bool
    rows: tuple[SubjectRow, ...]
    teachers: tuple[str, ...]
    table: Table
    legend: str

    @property
    def pages(self) -> int:
        """The pages the part takes in the PDF (the workbook's sheet prints on as many)."""
        return part_pages(self.table, self.legend)


@dataclass(frozen=True)
class SummaryRow:
    """One student's summary: the subjects' results (the book's period), levels, absences, and
    for the year book the proposal, the final outcome, the award."""

    number: int
    name: str
    results: tuple[str, ...]  # per subject of the grade: "8,5", "Đ", "Miễn", ""
    learning: tuple[str, ...]  # HKI (, HKII, CN)
    conduct: tuple[str, ...]
    excused: str
    unexcused: str
    outcome: str = ""  # the proposal: Lên lớp, Kiểm tra lại, …
    final: str = ""  # Lên lớp, Ở lại lớp, «chưa có» while the summer's results are awaited
    award: str = ""


@dataclass(frozen=True)
class SummerLine:
    """A student proposed for a re-exam or summer training, or kept back: the details."""

    number: int
    name: str
    proposal: str  # "Kiểm tra lại: Toán, Ngữ văn", "Ở lại lớp: nghỉ 50 buổi (quá 45 buổi)"
    summer: str  # "Toán 6,0; học tập sau kiểm tra lại: Đạt; rèn luyện hè: Khá"
    final: str  # "Lên lớp", "Ở lại lớp (…)", "chưa có (chờ …)"


@dataclass(frozen=True)
class ClassBook:
    """One class's book of semester 1 (``semester`` 1) or of the year (None), every value
    already written out in Vietnamese, and how its tables are laid out."""

    semester: int | None
    authority: str
    school: str
    province: str
    address: str
    school_year: str
    class_code: str
    grade: int
    homeroom_teacher: str
    principal: str
    roster: tuple[RosterLine, ...]
    exemptions: tuple[str, ...]  # "12. Nguyễn Văn An: Ngoại ngữ 1 (Tiếng Anh)"
    moves: tuple[str, ...]  # "3. Trần Văn Bình: đã chuyển sang lớp 6A2 từ ngày 12/01/2026"
    boys: int
    girls: int
    subjects: tuple[SubjectPage, ...]
    summary: tuple[SummaryRow, ...]
    summer: tuple[SummerLine, ...]
    missing: tuple[str, ...]  # "Nguyễn Văn An: Toán HK1: …" for a student not complete
    approvals: tuple[str, ...]  # "Kết quả học kì I: đã duyệt ngày 20/01/2026 (Nguyễn Văn A)"
    changed: tuple[str, ...]  # "Nguyễn Văn An: CN rèn luyện Tốt → Khá"
    approved: bool  # the principal approved the period the book is printed for
    place_date: str
    signers: tuple[Signer, ...]  # the homeroom teacher, the principal
    rendered_on: str
    chain_head: str
    roster_blocks: tuple[Block, ...]
    results: Table  # the summary's subjects
    levels: Table  # the summary's levels, absences (and the year's outcome)

    @property
    def year(self) -> bool:
        return self.semester is None

    @property
    def period_name(self) -> str:
        return "Học kì I" if self.semester == 1 else "Cả năm"

    @property
    def running_head(self) -> str:
        return f"{TITLE} – Lớp {self.class_code} – Năm học {self.school_year} – {self.period_name}"

    @property
    def chain_text(self) -> str:
        return f"Mã kiểm tra sổ: {self.chain_head[:CHAIN_SHOWN]}…"

    @property
    def title(self) -> str:
        return f"{TITLE} – lớp {self.class_code} – năm học {self.school_year} – {self.period_name}"

    @property
    def roster_legends(self) -> tuple[str, ...]:
        """The notes under the roster (the exemptions, the moves), as the PDF prints them."""
        exempt = "Học sinh được miễn học cả môn (theo kế hoạch giáo dục cá nhân): "
        return (
            *([f"{exempt}{'; '.join(self.exemptions)}."] if self.exemptions else []),
            *([f"{MOVES_LEGEND} {'; '.join(self.moves)}. {MOVES_NOTE}"] if self.moves else []),
        )

    @property
    def roster_pages(self) -> int:
        """The pages the roster takes in the PDF: its blocks, and one more when its notes do
        not fit under the last (the workbook's sheet prints on as many)."""
        last = self.roster_blocks[-1]
        top = ROSTER_TOP_PT if len(self.roster_blocks) == 1 else HEAD_TOP_PT + HEAD_LINE_PT
        notes = sum(wrapped_lines(t, PORTRAIT[0] * MM, LEGEND_CHAR_PT) for t in self.roster_legends)
        used = top + LINE_PT * (last.end - last.start) + LEGEND_LINE_PT * notes
        return len(self.roster_blocks) + (used > PORTRAIT[1] * MM)

    @property
    def levels_legend(self) -> str:
        """What the marks under the summary's levels mean."""
        period = " cả năm" if self.year else " học kì I"
        legend = (
            f"P: nghỉ có phép, K: nghỉ không phép (số buổi{period}). Ô để trống: chưa có kết quả"
        )
        return legend + ("; cột «Danh hiệu» để trống: không có danh hiệu." if self.year else ".")

    @property
    def levels_pages(self) -> int:
        """The pages the summary's second part (the levels, the summer, what is missing, the
        approvals, the signature blocks) takes in the PDF, as weasyprint lays it out: its
        table's blocks, and one more when the rest does not fit under the last (roughly: the
        workbook's sheet is fitted to one page only when this says one)."""
        table = self.levels
        width, height = LANDSCAPE if table.wide else PORTRAIT
        width *= MM
        last = table.blocks[-1]
        top = LEVELS_TOP_PT if len(table.blocks) == 1 else HEAD_TOP_PT
        used = top + HEAD_LINE_PT * heading_lines(table.grid) + LINE_PT * (last.end - last.start)
        used += LEGEND_GAP_PT + LEGEND_LINE_PT * wrapped_lines(
            self.levels_legend, width, LEGEND_CHAR_PT
        )
        if self.summer:
            cells = (44.0, 70.0, 80.0, 50.0)  # the summer's columns, in mm (class_book.css)
            lines = 2 + sum(
                max(wrapped_lines(text, w * MM, NOTE_CHAR_PT)
                    for text, w in zip((s.name, s.proposal, s.summer, s.final), cells,
                                       strict=True))
                for s in self.summer
            )  # fmt: skip
            used += SECTION_PT + NOTE_LINE_PT * lines
        if self.missing:
            lines = 1 + sum(wrapped_lines(t, width, NOTE_CHAR_PT) for t in self.missing)
            used += NOTE_LINE_PT * lines
        approvals = [*self.approvals, *([""] if not self.approved else [])]
        approvals += [f"{'; '.join(self.changed)}"] if self.changed else []
        lines = sum(wrapped_lines(t, width, NOTE_CHAR_PT) for t in approvals)
        used += SECTION_PT + APPROVAL_LINE_PT * lines + SIGNERS_PT + PRINTED_LINE_PT * 2
        return len(table.blocks) + (used > height * MM)

    @staticmethod
    def column(block: Block, values: Iterable[object]) -> str:
        """One column of a block: the values of its rows, a line each."""
        return LINE.join(str(value) or NBSP for value in list(values)[block.start : block.end])


# --- the layout ---------------------------------------------------------------------------------


def rows_per_page(height_mm: float, first_mm: float, rest_mm: float) -> tuple[int, int]:
    """How many student lines the first page of a part and each next page hold, below
    ``first_mm`` and ``rest_mm`` of titles and headings."""
    line_mm = LINE_PT / MM
    return int((height_mm - first_mm) // line_mm), int((height_mm - rest_mm) // line_mm)


def blocks(count: int, first: int, rest: int) -> tuple[Block, ...]:
    """``count`` rows over pages holding ``first`` then ``rest`` rows, each page filled (the
    last one keeps the most room for what follows the table: legend, signatures)."""
    found: list[Block] = []
    start, size = 0, max(1, first)
    while start < count or not found:
        found.append(Block(start, min(start + size, count)))
        start, size = start + size, max(1, rest)
    return tuple(found)


def lay_out(
    grid: Grid, count: int, left_mm: float, right_mm: float = 0.0, headings_mm: float = HEADINGS_MM
) -> Table:
    """A table of ``count`` rows: ``grid`` between columns ``left_mm`` and ``right_mm`` wide;
    portrait when it fits, else landscape."""
    needed = left_mm + grid.width_mm + right_mm
    wide = needed > PORTRAIT[0]
    width, height = LANDSCAPE if wide else PORTRAIT
    rows = rows_per_page(height, TITLES_MM + headings_mm, headings_mm)
    name_mm = left_mm - NUMBER_MM
    spare = max(0.0, min(width - needed, NAME_MAX_MM - name_mm))  # a narrow table: wider names
    return Table(grid, wide, blocks(count, *rows), needed + spare)


def wrapped_lines(text: str, width_pt: float, char_pt: float) -> int:
    """The lines ``text`` takes wrapped at whole words in ``width_pt``, a character taking
    ``char_pt`` (a space too)."""
    return line_count(text, width_pt / char_pt)


def heading_lines(grid: Grid) -> int:
    """The lines of a grid's headings: its group titles' row (if any) and its slots' row, each
    as many as its longest heading wraps to in its columns (:data:`HEAD_CHAR_PT`, generous)."""
    room = [slot.width_pt - HEAD_PAD_PT for slot in grid.slots]
    slots = max((wrapped_lines(s.head, w, HEAD_CHAR_PT) for s, w in zip(grid.slots, room,
                                                                            strict=True)),
                default=1)  # fmt: skip
    if not grid.titles:
        return slots
    widths: dict[int, float] = {}
    for slot in grid.slots:
        widths[slot.group] = widths.get(slot.group, 0.0) + slot.width_pt
    titles = max(wrapped_lines(grid.titles[g], w - HEAD_PAD_PT, HEAD_CHAR_PT)
                 for g, w in widths.items())  # fmt: skip
    return titles + slots


def part_pages(table: Table, legend: str) -> int:
    """The pages weasyprint lays a subject's part out on: its table's blocks, and one more when
    the legend and the signature block do not fit under the last block (see PART_TOP_PT)."""
    width, height = LANDSCAPE if table.wide else PORTRAIT
    last = table.blocks[-1]
    top = PART_TOP_PT if len(table.blocks) == 1 else HEAD_TOP_PT
    used = (
        top
        + HEAD_LINE_PT * heading_lines(table.grid)
        + LINE_PT * (last.end - last.start)
        + LEGEND_LINE_PT * wrapped_lines(legend, width * MM, LEGEND_CHAR_PT)
        + SIGNING_PT
    )
    return len(table.blocks) + (used > height * MM)


def subject_legend(scored: bool, year: bool, moves: bool) -> str:
    """What the marks under a subject's table mean (the year book's too; (*) when a student
    came or left during the year)."""
    if scored:
        marks = "ĐTB mhk: điểm trung bình môn học kì"
        marks += "; ĐTB mcn: điểm trung bình môn cả năm" if year else ""
    else:
        marks = "Đ: Đạt; CĐ: Chưa đạt; KQ: kết quả học kì"
        marks += "; KQ CN: kết quả cả năm" if year else ""
    text = f"{marks}. Ô để trống: chưa có. Miễn: được miễn học cả môn."
    if moves:
        text += (
            " (*): chuyển đến, chuyển đi, chuyển lớp hoặc thôi học trong năm"
            " (xem danh sách học sinh)."
        )
    return text


def name_width_mm(names: Iterable[str]) -> float:
    """The name column's width for the longest name (8 pt, a generous estimate)."""
    longest = max((len(name) for name in names), default=0)
    return max(NAME_MIN_MM, longest * NAME_MM + NAME_PAD_MM)


def heading_chars(heading: str) -> int:
    """The slot characters a column needs for the longest word of its ``heading`` to fit on a
    line of its own (a generous estimate: a word is never cut)."""
    longest = max((len(word) for word in heading.split()), default=0)
    return math.ceil((longest * HEAD_CHAR_PT + HEAD_PAD_PT) / CHAR_PT)


def slot_text(value: str, chars: int = SLOT_CHARS) -> str:
    """A value in its slot of ``chars`` characters: a score with its comma under the others'
    (``" 8,5 "``, ``"10,0 "`` in five), a count right-aligned before a space, a text one
    shorter than the slot before a space (``"Miễn "``), anything else centred; a longer text
    cut (values are scores, Đ, CĐ, Miễn, levels)."""
    if "," in value and len(value) <= 4:
        comma = 1 + (chars - 2) // 2
        text = " " * (comma - value.index(",")) + value
    elif value.isdigit():
        text = value.rjust(chars - 1)
    elif len(value) == chars - 1:
        text = value
    else:
        text = value.center(chars)
    return text.ljust(chars)[:chars]


def slot_line(slots: Sequence[Slot], values: Sequence[str]) -> str:
    return "".join(slot_text(value, slot.chars) for slot, value in zip(slots, values, strict=True))


def slot_rules(slots: Sequence[Slot], left_pt: float = 0.0, width_pt: float = 0.0) -> str:
    """An SVG (data URI) as wide as ``slots`` (or ``width_pt``, the slots beginning at
    ``left_pt``): a rule between two slots, a heavier one between two groups, each slot shaded
    in its :attr:`Slot.fill` (the result slots grey). Stretched to the box's height: the rules
    stay thin."""
    width = width_pt or sum(slot.width_pt for slot in slots)
    shades: dict[str, list[str]] = {}  # fill → its areas, in the order the fills first come
    rules = []
    x = left_pt
    for k, slot in enumerate(slots):
        if slot.fill:
            area = f"M{x:.2f} 0h{slot.width_pt:.2f}v10h-{slot.width_pt:.2f}z"
            shades.setdefault(slot.fill, []).append(area)
        if k:
            rules.append((x, 1.0 if slot.group != slots[k - 1].group else 0.5))
        x += slot.width_pt
    paths = [f'<path d="{"".join(areas)}" fill="{fill}"/>' for fill, areas in shades.items()]
    for stroke in (0.5, 1.0):
        d = "".join(f"M{at:.2f} 0V10" for at, w in rules if w == stroke)
        if d:
            paths.append(f'<path d="{d}" stroke="#000" stroke-width="{stroke:g}"/>')
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2f}" height="10" '
        f'viewBox="0 0 {width:.2f} 10" preserveAspectRatio="none">{"".join(paths)}</svg>'
    )
    return "data:image/svg+xml," + urllib.parse.quote(svg)


# --- what the book says -------------------------------------------------------------------------


def build_class_book(
    setup: Setup,
    room: ClassRoom,
    semester: int | None,
    results: Sequence[StudentResult],
    values: Values,
    approvals: Mapping[str, Approved],
    chain_head: str,
    day: date,
    months: Mapping[int, Sequence[str]] | None = None,
    former: Sequence[Handover] = (),
) -> ClassBook:
    """The book of ``room``: ``results`` and ``months`` (per semester, the attendance months not
    in) as :func:`class_results` computes them now (results in roster order), ``values`` the
    class's ledger values, ``approvals`` the class's latest approval of each period
    (:meth:`Ledger.approved_results`), ``former`` the class-subjects handed over mid-year
    (their former teachers sign too)."""
    if semester not in BOOK_PERIODS:
        raise ValueError(f"Sổ theo dõi in cho học kì I hoặc cả năm, không cho học kì {semester}")
    periods = BOOK_PERIODS[semester]
    approvals = {p: a for p, a in approvals.items() if p in periods}
    shown = [approved_result(r, approvals) for r in results]
    subjects = setup.subjects_of_grade(room.grade)
    names = {s.code: s.name for s in subjects}
    teachers = _subject_teachers(setup, room.code, former)
    members = setup.members_of(room.code)  # those who moved away too, with their mark
    position = {id(stay): i for i, stay in enumerate(members, start=1)}
    last = {id(stay) for stay in members if stay is setup.stays(stay.student_code)[-1]}
    number_of = {stay.student_code: position[id(stay)] for stay in members if id(stay) in last}
    moved = {position[id(stay)]: m for stay in members if (m := _moved(setup, stay))}
    students = [s for stay in members if (s := setup.find_student(stay.student_code))]
    signed = next((approvals[p] for p in SIGNED_FOR[semester] if p in approvals), None)
    signed_on = day_of(signed[2]) if signed else None
    homeroom = setup.find_teacher(room.homeroom_teacher)
    homeroom_name = homeroom.full_name if homeroom else ""
    numbered = [(number_of.get(r.code, i), r) for i, r in enumerate(shown, start=1)]
    by_result = {r.code: r for r in shown}
    rows = [
        (position[id(stay)], stay.student_code, student.full_name + (MOVED if m else ""),
         by_result.get(stay.student_code) if id(stay) in last else None)
        for stay in members
        if (student := setup.find_student(stay.student_code)) is not None
        for m in [position[id(stay)] in moved]
    ]  # fmt: skip
    left_mm = NUMBER_MM + name_width_mm(name for _, _, name, _ in rows)  # STT, Họ và tên
    summary = tuple(
        _summary_row(i, replace(r, name=r.name + (MOVED if i in moved else "")), subjects,
                     semester)
        for i, r in numbered
    )  # fmt: skip
    semester_months = (months or {}).get(1, [])
    return ClassBook(
        semester=semester,
        authority=setup.school.authority,
        school=setup.school.name,
        province=setup.school.province,
        address=setup.school.address,
        school_year=setup.school.school_year,
        class_code=room.code,
        grade=room.grade,
        homeroom_teacher=homeroom_name,
        principal=setup.school.principal,
        roster=tuple(
            RosterLine(
                i,
                s.code,
                s.full_name + (MOVED if i in moved else ""),
                date_text(s.birth_date),
                s.gender.value,
            )
            for i, s in enumerate(students, start=1)
        ),
        moves=tuple(f"{i}. {students[i - 1].full_name}: {m}" for i, m in sorted(moved.items())),
        exemptions=tuple(
            f"{i}. {r.name}: {', '.join(names.get(code, code) for code in r.exempt)}"
            for i, r in numbered
            if r.exempt
        ),
        boys=sum(1 for s in setup.students_of(room.code) if s.gender is Gender.MALE),
        girls=sum(1 for s in setup.students_of(room.code) if s.gender is Gender.FEMALE),
        subjects=tuple(
            _subject_page(
                i, subject, semester, rows, values, room.code, teachers, left_mm, bool(moved)
            )
            for i, subject in enumerate(subjects, start=1)
        ),
        summary=summary,
        summer=tuple(
            _summer_line(i, r, names)
            for i, r in numbered
            if semester is None and r.year.outcome not in (None, Outcome.PROMOTED)
        ),
        missing=tuple(
            f"{r.name}: {missing_text(items)}"
            for r in shown
            if (items := _missing(r, semester, semester_months))
        ),
        approvals=tuple(approval_line(setup, p, approvals[p]) for p in periods if p in approvals),
        changed=tuple(
            f"{r.name}: {item}"
            for r in results
            for period, (snapshot, _, _) in approvals.items()
            for item in approval_changes(r, period, snapshot.get(r.code))
        ),
        approved=signed is not None,
        place_date=place_date(setup.school.province, signed_on),
        signers=(
            Signer(("GIÁO VIÊN CHỦ NHIỆM",), SIGN_HINT, homeroom_name),
            principal(setup, signed),
        ),
        rendered_on=date_text(day),
        chain_head=chain_head,
        roster_blocks=blocks(len(students), *rows_per_page(*_roster_space())),
        results=_results_table(subjects, summary, left_mm),
        levels=_levels_table(summary, semester, left_mm),
    )


def _roster_space() -> tuple[float, float, float]:
    return PORTRAIT[1], TITLES_MM + HEADINGS_MM, HEADINGS_MM


def _summer_line(number: int, result: StudentResult, names: Mapping[str, str]) -> SummerLine:
    return SummerLine(number, result.name, proposal_text(result.year, names),
                      summer_text(result, names), final_text(result))  # fmt: skip


def _results_table(
    subjects: Sequence[Subject], rows: Sequence[SummaryRow], left_mm: float
) -> Table:
    """The summary's subjects: as wide slots as a portrait page leaves (landscape when even the
    narrowest do not fit); a subject's name wraps in its heading, each word on a line of its
    own at worst, never past the column (:func:`heading_chars`)."""
    low, high = SUMMARY_CHARS
    low = max(low, *(heading_chars(s.name) for s in subjects))
    room = PORTRAIT[0] - left_mm
    chars = int(room / (max(1, len(subjects)) * CHAR_MM))
    if chars < low:
        room = LANDSCAPE[0] - left_mm
        chars = int(room / (max(1, len(subjects)) * CHAR_MM))
    slots = tuple(Slot(s.name, chars=max(low, min(high, chars))) for s in subjects)
    grid = Grid(slots, tuple(slot_line(slots, row.results) for row in rows))
    return lay_out(grid, len(rows), left_mm, headings_mm=NAMES_HEADINGS_MM)


def _levels_table(rows: Sequence[SummaryRow], semester: int | None, left_mm: float) -> Table:
    """The summary's levels (HKI, HKII, CN of learning, then of conduct) and absences; for the
    year book the proposal, the final outcome and the award beside them, in columns of text."""
    heads = ("HKI",) if semester == 1 else ("HKI", "HKII", "CN")
    slots = (
        *(Slot(head, 0, chars=LEVEL_CHARS) for head in heads),
        *(Slot(head, 1, chars=LEVEL_CHARS) for head in heads),
        Slot("P", 2, chars=COUNT_CHARS),
        Slot("K", 2, chars=COUNT_CHARS),
    )
    lines = tuple(
        slot_line(slots, (*row.learning, *row.conduct, row.excused, row.unexcused)) for row in rows
    )
    grid = Grid(slots, lines, ("Kết quả học tập", "Kết quả rèn luyện", "Nghỉ học"))
    return lay_out(grid, len(rows), left_mm, LEVEL_RIGHT_MM if semester is None else 0.0)


def _moved(setup: Setup, stay: Stay) -> str:
    """How the book marks a student who came or left during the year ("" for none)."""
    if stay.mark:
        return stay.mark
    brought = setup.brought(stay.student_code) if stay.started_by is not None else ""
    return stay.arrival + (f"; kết quả {brought} theo hồ sơ trường cũ" if brought else "")


def _subject_teachers(
    setup: Setup, class_code: str, former: Sequence[Handover] = ()
) -> dict[str, tuple[str, ...]]:
    """Subject code → the names of the teachers who taught it in the class, each once: those
    who handed it over mid-year (``former``, they sign for the values they entered) first."""
    found: dict[str, dict[str, None]] = {}
    for h in former:
        if h.assignment.class_code == class_code:
            teacher = setup.find_teacher(h.former)
            name = teacher.full_name if teacher else h.former
            found.setdefault(h.assignment.subject_code, {})[name] = None
    for a in setup.assignments:
        if a.class_code == class_code:
            teacher = setup.find_teacher(a.teacher_code)
            name = teacher.full_name if teacher else a.teacher_code
            found.setdefault(a.subject_code, {})[name] = None
    return {code: tuple(names) for code, names in found.items()}


def entered_text(value: str | None) -> str:
    """A value as entered, as the books write it: ``8.5`` → ``8,5``, Đ/CĐ as is, "" blank."""
    text = score_text(value)
    return "" if text == BLANK else text


def subject_slots(subject: Subject, semester: int | None) -> tuple[Slot, ...]:
    """TX1…TXn, GK, CK and the semester's result, per semester of the book; the year's."""
    scored = subject.mode is AssessmentMode.SCORE
    slots: list[Slot] = []
    for group in range(1 if semester == 1 else 2):
        slots += [Slot(column, group) for column in subject.columns]
        slots.append(Slot("ĐTB mhk" if scored else "KQ", group, result=True))
    if semester is None:
        slots.append(Slot("ĐTB mcn" if scored else "KQ CN", 2, result=True))
    return tuple(slots)


def _subject_page(
    number: int,
    subject: Subject,
    semester: int | None,
    students: Sequence[tuple[int, str, str, StudentResult | None]],
    values: Values,
    class_code: str,
    teachers: Mapping[str, tuple[str, ...]],
    left_mm: float,
    moves: bool = False,
) -> SubjectPage:
    """``students``: (number, code, name, results) of each student who was in the class; one
    who moved on to another class has no results here (their values earned here are shown);
    ``moves``: some came or left during the year (marked (*), said in the legend)."""
    slots = subject_slots(subject, semester)
    rows = []
    for position, code, name, result in students:
        if result is not None and subject.code in result.exempt:
            rows.append(SubjectRow(position, name, (), exempt=True))
            continue
        cells: list[str] = []
        for n in (1,) if semester == 1 else (1, 2):
            key = SheetKey(class_code, subject.code, n)
            cells += [entered_text(values.get((key, code, c))) for c in subject.columns]
            half = None if result is None else result.hk1 if n == 1 else result.hk2
            cells.append(result_text(half.averages.get(subject.code)) if half else "")
        if semester is None:
            year = result.year.averages.get(subject.code) if result is not None else None
            cells.append(result_text(year))
        rows.append(SubjectRow(position, name, tuple(cells)))
    lines = tuple(
        slot_line(slots, [EXEMPT if s.result else "" for s in slots] if row.exempt else row.values)
        for row in rows
    )
    titles = ("Học kì I", "Học kì II", "Cả năm")
    scored = subject.mode is AssessmentMode.SCORE
    return SubjectPage(
        number=number,
        code=subject.code,
        name=subject.name,
        scored=scored,
        rows=tuple(rows),
        teachers=teachers.get(subject.code, ()),
        table=lay_out(Grid(slots, lines, titles), len(rows), left_mm),
        legend=subject_legend(scored, semester is None, moves),
    )


def _level(value: Level | None) -> str:
    return value.value if value is not None else ""


def _summary_row(
    number: int, result: StudentResult, subjects: Sequence[Subject], semester: int | None
) -> SummaryRow:
    half = result.hk1 if semester == 1 else result.year
    marks = tuple(
        EXEMPT if s.code in result.exempt else result_text(half.averages.get(s.code))
        for s in subjects
    )
    if semester == 1:
        levels = ((_level(half.learning),), (_level(half.conduct),))
        return SummaryRow(number, result.name, marks, *levels, str(half.excused),
                          str(half.unexcused))  # fmt: skip
    year = result.year
    halves = (result.hk1, result.hk2, year)
    final = year.final
    return SummaryRow(
        number,
        result.name,
        marks,
        tuple(_level(h.learning) for h in halves),
        tuple(_level(h.conduct) for h in halves),
        str(year.excused),
        str(year.unexcused),
        outcome=year.outcome.value if year.outcome is not None else "",
        final=final.value if final in FINAL and final is not None else _pending(year.outcome),
        award=year.award.value if year.award is not None else "",
    )


def _pending(outcome: Outcome | None) -> str:
    return NOT_YET if outcome is not None else ""


def summer_text(result: StudentResult, names: Mapping[str, str]) -> str:
    """The summer's results of a student proposed for it: "Toán 6,0; học tập sau kiểm tra lại:
    Đạt; rèn luyện hè: Khá" («chưa có» for a result not in yet); "" for any other student."""
    year = result.year
    summer = year.summer
    if summer is None:
        return ""
    parts = []
    if year.re_exam or summer.re_exam:
        parts.append(re_exam_text(summer, names) or f"kiểm tra lại: {NOT_YET}")
        parts.append(f"học tập sau kiểm tra lại: {_level(summer.learning) or NOT_YET}")
    if year.outcome in TRAINED:
        parts.append(f"rèn luyện hè: {_level(summer.conduct) or NOT_YET}")
    return "; ".join(parts)


def _missing(result: StudentResult, semester: int | None, months: Sequence[str]) -> list[str]:
    """What keeps the book's results of the student from being computed: for semester 1, its
    subjects', conduct's and attendance months' (``months``, as :func:`class_results` labels
    them) items only."""
    if semester == 1:
        return [m for m in result.missing if "HK1" in m or m in months]
    return [*result.missing, *result.summer_missing]


# --- reading the ledger, writing ----------------------------------------------------------------


def class_book(
    ledger: Ledger,
    setup: Setup,
    class_code: str,
    day: date,
    semester: int | None,
    chain_head: str | None = None,
) -> ClassBook:
    """The book of ``class_code`` as of ``day`` from the ledger (reads only): its roster, its
    boys and girls and its results as they stand that day, a «Biến động» movement dated later
    not shown yet (:meth:`~workbook_engine.model.Setup.as_of`)."""
    setup = setup.as_of(day)
    room = setup.class_by_code(class_code)
    results, months = book_results(setup, ledger, class_code, day)
    values = ledger.scores_of_class(class_code)
    approvals = ledger.approved_results(class_code)
    chain = chain_head if chain_head is not None else ledger.chain_head()
    former = handovers(setup, ledger.senders())
    return build_class_book(setup, room, semester, results, values, approvals, chain, day,
                            months, former)  # fmt: skip


def render_class_book_html(book: ClassBook) -> str:
    return render("class_book.html.j2", book=book, row_rule=ROW_RULE)


def class_book_path(outbox: Path, class_code: str, semester: int | None) -> Path:
    """``outbox/books/so-theo-doi/HK1/6A1.pdf`` (semester 1) or ``…/CN/6A1.pdf`` (the year)."""
    folder = "HK1" if semester == 1 else "CN"
    return Path(outbox) / BOOK_FOLDER / folder / f"{safe_stem(class_code)}.pdf"


def write_class_books(
    ledger: Ledger,
    setup: Setup,
    outbox: Path,
    day: date,
    semester: int | None,
    classes: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the class book of semester 1 (``semester`` 1) or of the year (None) as of ``day``
    for each class (``classes``: codes, default every class, in setup order) into
    ``outbox/books/so-theo-doi/<HK1|CN>/<class>.pdf`` and, beside it, ``<class>.xlsx`` (the
    same tables, print-ready); returns the written paths, each class's PDF then its workbook.
    ``KeyError`` for a class the setup does not have, ``ValueError`` for another semester.
    ``progress(done, total)`` counts the classes written."""
    if semester not in BOOK_PERIODS:
        raise ValueError(f"Sổ theo dõi in cho học kì I hoặc cả năm, không cho học kì {semester}")
    codes = (
        [c.code for c in setup.secondary_classes]
        if classes is None
        else list(dict.fromkeys(classes))
    )
    rooms = [setup.class_by_code(code) for code in codes]
    with gc_paused(), ledger.reading():  # the chain head printed is that of the values printed
        chain = ledger.chain_head()
        books = [class_book(ledger, setup, room.code, day, semester, chain) for room in rooms]
    total = len(books)
    if progress is not None:
        progress(0, total)
    written = []
    for done, book in enumerate(books, start=1):
        path = class_book_path(outbox, book.class_code, semester)
        with gc_paused():  # a book's garbage collected once, after it
            written.append(write_pdf(path, render_class_book_html(book)))
            written.append(write_class_book_xlsx(path.with_suffix(".xlsx"), book))
        if progress is not None:
            progress(done, total)
    return written
