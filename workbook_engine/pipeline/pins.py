"""PINs of the people who take decisions with legal weight, kept hashed in ``<data>/pins.json``.

Office PCs are shared: ``--by CODE`` is whatever the typist says, the PIN is what the decider
knows. Only salted PBKDF2 hashes are stored (``pbkdf2_sha256$iterations$salt_hex$hash_hex``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from workbook_engine.errors import WorkbookEngineError, make_problem
from workbook_engine.io.atomic import atomic_path
from workbook_engine.paths import DataDir

ITERATIONS = 200_000
SCHEME = "pbkdf2_sha256"
SALT_BYTES = 16
PIN_RULE = re.compile(r"[0-9]{6,12}")
MAX_WRONG = 5  # wrong PINs in a row before the person's PIN is refused for a while
LOCKOUT = timedelta(minutes=15)


def pins_path(data: DataDir) -> Path:
    return data.root / "pins.json"


def valid_pin(pin: str) -> bool:
    """A PIN is 6 to 12 digits (0–9)."""
    return PIN_RULE.fullmatch(pin) is not None


def _digest(pin: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{SCHEME}${ITERATIONS}${salt.hex()}${_digest(pin, salt, ITERATIONS).hex()}"


def _load(data: DataDir) -> dict[str, str]:
    path = pins_path(data)
    if not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkbookEngineError(make_problem("pins-unreadable", path=path)) from exc
    if not isinstance(stored, dict) or not all(isinstance(v, str) for v in stored.values()):
        raise WorkbookEngineError(make_problem("pins-unreadable", path=path))
    return stored


def has_pin(data: DataDir, code: str) -> bool:
    return code in _load(data)


def set_pin(data: DataDir, code: str, pin: str) -> None:
    """Store ``code``'s new PIN (hashed); ``pin-invalid`` unless it is 6–12 digits."""
    if not valid_pin(pin):
        raise WorkbookEngineError(make_problem("pin-invalid"))
    stored = _load(data)
    stored[code] = hash_pin(pin)
    with atomic_path(pins_path(data)) as tmp:
        tmp.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def check_pin(data: DataDir, code: str, pin: str) -> bool:
    """Whether ``pin`` is ``code``'s PIN (False when ``code`` has none)."""
    entry = _load(data).get(code)
    if entry is None:
        return False
    try:
        scheme, iterations, salt, expected = entry.split("$")
        if scheme != SCHEME:
            raise ValueError(scheme)
        actual = _digest(pin, bytes.fromhex(salt), int(iterations))
        return hmac.compare_digest(actual, bytes.fromhex(expected))
    except ValueError as exc:
        raise WorkbookEngineError(make_problem("pins-unreadable", path=pins_path(data))) from exc


# --- wrong PINs in a row: the person's PIN is refused for a while --------------------------------


def _attempts_path(data: DataDir) -> Path:
    return data.root / "pin-attempts.json"


def _attempts(data: DataDir) -> dict[str, dict[str, object]]:
    try:
        stored = json.loads(_attempts_path(data).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _save_attempts(data: DataDir, stored: dict[str, dict[str, object]]) -> None:
    with atomic_path(_attempts_path(data)) as tmp:
        tmp.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def locked_until(data: DataDir, code: str, now: datetime | None = None) -> datetime | None:
    """When ``code``'s PIN may be tried again after too many wrong ones (None: now)."""
    until = _attempts(data).get(code, {}).get("until")
    if not isinstance(until, str):
        return None
    moment = datetime.fromisoformat(until)
    return moment if moment > (now or datetime.now().astimezone()) else None


def record_wrong(data: DataDir, code: str, now: datetime | None = None) -> int:
    """Count a wrong PIN for ``code``; the fifth in a row locks it for 15 minutes."""
    stored = _attempts(data)
    entry = stored.setdefault(code, {})
    count = int(str(entry.get("count", 0))) + 1
    entry["count"] = count
    if count >= MAX_WRONG:
        moment = (now or datetime.now().astimezone()) + LOCKOUT
        entry.update(count=0, until=moment.isoformat(timespec="seconds"))
    _save_attempts(data, stored)
    return count


def record_right(data: DataDir, code: str) -> None:
    stored = _attempts(data)
    if stored.pop(code, None) is not None:
        _save_attempts(data, stored)
