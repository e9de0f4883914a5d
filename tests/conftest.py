"""Shared fixtures: a small demo school written as a real setup workbook."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import Setup

SMALL = DemoOptions(classes_per_grade=1, students_per_class=12, seed=7)


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
