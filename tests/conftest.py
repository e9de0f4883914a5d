"""Shared fixtures: a small demo school written as a real setup workbook, and the demo's whole
year played once per test run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import School
from workbook_engine.demo.run import DemoResult, run_demo
from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.identity import load_or_create_secret
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.issue import issue_templates

SMALL = DemoOptions(classes_per_grade=1, students_per_class=12, seed=7)
DEMO_YEAR = DemoOptions(students_per_class=6)  # every grade's classes, a small roster each


@pytest.fixture(autouse=True)
def _outbox_of_the_test(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command run without ``--outbox`` (lock, unlock, corrections) writes under the test's
    own folder, never into the repository's ``outbox/``."""
    monkeypatch.setenv("WBE_OUTBOX", str(tmp_path_factory.mktemp("outbox")))


@pytest.fixture(scope="session")
def small_school() -> Setup:
    return build_demo_school(SMALL)


@pytest.fixture(scope="session")
def small_setup_file(tmp_path_factory: pytest.TempPathFactory, small_school: Setup) -> Path:
    """A valid setup workbook; copy it before changing it."""
    return write_setup(tmp_path_factory.mktemp("setup") / "setup.xlsx", small_school)


@pytest.fixture
def setup_copy(tmp_path: Path, small_setup_file: Path) -> Path:
    target = tmp_path / "setup.xlsx"
    shutil.copyfile(small_setup_file, target)
    return target


@pytest.fixture(scope="session")
def school_data(tmp_path_factory: pytest.TempPathFactory, small_school: Setup) -> Path:
    """A data directory with the setup, the secret and the issued semester 1 sheets, built
    once per test run; tests get a copy (``school``)."""
    data = DataDir(tmp_path_factory.mktemp("school") / "data").ensure()
    write_setup(data.setup, small_school)
    issue_templates(small_school, data.root / "share", load_or_create_secret(data.secret), 1)
    return data.root


@pytest.fixture
def school(tmp_path: Path, small_school: Setup, school_data: Path) -> School:
    data = DataDir(tmp_path / "data")
    shutil.copytree(school_data, data.root)
    return School(small_school, data, tmp_path / "inbox", tmp_path / "outbox")


@pytest.fixture(scope="session")
def demo_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataDir, Path, DemoResult]:
    """What ``./run demo`` leaves (its data directory, its outbox and what it did), played once
    per test run and shared by the tests that read it: do not change it."""
    root = tmp_path_factory.mktemp("demo-year")
    data = DataDir(root / "data")
    outbox = root / "outbox"
    result = run_demo(data, root / "inbox", outbox, DEMO_YEAR, share=root / "share")
    return data, outbox, result
