"""Ordering of allele names the way PharmCAT prints them: numbers compared as numbers, ``Reference`` first.

>>> sorted(["*17", "*2", "*1", "*80+*28", "*80"], key=name_key)
['*1', '*2', '*17', '*80', '*80+*28']
>>> sorted(["ivacaftor non-responsive CFTR sequence", "G1244E"], key=name_key)
['G1244E', 'ivacaftor non-responsive CFTR sequence']
>>> sorted(["c.1905+1G>A (*2A)", "Reference"], key=name_key)
['Reference', 'c.1905+1G>A (*2A)']
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKENS = re.compile(r"(\d+)")
_TOP = frozenset({"any", "all", "reference"})
_BOTTOM = frozenset({"other", "unknown"})

NameKey = tuple[int, tuple[tuple[int, int, str], ...], str]


@lru_cache(maxsize=8192)
def name_key(name: str) -> NameKey:
    """Sort key: top terms, then natural order of digit and text runs, then the raw name to break ties (kept per name:
    cohort matching sorts the same few thousand names hundreds of thousands of times)."""
    lowered = name.lower()
    rank = 0 if lowered in _TOP else 2 if lowered in _BOTTOM else 1
    parts = tuple((0, int(token), "") if token.isdigit() else (1, 0, token) for token in _TOKENS.split(name) if token)
    return rank, parts, name


def ordered_pair(first: str, second: str) -> tuple[str, str]:
    """The two names of a diplotype in print order."""
    return (first, second) if name_key(first) <= name_key(second) else (second, first)
