"""The store: the only place with SQL. SQLite in WAL mode, one file."""

from wiretrace.store.repository import Store

__all__ = ["Store"]
