"""Where each record of a VCF written from another genotype file came from, so that an error found while reading
that temporary VCF names the user's file and variant, never a line of a file the user has never seen.

>>> origin = WrittenVcf(header_lines=4, variants=["variant 7 (1:100 rs1)", "variant 9 (1:250 rs2)"])
>>> str(origin.renamed(InputError("REF 'R' is odd", source="tmp.vcf", location="line 6"), "cohort.pgen"))
"cohort.pgen, variant 9 (1:250 rs2): REF 'R' is odd"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tailormed.errors import InputError

_LINE = re.compile(r"\bline (\d+)\b")


@dataclass
class WrittenVcf:
    """The header length of a written VCF and, in order, how each of its records is named in the source file."""

    header_lines: int = 0
    variants: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.variants)

    def renamed(self, error: InputError, source: str) -> InputError:
        """``error`` about the written VCF as the same error about ``source``: each record line it names (in its
        location or its message) replaced by the variant written there."""

        def variant(match: re.Match[str]) -> str:
            row = int(match.group(1)) - self.header_lines - 1
            return self.variants[row] if 0 <= row < len(self.variants) else match.group(0)

        location = _LINE.sub(variant, error.location) if error.location is not None else None
        return type(error)(_LINE.sub(variant, error.message), source=source, location=location)
