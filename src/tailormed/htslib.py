"""cyvcf2's own htslib, reached through ctypes, and its log silenced for tailormed's reads.

htslib writes what it dislikes to stderr (``[E::vcf_parse] Could not parse the position``, ``[W::vcf_parse_info]
INFO 'DP' is not defined``) before cyvcf2 raises a bare exception; tailormed checks the same input and reports every
problem itself, naming the file and line, so htslib's lines would only stand before that error in a wording the user
cannot act on. The readers call :func:`silence` before they open a file; nothing of tailormed's own goes through
htslib's log.
"""

from __future__ import annotations

import ctypes
from functools import cache

import cyvcf2

#: htslib's ``HTS_LOG_OFF`` (hts_log.h).
LOG_OFF = 0


@cache
def library() -> ctypes.CDLL | None:
    """cyvcf2's htslib (statically linked into its extension, or a shared library it loads), None if not reachable."""
    try:
        found = ctypes.CDLL(cyvcf2.cyvcf2.__file__)
        found.hts_set_log_level.argtypes = [ctypes.c_int]
        found.hts_get_log_level.restype = ctypes.c_int
    except (OSError, AttributeError, ValueError):
        return None
    return found


def silence() -> None:
    """Turn htslib's stderr log off (process-wide; htslib here is tailormed's only)."""
    found = library()
    if found is not None:
        found.hts_set_log_level(LOG_OFF)


def log_level() -> int | None:
    """htslib's current log level, None when htslib is not reachable."""
    found = library()
    return int(found.hts_get_log_level()) if found is not None else None
