"""The end-to-end demo: what ``./run demo`` does, as a library function."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbook_engine.demo.school import DemoOptions, build_demo_school
from workbook_engine.errors import Report
from workbook_engine.io.identity import load_or_create_secret
from workbook_engine.io.setup_reader import SetupError, check_setup
from workbook_engine.io.setup_writer import write_setup
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.issue import IssueResult, issue_templates

Progress = Callable[[int, int], None]


@dataclass
class DemoResult:
    setup: Setup
    report: Report
    issued: IssueResult
    share: Path


def run_demo(
    data: DataDir, outbox: Path, options: DemoOptions, progress: Progress | None = None
) -> DemoResult:
    """Build the demo school, check its setup, issue semester 1 sheets into ``<data>/share``."""
    write_setup(data.ensure().setup, build_demo_school(options))
    setup, report = check_setup(data.setup)
    if setup is None:
        raise SetupError(report)
    share = data.root / "share"
    issued = issue_templates(setup, share, load_or_create_secret(data.secret), 1, progress=progress)
    outbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data.setup, outbox / "setup.xlsx")
    (outbox / "setup-check.json").write_text(report.to_json(), encoding="utf-8")
    return DemoResult(setup=setup, report=report, issued=issued, share=share)
