"""weasyprint's ``HTML`` with a leaner user-agent stylesheet, for speed (the page is the same).

weasyprint's own user-agent stylesheet (``html5_ua.css``) styles six pseudo-elements of *every*
element: ``::marker`` and the footnote and note ones (``::footnote-call``, ``::note-marker``…).
So the cascade gives each element six pseudo-element styles more, and a học bạ of 45 students
made some 64,000 of them (95 % of all its computed styles), every one computed, kept and collected
afterwards, though none is ever drawn: our documents have no footnotes or notes, and their list
items are ``<li>``. Here those rules are kept only where they can apply (``::marker`` of ``li``
and ``summary``) or dropped (footnotes, notes): a class's học bạ took 13 % less CPU (3.62 s instead
of 4.19 s, best of 4), and every page came out pixel for pixel the same.

A document that would use CSS footnotes (``float: footnote``) or ``display: list-item`` on other
elements than ``<li>`` needs plain ``weasyprint.HTML``. The stylesheet is read from weasyprint
itself; a weasyprint whose stylesheet or hook differs gets its own, unchanged (slower, the same).
"""

from __future__ import annotations

import functools
import re
from importlib.resources import files
from typing import Any

import weasyprint
import weasyprint.html
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration

# the universal pseudo-element rules of html5_ua.css, each on a line of its own
_MARKER = re.compile(r"^::marker \{", re.MULTILINE)
_NOTES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^\n]*\}\n", re.MULTILINE)


@functools.cache
def lean_ua_stylesheet() -> weasyprint.CSS | None:
    """weasyprint's user-agent stylesheet without its universal pseudo-element rules (parsed
    once per process), or None when the stylesheet is not as expected."""
    try:
        text = (files(weasyprint) / "css" / "html5_ua.css").read_text("utf-8")
    except OSError:
        return None
    lean = _NOTES.sub("", _MARKER.sub("li::marker, summary::marker {", text))
    if lean == text or re.search(r"^::", lean, re.MULTILINE):
        return None  # another weasyprint: leave its stylesheet alone
    # its @counter-style rules go to a counter store of its own: weasyprint keeps its own copy
    return weasyprint.CSS(string=lean, counter_style=CounterStyle())


class LeanHTML(weasyprint.HTML):
    """``weasyprint.HTML`` laid out with :func:`lean_ua_stylesheet`."""

    def _ua_stylesheets(self, *args: Any, **kwargs: Any) -> list[Any]:
        sheets: list[Any] = list(super()._ua_stylesheets(*args, **kwargs))
        lean = lean_ua_stylesheet()
        html5 = getattr(weasyprint.html, "UA_STYLESHEET", None)  # the one read from html5_ua.css
        return [lean if lean is not None and sheet is html5 else sheet for sheet in sheets]


@functools.cache
def font_config() -> FontConfiguration:
    """One font configuration for every document of the process (weasyprint makes one per
    document otherwise): the fonts pango loaded, and what it cached of them, serve the next
    document too. A class book took about 4 % less CPU (the sum of 24 books in one process)."""
    return FontConfiguration()
