"""Report: the JSON contract (report.schema.json) and the self-contained HTML view."""
