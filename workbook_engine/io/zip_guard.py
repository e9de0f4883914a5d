"""Refuse a hostile workbook before any parser opens it.

A dropped ``.xlsx`` is a zip of XML parts. Before python-calamine, expat or defusedxml see it,
:func:`inspect_workbook` checks it against :class:`Limits` (``limits:`` in
``schemas/score_sheet.yaml``, fitted to the sheets the school issues):

1. from the zip directory alone: the file size, the number of parts, macro/ActiveX/external
   link/OLE/custom-UI parts, each part's and the whole file's unzipped size and compression
   ratio. A part's declared size is never trusted beyond this point: see 2.
2. then every part is streamed through a bounded decompressor, 64 KB at a time, never past its
   declared size (so never past the limits), CRC-checked, and scanned for ``<!DOCTYPE`` and
   ``<!ENTITY`` (also when the marker straddles two chunks). XML parts go through expat (DTDs
   refused, so no entity can be declared), and in every worksheet the declared ``<dimension>``
   and every cell address (checked in bulk by byte patterns when the sheet is written as Excel,
   LibreOffice and openpyxl write it, else element by element) must stay within the rows and
   columns a school sheet can have:
   calamine allocates the whole rectangle from A1 to the farthest cell, so one stray cell at
   XFD1048576 asks for 550 GB and aborts the process.

Nothing is ever held whole: peak memory is the file's bytes plus a few 64 KB buffers.
"""

from __future__ import annotations

import io
import posixpath
import re
import string
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, NoReturn
from xml.parsers import expat

from workbook_engine.errors import Problem, make_problem
from workbook_engine.io.cells import column_letter

MB = 1024 * 1024
CHUNK = 64 * 1024  # bytes read, and at most produced, per decompression step
_MARKER = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CARRY = len(b"<!DOCTYPE") - 1  # kept from the previous chunk: a marker may straddle two
_ADDRESS = re.compile(r"([A-Za-z]+)([0-9]+)")
_DIGITS = "0123456789"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END = b"PK\x06\x06"
_FAR = 10**9  # an address too long to be real: beyond any limit
_LAST_COLUMN = 16384  # XFD
_RECORD_BYTES = 1024  # central-directory bytes allowed per part (a record is ~100 bytes)
# VML is tag soup and the rest binary: only the marker scan reads them
_NOT_XML = (".vml", ".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif",
            ".tiff")  # fmt: skip
_OFFICE_DOCUMENT = "/officeDocument"
_BLANK = b"\xef\xbb\xbf\xff\xfe \t\r\n\x00"  # BOMs, white space, UTF-16 zero bytes
# The bulk check of a worksheet (:class:`_Cells`), by byte patterns
_PREFIXED = re.compile(rb":(?:c|row|dimension)[ \t\r\n/>]")  # a prefixed tag of those names
_OTHER_MARKUP = re.compile(rb"<[!?]")  # a comment, CDATA, processing instruction, DTD
_PROLOGUE = re.compile(  # an optional UTF-8 BOM and declaration, then the first start tag
    rb"(?:\xef\xbb\xbf)?(?:<\?xml[ \t\r\n]+version=[\"']1\.0[\"']"
    rb"(?:[ \t\r\n]+encoding=[\"'](?i:utf-8)[\"'])?(?:[ \t\r\n]+standalone=[\"'](?:yes|no)[\"'])?"
    rb"[ \t\r\n]*\?>[ \t\r\n]*)?(?=<[A-Za-z_])"
)
_TAIL = 4096  # longest unfinished tag (and text after it) carried to the next chunk


@dataclass(frozen=True)
class Limits:
    """Bounds a dropped workbook must stay within (``limits:`` in ``score_sheet.yaml``)."""

    max_total_mb: float = 20  # the file, and all its parts unzipped
    max_member_mb: float = 15  # one part unzipped
    max_ratio: float = 150  # unzipped / zipped size, of a part and of the whole file
    ratio_from_mb: float = 1  # the ratio is judged only from this unzipped size on
    max_members: int = 200  # parts in the zip
    max_rows: int = 5000  # rows of any worksheet, by its cells and its <dimension>
    max_cols: int = 200  # columns of any worksheet

    @classmethod
    def from_rules(cls, rules: dict[str, Any]) -> Limits:
        """The ``limits`` block of the sheet rules; defaults for what it leaves out."""
        block = rules.get("limits") or {}
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(block) - set(known))
        if unknown:
            raise ValueError(f"score_sheet.yaml, limits: unknown setting(s) {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in block.items():
            number = int(value) if known[key].type == "int" else float(value)
            if number <= 0:
                raise ValueError(f"score_sheet.yaml, limits.{key} must be positive: {value!r}")
            values[key] = number
        return cls(**values)

    @property
    def max_total(self) -> int:
        return int(self.max_total_mb * MB)

    @property
    def max_member(self) -> int:
        return int(self.max_member_mb * MB)

    @property
    def ratio_from(self) -> int:
        return int(self.ratio_from_mb * MB)


@cache
def workbook_limits() -> Limits:
    """The school's limits, read once from ``schemas/score_sheet.yaml``."""
    from workbook_engine.io.kinds.values import sheet_rules  # the one loader of that file

    return Limits.from_rules(sheet_rules())


def inspect_workbook(content: bytes, name: str, limits: Limits | None = None) -> Problem | None:
    """The catalogue problem that makes ``content`` (the file ``name``) unsafe to open, or None.

    Codes: ``file-too-large``, ``file-compression-suspicious``, ``file-too-many-parts``,
    ``file-active-content``, ``file-xml-dtd``, ``file-dimension``, and ``file-unreadable`` when
    it is no zip, or a part is cut short, damaged or lies about its size.
    """
    guard = _Guard(content, name, limits or workbook_limits())
    try:
        guard.run()
    except _Refused as refused:
        return refused.problem
    return None


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _shown(part: str) -> str:
    """A part name fit for a message: printable, at most 80 characters."""
    text = "".join(c if c.isprintable() else "?" for c in part)
    return text if len(text) <= 80 else text[:77] + "..."


def _directory(content: bytes) -> tuple[int, int] | None:
    """(number of parts, size of the central directory) from the end record; None when the
    bytes hold no zip end record (not a zip, or cut short)."""
    end = len(content) - 22  # where zipfile looks first: a record without a comment
    if end < 0 or content[end : end + 4] != _END_SIGNATURE:
        end = content.rfind(_END_SIGNATURE, max(0, len(content) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(content):
        return None
    entries, cd_size = struct.unpack_from("<HI", content, end + 10)
    locator = end - 20
    zip64 = entries == 0xFFFF or cd_size == 0xFFFFFFFF
    if zip64 and locator >= 0 and content[locator : locator + 4] == _ZIP64_LOCATOR:
        (record,) = struct.unpack_from("<Q", content, locator + 8)
        if content[record : record + 4] == _ZIP64_END and record + 48 <= len(content):
            entries, cd_size = struct.unpack_from("<QQ", content, record + 32)
    return entries, cd_size


def _active_kind(part: str) -> str | None:
    """What a part a school sheet never has is, in the teacher's words; None for other parts."""
    name = part.lower().lstrip("/")
    if posixpath.basename(name).startswith("vbaproject") or "macrosheets/" in name:
        return "macro"
    if "activex/" in name:
        return "ActiveX"
    if "externallinks/" in name:
        return "liên kết ngoài"
    if "embeddings/" in name:
        return "đối tượng nhúng"
    if name.startswith("customui"):
        return "trình đơn tùy biến (customUI)"
    return None


@cache
def _columns(count: int) -> dict[str, int]:
    """Letters → 1-based index of the first ``count`` columns (``A`` → 1)."""
    return {column_letter(i): i + 1 for i in range(count)}


def _local(tag: str) -> str:
    return tag[tag.rfind(":") + 1 :]


def _targets(source: str, target: str) -> set[str]:
    """The member names a relationship target may mean (readers resolve them differently)."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return {target.lstrip("/").lower()}
    folder = posixpath.dirname(source)
    joined = posixpath.normpath(posixpath.join(folder, target))
    return {joined.lower(), target.lower(), posixpath.normpath("xl/" + target).lower()}


class _Guard:
    def __init__(self, content: bytes, name: str, limits: Limits) -> None:
        self.content = content
        self.view = memoryview(content)
        self.name = name
        self.limits = limits
        # source part → (id, type, target) of its internal relationships
        self.relationships: dict[str, list[tuple[str, str, str]]] = {}
        self.sheet_ids: dict[str, list[tuple[str, str]]] = {}  # workbook part → (name, r:id)
        self.sheets: dict[str, str] = {}  # lower-case member name of a worksheet → sheet name
        self.must_parse: set[str] = set()  # parts a reader takes for XML whatever their name

    # --- refusals

    def refuse(self, code: str, **values: Any) -> NoReturn:
        raise _Refused(make_problem(code, file=self.name, **values))

    def broken(self, detail: str) -> NoReturn:
        self.refuse("file-unreadable", detail=detail)

    def too_large(self, detail: str, limit: float) -> NoReturn:
        self.refuse("file-too-large", detail=detail, limit=_number(limit))

    # --- the checks

    def run(self) -> None:
        limits = self.limits
        if len(self.content) > limits.max_total:
            self.too_large(f"tệp nặng {_mb(len(self.content))} MB", limits.max_total_mb)
        directory = _directory(self.content)
        if directory is None:
            self.broken("tệp không phải sổ làm việc .xlsx, hoặc bị cắt cụt khi chép")
        entries, cd_size = directory
        if entries > limits.max_members or cd_size > limits.max_members * _RECORD_BYTES:
            count = max(entries, cd_size // _RECORD_BYTES)
            self.refuse("file-too-many-parts", count=count, limit=limits.max_members)
        try:
            archive = zipfile.ZipFile(io.BytesIO(self.content))
        except Exception as exc:  # zipfile raises several types for damaged directories
            self.broken(f"tệp không phải sổ làm việc .xlsx, hoặc bị hỏng ({exc})")
        with archive:
            infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
        if len(infos) > limits.max_members:
            self.refuse("file-too-many-parts", count=len(infos), limit=limits.max_members)
        self.check_directory(infos)
        self.scan(infos)

    def check_directory(self, infos: list[zipfile.ZipInfo]) -> None:
        """Everything the zip directory tells without unzipping a byte."""
        limits = self.limits
        active = {kind: info.filename for info in infos if (kind := _active_kind(info.filename))}
        if active:
            self.refuse(
                "file-active-content",
                found=", ".join(active),
                part=_shown(next(iter(active.values()))),
            )
        for info in infos:
            if info.flag_bits & 0x1:
                self.broken("tệp được đặt mật khẩu")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                self.broken(f"phần «{_shown(info.filename)}» nén theo cách Excel không dùng")
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= limits.ratio_from and ratio > limits.max_ratio:
                self.refuse(
                    "file-compression-suspicious",
                    detail=f"phần «{_shown(info.filename)}»",
                    ratio=f"{ratio:.0f}",
                    limit=_number(limits.max_ratio),
                )
        total = sum(i.file_size for i in infos)
        ratio = total / max(sum(i.compress_size for i in infos), 1)
        if total >= limits.ratio_from and ratio > limits.max_ratio:
            self.refuse("file-compression-suspicious", detail="cả tệp", ratio=f"{ratio:.0f}",
                        limit=_number(limits.max_ratio))  # fmt: skip
        for info in infos:
            if info.file_size > limits.max_member:
                self.too_large(
                    f"phần «{_shown(info.filename)}» giải nén ra {_mb(info.file_size)} MB",
                    limits.max_member_mb,
                )
        if total > limits.max_total:
            self.too_large(f"các phần của tệp giải nén ra {_mb(total)} MB", limits.max_total_mb)

    def scan(self, infos: list[zipfile.ZipInfo]) -> None:
        """Stream every part: relationships first, then the workbook, then the rest."""
        rels = [i for i in infos if i.filename.lower().endswith(".rels")]
        for info in rels:
            self.scan_part(info, self.relationships_handler(info.filename))
        workbooks = {"xl/workbook.xml"}
        for _, kind, target in self.relationships.get("", []):
            if kind.endswith(_OFFICE_DOCUMENT):
                workbooks |= _targets("", target)
        books = [i for i in infos if i.filename.lower() in workbooks]
        for info in books:
            self.scan_part(info, self.workbook_handler(info.filename))
        self.find_sheets()
        done = {id(i) for i in (*rels, *books)}
        for info in infos:
            if id(info) in done:
                continue
            lower = info.filename.lower()
            sheet = self.sheets.get(lower)
            if sheet is None and lower.startswith("xl/worksheets/") and "/_rels/" not in lower:
                sheet = ""
            if sheet is None:
                self.scan_part(info, None)
            elif not self.vouched(info):  # the exact scan decides (and words any refusal)
                self.scan_part(info, _Extent(self, sheet, info.filename).start)

    def vouched(self, info: zipfile.ZipInfo) -> bool:
        """True when the bulk check (:class:`_Cells`) finds the worksheet part sound; then the
        exact scan by :class:`_Extent` would pass it too. False on anything else: a refusal,
        damage, any form it does not know; the caller then scans the part again exactly."""
        cells = _Cells(self.limits)
        try:
            self.scan_part(info, None, cells.feed)
            cells.finish()
        except (_Refused, _Unusual):
            return False
        return True

    def find_sheets(self) -> None:
        """The worksheet parts, by the workbook's sheets and relationships; every target of the
        workbook is read as XML by the readers, whatever its name."""
        for workbook, sheets in self.sheet_ids.items():
            by_id: dict[str, set[str]] = {}
            for rid, _, target in self.relationships.get(workbook, []):
                by_id.setdefault(rid, set()).update(_targets(workbook, target))
            for targets in by_id.values():
                self.must_parse |= targets
            for sheet, rid in sheets:
                for target in by_id.get(rid, ()):
                    self.sheets.setdefault(target, sheet)
        for rels in self.relationships.values():
            for _, kind, target in rels:
                if kind.endswith("/worksheet"):
                    for part in _targets("xl/workbook.xml", target):
                        self.sheets.setdefault(part, "")

    def relationships_handler(self, rels_part: str) -> Callable[[str, dict[str, str]], None]:
        folder, base = posixpath.split(rels_part)
        source = posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])
        found = self.relationships.setdefault(source.lower().lstrip("/"), [])

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                found.append((attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", "")))

        return start

    def workbook_handler(self, part: str) -> Callable[[str, dict[str, str]], None]:
        found = self.sheet_ids.setdefault(part.lower(), [])

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "sheet":
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
                found.append((attrs.get("name", ""), rid))

        return start

    # --- streaming one part

    def scan_part(
        self,
        info: zipfile.ZipInfo,
        handler: Callable[[str, dict[str, str]], None] | None,
        bulk: Callable[[bytes], None] | None = None,
    ) -> None:
        """Stream the part, refusing a DTD marker anywhere; XML parts through expat too (and
        ``bulk``, when given, sees every chunk expat parses, before it does)."""
        lower = info.filename.lower()
        xml = lower.endswith((".xml", ".rels")) or lower in self.must_parse or lower in self.sheets
        parser: Any = None
        carry = b""
        first = True
        try:
            for chunk in self.chunks(info):
                window = carry + chunk
                if _MARKER.search(window):
                    self.refuse("file-xml-dtd", part=_shown(info.filename))
                carry = window[-_CARRY:]
                if first:  # decide on the first bytes: what starts like XML is read as XML
                    first = False
                    if not xml and not lower.endswith(_NOT_XML):
                        xml = chunk.lstrip(_BLANK).startswith(b"<")
                    parser = self.parser(info.filename, handler) if xml else None
                if parser is not None:
                    if bulk is not None:
                        bulk(chunk)
                    parser.Parse(chunk, False)
            if parser is not None:
                parser.Parse(b"", True)
        except expat.ExpatError as exc:
            self.broken(
                f"phần «{_shown(info.filename)}» không phải XML hợp lệ "
                f"(dòng {exc.lineno}, cột {exc.offset}): bị cắt cụt hoặc bị sửa hỏng"
            )

    def parser(self, part: str, handler: Callable[[str, dict[str, str]], None] | None) -> Any:
        """An expat parser refusing any DTD (hence any entity declaration)."""
        parser = expat.ParserCreate()

        def refuse(*_: object) -> NoReturn:
            self.refuse("file-xml-dtd", part=_shown(part))

        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        parser.ExternalEntityRefHandler = refuse
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = handler
        return parser

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The part's unzipped bytes, ``CHUNK`` at a time; never more than it declares, and
        checked against its CRC at the end (:func:`broken` on any damage)."""
        part = _shown(info.filename)
        start, end = self.data_span(info)
        produced, crc = 0, 0
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != info.file_size:
                self.broken(f"phần «{part}» khai báo sai kích thước")
            for offset in range(start, end, CHUNK):
                out = bytes(self.view[offset : min(offset + CHUNK, end)])
                produced += len(out)
                crc = zlib.crc32(out, crc)
                yield out
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            offset = start
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    piece: bytes | memoryview = inflater.unconsumed_tail
                elif offset < end:
                    piece = self.view[offset : min(offset + CHUNK, end)]
                    offset += len(piece)
                else:
                    piece = b""
                try:
                    out = inflater.decompress(piece, CHUNK)
                except zlib.error:
                    self.broken(f"phần «{part}» bị hỏng hoặc bị cắt cụt (không giải nén được)")
                if not out and not piece:
                    self.broken(f"phần «{part}» bị cắt cụt")
                produced += len(out)
                if produced > info.file_size:
                    self.broken(f"phần «{part}» dài hơn kích thước khai báo (tệp bị làm giả)")
                crc = zlib.crc32(out, crc)
                if out:
                    yield out
        if produced != info.file_size:
            self.broken(f"phần «{part}» ngắn hơn kích thước khai báo (bị cắt cụt)")
        if crc != info.CRC:
            self.broken(f"phần «{part}» bị hỏng (sai mã kiểm tra CRC)")

    def data_span(self, info: zipfile.ZipInfo) -> tuple[int, int]:
        """Where the part's zipped bytes lie in the file, from its local header."""
        part = _shown(info.filename)
        offset = info.header_offset
        if offset < 0 or offset + _LOCAL_HEADER.size > len(self.content):
            self.broken(f"phần «{part}» nằm ngoài tệp (tệp bị cắt cụt)")
        header = _LOCAL_HEADER.unpack_from(self.content, offset)
        signature, flags, method = header[0], header[2], header[3]
        if signature != _LOCAL_SIGNATURE or method != info.compress_type or flags & 0x1:
            self.broken(f"phần «{part}» có phần đầu bị hỏng")
        start = offset + _LOCAL_HEADER.size + header[9] + header[10]
        end = start + info.compress_size
        if end > len(self.content):
            self.broken(f"phần «{part}» bị cắt cụt")
        return start, end


class _Unusual(Exception):
    """The bulk check does not vouch for a worksheet: the exact scan decides."""


def _numerals(last: str, digits: str, lowest: int) -> str:
    """A pattern of every numeral from the first to ``last`` in a positional system written
    with ``digits``, in order, whose first digit is at least ``digits[lowest]``: no leading
    zero for numbers (``"5000"``, ``"0123456789"``, 1), columns as letters (``"GR"``, A-Z, 0)."""

    def among(low: int, high: int) -> str:
        return digits[low] if low == high else f"[{digits[low]}-{digits[high]}]"

    top, size = len(digits) - 1, len(last)
    options = [f"{among(lowest, top)}{among(0, top)}{{0,{size - 2}}}"] if size > 1 else []
    for i, char in enumerate(last):  # as long as ``last`` up to i, then a smaller digit
        below, floor, rest = digits.index(char) - 1, lowest if i == 0 else 0, size - i - 1
        if below >= floor:
            tail = f"{among(0, top)}{{{rest}}}" if rest else ""
            options.append(f"{last[:i]}{among(floor, below)}{tail}")
    options.append(last)
    return f"(?:{'|'.join(options)})"


@cache
def _odd_tag(max_cols: int, max_rows: int) -> re.Pattern[bytes]:
    """A start tag named ``c``, ``row`` or ``dimension`` (no prefix) that is not of the form
    every writer uses (``r``/``ref`` first after one space) with an address within the limits
    (capped where :class:`_Extent` reads an address as too long to be real)."""
    last_column = column_letter(min(max_cols, _LAST_COLUMN) - 1)
    address = _numerals(last_column, string.ascii_uppercase, 0)
    address += _numerals(str(min(max_rows, 10**9 - 1)), string.digits, 1)
    plain = address.encode()
    return re.compile(
        rb'<(?:c(?! r="' + plain + rb'")|row(?! r="[0-9]{1,9}")'
        rb'|dimension(?! ref="(?:[A-Z]{1,3}[0-9]{1,9}:)?' + plain + rb'"))[ \t\r\n/>]'
    )


class _Cells:
    """The bulk check of a worksheet part, fed the chunks expat parses (expat still refuses
    what is not well-formed): vouches for it only when it is UTF-8 XML without comments, CDATA,
    processing instructions or DTD (so, once expat accepts it, every ``<`` opens a tag), no tag
    named ``c``, ``row`` or ``dimension`` has a prefix, and every such start tag is of the form
    Excel, LibreOffice and openpyxl write (``r``/``ref`` first, one space before it) with an
    address within the limits. :class:`_Extent` looks at a subset of these (only the cells
    holding a value), so what passes here passes there. Anything else raises :class:`_Unusual`.
    Chunks are cut at their last ``<``: a tag cut between two is carried over whole."""

    def __init__(self, limits: Limits) -> None:
        self.odd = _odd_tag(limits.max_cols, limits.max_rows)
        self.carry = b""
        self.first = True

    def feed(self, chunk: bytes) -> None:
        if self.first:
            self.first = False
            prologue = _PROLOGUE.match(chunk)
            if prologue is None:
                raise _Unusual
            chunk = chunk[prologue.end() :]
        window = self.carry + chunk
        cut = window.rfind(b"<")
        if cut < 0:
            cut = len(window)
        self.check(window[:cut])
        self.carry = window[cut:]
        if len(self.carry) > _TAIL:
            raise _Unusual

    def finish(self) -> None:
        self.check(self.carry)

    def check(self, tags: bytes) -> None:
        if _OTHER_MARKUP.search(tags) or _PREFIXED.search(tags) or self.odd.search(tags):
            raise _Unusual


class _Extent:
    """Expat start handler of a worksheet: its ``<dimension>`` and the address of every cell
    holding a value (``<v>``, ``<is>``: what calamine places) must stay within the limits. A cell
    or row without ``r`` follows the previous one, as readers place it."""

    def __init__(self, guard: _Guard, sheet: str, part: str) -> None:
        self.guard = guard
        self.sheet = sheet
        self.part = part
        self.row = 0
        self.col = 0  # 1-based column of the previous placed cell of the row
        # the open cell until it shows a value: its r (parsed only then), or (row, col)
        self.cell: str | tuple[int, int] | None = None
        self.columns = _columns(guard.limits.max_cols)
        self.max_rows = guard.limits.max_rows
        self.row_digits = len(str(self.max_rows))

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        # called for every element of the sheet: the common cases first, nothing parsed early
        if ":" in tag:
            tag = tag[tag.rfind(":") + 1 :]
        if tag == "c":
            ref = attrs.get("r")
            if ref is None:  # never written by Excel, LibreOffice or openpyxl
                self.col = self.place(self.cell)[1] + 1 if self.cell is not None else self.col + 1
                self.cell = (self.row or 1, self.col)
            else:
                self.cell = ref
        elif tag == "v" or tag == "is":
            cell, self.cell = self.cell, None
            if cell is None:
                return
            if type(cell) is str:  # the fast way for a usual address: A..max column, 1..max row
                letters = cell.rstrip(_DIGITS)
                col = self.columns.get(letters, 0)
                digits = cell[len(letters) :]
                if col and 0 < len(digits) <= self.row_digits and int(digits) <= self.max_rows:
                    self.col = col
                    return
            row, col = self.place(cell)
            self.col = col
            if row > self.guard.limits.max_rows or col > self.guard.limits.max_cols:
                self.refuse(row, col, "")
        elif tag == "row":
            text = attrs.get("r")
            if text is None:
                self.row += 1
            elif text.isdecimal() and len(text) <= 9:  # isdigit() takes "²", int() does not
                self.row = int(text)
            else:
                self.guard.broken(f"{self.where()} có số dòng không hợp lệ «{_shown(text[:20])}»")
            self.col, self.cell = 0, None
        elif tag == "dimension":
            ref = attrs.get("ref", "")
            corner = ref.split(":")[-1].replace("$", "")
            if _ADDRESS.fullmatch(corner):  # a reader ignores a dimension it cannot read
                row, col = self.place(corner)
                if row > self.guard.limits.max_rows or col > self.guard.limits.max_cols:
                    self.refuse(row, col, ref)

    def place(self, cell: str | tuple[int, int]) -> tuple[int, int]:
        """(row, column), 1-based, of a cell's ``r`` (or of a cell already placed)."""
        if isinstance(cell, tuple):
            return cell
        match = _ADDRESS.fullmatch(cell)
        if match is None:
            self.guard.broken(f"{self.where()} có địa chỉ ô không hợp lệ «{_shown(cell[:20])}»")
        letters, digits = match.groups()
        if len(letters) > 3 or len(digits) > 9:
            return _FAR, _FAR
        col = 0
        for char in letters.upper():
            col = col * 26 + ord(char) - 64
        return int(digits), col

    def where(self) -> str:
        return f"trang «{self.sheet}»" if self.sheet else f"phần «{_shown(self.part)}»"

    def refuse(self, row: int, col: int, declared: str) -> NoReturn:
        limits = self.guard.limits
        where = "" if self.sheet else f"(phần «{_shown(self.part)}») "
        if declared:
            detail = f"{where}khai báo vùng dữ liệu {_shown(declared[:40])}"
        else:
            detail = f"{where}có dữ liệu ngoài bảng"
        self.guard.refuse(
            "file-dimension",
            sheet=self.sheet,
            row=row,
            letter=column_letter(min(col, _LAST_COLUMN) - 1),
            detail=detail,
            max_rows=limits.max_rows,
            max_cols=limits.max_cols,
        )
