"""Handing freed memory back to the system, so a million-row load does not keep its temporaries' pages."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import lru_cache
from typing import Any

import pyarrow as pa


@lru_cache(maxsize=1)
def _libc() -> Any:
    """glibc, whose `malloc_trim` returns freed heap pages (None elsewhere: musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Collect reference cycles (pandas keeps replaced columns in them), then return free pages to the system.

    Arrow's pool and glibc's heap otherwise keep what a big load freed (a million projects: ~250 MB
    each), which counts in the process's resident memory and adds to the peak of the next step.
    """
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
