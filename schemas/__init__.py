"""Data: schema definitions (YAML) for the workbooks, loaded with importlib.resources."""
