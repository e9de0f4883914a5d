"""The final books the school prints, signs, stamps and archives (issue 12), as PDF laid out
from jinja2 templates (``../templates``) sharing ``books.css``: the student record book
(:mod:`~workbook_engine.render.books.hocba`)."""
