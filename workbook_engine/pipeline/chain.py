"""The tamper-evident change log: every ledger event carries the hash of the one before it.

Pure functions; the ledger stores the events and asks these to hash and to check them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class Event:
    id: int
    at: str
    kind: str  # file, change, decision, lock
    ref: int  # id of the row in the table of that kind
    payload: str  # canonical JSON of the row
    prev_hash: str
    hash: str


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(row: Mapping[str, object]) -> str:
    """Sorted, compact JSON: the same row always gives the same bytes (one encoder, reused)."""
    return _CANONICAL.encode(dict(row))


def link(prev_hash: str, kind: str, ref: int, payload: str) -> str:
    data = f"{prev_hash}\n{kind}\n{ref}\n{payload}".encode()
    return hashlib.sha256(data).hexdigest()


def first_broken_link(events: Iterable[Event]) -> str | None:
    """A Vietnamese description of the first event whose hash does not follow, or None."""
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev:
            return f"sự kiện #{event.id} không nối tiếp sự kiện trước (chuỗi bị cắt hoặc xoá)"
        if link(prev, event.kind, event.ref, event.payload) != event.hash:
            return f"sự kiện #{event.id} ({event.kind} {event.ref}) đã bị sửa"
        prev = event.hash
    return None
