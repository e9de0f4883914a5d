"""Issue 15: the principal approves a primary class's year-end results (Circular 27 has no
semester results), as a secondary class's are approved: refused while a pupil's year-end input
is missing, recorded in the ledger's chain, shown with the principal's name on the summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.test_primary_sheets import issued, school  # noqa: F401  (fixtures)
from workbook_engine.demo.primary import run_primary_demo
from workbook_engine.demo.school import DemoOptions
from workbook_engine.model import Role, Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import approve_period
from workbook_engine.render.books.primary_summary import primary_summary
from workbook_engine.rules.primary import AssessmentPoint

JUNE = date(2026, 6, 10)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Setup, DataDir]:
    """A small primary school whose year was played through the inbox (every input in)."""
    root = tmp_path_factory.mktemp("primary-year")
    options = DemoOptions(grades=(2, 5), classes_per_grade=1, students_per_class=3)
    data = DataDir(root / "data")
    result = run_primary_demo(data, root / "inbox", root / "outbox", options, share=root / "share")
    return result.setup, data


def _principal(setup: Setup) -> str:
    return next(t.code for t in setup.teachers if Role.PRINCIPAL in t.roles)


def test_a_complete_class_is_approved_and_the_summary_says_so(
    played: tuple[Setup, DataDir], tmp_path: Path
) -> None:
    setup, data = played
    copy = tmp_path / "ledger.sqlite"
    Ledger.copy_file(data.ledger, copy, readonly=False)
    principal = _principal(setup)
    with Ledger.open(copy) as ledger:
        semester = approve_period(setup, ledger, "HK1", ["2A1"], principal, JUNE)
        assert [p.code for p in semester.refused] == ["results-primary-year-only"]
        year = approve_period(setup, ledger, "CN", ["2A1", "5A1"], principal, JUNE)
        assert year.refused == [] and [c for c, _ in year.approved] == ["2A1", "5A1"]
        snapshot, by, _ = ledger.approved_results("5A1")["CN"]
        assert by == principal and ledger.verify() is None
        summary = primary_summary(ledger, setup, "5A1", AssessmentPoint.YEAR_END, JUNE)
        mid = primary_summary(ledger, setup, "5A1", AssessmentPoint.MID_2, JUNE)
    pupils = [s.code for s in setup.students_of("5A1")]
    assert set(snapshot) == set(pupils)
    assert {entry["result"] for entry in snapshot.values()} <= {
        "Hoàn thành xuất sắc", "Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành",
    }  # fmt: skip
    assert all(entry["completion"] for entry in snapshot.values())
    name = next(t.full_name for t in setup.teachers if t.code == principal)
    assert summary.signers[-1].name == name
    (line,) = summary.approvals
    assert line.startswith("Kết quả cả năm: đã duyệt ngày ") and line.endswith(f"({name})")
    assert summary.changed == ()
    assert mid.approvals == () and mid.signers[-1].name == ""  # only the year's end is signed


def test_a_class_with_a_missing_year_end_input_is_refused(school: tuple) -> None:  # noqa: F811
    setup, root = school
    principal = _principal(setup)
    with Ledger.open(root / "data" / "ledger.sqlite") as ledger:
        result = approve_period(setup, ledger, "CN", ["3A1"], principal, JUNE)
    (problem,) = result.refused
    assert problem.code == "results-incomplete" and "3A1" in problem.message
    assert result.approved == []


def test_after_a_cht_the_supplementary_assessment_and_the_principal_decide(
    tmp_path: Path,
) -> None:
    """A grade-3 pupil with a C in Toán: the year is Chưa hoàn thành; the summer's sheet takes
    the homeroom teacher's supplementary assessment (still not completing), then the principal
    promotes the pupil: the books say «Được lên lớp»."""
    import shutil

    from tests.test_primary_sheets import _school
    from workbook_engine.demo.fill import WorkingCopy
    from workbook_engine.io.identity import load_or_create_secret
    from workbook_engine.io.kinds.primary import column
    from workbook_engine.io.setup_writer import write_setup
    from workbook_engine.pipeline.issue import issue_templates
    from workbook_engine.pipeline.result_approval import summer_list
    from workbook_engine.pipeline.runner import Pipeline
    from workbook_engine.share import ShareLayout

    setup = _school()
    data = DataDir(tmp_path / "data").ensure()
    write_setup(data.setup, setup)
    secret = load_or_create_secret(data.secret)
    share = ShareLayout(tmp_path / "share", setup)
    year_end = issue_templates(setup, share.root, secret, 2)
    sheets = [f for f in year_end.files if f.path.name.startswith("3A1_") and "CK2" in f.path.name]
    failing = setup.students_of("3A1")[0].code

    def send(files: list, fill: object, day: date) -> None:
        dropped = []
        for f in files:
            copy = WorkingCopy(f.path)
            fill(copy)  # type: ignore[operator]
            copy.save(setup)
            folder = share.submit(f.teacher_code)
            folder.mkdir(parents=True, exist_ok=True)
            dropped.append(Path(shutil.copy2(copy.path, folder / copy.path.name)))
        with Pipeline(data, tmp_path / "inbox", tmp_path / "outbox", day, setup,
                      share.root) as pipeline:  # fmt: skip
            outcomes = [pipeline.process(p) for p in dropped]
        assert all(o.status == "accepted" for o in outcomes), [
            str(p) for o in outcomes for p in o.problems
        ]

    def year(copy: WorkingCopy) -> None:
        point = copy.identity.period
        for i, code in enumerate(copy.identity.student_codes):
            for key in copy.identity.columns:
                if key.startswith(("MUC_", "KT_")) or copy.identity.kind == "primary-traits":
                    if key.startswith(("NX", "TIEU_BIEU")):
                        continue
                    if key.startswith("KT_"):
                        if copy.has(column("KTL", point)):
                            copy.put(i, key, 9)
                        continue
                    weak = code == failing and copy.identity.subject_code == "TOAN"
                    copy.put(i, key, "C" if weak else "T")

    send(sheets, year, date(2026, 5, 25))
    principal = _principal(setup)
    with Ledger.open(data.ledger) as ledger:
        approved = approve_period(setup, ledger, "CN", ["3A1"], principal, JUNE)
        assert approved.refused == [], [str(p) for p in approved.refused]
        concerned, _ = summer_list(setup, ledger)
        early = approve_period(setup, ledger, "HE", ["3A1"], principal, JUNE)
    assert concerned.supplementary["3A1"] == (failing,)
    assert [p.code for p in early.refused] == ["results-incomplete"]  # no assessment yet
    summer = issue_templates(setup, share.root, secret, 3, summer=concerned)
    (bosung,) = [f for f in summer.files if f.path.name == "3A1_DanhGiaBoSung.xlsx"]

    def still_failing(copy: WorkingCopy) -> None:
        copy.put(0, "KQ_BS", "Chưa hoàn thành")

    send([bosung], still_failing, date(2026, 8, 10))
    with Ledger.open(data.ledger) as ledger:
        wrong = approve_period(setup, ledger, "HE", ["3A1"], principal, JUNE,
                               promoted=[setup.students_of("3A1")[1].code])  # fmt: skip
        assert [p.code for p in wrong.refused] == ["results-primary-not-undecided"]
        done = approve_period(setup, ledger, "HE", ["3A1"], principal, JUNE, promoted=[failing])
        assert done.refused == []
        summary = primary_summary(ledger, setup, "3A1", AssessmentPoint.YEAR_END, JUNE)
    pupil = next(r for r in summary.rows if r.name == setup.students_of("3A1")[0].full_name)
    assert pupil.year[0] == "CHT" and pupil.year[-1] == "Được lên lớp"
    others = [r.year[-1] for r in summary.rows if r is not pupil]
    assert others and set(others) == {"Hoàn thành"}
