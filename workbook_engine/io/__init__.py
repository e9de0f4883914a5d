"""Reading and writing workbooks: every xlsx detail lives here."""
