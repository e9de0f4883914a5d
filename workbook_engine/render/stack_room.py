"""Room on Python's frame stack for weasyprint's deep layout, against a CPython 3.11 slowdown.

CPython 3.11 keeps Python frames in 16 KiB chunks and frees a chunk as soon as the frame that
opened it returns. A call made often right across a chunk boundary therefore maps and unmaps
memory on every call (a known 3.11 issue, fixed in later versions). Where the boundaries fall
depends on how deep the caller already is, so the same class book took 1.0 s or 1.7 s depending
on who called it (measured: 12 call depths, 1.1–1.7 s; with room, 1.0–1.1 s at every depth).

:func:`with_room` calls a function from a frame so large (about 260 KiB) that it opens a 512 KiB
chunk of its own, and the layout's recursion runs in the rest of that chunk: no boundary to cross,
the same speed whoever calls. On later Pythons it costs one large frame and nothing else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

SLOTS = 33_000  # local variables of 8 bytes: just over 256 KiB, so the chunk opened is 512 KiB


@functools.cache
def _roomy() -> Callable[[Callable[..., object], tuple[object, ...], dict[str, object]], object]:
    """A function whose frame holds SLOTS locals, compiled once."""
    names = "=".join(f"_{i}" for i in range(SLOTS))
    source = f"def roomy(fn, args, kwargs):\n    {names} = None\n    return fn(*args, **kwargs)\n"
    scope: dict[str, object] = {}
    exec(compile(source, "<stack room>", "exec"), scope)  # the only way to get a frame this size
    roomy = scope["roomy"]
    assert callable(roomy)
    return roomy


def with_room(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)``, called from a frame with room above it (see the module)."""
    return _roomy()(fn, args, kwargs)  # type: ignore[return-value]
