"""Write a file so that readers never see it half-written, on Windows shares too."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
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
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        replace_with_retry(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


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
