"""The formula column read straight from the sheet XML gives what openpyxl gives, on real files:
issued by xlsxwriter, saved by openpyxl, saved by LibreOffice, and stored the way Excel stores a
filled-down formula (shared formulas)."""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.formula.translate import Translator

from tests.helpers import OCTOBER, SCORE, School, soffice_convert
from workbook_engine.io.formulas import (
    UnsafeXml,
    column_formulas,
    column_index,
    column_letters,
    shift_formula,
)
from workbook_engine.io.identity import read_identity
from workbook_engine.io.score_sheet import ScoreLayout, average_formula, write_score_sheet
from workbook_engine.io.sheet_base import FIRST_ROW, ROSTER_WIDTH
from workbook_engine.io.sheet_reader import read_formulas
from workbook_engine.model import Setup
from workbook_engine.pipeline.ingest import Status

SECRET = b"F" * 32
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = {"m": MAIN}
SHEET_XML = "xl/worksheets/sheet1.xml"  # the score sheet in every file written here
TX = 4  # TOAN grade 6: TX1..TX4 in D..G, GK H, CK I, ĐTBmhk J
RESULT = ScoreLayout(TX).result


def openpyxl_formulas(path: Path, columns: int, rows: int) -> dict[tuple[int, int], str | None]:
    """What the replaced implementation saw: openpyxl (read-only) values that are formulas."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        found = {}
        cells = book[SCORE].iter_rows(max_row=rows, max_col=columns, values_only=True)
        for r, row in enumerate(cells):
            for c, value in enumerate(row):
                is_formula = isinstance(value, str) and value.startswith("=")
                found[(r, c)] = str(value) if is_formula else None
        return found
    finally:
        book.close()


def assert_same_as_openpyxl(path: Path, columns: int = 16, rows: int = 30) -> None:
    expected = openpyxl_formulas(path, columns, rows)
    content = path.read_bytes()
    for col in range(columns):
        want = {r: expected.get((r, col)) for r in range(rows)}
        assert read_formulas(path, SCORE, col, range(rows)) == want, f"column {col}"
        assert read_formulas(content, SCORE, col, range(rows)) == want, f"column {col}"


def _rewrite_sheet(source: Path, target: Path, edit: object) -> None:
    """Copy ``source`` with its score-sheet XML changed by ``edit(root)``."""
    ET.register_namespace("", MAIN)
    ET.register_namespace(
        "r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    )
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == SHEET_XML:
                root = ET.fromstring(data)
                edit(root)  # type: ignore[operator]
                data = ET.tostring(root, xml_declaration=True, encoding="UTF-8")
            zout.writestr(item, data)


def _cells(root: ET.Element) -> dict[str, ET.Element]:
    return {c.get("r", ""): c for c in root.iterfind("m:sheetData/m:row/m:c", NS)}


def _set_formula(cell: ET.Element, text: str | None, **attrs: str) -> None:
    f = cell.find("m:f", NS)
    if f is None:
        f = ET.Element(f"{{{MAIN}}}f")
        cell.insert(0, f)
    f.text = text
    f.attrib.update(attrs)


def as_excel_shares(source: Path, target: Path, last_row: int) -> None:
    """Store the formulas the way Excel does after a fill-down: ``<f t="shared" ref si>`` on the
    first cell, ``<f t="shared" si/>`` on the others. Also a 3×3 block shared from M8 (a master
    in another column), one absent ĐTBmhk cell (J12) and one row written without ``r``."""

    def edit(root: ET.Element) -> None:
        cells = _cells(root)
        _set_formula(cells["J8"], cells["J8"].findtext("m:f", namespaces=NS),
                     t="shared", ref=f"J8:J{last_row}", si="0")  # fmt: skip
        for row in range(9, last_row + 1):
            f = cells[f"J{row}"].find("m:f", NS)
            # a typed-over cell stays a plain value inside the shared range; row 14 is written
            # without addresses below, where openpyxl cannot place a shared formula
            if f is not None and row != 14:
                _set_formula(cells[f"J{row}"], None, t="shared", si="0")
        rows = {int(r.get("r", "0")): r for r in root.iterfind("m:sheetData/m:row", NS)}
        for row in (8, 9, 10):
            for col in "MNO":
                cell = ET.SubElement(rows[row], f"{{{MAIN}}}c", r=f"{col}{row}")
                if (col, row) == ("M", 8):
                    _set_formula(cell, 'SUM(D8:$G8)+H$7*2&"x"&D8', t="shared", ref="M8:O10", si="1")
                else:
                    _set_formula(cell, None, t="shared", si="1")
        rows[12].remove(cells["J12"])
        for cell in rows[14]:
            cell.attrib.pop("r", None)

    _rewrite_sheet(source, target, edit)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, small_school: Setup) -> dict[str, Path]:
    """The issued sheet (xlsxwriter), a copy filled by openpyxl with J9 typed over and J10
    cleared, and that copy stored with shared formulas."""
    work = tmp_path_factory.mktemp("formulas")
    assignment = next(
        a for a in small_school.assignments if (a.class_code, a.subject_code) == ("6A1", "TOAN")
    )
    issued = work / "issued.xlsx"
    write_score_sheet(issued, small_school, assignment, 1, SECRET)
    book = openpyxl.load_workbook(issued)
    ws = book[SCORE]
    ws["D8"], ws["E8"], ws["F8"], ws["G8"], ws["H8"], ws["I8"] = 8, 7.5, "6,5", 9, 8, 7
    ws["J9"] = 9.5  # typed over the formula
    ws["J10"] = None  # formula deleted
    filled = work / "filled.xlsx"
    book.save(filled)
    shared = work / "shared.xlsx"
    last = FIRST_ROW + len(read_identity(issued).students)  # 1-based last roster row
    as_excel_shares(filled, shared, last)
    return {"issued": issued, "filled": filled, "shared": shared}


@pytest.mark.parametrize("key", ["issued", "filled", "shared"])
def test_every_column_matches_openpyxl(files: dict[str, Path], key: str) -> None:
    assert_same_as_openpyxl(files[key])


def test_issued_sheet_holds_the_average_formula_on_every_roster_row(
    files: dict[str, Path],
) -> None:
    students = len(read_identity(files["issued"]).students)
    rows = range(FIRST_ROW, FIRST_ROW + students)
    found = read_formulas(files["issued"], SCORE, RESULT, rows)
    assert found == {r: average_formula(r, ScoreLayout(TX)) for r in rows}


def test_typed_over_cleared_and_absent_cells_have_no_formula(files: dict[str, Path]) -> None:
    rows = range(FIRST_ROW, FIRST_ROW + 6)  # Excel rows 8..13
    found = read_formulas(files["shared"], SCORE, RESULT, rows)
    layout = ScoreLayout(TX)
    assert found == {
        7: average_formula(7, layout),  # the master
        8: None,  # J9 typed over
        9: None,  # J10 cleared
        10: average_formula(10, layout),  # dependents: the master shifted down
        11: None,  # J12 absent
        12: average_formula(12, layout),
    }


def test_a_shared_block_shifts_rows_and_columns_but_not_absolute_references(
    files: dict[str, Path],
) -> None:
    col = column_index("O") - 1
    assert read_formulas(files["shared"], SCORE, col, range(7, 10)) == {
        7: '=SUM(F8:$G8)+J$7*2&"x"&F8',
        8: '=SUM(F9:$G9)+J$7*2&"x"&F9',
        9: '=SUM(F10:$G10)+J$7*2&"x"&F10',
    }


def test_shared_formulas_pass_and_typed_over_or_absent_cells_are_flagged(school: School) -> None:
    filled = school.fill("6A1", "TOAN", {"D8": 7, "J9": 9.5}, name="excel.xlsx")
    target = filled.with_name("6A1_TOAN_HK1.xlsx")
    last = FIRST_ROW + len(school.setup.students_of("6A1"))
    as_excel_shares(filled, target, last)
    filled.unlink()
    (outcome,) = school.ingest(target, today=OCTOBER)
    # J12 absent, J9 typed over; the block in M..O is outside the sheet's columns
    assert outcome.status is Status.REJECTED
    assert [(p.code, f"{p.column}{p.row}") for p in outcome.problems] == [
        ("formula-changed", "J9"),
        ("formula-changed", "J12"),
    ]


@pytest.fixture(scope="module")
def saved_by_libreoffice(
    files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("formulas-lo")
    keys = ["issued", "filled", "shared"]
    return dict(zip(keys, soffice_convert([files[k] for k in keys], out), strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("key", ["issued", "filled", "shared"])
def test_saved_by_libreoffice_every_column_matches_openpyxl(
    saved_by_libreoffice: dict[str, Path], key: str
) -> None:
    path = saved_by_libreoffice[key]
    assert_same_as_openpyxl(path)
    found = read_formulas(path, SCORE, RESULT, range(FIRST_ROW, FIRST_ROW + 3))
    assert found[FIRST_ROW] == average_formula(FIRST_ROW, ScoreLayout(TX))
    if key != "issued":
        assert found[FIRST_ROW + 1] is None  # still typed over


FORMULAS = [
    '=IF(COUNT(D8:I8)<6,"",INT((2*ROUND(10*SUM(D8:G8)+20*H8+30*I8,0)+9)/18)/10)',
    '=IF(COUNTA(D8:G8)<4,"",IF(COUNTIF(D8:G8,"Đ")=4,"Đ","CĐ"))',
    "=$A$1+A$1+$A1+a1+XDA3",
    "=SUM(A:C)+SUM($B:B)+SUM(3:4)+SUM($5:6)",
    "='My Sheet'!B2+Sheet2!C3+Sh1!D4+'It''s'!E5",
    '="A1 and B2:C3 stay" & A1 & "say ""D4"""',
    "=LOG10(A1)+ATAN2(B2,C3)+1E5+2.5E-3+TRUE+FALSE",
    "=#REF!+A1",
    "=Table1[Col]+A1",
    "=A1:B2 C1:D4",
    "= A1 + B2",
]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize(("rows", "cols"), [(0, 0), (1, 0), (0, 1), (5, 3), (40, 27)])
def test_shift_formula_matches_openpyxl(formula: str, rows: int, cols: int) -> None:
    expected = Translator(formula, "C3").translate_formula(row_delta=rows, col_delta=cols)
    assert shift_formula(formula, rows, cols) == expected


def test_a_reference_moved_off_the_sheet_becomes_ref_error() -> None:
    assert shift_formula("=A1+$A$1+B2", -1, 0) == "=#REF!+$A$1+B1"
    assert shift_formula("=A1+B1", 0, -1) == "=#REF!+A1"
    assert shift_formula("=XFC1+$XFD1", 0, 2) == "=#REF!+$XFD1"


def test_column_letters_round_trip() -> None:
    for index in [1, 2, 26, 27, 52, 53, 702, 703, 16384]:
        assert column_index(column_letters(index)) == index
    assert [column_letters(i) for i in (1, 26, 27, 702, 703)] == ["A", "Z", "AA", "ZZ", "AAA"]


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><f>&b;</f></c></row>'
    "</sheetData></worksheet>"
)


@pytest.mark.parametrize("part", [SHEET_XML, "xl/workbook.xml"])
def test_a_part_with_a_dtd_is_refused(files: dict[str, Path], tmp_path: Path, part: str) -> None:
    target = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(files["filled"]) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, BOMB if item.filename == part else zin.read(item))
    with pytest.raises(UnsafeXml):
        column_formulas(target, SCORE, 0, range(3))


def test_an_unknown_sheet_is_a_key_error(files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        read_formulas(files["issued"], "Không có", RESULT, range(3))
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(files["issued"], copy)
    assert read_formulas(copy, SCORE, ROSTER_WIDTH, range(FIRST_ROW, FIRST_ROW + 2)) == {
        FIRST_ROW: None,
        FIRST_ROW + 1: None,
    }


def _usual(rng: random.Random, usual: str, *others: str) -> str:
    """Mostly what Excel writes, now and then one of ``others``."""
    return usual if rng.random() < 0.8 else rng.choice(others)


def _random_formula_rows(rng: random.Random, first: int) -> bytes:
    """Rows whose cells hold formulas written the usual and unusual ways."""
    texts = ["SUM(D8:G8)", "IF(A1&lt;2,&quot;x&quot;,1)", "A1&amp;B1", "&#60;A1", "", "D8*2"]
    rows = []
    for n in range(rng.randint(1, 3)):
        row = first + n
        cells = []
        for col in rng.sample(["D", "H", "J", "K"], k=rng.randint(1, 3)):
            text = rng.choice(texts)
            shared = f'<f t="shared" ref="{col}{row}:{col}{row + 3}" si="0">{text}</f>'
            formula = rng.choice([f"<f>{text}</f>", shared, '<f t="shared" si="0"/>'])
            formula = _usual(rng, formula, f"<f><![CDATA[{text}]]></f>", f"<f >{text}</f >",
                             f"<x:f>{text}</x:f>")  # fmt: skip
            ref = _usual(rng, f' r="{col}{row}"', f" r='{col}{row}'", f'  r="{col}{row}"', "")
            body = _usual(rng, f"{formula}<v>1</v>", "<v>1</v>", f"<v>1</v>{formula}", formula)
            cells.append(f"<c{ref}>{body}</c>")
        shape = _usual(rng, '<row r="{}">{}</row>', "<row>{1}</row>", "<!-- {1} -->")
        rows.append(shape.format(row, "".join(cells)))
    merged = rng.choice(["", '<mergeCells count="1"><mergeCell ref="D9:E9"/></mergeCells>'])
    return ("".join(rows) + "</sheetData>" + merged).encode()


def test_the_bulk_formula_scan_reads_what_the_handlers_read(
    school: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Differential: 150 seeded variants of a score sheet, each scanned by byte patterns and by
    the expat handlers alone; the formulas, the formula cells and the merged ranges agree."""
    from workbook_engine.io import formulas

    issued = school.issued("6A1", "TOAN")
    with zipfile.ZipFile(issued) as archive:
        part = formulas.sheet_part(archive, SCORE)
        parts = {name: archive.read(name) for name in archive.namelist()}
    rng = random.Random(22)
    rows = range(FIRST_ROW, FIRST_ROW + 12)
    for case in range(150):
        xml = parts[part].replace(b"</sheetData>", _random_formula_rows(rng, FIRST_ROW + 2), 1)
        target = tmp_path / f"case{case}.xlsx"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in parts.items():
                out.writestr(name, xml if name == part else data)

        fast = _scanned(target, rows)
        with monkeypatch.context() as patched:
            patched.setattr(formulas, "_bulk_scan", lambda *args: None)
            exact = _scanned(target, rows)
        assert fast == exact, (case, xml[-600:])


def _scanned(path: Path, rows: range) -> object:
    """The scan of the result and comment columns, or the error's type (the same either way)."""
    from workbook_engine.io import formulas

    try:
        return formulas.scan_sheet(path.read_bytes(), SCORE, [7, 9], rows)
    except Exception as exc:
        return type(exc).__name__
