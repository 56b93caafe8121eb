"""Pausing Python's cycle collector around work that allocates many objects holding no reference cycles.

Loading knowledge, reading a genome and analysing one patient each allocate hundreds of thousands of small objects
(models, sites, calls). Every few hundred allocations the collector would start a collection that walks all of them
again, which costs more than building them. Reference counting still frees everything as usual; cyclic garbage made
while paused is collected once the collector runs again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off for the block, and back as it was after it (nesting is fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
