"""Pipeline: issue sheets, watch the inbox, ingest, merge."""
