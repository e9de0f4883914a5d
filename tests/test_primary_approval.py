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
