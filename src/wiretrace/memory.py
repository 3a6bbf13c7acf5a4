"""Giving freed memory back to the operating system between pipeline steps.

CPython returns freed objects to its own pools and glibc keeps freed heap pages for reuse, so a step that built
and dropped large caches leaves the process's resident size where its peak was. `malloc_trim` (glibc) releases
the free pages; elsewhere this only collects garbage.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():  # -> the C function, or None where the C library has none
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def return_free_memory() -> None:
    """Collect garbage, then hand free heap pages back to the system (glibc only; a no-op elsewhere)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
