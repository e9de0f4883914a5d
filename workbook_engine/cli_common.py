"""What every ``wbe`` command shares: consoles, the data-dir option, the one error exit."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from workbook_engine.io.setup_reader import SetupError, load_setup
from workbook_engine.model import Setup
from workbook_engine.paths import ENV_VAR, DataDir

# soft_wrap: a message stays on one line, whole, in logs and when copied by a clerk
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar=ENV_VAR,
        help="Thư mục dữ liệu / data directory (default ./data).",
        show_default=False,
    ),
]


def fail(message: str) -> typer.Exit:
    """Print ``Lỗi: message`` on stderr; raise the returned exit (code 1)."""
    err.print(f"Lỗi: {message}", style="red", markup=False)
    return typer.Exit(1)


def setup_or_fail(data: DataDir) -> Setup:
    """The checked school setup; every problem printed and exit 1 when it has errors."""
    if not data.setup.exists():
        raise fail(f"không tìm thấy tệp thiết lập {data.setup}")
    try:
        return load_setup(data.setup)
    except SetupError as exc:
        for problem in exc.report.sorted():
            err.print(str(problem), markup=False)
        raise fail(f"tệp thiết lập {data.setup} có lỗi (xem trên)") from exc


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields ``update(done, total)`` for library callbacks."""
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=err) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextlib.contextmanager
def progress_steps() -> Iterator[Callable[[str, int, int], None]]:
    """One progress bar per named step; yields ``update(step, done, total)``."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield update
