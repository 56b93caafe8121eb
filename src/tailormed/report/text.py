"""The words a reader sees in a report, for readability scoring and for checking which language it is in.

Styles and drawings (SVG) are left out. Each block (heading, paragraph, list item, table cell, term) is one unit of
reading; one without final punctuation gets a full stop, the way readability tools treat headings and list items,
so that a heading is not merged into the sentence after it.
"""

from __future__ import annotations

from enum import Enum
from html.parser import HTMLParser

from tailormed.model.pgx import PhenotypeStatus

#: A gene result without a phenotype, in words.
STATUS_WORDS = {
    PhenotypeStatus.ASSIGNED: "no phenotype",
    PhenotypeStatus.AMBIGUOUS: "phenotype ambiguous",
    PhenotypeStatus.UNRESOLVED: "phenotype not assigned",
    PhenotypeStatus.NO_TABLE: "no phenotype table",
    PhenotypeStatus.NOT_CALLED: "not called",
}
#: Program codes (enum values) a reader of the plain-text outputs meets, in words; the HTML reports' ``word``
#: macro says the same through the translation catalogs.
_CODE_WORDS = {
    "does_not_support": "evidence against",
    "supports": "evidence for",
    "outside_call": "outside call",
    "matcher": "called from the VCF",
    "drug_gene": "drug–gene",
    "drug_drug_gene": "drug–drug–gene",
    "very_high": "very high",
}

_SKIP = {"style", "script", "svg", "head"}
_BLOCKS = {"h1", "h2", "h3", "h4", "p", "li", "td", "th", "dt", "dd", "caption", "figcaption", "div", "header", "tr"}
_ENDS = (".", "!", "?", ":", ";")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCKS or tag == "br":
            self._close()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self._close()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)

    def _close(self) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        if text:
            self.blocks.append(text if text.endswith(_ENDS) else text + ".")


def visible_blocks(html: str) -> list[str]:
    """The report's text blocks in reading order."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    parser._close()
    return parser.blocks


def visible_text(html: str) -> str:
    return "\n".join(visible_blocks(html))


def plain_word(value: str | Enum) -> str:
    """A program code (``medication_change``, ``not_called``) as the words a plain-text output shows.

    >>> plain_word(PhenotypeStatus.NOT_CALLED), plain_word("medication_change"), plain_word("drug_gene")
    ('not called', 'medication change', 'drug–gene')
    """
    if isinstance(value, PhenotypeStatus):
        return STATUS_WORDS[value]
    code = str(value.value if isinstance(value, Enum) else value)
    return _CODE_WORDS.get(code, code.replace("_", " "))
