"""``wbe --help`` stays fast: importing the command line, or asking any group for its help,
imports none of the heavy libraries (they load inside the commands that use them)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "pandas",
    "pandera",
    "openpyxl",
    "weasyprint",
    "xlsxwriter",
    "jinja2",
    "python_calamine",
    "matplotlib",
)
LOADED = f"sorted(m for m in {HEAVY!r} if m in sys.modules)"


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_importing_the_cli_imports_no_heavy_library() -> None:
    assert run_python(f"import workbook_engine.cli, sys; print({LOADED})") == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["setup", "--help"],
        ["ingest", "--help"],
        ["corrections", "--help"],
        ["corrections", "approve", "--help"],
        ["log", "--help"],
        ["report", "--help"],
        ["templates", "--help"],
        ["demo", "--help"],
        ["results", "approve", "--help"],
        ["people", "pin", "--help"],
    ],
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from workbook_engine.cli import app\n"
        f"try:\n    app({args!r}, prog_name='wbe')\n"
        "except SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        f"print({LOADED})\n"
    )
    assert run_python(code) == "[]"
