"""Where a curated clinical fact comes from: the source, the place in it, and the words it rests on.

Every number, dose, interval, classification and recommendation in ``knowledge/curated/`` carries at least one
:class:`SourceQuote`. The quote is the source's own sentence or table cell, so a reviewer can check the fact
against it without re-reading the whole paper or label; a fact whose source could not be read is marked
:class:`Unverified` and is kept out of patient-facing text.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from tailormed.model.base import Contract

_CITE = re.compile(
    r"^(PMID:\d{5,9}|DOI:10\.\d{4,9}/\S+|PMCID:PMC\d+|FDA label: .+|DPWG: .+|CPIC: .+|NCCN: .+|ESMO: .+|"
    r"ACMG: .+|GeneReviews: .+|PharmVar: .+|PharmCAT: .+|ClinVar: .+|OncoTree: .+|RxNorm: .+|ATC: .+|"
    r"https?://\S+)$"
)


def _cite(value: str) -> str:
    """A citation in one of the accepted forms.

    >>> _cite("PMID:35034351")
    'PMID:35034351'
    >>> _cite("Smith 2020")
    Traceback (most recent call last):
    ...
    ValueError: citation 'Smith 2020' is not PMID:n, DOI:10.x/y, PMCID:PMCn, a URL, or 'FDA label: ...' style
    """
    if not _CITE.match(value):
        raise ValueError(f"citation {value!r} is not PMID:n, DOI:10.x/y, PMCID:PMCn, a URL, or 'FDA label: ...' style")
    return value


Cite = Annotated[str, AfterValidator(_cite)]


class SourceQuote(Contract):
    """One source of a curated fact and the exact words in it that the fact rests on."""

    cite: Cite = Field(description="PMID:n, DOI:10.x/y, PMCID:PMCn, URL, or 'FDA label: <Brand> (<generic>) <date>'")
    at: str = Field(min_length=1, description="Where in the source: section, table, figure, page or row")
    quote: str = Field(min_length=8, description="The source's own sentence or table cell, verbatim")


class Unverified(Contract):
    """A fact kept although its source could not be read to the sentence; never shown to patients."""

    reason: str = Field(min_length=8)
