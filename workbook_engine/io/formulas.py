"""Formula text of worksheet cells, read straight from the xlsx XML.

One streaming expat pass over the sheet part; documents with a DTD are refused, so no entity can
be declared or expanded. Shared formulas (Excel, LibreOffice) are expanded by shifting the
master's relative references, as openpyxl does.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

_SEP = " "  # expat reports a namespaced name as "namespace local"
_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
         "http://purl.oclc.org/ooxml/spreadsheetml/main")  # fmt: skip
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")  # fmt: skip
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = "/officeDocument"  # end of the relationship type of the workbook part
_CELL = {f"{ns}{_SEP}c" for ns in _MAIN}
_ROW = {f"{ns}{_SEP}row" for ns in _MAIN}
_FORMULA = {f"{ns}{_SEP}f" for ns in _MAIN}
_MERGE = {f"{ns}{_SEP}mergeCell" for ns in _MAIN}
_SHEET = {f"{ns}{_SEP}sheet" for ns in _MAIN}
_SHEET_RID = {f"{ns}{_SEP}id" for ns in _REL_NS}
_RELATIONSHIP = f"{_PKG_RELS}{_SEP}Relationship"
_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)$")
# outside quotes: a cell (A1, $B$2), a column range (A:C) or a row range (1:3); not a function
# name (LOG10), a sheet name (Sh1!A1), a table (T1[x]), nor part of a longer word or number
_REFERENCE = re.compile(
    r"(?<![\w.$])(?:"
    r"(?P<c1>\$?[A-Za-z]{1,3}):(?P<c2>\$?[A-Za-z]{1,3})"
    r"|(?P<r1>\$?\d{1,7}):(?P<r2>\$?\d{1,7})"
    r"|(?P<col>\$?[A-Za-z]{1,3})(?P<row>\$?\d{1,7})"
    r")(?![\w.!(\[])"
)
_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'")
# The bulk scan (:func:`_bulk_scan`) of a sheet in the form Excel, LibreOffice and openpyxl write
_BULK_MAX = 4 * 1024 * 1024  # larger parts are streamed through the handlers, never held
_PROLOGUE = re.compile(  # an optional UTF-8 BOM and declaration, then the first start tag
    rb"(?:\xef\xbb\xbf)?(?:<\?xml[ \t\r\n]+version=[\"']1\.0[\"']"
    rb"(?:[ \t\r\n]+encoding=[\"'](?i:utf-8)[\"'])?(?:[ \t\r\n]+standalone=[\"'](?:yes|no)[\"'])?"
    rb"[ \t\r\n]*\?>[ \t\r\n]*)?(?=<[A-Za-z_])"
)
_OTHER_MARKUP = re.compile(rb"<[!?]")  # a comment, CDATA, processing instruction, DTD
_PREFIXED = re.compile(rb":(?:c|f|row|mergeCell)[ \t\r\n/>]")  # a prefixed tag of those names
_ODD_TAG = re.compile(  # a c, row or mergeCell start tag not of the usual form
    rb'<(?:c(?! r="[A-Z]{1,3}[0-9]{1,7}"[ />])|row(?! r="[0-9]{1,9}"[ />])'
    rb'|mergeCell(?! ref="[^"<&\t\n\r]*"[ />]))[ \t\r\n/>]'
)
_ANY_FORMULA = re.compile(rb"<f[ \t\r\n/>]")
_ATTRIBUTES = rb'(?: [A-Za-z]+="[^"<&\t\n\r]*")*'
_CELL_FORMULA = re.compile(  # a cell whose first child is its formula: r, attributes, text
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"' + _ATTRIBUTES + rb">"
    rb"<f(" + _ATTRIBUTES + rb")(?:/>|>([^<]*)</f>)"
)
_ATTRIBUTE = re.compile(rb'([A-Za-z]+)="([^"]*)"')
_MERGE_REF = re.compile(rb'<mergeCell ref="([^"]*)"')
_REFERENCE_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class UnsafeXml(ValueError):
    """A part declares a DTD or entities; xlsx parts never need them."""


def column_index(letters: str) -> int:
    """1-based index of column letters (``A`` → 1, ``AA`` → 27)."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def column_letters(index: int) -> str:
    """Letters of a 1-based column index."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refuse(*_: object) -> Any:
    raise UnsafeXml("DTD or entity declarations are not allowed in a workbook part")


def _parser() -> Any:
    """An expat parser with namespaces, refusing any DTD (hence any entity declaration)."""
    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def _parse(data: bytes, start: Callable[[str, dict[str, str]], None]) -> None:
    parser = _parser()
    parser.StartElementHandler = start
    parser.Parse(data, True)


def shift_formula(formula: str, rows: int, cols: int) -> str:
    """``formula`` moved by ``rows`` × ``cols``: relative references shift, ``$`` ones stay.

    A reference pushed above row 1 or outside columns A..XFD becomes ``#REF!``, as in Excel.
    """
    pieces, end = [], 0
    for quoted in _QUOTED.finditer(formula):
        pieces.append(_shift_unquoted(formula[end : quoted.start()], rows, cols))
        pieces.append(quoted.group())
        end = quoted.end()
    pieces.append(_shift_unquoted(formula[end:], rows, cols))
    return "".join(pieces)


def _shift_unquoted(text: str, rows: int, cols: int) -> str:
    def shift(match: re.Match[str]) -> str:
        try:
            if match["c1"]:
                return f"{_col(match['c1'], cols)}:{_col(match['c2'], cols)}"
            if match["r1"]:
                return f"{_row(match['r1'], rows)}:{_row(match['r2'], rows)}"
            return _col(match["col"], cols) + _row(match["row"], rows)
        except ValueError:
            return "#REF!"

    return _REFERENCE.sub(shift, text)


def _col(text: str, delta: int) -> str:
    if text.startswith("$"):
        return text
    index = column_index(text) + delta
    if not 1 <= index <= 16384:
        raise ValueError(text)
    return column_letters(index)


def _row(text: str, delta: int) -> str:
    if text.startswith("$"):
        return text
    row = int(text) + delta
    if row < 1:
        raise ValueError(text)
    return str(row)


def _relationships(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of each internal relationship of ``part`` ("" for the package)."""
    folder, name = posixpath.split(part)
    found: list[tuple[str, str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == _RELATIONSHIP and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            found.append((attrs.get("Id", ""), attrs.get("Type", ""), posixpath.normpath(path)))

    _parse(archive.read(posixpath.join(folder, "_rels", f"{name}.rels")), start)
    return found


def sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str:
    """Zip member of the worksheet named ``sheet_name``; :class:`KeyError` if there is none."""
    workbook = next(
        (p for _, t, p in _relationships(archive, "") if t.endswith(_OFFICE_DOCUMENT)),
        "xl/workbook.xml",
    )
    ids: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag in _SHEET and attrs.get("name") == sheet_name:
            ids.extend(v for k, v in attrs.items() if k in _SHEET_RID)

    _parse(archive.read(workbook), start)
    targets = {i: p for i, _, p in _relationships(archive, workbook)}
    if not ids or ids[0] not in targets:
        raise KeyError(f"Worksheet {sheet_name} does not exist.")
    return targets[ids[0]]


class _ColumnScan:
    """Expat handlers collecting the formulas of one column (and every shared-formula master).

    Only the start handler runs for every element; the text and end handlers are switched on
    inside an ``<f>`` element, and a cell address is parsed only when its cell holds a formula.
    """

    def __init__(self, parser: Any, cols: set[int], rows: range) -> None:
        self.parser = parser
        self.cols = {c + 1 for c in cols}  # 1-based, as in the XML
        self.rows = range(rows.start + 1, rows.stop + 1)
        self.found: dict[tuple[int, int], str | None] = {}  # 0-based (row, col)
        self.anywhere: dict[tuple[int, int], str | None] = {}  # every formula in ``rows``
        self.merged: list[str] = []  # the ref of every merged range ("D8:G9")
        self.masters: dict[str, tuple[str, int, int]] = {}  # si → (formula, row, col)
        self.row = 0
        self.address: str | None = None  # r of the current cell; None before a row's first cell
        self.formula: dict[str, str] = {}  # attributes of the open <f>
        self.text: list[str] = []
        if parser is not None:  # None: fed by :func:`_bulk_scan`
            parser.StartElementHandler = self.start

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag in _CELL:
            self.address = attrs.get("r") or self._next_address()
        elif tag in _FORMULA:
            self.formula, self.text = attrs, []
            self.parser.CharacterDataHandler = self.text.append
            self.parser.EndElementHandler = self.end
        elif tag in _ROW:
            self.row = int(attrs["r"]) if "r" in attrs else self.row + 1
            self.address = None
        elif tag in _MERGE:
            self.merged.append(attrs.get("ref", ""))

    def _next_address(self) -> str:
        """The address of a cell written without ``r``: right of the previous one."""
        col = self._where(self.address)[1] + 1 if self.address else 1
        return f"{column_letters(col)}{self.row}"

    @staticmethod
    def _where(address: str) -> tuple[int, int]:
        match = _ADDRESS.match(address)
        if match is None:
            raise ValueError(f"not a cell address: {address!r}")
        return int(match[2]), column_index(match[1])

    def end(self, tag: str) -> None:
        if tag not in _FORMULA:
            return
        self.parser.CharacterDataHandler = self.parser.EndElementHandler = None
        assert self.address is not None
        self.found_formula(self.address, self.formula, "".join(self.text))

    def found_formula(self, address: str, attrs: dict[str, str], text: str) -> None:
        """The formula ``text`` (``attrs`` of its ``<f>``) of the cell at ``address``."""
        row, col = self._where(address)
        value = self._value(attrs, text, row, col)
        if row in self.rows:
            self.anywhere[(row - 1, col - 1)] = value
            if col in self.cols:
                self.found[(row - 1, col - 1)] = value

    def _value(self, attrs: dict[str, str], text: str, row: int, col: int) -> str | None:
        kind = attrs.get("t", "normal")
        if kind in ("array", "dataTable"):
            return None  # not a plain formula
        value = "=" + text
        if kind != "shared":
            return value
        si = attrs.get("si", "")
        if si in self.masters:
            master, master_row, master_col = self.masters[si]
            return shift_formula(master, row - master_row, col - master_col)
        if text:
            self.masters[si] = (value, row, col)
        return value


def column_formulas(
    source: Path | bytes, sheet_name: str, col: int, rows: range
) -> dict[int, str | None]:
    """Formula text (``=…``) of column ``col`` (0-based) on each 0-based row of ``rows``; None
    where the cell holds a typed value, is empty or absent. :class:`KeyError` if no such sheet."""
    return sheet_formulas(source, sheet_name, [col], rows)[col]


def sheet_formulas(
    source: Path | bytes, sheet_name: str, cols: Iterable[int], rows: range
) -> dict[int, dict[int, str | None]]:
    """:func:`column_formulas` of several columns in one pass: col → row → formula or None."""
    return scan_sheet(source, sheet_name, cols, rows).formulas


@dataclass(frozen=True)
class SheetScan:
    """What one pass over a sheet's XML found besides its values."""

    formulas: dict[int, dict[int, str | None]]  # the wanted columns: col → row → formula
    anywhere: dict[tuple[int, int], str | None]  # every formula cell in the rows (0-based)
    merged: tuple[str, ...]  # merged ranges, as written ("D8:G9")


def scan_sheet(
    source: Path | bytes, sheet_name: str, cols: Iterable[int], rows: range
) -> SheetScan:
    """Formulas of ``cols`` on ``rows``, every other formula cell on those rows, and every merged
    range, in one streaming pass. :class:`KeyError` if no such sheet."""
    wanted = set(cols)
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    with zipfile.ZipFile(file) as archive:
        part = sheet_part(archive, sheet_name)
        scan = _bulk_scan(archive, part, wanted, rows)
        if scan is None:  # the handlers decide (and raise what they raise)
            with archive.open(part) as xml:
                parser = _parser()
                scan = _ColumnScan(parser, wanted, rows)
                parser.ParseFile(xml)
    formulas = {col: {row: scan.found.get((row, col)) for row in rows} for col in wanted}
    return SheetScan(formulas, scan.anywhere, tuple(scan.merged))


def _bulk_scan(
    archive: zipfile.ZipFile, part: str, cols: set[int], rows: range
) -> _ColumnScan | None:
    """What the handlers of :class:`_ColumnScan` would collect from the sheet ``part``, found
    by byte patterns; None (the handlers then read it) unless the part is at most ``_BULK_MAX``,
    reads without error, is UTF-8, parses (expat, DTDs refused as by the handlers' parser)
    with one default namespace, SpreadsheetML's, declared on its root, has no comment, CDATA,
    processing instruction, nor prefixed ``c``, ``f``, ``row``, ``mergeCell``, every ``c``,
    ``row`` and ``mergeCell`` start tag has its ``r``/``ref`` first after one space, plain,
    and every ``<f>`` is the first child of a cell, written plainly. Once expat accepts such
    a part every ``<`` opens a tag, so the patterns see the elements the handlers see."""
    try:
        if archive.getinfo(part).file_size > _BULK_MAX:
            return None
        data = archive.read(part)
    except Exception:  # whatever the streamed read raises, it raises
        return None
    prologue = _PROLOGUE.match(data)
    if prologue is None:
        return None
    body = data[prologue.end() :]
    if _OTHER_MARKUP.search(body) or _PREFIXED.search(body) or _ODD_TAG.search(body):
        return None
    defaults: list[tuple[str | None, int]] = []  # (namespace, where declared)
    parser = _parser()
    parser.StartNamespaceDeclHandler = lambda prefix, uri: (
        defaults.append((uri, parser.CurrentByteIndex)) if prefix is None else None
    )
    try:
        parser.Parse(data, True)
    except Exception:  # not well-formed, a DTD: the handlers' pass raises it
        return None
    if len(defaults) != 1 or defaults[0][0] not in _MAIN or defaults[0][1] != prologue.end():
        return None  # elements without prefix are SpreadsheetML's everywhere, or we do not know
    found = _CELL_FORMULA.findall(body)
    if len(found) != len(_ANY_FORMULA.findall(body)):
        return None
    scan = _ColumnScan(None, cols, rows)
    for address, attributes, text in found:
        attrs = {k.decode(): v.decode() for k, v in _ATTRIBUTE.findall(attributes)}
        scan.found_formula(address.decode(), attrs, _xml_text(text.decode()))
    scan.merged = [ref.decode() for ref in _MERGE_REF.findall(body)]
    return scan


def _xml_text(raw: str) -> str:
    """Character data as expat reports it: line ends made ``\\n``, references replaced."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        raw = _REFERENCE_ENTITY.sub(_reference, raw)
    return raw


def _reference(match: re.Match[str]) -> str:
    name = match[1]
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _ENTITIES[name]


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """``"D8:G9"`` → (7, 3, 8, 6): first row, first col, last row, last col (0-based)."""
    first, _, last = ref.partition(":")
    top = _ColumnScan._where(first)
    bottom = _ColumnScan._where(last or first)
    return top[0] - 1, top[1] - 1, bottom[0] - 1, bottom[1] - 1
