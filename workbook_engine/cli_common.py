"""What every ``wbe`` command shares: consoles, the shared options, the one error channel.

Keep this module (and everything the ``cli*`` modules import at their top) light: ``wbe --help``
must not import pandas, openpyxl or weasyprint. Commands import the library inside their body.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from workbook_engine.errors import Problem, Report, Severity, WorkbookEngineError, make_problem
from workbook_engine.paths import ENV_VAR, DataDir, data_dir

if TYPE_CHECKING:
    from workbook_engine.model import Setup

# soft_wrap: a message stays on one line, whole, in logs and when copied by a clerk
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

JSON_META = "wbe.json"  # set in the click context's shared ``meta`` when --json was given

# --- the shared options ---------------------------------------------------------------------------


def _data_dir_option(**extra: Any) -> Any:
    return typer.Option(
        "--data-dir",
        envvar=ENV_VAR,
        help="Thư mục dữ liệu / data directory (default ./data).",
        show_default=False,
        **extra,
    )


DataDirOption = Annotated[Path | None, _data_dir_option()]


def _require_school(value: Path | None) -> Path | None:
    """Refuse a data directory without its setup or its secret before anything is written there.

    Only issuing (``wbe templates issue``) and the demo may create the secret: a new key would
    make every sheet already issued read as tampered.
    """
    from workbook_engine.io.identity import load_secret

    data = data_dir(value)
    if not data.setup.exists():
        raise engine_error("setup-missing", path=data.setup)
    load_secret(data.secret)
    return value


# --data-dir for the commands that check issued sheets (ingest, watch): the directory must hold
# the school's setup and secret (``setup-missing``, ``secret-missing``), checked while parsing.
SchoolDirOption = Annotated[Path | None, _data_dir_option(callback=_require_school)]
InboxOption = Annotated[
    Path, typer.Option("--inbox", help="Hộp thư nhận tệp / inbox folder.", envvar="WBE_INBOX")
]
OutboxOption = Annotated[
    Path, typer.Option("--outbox", help="Thư mục kết quả / outbox folder.", envvar="WBE_OUTBOX")
]
ShareOption = Annotated[
    Path,
    typer.Option(
        "--share",
        help="Thư mục chia sẻ của trường: mỗi người một thư mục / the school's share.",
        envvar="WBE_SHARE",
    ),
]
DemoShareOption = Annotated[Path, typer.Option("--share", help="Thư mục chia sẻ của trường mẫu.")]
# The demo's own folders are never taken from WBE_INBOX/WBE_OUTBOX: the demo empties its outbox
# (master, records, reports) before it plays, and must not do that to a school's real outbox.
DemoInboxOption = Annotated[Path, typer.Option("--inbox", help="Hộp thư của trường mẫu / inbox.")]
DemoOutboxOption = Annotated[
    Path, typer.Option("--outbox", help="Thư mục kết quả của trường mẫu / outbox.")
]
TodayOption = Annotated[
    datetime | None,
    typer.Option(
        "--today",
        formats=["%Y-%m-%d"],
        help="Coi hôm nay là ngày này (thử nghiệm, trình diễn) / pretend today is this date.",
    ),
]


def _remember_json(ctx: typer.Context, value: bool) -> bool:
    if value:
        ctx.meta[JSON_META] = True  # the error handler prints the report as JSON too
    return value


JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="In kết quả dạng JSON / print the result as JSON.",
        callback=_remember_json,
        is_eager=True,  # before --data-dir's check, so its error is JSON too
    ),
]

# --- the one error channel --------------------------------------------------------------------


def problem_line(problem: Problem) -> str:
    """``Lỗi: <where>: <what>. Cách sửa: <how>`` (``Cảnh báo:`` for a warning), on one line."""
    label = "Lỗi" if problem.severity is Severity.ERROR else "Cảnh báo"
    where = f"{problem.location}: " if problem.location else ""
    return f"{label}: {where}{problem.message}. Cách sửa: {problem.kind.hint}"


def print_problems(report: Report, json_output: bool = False) -> None:
    """Errors on stderr, one line each; with ``json_output`` the report as JSON on stdout."""
    if json_output:
        sys.stdout.write(report.to_json() + "\n")
        return
    for problem in report.sorted():
        err.print(problem_line(problem), style="red", markup=False)


def print_report(report: Report, json_output: bool = False) -> None:
    """A check's full report on stdout (``Lỗi [code] …`` lines and a count), or its JSON."""
    if json_output:
        sys.stdout.write(report.to_json() + "\n")
        return
    for problem in report.sorted():
        style = "red" if problem in report.errors else "yellow"
        out.print(str(problem), style=style, markup=False)
    summary = f"{len(report.errors)} lỗi, {len(report.warnings)} cảnh báo."
    out.print(summary, style="bold green" if report.valid else "bold red", markup=False)


def print_json(data: object) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


class WbeGroup(TyperGroup):
    """Every ``wbe`` group: a :class:`WorkbookEngineError` from any command becomes its printed
    report (JSON when the command got ``--json``) and exit code 1, never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click.Context (typer.Context derives it)
        try:
            return super().invoke(ctx)
        except WorkbookEngineError as exc:
            print_problems(exc.report, bool(ctx.meta.get(JSON_META)))
            raise typer.Exit(1) from exc


def new_app(help_text: str, **kwargs: Any) -> typer.Typer:
    """A command group that reports errors through :class:`WbeGroup`."""
    kwargs.setdefault("no_args_is_help", True)
    return typer.Typer(cls=WbeGroup, help=help_text, **kwargs)


def fail(message: str) -> typer.Exit:
    """Print ``Lỗi: message`` on stderr; raise the returned exit (code 1)."""
    err.print(f"Lỗi: {message}", style="red", markup=False)
    return typer.Exit(1)


def engine_error(code: str, **values: Any) -> WorkbookEngineError:
    """One catalogue problem, to raise: ``raise engine_error("setup-missing", path=…)``."""
    return WorkbookEngineError(make_problem(code, **values))


def require_paths(paths: list[Path]) -> None:
    """``path-missing`` for every path that does not exist."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise WorkbookEngineError(*(make_problem("path-missing", path=p) for p in missing))


def setup_or_fail(data: DataDir) -> Setup:
    """The checked school setup; ``setup-missing``, or every problem and ``setup-invalid``."""
    from workbook_engine.io.setup_reader import SetupError, load_setup

    if not data.setup.exists():
        raise engine_error("setup-missing", path=data.setup)
    try:
        return load_setup(data.setup)
    except SetupError as exc:
        headline = make_problem("setup-invalid", path=data.setup)
        raise WorkbookEngineError(*exc.report.sorted(), headline) from exc


# --- progress -----------------------------------------------------------------------------------


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields ``update(done, total)`` for library callbacks."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=err) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextlib.contextmanager
def progress_steps() -> Iterator[Callable[[str, int, int], None]]:
    """One progress bar per named step; yields ``update(step, done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield update
