"""wiretrace: trace news stories back to their sources."""

__version__ = "0.1.0"
