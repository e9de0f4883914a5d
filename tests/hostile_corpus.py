"""A corpus of hostile and broken inputs (issue 11, acceptance): what people, tools and accidents
put into a shared folder, each built from the school's real issued sheets.

Each :class:`Case` writes one file into a teacher's ``Nộp/`` on the share (or an approver's
``Duyệt/``, or the office inbox) and names the exact catalogue problem
(:mod:`workbook_engine.errors`) the sender must get back. ``tests/test_hostile_corpus.py`` runs
every case through ingestion; its peak-memory test drops them all at once.

Zip-level files are rebuilt part by part with the streaming zip writer of
``tests/test_zip_guard.py`` (a 50 MB part is one compressed block repeated, never held).
"""

from __future__ import annotations

import os
import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.helpers import OCTOBER, SCORE, School
from tests.test_zip_guard import Big, part_of_sheet, parts_of, with_dtd, write_zip
from workbook_engine.io.class_sheets import attendance_identity, conduct_identity
from workbook_engine.io.correction_sheet import CORRECTION_SHEET, correction_sheet_name
from workbook_engine.io.decision_sheet import DecisionRow, write_decision_sheet
from workbook_engine.io.identity import (
    IDENTITY_SHEET,
    Identity,
    identity_from_rows,
    load_secret,
    sign,
)
from workbook_engine.io.kind_sheet import write_sheet
from workbook_engine.io.kinds import KINDS
from workbook_engine.io.zip_guard import MB
from workbook_engine.model import ExemptionScope, Role
from workbook_engine.pipeline.issue import issue_templates

LEDGER = "ledger"  # the verdict is recorded: the code is among the outcome's (and file row's)
ANSWER = "answer"  # refused unread (a link, a file far too large): only the answer page says it

# The baseline a test starts from fills 6A1 TOAN; hostile copies are of another sheet.
CLASS, SUBJECT = "7A1", "TOAN"
OTHER_SECRET = bytes(range(32))  # another school's key
SST_HEAD = (
    b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    b'main" count="1" uniqueCount="1"><si><t>'
)


@dataclass(frozen=True)
class Case:
    """One hostile input. ``build(school, scratch)`` writes it where a sender would drop it and
    returns its path (``scratch``: a private folder for anything that must lie elsewhere);
    ``code`` is the catalogue problem expected; ``where`` says where the verdict shows:
    :data:`LEDGER` or :data:`ANSWER`. ``today`` is the day it arrives; ``bug`` (when set) says
    why the product does not give ``code`` yet: the test is a strict expected failure."""

    name: str
    build: Callable[[School, Path], Path]
    code: str
    where: str = LEDGER
    today: date = OCTOBER
    bug: str = ""


CASES: list[Case] = []


def case(
    code: str, where: str = LEDGER, *, today: date = OCTOBER, bug: str = ""
) -> Callable[[Callable[[School, Path], Path]], None]:
    """Register the decorated builder as a case named after it (``_`` → ``-``)."""

    def register(build: Callable[[School, Path], Path]) -> None:
        name = build.__name__.replace("_", "-")
        assert all(c.name != name for c in CASES), name
        CASES.append(Case(name, build, code, where, today, bug))

    return register


# --- where files land -----------------------------------------------------------------------------


def teacher(school: School) -> str:
    return school.teacher_of(CLASS, SUBJECT)


def submitted(school: School, name: str, code: str | None = None) -> Path:
    """``name`` in the ``Nộp/`` of ``code`` (by default the teacher of the hostile sheet)."""
    folder = school.share.submit(code or teacher(school))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def dropped(school: School, name: str, data: bytes) -> Path:
    target = submitted(school, name)
    target.write_bytes(data)
    return target


def issued(school: School) -> Path:
    return school.issued(CLASS, SUBJECT)


def filled(
    school: School,
    name: str,
    cells: dict[str, object],
    edit: Callable[[openpyxl.Workbook], None] | None = None,
    *,
    source: Path | None = None,
    sheet: str = SCORE,
    sender: str | None = None,
) -> Path:
    """The issued sheet (or ``source``) filled as a teacher would with openpyxl, saved under
    the owner's Office user name into the sender's ``Nộp/``."""
    book = openpyxl.load_workbook(source or issued(school))
    ws = book[sheet]
    for ref, value in cells.items():
        ws[ref] = value
    if edit is not None:
        edit(book)
    owner = sender or teacher(school)
    book.properties.lastModifiedBy = school.username(owner)
    target = submitted(school, name, owner)
    book.save(target)
    return target


def rezipped(school: School, name: str, edit: dict[str, bytes | Big | None], **kw: object) -> Path:
    """The issued sheet rebuilt part by part with ``edit`` applied (None drops a part)."""
    parts = parts_of(issued(school))
    for part, data in edit.items():
        if data is None:
            parts.pop(part, None)
        else:
            parts[part] = data
    return write_zip(submitted(school, name), parts, **kw)  # type: ignore[arg-type]


def score_part(school: School, sheet: str = SCORE) -> tuple[str, bytes]:
    part = part_of_sheet(issued(school), sheet)
    xml = parts_of(issued(school))[part]
    assert isinstance(xml, bytes)
    return part, xml


def resign(school: School, book: openpyxl.Workbook, secret: bytes | None = None, **changes: object)\
        -> None:  # fmt: skip
    """Rewrite the identity sheet's scalar fields and sign it again (with the school's own key
    unless ``secret`` is given): a sheet that truly comes from that school and year."""
    ws = book[IDENTITY_SHEET]
    identity = identity_from_rows([list(r) for r in ws.iter_rows(values_only=True)], "x")
    new = sign(replace(identity, **changes), secret or load_secret(school.data.secret))
    scalars = {f.name for f in fields(Identity)} - {"students", "columns", "inputs", "exempt"}
    for row in ws.iter_rows():
        key = row[0].value
        if key in scalars:
            row[1].value = str(getattr(new, key))


# --- not a workbook at all ------------------------------------------------------------------------


@case("file-unreadable")
def zero_byte_file(school: School, scratch: Path) -> Path:
    return dropped(school, "zero-byte-file.xlsx", b"")


@case("file-unreadable")
def truncated_zip(school: School, scratch: Path) -> Path:
    """The end of the file (the zip directory) is missing: a copy broken off."""
    data = issued(school).read_bytes()
    return dropped(school, "truncated-zip.xlsx", data[: len(data) * 2 // 3])


@case("file-unreadable")
def file_still_being_written(school: School, scratch: Path) -> Path:
    """Windows Explorer sets the full size first, then fills it: the tail is still zeros."""
    data = issued(school).read_bytes()
    cut = len(data) // 2
    return dropped(school, "file-still-being-written.xlsx", data[:cut] + bytes(len(data) - cut))


@case("file-unreadable")
def csv_renamed_xlsx(school: School, scratch: Path) -> Path:
    return dropped(school, "csv-renamed.xlsx", "STT;Mã học sinh;TX1\n1;HS001;8,5\n".encode())


@case("file-unreadable")
def encrypted_ole_renamed_xlsx(school: School, scratch: Path) -> Path:
    """A password-protected workbook is an OLE compound file, whatever its name says."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff"
    return dropped(school, "encrypted.xlsx", ole + bytes(4096 - len(ole)))


@case("file-unreadable")
def html_saved_as_xlsx(school: School, scratch: Path) -> Path:
    html = "<html><body><table><tr><td>TX1</td><td>8,5</td></tr></table></body></html>"
    return dropped(school, "html-saved-as.xlsx", html.encode())


@case("file-wrong-format")
def xls_file(school: School, scratch: Path) -> Path:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088)
    return dropped(school, "7A1_TOAN_HK1.xls", ole)


@case("file-wrong-format")
def ods_file(school: School, scratch: Path) -> Path:
    target = submitted(school, "7A1_TOAN_HK1.ods")
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return target


@case("file-wrong-format")
def csv_file(school: School, scratch: Path) -> Path:
    return dropped(school, "7A1_TOAN_HK1.csv", "STT,Mã học sinh,TX1\n1,HS001,8.5\n".encode())


# --- bombs and oversized files --------------------------------------------------------------------


@case("file-compression-suspicious")
def shared_string_bomb(school: School, scratch: Path) -> Path:
    """A 50 MB shared string in a file of a few hundred KB."""
    bomb = Big(SST_HEAD, b"A" * MB, 50, b"</t></si></sst>")
    return rezipped(school, "shared-string-bomb.xlsx", {"xl/sharedStrings.xml": bomb})


@case("file-compression-suspicious")
def whitespace_bomb_in_identity_sheet(school: School, scratch: Path) -> Path:
    part, xml = score_part(school, IDENTITY_SHEET)
    cut = xml.index(b"</sheetData>")
    bomb = Big(xml[:cut], b" " * MB, 40, xml[cut:])
    return rezipped(school, "whitespace-bomb.xlsx", {part: bomb})


@case("file-too-large")
def part_too_large_at_a_plain_ratio(school: School, scratch: Path) -> Path:
    """16 MB of picture bytes that compress only as much as real data: no bomb, just too big."""
    rng = random.Random(11)
    block = bytes(rng.choice(b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")
                  for _ in range(64 * 1024))  # fmt: skip
    big = Big(b"", block, 16 * 16, b"")
    return rezipped(school, "part-too-large.xlsx", {"xl/media/image1.png": big})


@case("file-too-large", ANSWER)
def file_far_too_large(school: School, scratch: Path) -> Path:
    """25 MB on disk (sparse): answered from its size, never read into memory."""
    target = submitted(school, "file-far-too-large.xlsx")
    with target.open("wb") as out:
        out.truncate(25 * MB)
    return target


@case("file-too-many-parts")
def too_many_parts(school: School, scratch: Path) -> Path:
    extra: dict[str, bytes | Big | None] = {f"xl/media/image{i}.png": b"x" for i in range(250)}
    return rezipped(school, "too-many-parts.xlsx", extra)


# --- DTDs and entities ----------------------------------------------------------------------------


@case("file-xml-dtd")
def dtd_in_styles(school: School, scratch: Path) -> Path:
    styles = parts_of(issued(school))["xl/styles.xml"]
    assert isinstance(styles, bytes)
    return rezipped(school, "dtd-in-styles.xlsx",
                    {"xl/styles.xml": with_dtd(styles, b"<!DOCTYPE x>")})  # fmt: skip


@case("file-xml-dtd")
def entity_in_document_properties(school: School, scratch: Path) -> Path:
    core = parts_of(issued(school))["docProps/core.xml"]
    assert isinstance(core, bytes)
    core = with_dtd(core, b'<!DOCTYPE cp:coreProperties [<!ENTITY u "Admin">]>')
    end = b"</cp:coreProperties>"
    core = core.replace(end, b"<cp:lastModifiedBy>&u;</cp:lastModifiedBy>" + end)
    return rezipped(school, "entity-in-core.xlsx", {"docProps/core.xml": core})


@case("file-xml-dtd")
def billion_laughs_in_shared_strings(school: School, scratch: Path) -> Path:
    dtd = (
        b'<!DOCTYPE sst [<!ENTITY a "hahahahaha">'
        + b"".join(
            b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">'
            % ((98 + i,) + (97 + i,) * 10)
            for i in range(9)
        )
        + b"]>"
    )
    sst = with_dtd(SST_HEAD + b"&j;</t></si></sst>", dtd)
    return rezipped(school, "billion-laughs.xlsx", {"xl/sharedStrings.xml": sst})


@case("file-xml-dtd")
def xxe_in_workbook_xml(school: School, scratch: Path) -> Path:
    """An external entity asking the reader to include /etc/passwd in the sheet names."""
    xml = parts_of(issued(school))["xl/workbook.xml"]
    assert isinstance(xml, bytes)
    dtd = b'<!DOCTYPE workbook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    xml = with_dtd(xml, dtd).replace(b'name="', b'name="&x;', 1)
    return rezipped(school, "xxe-in-workbook.xlsx", {"xl/workbook.xml": xml})


# --- parts a school sheet never has ---------------------------------------------------------------


@case("file-active-content")
def xlsm_with_a_macro(school: School, scratch: Path) -> Path:
    parts = parts_of(issued(school))
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + bytes(508)
    return write_zip(submitted(school, "7A1_TOAN_HK1.xlsm"), parts)


@case("file-active-content")
def external_link(school: School, scratch: Path) -> Path:
    link = b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    return rezipped(school, "external-link.xlsx", {"xl/externalLinks/externalLink1.xml": link})


@case("file-active-content")
def embedded_ole_object(school: School, scratch: Path) -> Path:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return rezipped(school, "embedded-ole.xlsx", {"xl/embeddings/oleObject1.bin": ole})


@case("file-active-content")
def activex_control(school: School, scratch: Path) -> Path:
    return rezipped(school, "activex.xlsx", {"xl/activeX/activeX1.xml": b"<ax/>"})


# --- sheets far larger than a school's ------------------------------------------------------------


@case("file-dimension")
def dimension_far_past_the_roster(school: School, scratch: Path) -> Path:
    part, xml = score_part(school)
    xml = xml.replace(b"<dimension ref=", b'<dimension ref="A1:Q1000000"/><x ref=', 1)
    return rezipped(school, "dimension-far.xlsx", {part: xml})


@case("file-dimension")
def far_cell_in_the_identity_sheet(school: School, scratch: Path) -> Path:
    """One value at XFD1048576: calamine would allocate 550 GB for it."""
    part, xml = score_part(school, IDENTITY_SHEET)
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    return rezipped(school, "far-cell.xlsx", {part: xml.replace(b"</sheetData>", far, 1)})


@case("file-dimension")
def ten_thousand_stray_rows(school: School, scratch: Path) -> Path:
    part, xml = score_part(school)
    cut = xml.index(b"</sheetData>")
    stray = b"<row><c><v>1</v></c></row>" * 1000
    return rezipped(school, "stray-rows.xlsx", {part: Big(xml[:cut], stray, 10, xml[cut:])})


# --- damaged files --------------------------------------------------------------------------------


@case("file-unreadable")
def deflate_stream_cut(school: School, scratch: Path) -> Path:
    part, _ = score_part(school)
    return rezipped(school, "deflate-cut.xlsx", {}, cut=frozenset({part}))


@case("file-unreadable")
def wrong_crc(school: School, scratch: Path) -> Path:
    target = rezipped(school, "wrong-crc.xlsx", {}, stored=frozenset({"xl/styles.xml"}))
    data = bytearray(target.read_bytes())
    at = data.index(b'<sz val="') + len(b'<sz val="')
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    return target


@case("file-unreadable")
def sheet_xml_cut_in_half(school: School, scratch: Path) -> Path:
    part, xml = score_part(school)
    return rezipped(school, "sheet-xml-cut.xlsx", {part: xml[: len(xml) // 2]})


@case("file-unreadable")
def part_longer_than_declared(school: School, scratch: Path) -> Path:
    part, xml = score_part(school)
    cut = xml.index(b"</sheetData>")
    return rezipped(school, "longer-than-declared.xlsx",
                    {part: Big(xml[:cut], b" " * MB, 5, xml[cut:])},
                    declared={part: len(xml)})  # fmt: skip


# --- links and names ------------------------------------------------------------------------------


def _posix_only() -> None:
    if os.name == "nt":
        pytest.skip("symlinks need privileges on Windows")


@case("file-link", ANSWER)
def link_to_a_system_file(school: School, scratch: Path) -> Path:
    _posix_only()
    link = submitted(school, "link-to-passwd.xlsx")
    link.symlink_to("/etc/passwd")
    return link


@case("file-link", ANSWER)
def linked_folder_leading_out_of_the_share(school: School, scratch: Path) -> Path:
    _posix_only()
    outside = scratch / "ngoai"
    outside.mkdir(parents=True)
    (outside / "7A1_TOAN_HK1.xlsx").write_bytes(issued(school).read_bytes())
    folder = submitted(school, "lien-ket")
    folder.symlink_to(outside, target_is_directory=True)
    return folder / "7A1_TOAN_HK1.xlsx"


@case("score-out-of-range")
def name_of_250_bytes(school: School, scratch: Path) -> Path:
    base = "Bảng điểm lớp 7A1 "
    name = base + "x" * (250 - len(base.encode()) - len(".xlsx")) + ".xlsx"
    return filled(school, name, {"D8": 11})


@case("score-not-a-number")
def newline_and_escape_codes_in_the_name(school: School, scratch: Path) -> Path:
    name = "7A1_TOAN\x1b[31m.xlsx\n2025-10-10 08:00:00 GIẢ: ĐÃ NHẬN.xlsx"
    return filled(school, name, {"D8": "mười"})


# --- values typed into the sheet ------------------------------------------------------------------


@case("score-out-of-range")
def score_85_for_8_5(school: School, scratch: Path) -> Path:
    return filled(school, "score-85.xlsx", {"D8": 85})


@case("score-not-a-number")
def score_abc(school: School, scratch: Path) -> Path:
    return filled(school, "score-abc.xlsx", {"E9": "abc"})


@case("score-too-many-decimals")
def score_9_25_typed_with_a_comma(school: School, scratch: Path) -> Path:
    return filled(school, "score-9,25.xlsx", {"F10": "9,25"})


@case("formula-in-input")  # saved without a cached value (openpyxl; Excel on manual calculation)
def formula_typed_in_a_score_cell(school: School, scratch: Path) -> Path:
    return filled(school, "formula-in-score.xlsx", {"D8": "=9+1"})


@case("formula-in-input")  # the cached value must not be taken for the score
def formula_with_a_forged_cached_value(school: School, scratch: Path) -> Path:
    part, xml = score_part(school)
    cell = re.search(rb'<c r="D8"( [^>]*)?/>', xml)
    assert cell is not None
    forged = cell.group(0)[:-2] + b"><f>9+1</f><v>3</v></c>"
    return rezipped(school, "formula-forged-cache.xlsx", {part: xml.replace(cell.group(0), forged)})


@case("cells-merged")  # Excel keeps only the top-left value of a merged range
def merged_cells_over_scores(school: School, scratch: Path) -> Path:
    def merge(book: openpyxl.Workbook) -> None:
        book[SCORE].merge_cells("D8:G9")

    return filled(school, "merged.xlsx", {"D8": 7, "E8": 8, "D9": 6}, merge)


@case("formula-changed")
def value_typed_over_the_average_formula(school: School, scratch: Path) -> Path:
    return filled(school, "over-average.xlsx", {"D8": 7, "J9": 9.5})


@case("exempt-cell-filled")
def score_for_an_exempt_student(school: School, scratch: Path) -> Path:
    exemption = next(e for e in school.setup.exemptions if e.scope is ExemptionScope.WHOLE)
    student = next(s for s in school.setup.students if s.code == exemption.student_code)
    room, subject = student.class_code, exemption.subject_code
    row = 8 + [s.code for s in school.setup.students_of(room)].index(student.code)
    owner = school.teacher_of(room, subject)
    return filled(school, "exempt.xlsx", {f"D{row}": 7}, source=school.issued(room, subject),
                  sender=owner)  # fmt: skip


@case("note-too-long")
def comment_of_600_characters(school: School, scratch: Path) -> Path:
    return filled(school, "note-too-long.xlsx", {"K8": "x" * 600})


# --- the sheet's shape changed --------------------------------------------------------------------


@case("sheet-missing")
def score_sheet_renamed(school: School, scratch: Path) -> Path:
    def rename(book: openpyxl.Workbook) -> None:
        book[SCORE].title = "Sheet1"

    return filled(school, "sheet-renamed.xlsx", {"D8": 7}, rename)


@case("roster-changed")
def student_renamed(school: School, scratch: Path) -> Path:
    return filled(school, "roster-changed.xlsx", {"D8": 7, "C9": "Tên Đã Sửa"})


@case("roster-row-removed")
def student_row_cleared(school: School, scratch: Path) -> Path:
    return filled(school, "row-removed.xlsx", {"B10": None, "C10": None})


@case("roster-row-added")
def student_added_below_the_roster(school: School, scratch: Path) -> Path:
    last = 8 + len(school.setup.students_of(CLASS)) - 1

    def add(book: openpyxl.Workbook) -> None:
        book[SCORE].cell(last + 1, 2, "9999999999")
        book[SCORE].cell(last + 1, 3, "Nguyễn Văn Mới")

    return filled(school, "extra-row.xlsx", {"D8": 7}, add)


@case("column-changed")
def column_heading_renamed(school: School, scratch: Path) -> Path:
    return filled(school, "column-renamed.xlsx", {"D7": "TX 1", "D8": 7})


@case("title-mismatch")
def title_block_names_another_subject(school: School, scratch: Path) -> Path:
    return filled(school, "title-changed.xlsx", {"A1": "BẢNG ĐIỂM MÔN NGỮ VĂN", "D8": 7})


# --- not this school's, this year's or this semester's sheet --------------------------------------


@case("template-missing")
def identity_sheet_deleted(school: School, scratch: Path) -> Path:
    def delete(book: openpyxl.Workbook) -> None:
        del book[IDENTITY_SHEET]

    return filled(school, "no-identity.xlsx", {"D8": 7}, delete)


@case("template-missing")
def workbook_made_by_hand(school: School, scratch: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SCORE
    ws["A1"], ws["D7"], ws["D8"] = "Bảng điểm tự làm", "TX1", 8
    target = submitted(school, "hand-made.xlsx")
    book.save(target)
    return target


@case("template-tampered")
def identity_edited_to_another_class(school: School, scratch: Path) -> Path:
    def retarget(book: openpyxl.Workbook) -> None:
        for row in book[IDENTITY_SHEET].iter_rows():
            if row[0].value == "class_code":
                row[1].value = "6A1"

    return filled(school, "identity-edited.xlsx", {"D8": 7}, retarget)


@case("template-tampered")
def another_school_signed_with_its_own_key(school: School, scratch: Path) -> Path:
    def other(book: openpyxl.Workbook) -> None:
        resign(school, book, OTHER_SECRET, school_code="THCS-KHAC")

    return filled(school, "other-school-key.xlsx", {"D8": 7}, other)


@case("template-other-school")
def another_school_code_under_our_key(school: School, scratch: Path) -> Path:
    def other(book: openpyxl.Workbook) -> None:
        resign(school, book, school_code="THCS-KHAC")

    return filled(school, "other-school-code.xlsx", {"D8": 7}, other)


@case("template-other-school")
def last_years_template(school: School, scratch: Path) -> Path:
    def last_year(book: openpyxl.Workbook) -> None:
        resign(school, book, school_year="2024-2025")

    return filled(school, "last-year.xlsx", {"D8": 7}, last_year)


@case("template-version")
def template_version_from_the_future(school: School, scratch: Path) -> Path:
    def future(book: openpyxl.Workbook) -> None:
        resign(school, book, template_version=99)

    return filled(school, "version-99.xlsx", {"D8": 7}, future)


@case("sheet-kind-unsupported")
def identity_of_an_unknown_kind(school: School, scratch: Path) -> Path:
    def unknown(book: openpyxl.Workbook) -> None:
        resign(school, book, kind="diem-thi-thu")

    return filled(school, "unknown-kind.xlsx", {"D8": 7}, unknown)


@case("semester-not-started")
def the_other_semesters_template(school: School, scratch: Path) -> Path:
    """Semester 2's sheet, genuinely issued, dropped in October (semester 1)."""
    share = scratch / "share-hk2"
    secret = load_secret(school.data.secret)
    issue_templates(school.setup, share, secret, 2, teacher(school))
    (source,) = share.rglob(f"{CLASS}_{SUBJECT}_HK2.xlsx")
    return filled(school, "semester-2.xlsx", {"D8": 7}, source=source)


@case("period-locked", today=date(2026, 2, 2))
def semester_1_sheet_after_its_lock(school: School, scratch: Path) -> Path:
    """Semester 1's sheet kept and sent in February, after the calendar lock (24/01/2026)."""
    return filled(school, "after-lock.xlsx", {"D8": 7})


# --- who sent it ----------------------------------------------------------------------------------


@case("teacher-folder-mismatch")
def sheet_in_another_teachers_folder(school: School, scratch: Path) -> Path:
    intruder = school.teacher_of(CLASS, "NV")
    target = filled(school, "other-folder.xlsx", {"D8": 10})
    moved = submitted(school, target.name, intruder)
    target.replace(moved)
    return moved


def _homeroom(school: School) -> str:
    return school.setup.class_by_code(CLASS).homeroom_teacher


@case("not-homeroom")
def attendance_sheet_of_a_teacher_not_homeroom(school: School, scratch: Path) -> Path:
    other = next(t.code for t in school.setup.teachers
                 if t.code != _homeroom(school) and Role.TEACHER in t.roles)  # fmt: skip
    forged = replace(attendance_identity(school.setup, CLASS, 1, 2025, 9), teacher_code=other)
    source = scratch / f"{CLASS}_DiemDanh_2025-09_HK1.xlsx"
    write_sheet(source, school.setup, KINDS.require("attendance"), forged,
                load_secret(school.data.secret))  # fmt: skip
    book = openpyxl.load_workbook(source)
    return filled(school, "attendance-not-homeroom.xlsx", {"H8": "P"}, source=source,
                  sheet=book.sheetnames[0], sender=other)  # fmt: skip


@case("mark-invalid")
def attendance_mark_x(school: School, scratch: Path) -> Path:
    home = _homeroom(school)
    source = school.sheets(home) / f"{CLASS}_DiemDanh_2025-09_HK1.xlsx"
    book = openpyxl.load_workbook(source)
    return filled(school, "attendance-x.xlsx", {"H8": "x"}, source=source,
                  sheet=book.sheetnames[0], sender=home)  # fmt: skip


@case("level-invalid")
def conduct_level_not_in_the_list(school: School, scratch: Path) -> Path:
    home = _homeroom(school)
    source = school.sheets(home) / f"{CLASS}_RenLuyen_HK1.xlsx"
    assert conduct_identity(school.setup, CLASS, 1).teacher_code == home
    book = openpyxl.load_workbook(source)
    return filled(school, "conduct-gioi.xlsx", {"D8": "Giỏi"}, source=source,
                  sheet=book.sheetnames[0], sender=home)  # fmt: skip


# --- correction and decision forms ----------------------------------------------------------------


def _person(school: School, role: Role) -> tuple[str, str, str]:
    t = next(t for t in school.setup.teachers if role in t.roles)
    return t.code, t.full_name, t.usernames[0]


def _correction(school: School, name: str, row: dict[str, object], saved_by: str,
                into: Path | None = None) -> Path:  # fmt: skip
    """The baseline teacher's (6A1 TOAN) correction form with one row, dropped in their
    ``Nộp/`` or ``into``."""
    owner = school.teacher_of("6A1", "TOAN")
    book = openpyxl.load_workbook(school.sheets(owner) / correction_sheet_name(1))
    ws = book[CORRECTION_SHEET]
    for letter, value in row.items():
        ws[f"{letter}8"] = value
    book.properties.lastModifiedBy = saved_by
    target = (into or school.share.submit(owner)) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _request(school: School, **extra: object) -> dict[str, object]:
    student = school.setup.students_of("6A1")[0].code
    row: dict[str, object] = {"B": student, "D": "6A1", "E": "TOAN", "F": "TX1", "G": 6,
                              "H": "7,5", "I": "Cộng nhầm điểm", "J": "Bài làm số 12"}  # fmt: skip
    row.update(extra)
    return row


@case("decision-wrong-folder")
def correction_approved_from_the_teachers_own_folder(school: School, scratch: Path) -> Path:
    """The teacher writes the principal's approval and even saves as the principal."""
    _, principal, login = _person(school, Role.PRINCIPAL)
    row = _request(school, K="Đồng ý", L=principal)
    return _correction(school, "self-approved.xlsx", row, login)


@case("request-old-mismatch")
def correction_with_a_wrong_old_value(school: School, scratch: Path) -> Path:
    owner = school.teacher_of("6A1", "TOAN")
    row = _request(school, G=4)
    return _correction(school, "wrong-old.xlsx", row, school.username(owner))


def _decided(school: School, scratch: Path, target: Path) -> Path:
    """The principal's genuine decision form (for a made-up waiting request, number 999) with
    «Đồng ý» written in, saved by the principal, dropped at ``target``."""
    principal, _, login = _person(school, Role.PRINCIPAL)
    student = school.setup.students_of("6A1")[0]
    row = DecisionRow(id=999, class_code="6A1", subject="Toán", semester=1,
                      student_code=student.code, student_name=student.full_name, column="TX1",
                      old="6.0", new="7.5", reason="Cộng nhầm", teacher="GV")  # fmt: skip
    source = scratch / "PhieuDuyetSuaDiem_2025-10-10.xlsx"
    source.parent.mkdir(parents=True, exist_ok=True)
    write_decision_sheet(source, school.setup, principal, [row], load_secret(school.data.secret),
                         "10/10/2025")  # fmt: skip
    book = openpyxl.load_workbook(source)
    book[book.sheetnames[0]]["M8"] = "Đồng ý"
    book.properties.lastModifiedBy = login
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


@case("decision-other-approver")
def decision_form_in_another_approvers_folder(school: School, scratch: Path) -> Path:
    vice, _, _ = _person(school, Role.VICE_PRINCIPAL)
    return _decided(school, scratch, school.share.decide(vice) / "decision-other-approver.xlsx")


@case("decision-wrong-folder")
def decision_form_dropped_in_a_teachers_folder(school: School, scratch: Path) -> Path:
    return _decided(school, scratch, submitted(school, "decision-in-nop.xlsx"))


@case("decision-wrong-folder")
def decision_form_brought_by_the_office(school: School, scratch: Path) -> Path:
    """Dropped at the top of the office inbox: no approver's Duyệt/ says who decided."""
    return _decided(school, scratch, school.inbox / "decision-via-office.xlsx")
