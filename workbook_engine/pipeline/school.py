"""One school's data directory, opened: the library's entry point for the CLI, the demo and the
pipeline (setup checked, secret loaded, ledger open), so none of them wires these by hand.

The ledger is precious: it is never started anew for a school that already has data. A missing
or empty ledger next to an archive of received originals (or an outbox published from a ledger)
is refused, as are a damaged ledger and one written by a newer version of the program
(:class:`~workbook_engine.pipeline.ledger.LedgerUnusable`); only a brand-new school (no ledger,
nothing archived) starts a fresh one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from workbook_engine.io.identity import load_secret
from workbook_engine.io.setup_reader import load_setup
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger, blank_state

PUBLISH_STATE = ".wbe-publish.json"  # render.publish.STATE_NAME (not imported: it is heavy)
SHA256_NAME = re.compile(r"[0-9a-f]{64}")


@dataclass
class School:
    """Use as a context manager (closes the ledger). ``secret`` is empty when it was not asked
    for: approving a correction or reading reports checks no issued sheet."""

    data: DataDir
    setup: Setup
    ledger: Ledger
    secret: bytes = b""

    @classmethod
    def open(
        cls,
        data: DataDir | Path,
        setup: Setup | None = None,
        *,
        secret: bool = True,
        outbox: Path | None = None,
    ) -> School:
        """Open ``data``: :class:`SetupError` for a missing or invalid setup, :class:`SecretError`
        for a missing secret (never made anew here), both before the ledger is touched; then
        the ledger (:func:`open_ledger`: ``outbox``, when given, is one more witness that the
        school already had a ledger)."""
        data = data if isinstance(data, DataDir) else DataDir(Path(data))
        setup = setup or load_setup(data.setup)
        key = load_secret(data.secret) if secret else b""
        return cls(data.ensure(), setup, open_ledger(data, outbox), key)

    def close(self) -> None:
        self.ledger.close()

    def __enter__(self) -> School:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_ledger(data: DataDir, outbox: Path | None = None) -> Ledger:
    """The school's ledger, or :class:`~workbook_engine.pipeline.ledger.LedgerUnusable` (nothing
    written): ``ledger-lost`` when it is missing or empty while :func:`school_history` finds
    data, ``ledger-damaged``, ``ledger-too-new``. A new school gets a fresh ledger."""
    blank = blank_state(data.ledger) is not None
    history = school_history(data, outbox) if blank else ""
    return Ledger.open(data.ledger, expect_existing=not blank or bool(history), history=history)


def school_history(data: DataDir, outbox: Path | None = None) -> str:
    """What shows the school already received files, in Vietnamese; "" for a new school: the
    originals kept in the archive, an outbox published from a ledger that had events."""
    found = []
    count = sum(1 for _ in archived(data))
    if count:
        found.append(f"thư mục lưu trữ {data.archive} có {count} tệp đã nhận")
    if outbox is not None and _published(Path(outbox) / PUBLISH_STATE):
        found.append(f"thư mục kết quả {outbox} đã được cập nhật từ sổ điểm")
    return "; ".join(found)


def archived(data: DataDir) -> Iterator[tuple[str, Path]]:
    """The originals kept in the archive (``archive/ab/abcdef….xlsx``) as (sha256, path), in
    name order; other files there (``desktop.ini``, ``Thumbs.db``…) are not originals."""
    if not data.archive.is_dir():
        return
    for folder in sorted(data.archive.iterdir()):
        if not folder.is_dir():
            continue
        for file in sorted(folder.glob("*.xlsx")):
            sha = file.stem
            if SHA256_NAME.fullmatch(sha) and sha[:2] == folder.name and file.is_file():
                yield sha, file


def _published(state: Path) -> bool:
    """The outbox's publish state names an event of a ledger (an unreadable state counts)."""
    try:
        raw = json.loads(state.read_text("utf-8"))
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True
    try:
        return int(raw["event_id"]) > 0
    except (KeyError, TypeError, ValueError):
        return True
