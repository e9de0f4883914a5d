"""Hostile workbooks are refused before any parser opens them (issue 11): zip bombs, DTDs and
entities, macros and other active parts, sheets far larger than a school's, damaged parts.

The hostile files are real issued sheets rebuilt with one part changed, by a small zip writer
that streams each part (a 1 GB part is written as one compressed block repeated, never held).
"""

from __future__ import annotations

import random
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.helpers import SCORE, School, soffice_convert
from workbook_engine.errors import CATALOGUE, Problem
from workbook_engine.io import sheet_reader, zip_guard
from workbook_engine.io.formulas import sheet_part
from workbook_engine.io.identity import IDENTITY_SHEET
from workbook_engine.io.sheet_reader import UnreadableWorkbook, last_modified_by, read_filled_sheet
from workbook_engine.io.zip_guard import CHUNK, MB, Limits, inspect_workbook, workbook_limits

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_CODES = ("file-too-large", "file-compression-suspicious", "file-too-many-parts",
                 "file-xml-dtd", "file-active-content", "file-dimension")  # fmt: skip
LIMITS = Limits()


# --- a streaming zip writer -----------------------------------------------------------------------


@dataclass
class Big:
    """``head + block * count + tail``, written without ever being held whole."""

    head: bytes
    block: bytes
    count: int
    tail: bytes


def _write_part(out: object, data: bytes | Big, stored: bool) -> tuple[int, int, int]:
    """Write the part's bytes (deflated unless ``stored``); (crc, size, compressed size)."""
    big = data if isinstance(data, Big) else Big(data, b"", 0, b"")
    write = out.write  # type: ignore[attr-defined]
    crc = zlib.crc32(big.head)
    for _ in range(big.count):
        crc = zlib.crc32(big.block, crc)
    crc = zlib.crc32(big.tail, crc)
    size = len(big.head) + len(big.block) * big.count + len(big.tail)
    if stored:
        pieces = [big.head, *([big.block] * big.count), big.tail]
        for piece in pieces:
            write(piece)
        return crc, size, size
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    written = write(deflate.compress(big.head) + deflate.flush(zlib.Z_FULL_FLUSH))
    if big.count:  # after a full flush the same input deflates to the same bytes
        block = deflate.compress(big.block) + deflate.flush(zlib.Z_FULL_FLUSH)
        for _ in range(big.count):
            written += write(block)
    written += write(deflate.compress(big.tail) + deflate.flush())
    return crc, size, written


def write_zip(
    target: Path,
    parts: dict[str, bytes | Big],
    *,
    stored: frozenset[str] = frozenset(),
    cut: frozenset[str] = frozenset(),
    declared: dict[str, int] | None = None,
) -> Path:
    """A zip of ``parts``: ``cut`` parts lose the second half of their compressed bytes (sizes
    and CRC still those of the whole), ``declared`` overrides a part's unzipped size."""
    declared = declared or {}
    records = []
    with target.open("wb") as out:
        for name, data in parts.items():
            raw = name.encode()
            offset = out.tell()
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x800, method, 0, 0x21,
                                  0, 0, 0, len(raw), 0) + raw)  # fmt: skip
            start = out.tell()
            crc, size, written = _write_part(out, data, name in stored)
            if name in cut:
                out.truncate(start + written // 2)
                out.seek(start + written // 2)
            size = declared.get(name, size)
            end = out.tell()
            out.seek(offset + 14)
            out.write(struct.pack("<III", crc, written, size))
            out.seek(end)
            records.append((raw, method, crc, written, size, offset))
        directory = out.tell()
        for raw, method, crc, written, size, offset in records:
            out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, method,
                                  0, 0x21, crc, written, size, len(raw), 0, 0, 0, 0, 0,
                                  offset) + raw)  # fmt: skip
        size = out.tell() - directory
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(records), len(records),
                              size, directory, 0))  # fmt: skip
    return target


def parts_of(path: Path) -> dict[str, bytes | Big]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def part_of_sheet(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return sheet_part(archive, sheet)


def refusal(path: Path) -> Problem | None:
    return inspect_workbook(path.read_bytes(), path.name, LIMITS)


def refused_by_reader(path: Path) -> Problem:
    with pytest.raises(UnreadableWorkbook) as caught:
        read_filled_sheet(path)
    assert caught.value.problem is not None
    assert str(caught.value) == caught.value.problem.message
    return caught.value.problem


def rebuilt(
    school: School, tmp_path: Path, edit: dict[str, bytes | Big | None], **kw: object
) -> Path:
    """The issued 6A1 TOAN sheet with ``edit`` applied (None drops a part)."""
    parts = parts_of(school.issued("6A1", "TOAN"))
    for name, data in edit.items():
        if data is None:
            parts.pop(name, None)
        else:
            parts[name] = data
    return write_zip(tmp_path / "hostile.xlsx", parts, **kw)  # type: ignore[arg-type]


def with_dtd(xml: bytes, dtd: bytes) -> bytes:
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    return xml[:end] + dtd + xml[end:]


# --- genuine sheets pass --------------------------------------------------------------------------


def test_the_catalogue_has_every_refusal_tagged_unreadable() -> None:
    """``unreadable``: no red-marked copy is ever made by opening such a file with openpyxl."""
    for code in HOSTILE_CODES:
        assert "unreadable" in CATALOGUE[code].tags


def test_the_limits_are_the_schools_setting() -> None:
    rules = yaml.safe_load((ROOT / "schemas" / "score_sheet.yaml").read_text("utf-8"))
    assert workbook_limits() == Limits.from_rules(rules)
    assert workbook_limits().max_rows == rules["limits"]["max_rows"]
    assert Limits.from_rules({}) == Limits()
    with pytest.raises(ValueError, match="max_row"):
        Limits.from_rules({"limits": {"max_row": 10}})
    with pytest.raises(ValueError, match="positive"):
        Limits.from_rules({"limits": {"max_ratio": 0}})


def test_genuine_issued_and_filled_sheets_pass(school: School) -> None:
    issued = school.issued("6A1", "TOAN")
    filled = school.fill("6A1", "TOAN", {"D8": 8.5, "E8": "7,5", "H9": 10})
    for path in (issued, filled):
        assert refusal(path) is None
        sheet = read_filled_sheet(path)
        assert sheet.identity is not None and sheet.sheet_found


@pytest.mark.slow
def test_sheets_saved_by_libreoffice_pass(school: School, tmp_path: Path) -> None:
    issued = school.issued("6A1", "TOAN")
    filled = school.fill("6A1", "TOAN", {"D8": 8.5, "E8": "7,5"}, name="filled.xlsx")
    for path in soffice_convert([issued, filled], tmp_path / "lo"):
        assert refusal(path) is None, path.name
        assert read_filled_sheet(path).identity is not None


# --- bombs ----------------------------------------------------------------------------------------


def test_a_50_mb_shared_string_is_refused_from_the_zip_directory(
    school: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sst = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'  # noqa: E501
    bomb = Big(sst, b"A" * MB, 50, b"</t></si></sst>")
    path = rebuilt(school, tmp_path, {"xl/sharedStrings.xml": bomb})
    assert path.stat().st_size < MB

    def never(*_: object) -> None:
        raise AssertionError("a part was unzipped")

    monkeypatch.setattr(zip_guard._Guard, "chunks", never)
    problem = refusal(path)
    assert problem is not None and problem.code == "file-compression-suspicious"
    assert "xl/sharedStrings.xml" in problem.message
    assert refused_by_reader(path).code == "file-compression-suspicious"
    loose = Limits(max_ratio=100_000)  # the ratio allowed: the size still refuses it
    problem = inspect_workbook(path.read_bytes(), path.name, loose)
    assert problem is not None and problem.code == "file-too-large"
    assert "50,0 MB" in problem.message and "15 MB" in problem.message


def test_a_whitespace_bomb_in_the_data_sheet_is_refused(school: School, tmp_path: Path) -> None:
    issued = school.issued("6A1", "TOAN")
    part = part_of_sheet(issued, SCORE)
    xml = parts_of(issued)[part]
    assert isinstance(xml, bytes)
    cut = xml.index(b"</sheetData>")
    path = rebuilt(school, tmp_path, {part: Big(xml[:cut], b" " * MB, 40, xml[cut:])})
    problem = refused_by_reader(path)
    assert problem.code in ("file-compression-suspicious", "file-too-large")
    assert part in problem.message


def test_a_part_inflating_past_its_declared_size_is_refused(school: School, tmp_path: Path) -> None:
    """The directory claims a small part; the stream would give 5 MB: never read past the claim."""
    issued = school.issued("6A1", "TOAN")
    part = part_of_sheet(issued, SCORE)
    xml = parts_of(issued)[part]
    assert isinstance(xml, bytes)
    cut = xml.index(b"</sheetData>")
    path = rebuilt(school, tmp_path, {part: Big(xml[:cut], b" " * MB, 5, xml[cut:])},
                   declared={part: len(xml)})  # fmt: skip
    problem = refused_by_reader(path)
    assert problem.code == "file-unreadable"
    assert "dài hơn kích thước khai báo" in problem.message


def test_many_parts_are_refused(school: School, tmp_path: Path) -> None:
    extra: dict[str, bytes | Big | None] = {f"xl/media/image{i}.png": b"x" for i in range(250)}
    problem = refused_by_reader(rebuilt(school, tmp_path, extra))
    assert problem.code == "file-too-many-parts"
    assert "200" in problem.message


def test_a_file_larger_than_any_sheet_is_refused(school: School, tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(school.issued("6A1", "TOAN").read_bytes() + bytes(21 * MB))
    assert refused_by_reader(path).code == "file-too-large"


# --- DTDs and entities ----------------------------------------------------------------------------


def test_a_dtd_in_styles_is_refused(school: School, tmp_path: Path) -> None:
    styles = parts_of(school.issued("6A1", "TOAN"))["xl/styles.xml"]
    assert isinstance(styles, bytes)
    path = rebuilt(school, tmp_path, {"xl/styles.xml": with_dtd(styles, b"<!DOCTYPE x>")})
    problem = refused_by_reader(path)
    assert problem.code == "file-xml-dtd"
    assert "xl/styles.xml" in problem.message


def test_an_entity_in_the_document_properties_is_refused(school: School, tmp_path: Path) -> None:
    core = parts_of(school.issued("6A1", "TOAN"))["docProps/core.xml"]
    assert isinstance(core, bytes)
    core = with_dtd(core, b'<!DOCTYPE cp:coreProperties [<!ENTITY u "Admin">]>')
    core = core.replace(b"</cp:coreProperties>", b"<cp:lastModifiedBy>&u;</cp:lastModifiedBy>"
                        b"</cp:coreProperties>")  # fmt: skip
    path = rebuilt(school, tmp_path, {"docProps/core.xml": core})
    problem = refused_by_reader(path)
    assert problem.code == "file-xml-dtd"
    assert "docProps/core.xml" in problem.message
    assert last_modified_by(path.read_bytes()) == ""  # defusedxml refuses it too, quietly


@pytest.mark.parametrize("stored", [True, False])
@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/drawings/vmlDrawing1.vml"])
def test_a_dtd_split_across_two_chunks_is_found(
    school: School, tmp_path: Path, part: str, stored: bool
) -> None:
    """``<!DOC`` ends one 64 KB chunk, ``TYPE`` starts the next; expat never reads a .vml part,
    so there only the marker scan can find it."""
    prefix = b'<?xml version="1.0"?><!--'
    padding = CHUNK - len(prefix) - len(b"-->") - len(b"<!DOC")
    head = prefix + b"x" * padding + b"-->"
    data = head + b"<!DOCTYPE x><x/>"
    assert data[CHUNK - 5 : CHUNK + 4] == b"<!DOCTYPE"
    path = rebuilt(school, tmp_path, {part: data}, stored=frozenset({part} if stored else ()))
    problem = refusal(path)
    assert problem is not None and problem.code == "file-xml-dtd", problem
    assert part in problem.message


def test_a_dtd_in_a_sheet_is_refused_before_calamine(school: School, tmp_path: Path) -> None:
    issued = school.issued("6A1", "TOAN")
    part = part_of_sheet(issued, SCORE)
    xml = parts_of(issued)[part]
    assert isinstance(xml, bytes)
    dtd = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    path = rebuilt(school, tmp_path, {part: with_dtd(xml, dtd)})
    assert refused_by_reader(path).code == "file-xml-dtd"


# --- parts a school sheet never has ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "named"),
    [
        ("xl/vbaProject.bin", "macro"),
        ("xl/activeX/activeX1.xml", "ActiveX"),
        ("xl/externalLinks/externalLink1.xml", "liên kết ngoài"),
        ("xl/embeddings/oleObject1.bin", "đối tượng nhúng"),
        ("customUI/customUI.xml", "trình đơn tùy biến"),
    ],
)
def test_active_content_is_refused_by_name(
    school: School, tmp_path: Path, part: str, named: str
) -> None:
    path = rebuilt(school, tmp_path, {part: b"<x/>"})
    problem = refused_by_reader(path)
    assert problem.code == "file-active-content"
    assert named in problem.message and part in problem.message


# --- sheets far larger than the school's ----------------------------------------------------------


def _sheet_edit(school: School, old: bytes, new: bytes, sheet: str = SCORE) -> dict:
    issued = school.issued("6A1", "TOAN")
    part = part_of_sheet(issued, sheet)
    xml = parts_of(issued)[part]
    assert isinstance(xml, bytes) and old in xml
    return {part: xml.replace(old, new, 1)}


def test_a_dimension_far_past_the_roster_is_refused(school: School, tmp_path: Path) -> None:
    edit = _sheet_edit(school, b"<dimension ref=", b'<dimension ref="A1:Q1000000"/><x ref=')
    problem = refused_by_reader(rebuilt(school, tmp_path, edit))
    assert problem.code == "file-dimension"
    assert (problem.sheet, problem.column, problem.row) == (SCORE, "Q", 1000000)
    assert "A1:Q1000000" in problem.message
    assert f"trang «{SCORE}», ô Q1000000" in str(problem)


def test_a_missing_dimension_is_no_problem(school: School, tmp_path: Path) -> None:
    issued = school.issued("6A1", "TOAN")
    part = part_of_sheet(issued, SCORE)
    xml = parts_of(issued)[part]
    assert isinstance(xml, bytes)
    start = xml.index(b"<dimension")
    edit = {part: xml[:start] + xml[xml.index(b"/>", start) + 2 :]}
    assert refusal(rebuilt(school, tmp_path, edit)) is None


@pytest.mark.parametrize("sheet", [SCORE, IDENTITY_SHEET])
def test_one_value_far_below_the_roster_is_refused(
    school: School, tmp_path: Path, sheet: str
) -> None:
    """calamine allocates A1 to the farthest cell: this one cell would ask for 550 GB."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    edit = _sheet_edit(school, b"</sheetData>", far, sheet)
    problem = refused_by_reader(rebuilt(school, tmp_path, edit))
    assert problem.code == "file-dimension"
    assert (problem.sheet, problem.column, problem.row) == (sheet, "XFD", 1048576)


@pytest.mark.parametrize(
    ("rows", "codes"),
    [
        (10_000, ("file-dimension",)),  # small enough to unzip: its cells are counted
        (1_000_000, ("file-compression-suspicious", "file-too-large")),  # the case
    ],
)
def test_stray_rows_below_the_roster_are_refused(
    school: School, tmp_path: Path, rows: int, codes: tuple[str, ...]
) -> None:
    issued = school.issued("6A1", "TOAN")
    part = part_of_sheet(issued, SCORE)
    xml = parts_of(issued)[part]
    assert isinstance(xml, bytes)
    cut = xml.index(b"</sheetData>")
    stray = b"<row><c><v>1</v></c></row>" * 1000  # rows without r follow the last one
    path = rebuilt(school, tmp_path, {part: Big(xml[:cut], stray, rows // 1000, xml[cut:])})
    problem = refused_by_reader(path)
    assert problem.code in codes, problem
    if problem.code == "file-dimension":
        assert problem.sheet == SCORE and problem.row == workbook_limits().max_rows + 1


def test_a_formatted_empty_cell_far_below_is_no_problem(school: School, tmp_path: Path) -> None:
    far = b'<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>'
    path = rebuilt(school, tmp_path, _sheet_edit(school, b"</sheetData>", far))
    assert refusal(path) is None
    assert read_filled_sheet(path).sheet_found  # calamine skips cells without a value


# --- damaged files --------------------------------------------------------------------------------


def test_a_cut_part_is_unreadable(school: School, tmp_path: Path) -> None:
    part = part_of_sheet(school.issued("6A1", "TOAN"), SCORE)
    path = rebuilt(school, tmp_path, {}, cut=frozenset({part}))
    problem = refused_by_reader(path)
    assert problem.code == "file-unreadable"
    assert part in problem.message


def test_a_part_with_a_wrong_crc_is_unreadable(school: School, tmp_path: Path) -> None:
    path = rebuilt(school, tmp_path, {}, stored=frozenset({"xl/styles.xml"}))
    data = bytearray(path.read_bytes())
    at = data.index(b'<sz val="') + len(b'<sz val="')
    data[at] = ord("9") if data[at] != ord("9") else ord("8")  # still XML, not what was zipped
    path.write_bytes(bytes(data))
    problem = refused_by_reader(path)
    assert problem.code == "file-unreadable" and "CRC" in problem.message


def test_a_sheet_xml_cut_in_half_is_unreadable(school: School, tmp_path: Path) -> None:
    issued = school.issued("6A1", "TOAN")
    part = part_of_sheet(issued, SCORE)
    xml = parts_of(issued)[part]
    assert isinstance(xml, bytes)
    problem = refused_by_reader(rebuilt(school, tmp_path, {part: xml[: len(xml) // 2]}))
    assert problem.code == "file-unreadable"
    assert part in problem.message and "XML" in problem.message


def test_a_half_copied_file_is_unreadable(school: School, tmp_path: Path) -> None:
    path = tmp_path / "half.xlsx"
    data = school.issued("6A1", "TOAN").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert refused_by_reader(path).code == "file-unreadable"


@pytest.mark.parametrize("where", ["CalamineWorkbook", "identity_from_rows"])
def test_any_reader_failure_after_the_guard_is_unreadable(
    school: School, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Whatever a reader raises on a file the guard let through becomes UnreadableWorkbook,
    which ingestion answers: the file never stays in the inbox unanswered."""

    class Boom:
        def __init__(self, *_: object) -> None:
            raise RuntimeError("boom")

        from_filelike = __init__

    monkeypatch.setattr(sheet_reader, where, Boom)
    with pytest.raises(UnreadableWorkbook) as caught:
        read_filled_sheet(school.issued("6A1", "TOAN"))
    assert caught.value.problem is None and str(caught.value) == "boom"


# --- memory ---------------------------------------------------------------------------------------

PEAK_MB = 300
CHILD = """
import resource, sys
from pathlib import Path
limit = 1024 * 1024 * 1024  # a regression fails here instead of taking the machine's memory
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from workbook_engine.io.sheet_reader import UnreadableWorkbook, read_filled_sheet
try:
    read_filled_sheet(Path(sys.argv[1]))
    print("read")
except UnreadableWorkbook as exc:
    print(exc.problem.code if exc.problem else "unreadable")
status = Path("/proc/self/status")  # VmHWM: this process's own peak, reset by exec (ru_maxrss
if status.exists():                 # keeps the forking pytest's, which grows with the suite)
    line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
    print(int(line.split()[1]))  # kB, as ru_maxrss on Linux
else:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="peak memory is measured with getrusage")
def test_a_1_gb_shared_string_stays_far_under_300_mb(school: School, tmp_path: Path) -> None:
    """The issue's bomb: a 1.1 MB file holding one 1.1 GB shared string (3.5 GB peak before)."""
    sst = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'  # noqa: E501
    bomb = Big(sst, b"A" * MB, 1100, b"</t></si></sst>")
    path = rebuilt(school, tmp_path, {"xl/sharedStrings.xml": bomb})
    assert path.stat().st_size < 2 * MB
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    verdict, peak = done.stdout.split()
    assert verdict in ("file-compression-suspicious", "file-too-large")
    peak_mb = int(peak) / (1024 * 1024 if sys.platform == "darwin" else 1024)
    assert peak_mb < PEAK_MB, f"peak {peak_mb:.0f} MB"


@pytest.mark.parametrize(
    ("odd", "code"),
    [  # a superscript 2 is no row number; two spaces, r not first: never vouched for in bulk
        (b'<row r="\xc2\xb2"><c><v>1</v></c></row></sheetData>', "file-unreadable"),
        (b'<row  r="9"><c r="D9"><v>1</v></c></row></sheetData>', None),
        (b'<row r="9"><c s="1" r="XFD1048576"><v>1</v></c></row></sheetData>', "file-dimension"),
    ],
)
def test_an_unusual_sheet_is_decided_by_the_exact_scan(
    school: School, tmp_path: Path, odd: bytes, code: str | None
) -> None:
    """Rows and cells not written the usual way are never vouched for by the byte patterns:
    the element-by-element scan decides, and a far cell is refused wherever its ``r`` stands."""
    problem = refusal(rebuilt(school, tmp_path, _sheet_edit(school, b"</sheetData>", odd)))
    assert (problem.code if problem is not None else None) == code


def _random_rows(rng: random.Random) -> bytes:
    """A few rows and cells written in the usual and unusual ways a hostile file might use."""
    addresses = ["D9", "Q50", "GR5000", "GS1", "A5001", "XFD1048576", "d9", "$D$9", "D09", ""]
    rows = []
    for _ in range(rng.randint(1, 4)):
        address = rng.choice(addresses)
        space = rng.choice([" ", " ", "\t", "  "])
        quote = rng.choice(['"', '"', "'"])
        before = rng.choice(["", "", ' s="1"', ' t="a r=&quot;XFD1&quot;"'])
        prefix = rng.choice(["", "", "", "x:"])
        ref = f"{space}r={quote}{address}{quote}" if address else ""
        value = rng.choice(["<v>1</v>", "<is><t>x</t></is>", ""])
        cell = f"<{prefix}c{before}{ref}>{value}</{prefix}c>"
        row = rng.choice(
            ['<row r="9">{}</row>', "<row>{}</row>", "<!-- {} -->", '<row r="²">{}</row>']
        )
        rows.append(row.format(cell))
    return "".join(rows).encode()


def test_the_bulk_check_never_decides_otherwise_than_the_exact_scan(
    school: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Differential: 200 seeded variants of a sheet, each inspected with the bulk check and with
    the element-by-element scan alone; the verdicts (refused or not, and why) are the same."""
    from workbook_engine.io import zip_guard

    rng = random.Random(27)
    for case in range(200):
        edit = _sheet_edit(school, b"</sheetData>", _random_rows(rng) + b"</sheetData>")
        path = rebuilt(school, tmp_path, edit)
        fast = refusal(path)
        with monkeypatch.context() as patched:
            patched.setattr(zip_guard._Guard, "vouched", lambda self, info: False)
            exact = refusal(path)
        verdict = [(p.code, p.message) if p is not None else None for p in (fast, exact)]
        assert verdict[0] == verdict[1], (case, edit)
