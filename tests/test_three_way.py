"""The three-way diff: the teacher's base copy, the submitted file, the accepted ledger state."""

from __future__ import annotations

import pytest

from workbook_engine.pipeline.ingest import three_way

S = "HS1"


@pytest.mark.parametrize(
    ("base", "file", "ledger", "change", "stale"),
    [
        # blank → value: a new entry merges
        (None, "7.0", None, (None, "7.0", "merged"), False),
        # untouched and unchanged: nothing
        ("7.0", "7.0", "7.0", None, False),
        # the teacher changed an accepted value: a correction, pending approval
        ("7.0", "8.0", "7.0", ("7.0", "8.0", "pending"), False),
        # the teacher cleared an accepted value: also a correction
        ("7.0", None, "7.0", ("7.0", None, "pending"), False),
        # untouched, but an approved correction changed the ledger since: stale, never reverted
        ("7.0", "7.0", "9.0", None, True),
        # a fresh blank copy leaves accepted values blank: stale, not a deletion
        (None, None, "9.0", None, True),
        # the teacher typed what the ledger already holds: nothing to do
        ("7.0", "9.0", "9.0", None, False),
        # a value typed into a copy whose base was blank, over an accepted value: correction
        (None, "8.0", "9.0", ("9.0", "8.0", "pending"), False),
    ],
)
def test_three_way_cases(
    base: str | None,
    file: str | None,
    ledger: str | None,
    change: tuple[str | None, str | None, str] | None,
    stale: bool,
) -> None:
    def cells(value: str | None) -> dict[tuple[str, str], str]:
        return {} if value is None else {(S, "TX1"): value}

    changes, stale_cells = three_way(cells(file), cells(base), cells(ledger))
    assert [(c.old, c.new, c.status) for c in changes] == ([change] if change else [])
    assert stale_cells == (["HS1 TX1"] if stale else [])
