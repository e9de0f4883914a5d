"""Documents people read: HTML pages and PDFs from jinja2 templates (``templates/``)."""
