"""A class's values and results as the books read them, computed once per process while the
ledger is unchanged.

Every book that shows a class's results computes them (:func:`class_results`): its class book,
its học bạ, and the book of every teacher with a subject in it, who prints the results of all
their classes. ``wbe books all`` of a 40-class school computed them 560 times (480 for the 70
teachers' books), 15 s of CPU; a worker now computes each class's once. What is kept holds for
the ledger it was read from: its :meth:`~workbook_engine.pipeline.ledger.Ledger.version` (its
chain head…), read in the same read transaction, is part of the key, so a ledger written
meanwhile (by the watcher) is read again. The setup and the ledger connection are kept with
what was computed from them: another one starts afresh. The class and teacher books pass the
setup as of their day (:meth:`~workbook_engine.model.Setup.as_of`: the same object for the same
day, so what is kept for it stays kept).

What these return is shared by every book of the process: read it, never change it.
"""

from __future__ import annotations

from datetime import date

from workbook_engine.model import Setup
from workbook_engine.pipeline.ledger import Ledger
from workbook_engine.pipeline.result_approval import class_results, class_values
from workbook_engine.results import StudentResult, Values

Results = tuple[list[StudentResult], dict[int, list[str]]]
Version = tuple[str, int]  # Ledger.version

_source: tuple[Setup, Ledger, Version] | None = None  # what the kept values were computed from
_values: dict[tuple[Version, str], Values] = {}  # (ledger version, class) → class_values
_results: dict[tuple[Version, str, date], Results] = {}  # (ledger version, class, day) → results


def book_values(setup: Setup, ledger: Ledger, class_code: str) -> Values:
    """:func:`class_values` of the class, kept for the class read last only (a class's values
    take some 2 MB, its results a few hundred kB)."""
    with ledger.reading():
        key = (_version(setup, ledger), class_code)
        if key not in _values:
            _values.clear()
            _values[key] = class_values(setup, ledger, class_code)
        return _values[key]


def book_results(setup: Setup, ledger: Ledger, class_code: str, day: date) -> Results:
    """:func:`class_results` of the class on ``day`` (the results and the attendance months
    not in), computed once per ledger version."""
    with ledger.reading():
        key = (_version(setup, ledger), class_code, day)
        if key not in _results:
            values = book_values(setup, ledger, class_code)
            _results[key] = class_results(setup, ledger, class_code, day, values)
        return _results[key]


def _version(setup: Setup, ledger: Ledger) -> Version:
    """The ledger's version; what was kept for another setup, ledger or version is dropped."""
    global _source
    version = ledger.version()
    kept = _source
    if kept is None or kept[0] is not setup or kept[1] is not ledger or kept[2] != version:
        _values.clear()
        _results.clear()
        _source = (setup, ledger, version)
    return version
