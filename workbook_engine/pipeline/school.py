"""One school's data directory, opened: the library's entry point for the CLI, the demo and the
pipeline (setup checked, secret loaded, ledger open), so none of them wires these by hand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbook_engine.io.identity import load_secret
from workbook_engine.io.setup_reader import load_setup
from workbook_engine.model import Setup
from workbook_engine.paths import DataDir
from workbook_engine.pipeline.ledger import Ledger


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
        cls, data: DataDir | Path, setup: Setup | None = None, *, secret: bool = True
    ) -> School:
        """Open ``data``: :class:`SetupError` for a missing or invalid setup, :class:`SecretError`
        for a missing secret (never made anew here), both before the ledger is touched."""
        data = data if isinstance(data, DataDir) else DataDir(Path(data))
        setup = setup or load_setup(data.setup)
        key = load_secret(data.secret) if secret else b""
        return cls(data.ensure(), setup, Ledger.open(data.ledger), key)

    def close(self) -> None:
        self.ledger.close()

    def __enter__(self) -> School:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
