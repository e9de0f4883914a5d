"""The entry progress report from a real ledger (render/progress_report.py, ``wbe report
progress``): one teacher's TX1 in through the inbox, TX2 and GK missing by 25/11/2025; the
report's xlsx, PDF text and HTML agree with counts taken independently from the ledger."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from tests.helpers import School
from workbook_engine.cli import app
from workbook_engine.model import Role, SheetKey
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.outcome import Status
from workbook_engine.pipeline.pins import set_pin
from workbook_engine.render.progress_report import FOLDER, write_progress

runner = CliRunner()
AS_OF = date(2025, 11, 25)  # TX1 (08/10), TX2 (10/11) and GK (22/11) of a 4-TX subject due
FIRST_ROW = 8
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _toan_tx1(school: School) -> int:
    """Every student's TX1 of 6A1 Toán in (column D); returns how many students."""
    count = len(school.setup.students_of("6A1"))
    cells = {f"D{FIRST_ROW + k}": 7 for k in range(count)}
    (outcome,) = school.ingest(school.fill("6A1", "TOAN", cells))
    assert outcome.status is Status.ACCEPTED, [str(p) for p in outcome.problems]
    return count


def _rows(path, sheet: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [tuple(r) for r in book[sheet].iter_rows(min_row=5, values_only=True)]
    book.close()
    return [r for r in rows if any(v is not None for v in r)]


@needs_pdftotext
def test_the_report_shows_the_gaps_the_ledger_has(school: School) -> None:
    count = _toan_tx1(school)
    teacher = school.setup.teacher_by_code(school.teacher_of("6A1", "TOAN"))
    with Ledger.open_readonly(school.data.ledger) as ledger:
        values = ledger.scores(SheetKey("6A1", "TOAN", 1))
        written = write_progress(ledger, school.setup, school.outbox, AS_OF)
    in_ledger = sum(1 for (_, column), v in values.items() if column == "TX1" and v.strip())
    assert in_ledger == count  # taken independently of the report
    folder = school.outbox / FOLDER
    assert sorted(p.name for p in written) == [f"{AS_OF}.{s}" for s in ("html", "pdf", "xlsx")]
    assert all(p.parent == folder for p in written)

    gaps = _rows(folder / f"{AS_OF}.xlsx", "Chi tiết")
    toan = [r for r in gaps if r[0] == teacher.full_name and r[2] == "6A1"]
    assert [(r[3], r[4], r[5]) for r in toan] == [
        ("Toán – HK1 – TX2", "10/11/2025", f"{count}/{count} ô"),
        ("Toán – HK1 – GK", "22/11/2025", f"{count}/{count} ô"),
    ]
    teachers = {r[0]: r for r in _rows(folder / f"{AS_OF}.xlsx", "Giáo viên")}
    line = teachers[teacher.full_name]
    assert line[1] == teacher.group
    others = len(school.setup.assignments_of(teacher.code)) - 1
    assert line[3] == count  # only the TX1 cells are in, anywhere
    assert line[2] >= 3 * count and (others or line[2] == 3 * count)
    assert line[4] == line[2] - count and round(line[5], 1) == round(100 * count / line[2], 1)
    # nobody has entered anything else: every other teacher is at 0 %
    assert all(r[3] == 0 for name, r in teachers.items() if name != teacher.full_name)
    # the furthest behind first: most cells missing
    missing = [r[4] for r in teachers.values()]
    assert missing == sorted(missing, reverse=True)

    text = subprocess.run(["pdftotext", "-layout", str(folder / f"{AS_OF}.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "BÁO CÁO TIẾN ĐỘ NHẬP ĐIỂM" in text and "Tính đến ngày 25/11/2025" in text
    assert "Toán – HK1 – TX2" in text and teacher.full_name in text
    assert "Trang 1/" in text and "Mã kiểm tra sổ:" in text
    html = (folder / f"{AS_OF}.html").read_text(encoding="utf-8")
    assert f'data-total="filled">{sum(r[3] for r in teachers.values())}<' in html


def test_wbe_report_progress_for_a_group_head(school: School) -> None:
    _toan_tx1(school)
    group = school.setup.teacher_by_code(school.teacher_of("6A1", "TOAN")).group
    args = ["report", "progress", "--as-of", AS_OF.isoformat(), "--group", group,
            "--data-dir", str(school.data.root), "--outbox", str(school.outbox)]  # fmt: skip
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    book = school.outbox / FOLDER / f"{AS_OF} {group}.xlsx"
    names = {r[0] for r in _rows(book, "Giáo viên")}
    members = {t.full_name for t in school.setup.teachers
               if t.group == group and school.setup.assignments_of(t.code)}  # fmt: skip
    assert names == members
    unknown = runner.invoke(app, [*args[:5], "Tổ Không Có", *args[6:]])
    assert unknown.exit_code == 1 and "không có tổ chuyên môn «Tổ Không Có»" in unknown.output
    assert group in unknown.output  # the groups that exist are named


def test_a_lock_checks_what_it_closes(school: School) -> None:
    """Mid-semester a lock checks the cells due by the day; once the semester is over, all of
    them; complete, it locks and says so; incomplete, it names what is missing and refuses."""
    _toan_tx1(school)
    principal = next(t.code for t in school.setup.teachers if Role.PRINCIPAL in t.roles)
    set_pin(school.data, principal, "246824")
    base = ["lock", "--semester", "1", "--class", "6A1", "--by", principal,
            "--data-dir", str(school.data.root)]  # fmt: skip
    october = ["--today", "2025-10-10"]  # TX1 due 08/10, TX2 not before 10/11
    done = runner.invoke(app, [*base, "--subject", "TOAN", *october], input="246824\n")
    assert done.exit_code == 0, done.output
    assert "Đã kiểm tra học kì 1 lớp 6A1 môn TOAN: đủ điểm" in done.output
    assert "đến hạn ngày 10/10/2025" in done.output and "Đã khóa sổ" in done.output
    # the whole class in October: Ngữ văn's TX1 is missing
    refused = runner.invoke(app, [*base, *october], input="246824\n")
    assert refused.exit_code == 1
    assert "6A1 – Ngữ văn – HK1 – TX1: thiếu" in refused.output
    assert "Toán" not in refused.output  # its TX1 is in, its TX2 not due yet
    # semester over: every column of the semester is owed, attendance and conduct too
    late = runner.invoke(app, [*base, "--subject", "TOAN", "--today", "2026-02-01"],
                         input="246824\n")  # fmt: skip
    assert late.exit_code == 1 and "(cả học kì)" in late.output
    assert "Toán – HK1 – CK: thiếu" in late.output


def test_a_monthly_lock_freezes_only_the_columns_due(school: School) -> None:
    """After the October check: Toán's TX1 (due 08/10) locked, with one student still blank
    (forced, with a reason); that student's TX1 sent later waits for approval, a TX2 does not."""
    students = school.setup.students_of("6A1")
    cells = {f"D{FIRST_ROW + k}": 7 for k in range(len(students) - 1)}  # the last one blank
    (first,) = school.ingest(school.fill("6A1", "TOAN", cells))
    assert first.status is Status.ACCEPTED
    principal = next(t.code for t in school.setup.teachers if Role.PRINCIPAL in t.roles)
    set_pin(school.data, principal, "246824")
    data = ["--data-dir", str(school.data.root)]
    args = ["lock", "--semester", "1", "--class", "6A1", "--subject", "TOAN", "--due",
            "--by", principal, "--today", "2025-10-10", *data]  # fmt: skip
    refused = runner.invoke(app, args, input="246824\n")
    assert refused.exit_code == 1 and "Toán – HK1 – TX1: thiếu 1/" in refused.output
    done = runner.invoke(app, [*args, "--force", "--note", "Em cuối ốm, kiểm tra bù sau"],
                         input="246824\n")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "6A1 TOAN: TX1" in done.output and "của 1 lớp-môn" in done.output
    key = SheetKey("6A1", "TOAN", 1)
    with Ledger.open_readonly(school.data.ledger) as ledger:
        assert list(ledger.locked_columns(key)) == ["TX1"]
        assert ledger.manual_lock(key) is None  # the sheet itself stays open
        assert ledger.verify() is None
    again = runner.invoke(app, [*args, "--force", "--note", "lần hai"], input="246824\n")
    assert again.exit_code == 0 and "Không có cột nào mới đến hạn" in again.output

    last = FIRST_ROW + len(students) - 1
    (later,) = school.ingest(school.fill("6A1", "TOAN", {f"D{last}": 8, f"E{FIRST_ROW}": 9}))
    assert later.status is Status.ACCEPTED
    assert {(c.column, c.status) for c in later.changes} == {("TX1", "pending"), ("TX2", "merged")}
    (warning,) = [p for p in later.problems if p.code == "columns-locked"]
    assert "1 ô ở cột TX1" in str(warning)

    unlock = ["unlock", *args[1:7], "--by", principal, *data]
    unlocked = runner.invoke(app, unlock, input="246824\n")
    assert unlocked.exit_code == 0, unlocked.output
    with Ledger.open_readonly(school.data.ledger) as ledger:
        assert ledger.locked_columns(key) == {}


def test_the_monthly_check_proposes_the_lock_for_the_principal_to_confirm(school: School) -> None:
    _toan_tx1(school)
    check = date(2025, 10, 26)  # the calendar's check of October: 25–28/10
    with Ledger.open_readonly(school.data.ledger) as ledger:
        (html, *_) = write_progress(ledger, school.setup, school.outbox, check, pdf=False)
        outside = write_progress(ledger, school.setup, school.outbox, date(2025, 11, 20),
                                 pdf=False)[0]  # fmt: skip
    text = html.read_text(encoding="utf-8")
    principal = next(t.code for t in school.setup.teachers if Role.PRINCIPAL in t.roles)
    assert "đề nghị khóa sổ tháng (học kì 1)" in text
    assert f"wbe lock --semester 1 --due --by {principal}" in text
    complete, _, rest = text.partition("lớp-môn đã đủ")
    assert complete.endswith("vẫn mở. 1 ")  # one class-subject complete: 6A1 Toán
    assert "6A1 Ngữ văn: TX1" in rest and "6A1 Toán" not in rest.split("</div>")[0]
    assert "đề nghị khóa sổ tháng" not in outside.read_text(encoding="utf-8")  # no check


def test_the_chart_draws_the_furthest_behind_and_says_so(school: School, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A district's data directory has a thousand teachers: the chart draws the furthest
    behind (the table lists everyone) and says how many it leaves out."""
    import base64

    from workbook_engine.render import progress_report

    _toan_tx1(school)  # one teacher at a third of the cells due; everyone else at 0 %
    teacher = school.setup.teacher_by_code(school.teacher_of("6A1", "TOAN"))
    monkeypatch.setattr(progress_report, "CHART_TEACHERS", 2)
    with Ledger.open_readonly(school.data.ledger) as ledger:
        write_progress(ledger, school.setup, school.outbox, AS_OF, pdf=False)
    html = (school.outbox / FOLDER / f"{AS_OF}.html").read_text(encoding="utf-8")
    owing = len(_rows(school.outbox / FOLDER / f"{AS_OF}.xlsx", "Giáo viên"))
    assert owing > 2
    assert f"Biểu đồ vẽ 2 giáo viên có tỉ lệ thấp nhất trong {owing} giáo viên" in html
    uri = html.split('<div class="chart"><img src="', 1)[1].split('"', 1)[0]
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
    assert svg.count(" 0,0") == 2 and teacher.full_name not in svg  # two bars, both at 0 %


def test_the_html_is_written_as_rendered_the_same_page(school: School) -> None:
    """The report's HTML goes to its file a piece at a time (a district's is 15 million
    characters): the same page as rendered whole."""
    from workbook_engine.render import progress_report as pr
    from workbook_engine.render.pdf_chunks import whole

    _toan_tx1(school)
    with Ledger.open_readonly(school.data.ledger) as ledger:
        (html,) = [p for p in write_progress(ledger, school.setup, school.outbox, AS_OF, pdf=False)
                   if p.suffix == ".html"]  # fmt: skip
        report = pr.progress_report(ledger, school.setup, AS_OF)
    page = html.read_text(encoding="utf-8")
    assert page == whole(pr.render_progress_html(report)) and "Toán – HK1 – TX2" in page
