"""Ingest: every supported input becomes `Article`s or a `ReadError` naming the file.

Readers never raise on bad input: they yield a ReadError and go on, so one
broken file never stops a batch.
"""

from wiretrace.ingest.errors import ReadError
from wiretrace.ingest.walk import read_paths

__all__ = ["ReadError", "read_paths"]
