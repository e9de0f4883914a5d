"""render/stack_room.py: weasyprint's layout is called from a frame large enough to open a
chunk of the frame stack of its own (the speed itself is measured by benchmarks/bench_books.py)."""

from __future__ import annotations

import sys

import pytest

from workbook_engine.render.stack_room import SLOTS, with_room

WORD = 8  # bytes of a frame slot (a pointer) on the 64-bit Pythons the school's PCs run


def caller_and_sum(a: int, *, b: int) -> tuple[str, int, int]:
    caller = sys._getframe(1).f_code
    return caller.co_name, caller.co_nlocals, a + b


def test_the_function_is_called_from_the_roomy_frame_with_its_arguments() -> None:
    name, slots, total = with_room(caller_and_sum, 2, b=3)
    assert (name, total) == ("roomy", 5)
    assert slots == SLOTS + 3  # fn, args, kwargs and the room
    # more than half of a 512 KiB chunk: no chunk already opened (16 KiB) can hold the frame,
    # and the one opened for it keeps room for the layout's recursion
    assert 256 * 1024 < slots * WORD < 300 * 1024


def test_an_error_of_the_function_goes_through() -> None:
    def fails() -> None:
        raise ValueError("hỏng")

    with pytest.raises(ValueError, match="hỏng"):
        with_room(fails)
