"""Helpers for tests that need outside programs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def soffice_convert(files: list[Path], outdir: Path, fmt: str = "xlsx") -> list[Path]:
    """Round-trip files through LibreOffice (as a clerk saving in LibreOffice would)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; ./run test installs it")
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [outdir / f"{f.stem}.{fmt}" for f in files]
