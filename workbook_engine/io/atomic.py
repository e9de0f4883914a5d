"""Write a file so that readers never see it half-written, on Windows shares too."""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

RETRIES = 10
RETRY_PAUSE = 0.5


class FileLockedError(OSError):
    """The target stays locked (typically open in Excel on Windows)."""


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it over ``target`` atomically.

    On any error the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # not mkstemp: its 0600 mode would stay on the result and hide it from others on a share
    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:12]}{suffix or target.suffix}")
    tmp.open("xb").close()
    try:
        yield tmp
        replace_with_retry(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{12}(\.[A-Za-z0-9]{1,8})?$")


def sweep_temporaries(folder: Path, older_than: float = 60.0) -> int:
    """Remove the temporary files a killed writer left below ``folder`` (the
    ``.name.<12 hex>.ext`` of :func:`atomic_path`) once older than ``older_than`` seconds (a
    live writer's are younger). Returns how many were removed."""
    removed, limit = 0, time.time() - older_than
    try:
        candidates = [p for p in Path(folder).rglob(".*") if _TEMPORARY.match(p.name)]
    except OSError:
        return 0
    for path in candidates:
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
    return removed


def replace_with_retry(source: Path, target: Path) -> None:
    """``os.replace`` that waits while Windows holds ``target`` open (PermissionError)."""
    for attempt in range(RETRIES):
        try:
            os.replace(source, target)
            return
        except PermissionError as exc:
            if attempt == RETRIES - 1:
                raise FileLockedError(
                    f"Không ghi được {target}: tệp đang được mở ở chương trình khác "
                    "(đóng Excel rồi chạy lại)."
                ) from exc
            time.sleep(RETRY_PAUSE)
