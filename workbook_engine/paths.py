"""Where runtime state lives: one data directory, never inside the package."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "WBE_DATA_DIR"
DEFAULT_DATA_DIR = Path("data")


@dataclass(frozen=True)
class DataDir:
    """The layout of a school's data directory."""

    root: Path

    @property
    def setup(self) -> Path:
        return self.root / "setup.xlsx"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def rejected(self) -> Path:
        return self.root / "rejected"

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    @property
    def secret(self) -> Path:
        return self.root / "secret.key"

    def ensure(self) -> DataDir:
        self.root.mkdir(parents=True, exist_ok=True)
        return self


def data_dir(option: Path | str | None = None) -> DataDir:
    """The data directory: ``--data-dir``, else ``$WBE_DATA_DIR``, else ``./data``."""
    if option:
        return DataDir(Path(option))
    env = os.environ.get(ENV_VAR)
    return DataDir(Path(env) if env else DEFAULT_DATA_DIR)
