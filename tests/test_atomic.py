"""Crash-safe writes: the result appears whole, with the permissions of a normal file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from workbook_engine.io.atomic import atomic_path


def test_atomic_writes_are_readable_by_others_on_a_share(tmp_path: Path) -> None:
    target = tmp_path / "master.xlsx"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["master.xlsx"]  # no temp file left


def test_a_failed_write_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "master.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash while writing")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["master.xlsx"]
