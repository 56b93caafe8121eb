"""Readers for ``phenotype.hpoa`` (disease -> phenotypes) and ``genes_to_phenotype.txt`` (disease -> genes).

A disease's phenotype annotations keep their frequency as a probability: ``n/m`` fractions (rows of the same term
from several publications are pooled as sum n / sum m), percentages, or HPO frequency terms, whose value is the
middle of the range their own definition gives (``"Present in 80% to 99% of the cases."`` -> 0.895). A frequency
of zero (``0/5``, ``0%``, ``HP:0040285`` Excluded) is an exclusion, like the ``NOT`` qualifier. Terms are mapped to
current primary ids. Aspect ``I`` rows give the mode of inheritance, aspect ``C`` rows and the onset column the
onset; other aspects are kept out of the phenotype profile.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy.typing as npt

from tailormed.errors import KnowledgeError
from tailormed.knowledge.hpo.ontology import FREQUENCY_ROOT, Ontology
from tailormed.knowledge.hpo.textfiles import open_text
from tailormed.tables import split_lines

HPOA_COLUMNS = (
    "database_id",
    "disease_name",
    "qualifier",
    "hpo_id",
    "reference",
    "evidence",
    "onset",
    "frequency",
    "sex",
    "modifier",
    "aspect",
    "biocuration",
)
G2P_COLUMNS = ("ncbi_gene_id", "gene_symbol", "hpo_id", "hpo_name", "frequency", "disease_id")

_FRACTION = re.compile(r"^(\d+)/(\d+)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_RANGE_DEF = re.compile(r"(\d+(?:\.\d+)?)% to (\d+(?:\.\d+)?)%")
_SINGLE_DEF = re.compile(r"in (\d+(?:\.\d+)?)% of")


class Gene(NamedTuple):
    symbol: str
    ncbi_id: str


@dataclass
class Disease:
    """One disease's annotations; ``phenotypes`` maps a current term to its frequency (None: not stated)."""

    id: str
    name: str
    phenotypes: Mapping[str, float | None] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)
    inheritance: set[str] = field(default_factory=set)
    onset: set[str] = field(default_factory=set)
    genes: tuple[Gene, ...] = ()

    @property
    def database(self) -> str:
        return self.id.split(":", 1)[0]


@dataclass
class StoredPhenotypes(Mapping[str, float | None]):
    """A disease's phenotype annotations read from compiled arrays; the mapping is built on first use."""

    def __init__(self, names: Sequence[str], terms: npt.NDArray[Any], values: npt.NDArray[Any], start: int) -> None:
        """``terms`` are indices into ``names``; their frequencies are ``values[start:]`` (NaN: not stated)."""
        self._source = (names, terms, values, start)
        self._mapping: dict[str, float | None] | None = None

    def _built(self) -> dict[str, float | None]:
        if self._mapping is None:
            names, terms, values, start = self._source
            found = values[start : start + len(terms)].tolist()
            self._mapping = {
                names[t]: (None if math.isnan(v) else v) for t, v in zip(terms.tolist(), found, strict=True)
            }
        return self._mapping

    def __getitem__(self, key: str) -> float | None:
        return self._built()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._source[1])


@dataclass
class _Pool:
    """Frequencies of one (disease, term) pair from several rows, pooled when all are fractions."""

    numerators: int = 0
    denominators: int = 0
    values: list[float] = field(default_factory=list)
    fractions_only: bool = True

    def value(self) -> float | None:
        if self.values and self.fractions_only and self.denominators:
            return self.numerators / self.denominators
        if self.values:
            return max(self.values)
        return None


def frequency_terms(ontology: Ontology) -> dict[str, float]:
    """HPO frequency term -> probability, the middle of the range its definition states."""
    found: dict[str, float] = {}
    for term_id in ontology.descendants_or_self(FREQUENCY_ROOT) & set(ontology.terms):
        definition = ontology.terms[term_id].definition
        span = _RANGE_DEF.search(definition)
        single = _SINGLE_DEF.search(definition)
        if span:
            found[term_id] = (float(span.group(1)) + float(span.group(2))) / 200.0
        elif single:
            found[term_id] = float(single.group(1)) / 100.0
    return found


def parse_frequency(text: str, terms: Mapping[str, float]) -> tuple[float | None, tuple[int, int] | None]:
    """A frequency cell as (probability, (n, m) when it was a fraction); ValueError when it is not one.

    >>> parse_frequency("3/4", {})
    (0.75, (3, 4))
    >>> parse_frequency("15%", {})
    (0.15, None)
    >>> parse_frequency("HP:0040281", {"HP:0040281": 0.895})
    (0.895, None)
    """
    text = text.strip()
    if not text:
        return None, None
    fraction = _FRACTION.match(text)
    if fraction:
        n, m = int(fraction.group(1)), int(fraction.group(2))
        if m == 0 or n > m:
            raise ValueError(f"impossible fraction {text!r}")
        return n / m, (n, m)
    percent = _PERCENT.match(text)
    if percent:
        value = float(percent.group(1)) / 100.0
        if value > 1.0:
            raise ValueError(f"percentage above 100: {text!r}")
        return value, None
    if text in terms:
        return terms[text], None
    raise ValueError(f"unknown frequency {text!r} (expected n/m, a percentage or an HPO frequency term)")


def read_hpoa(path: Path, ontology: Ontology) -> tuple[str, dict[str, Disease]]:
    """The annotation release version and its diseases (by id)."""
    with open_text(path) as lines:
        return parse_hpoa(lines, ontology, path)


def parse_hpoa(lines: Iterable[str], ontology: Ontology, source: Path | str) -> tuple[str, dict[str, Disease]]:
    frequencies = frequency_terms(ontology)
    version = "unknown"
    diseases: dict[str, Disease] = {}
    pools: dict[tuple[str, str], _Pool] = {}
    header_seen = False

    def metadata(line: str) -> None:
        nonlocal version
        key, _, value = line[1:].partition(":")
        if key.strip() == "version":
            version = value.strip()

    for number, cells in split_lines(lines, source, width="header", comments="leading", on_comment=metadata):
        if not header_seen:
            if tuple(c.strip() for c in cells) != HPOA_COLUMNS:
                raise KnowledgeError(
                    f"expected the HPOA header {' '.join(HPOA_COLUMNS)}", source=source, location=f"line {number}"
                )
            header_seen = True
            continue
        row = dict(zip(HPOA_COLUMNS, cells, strict=True))
        _add_row(row, ontology, frequencies, diseases, pools, source, number)
    if not header_seen:
        raise KnowledgeError("no HPOA header line: not a phenotype.hpoa file", source=source)
    found: dict[str, dict[str, float | None]] = {}
    for (disease_id, term_id), pool in pools.items():
        pooled = pool.value()
        if pooled == 0.0:
            diseases[disease_id].excluded.add(term_id)
        else:
            found.setdefault(disease_id, {})[term_id] = pooled
    for disease_id, phenotypes in found.items():
        diseases[disease_id].phenotypes = phenotypes
    for disease in diseases.values():
        disease.excluded -= set(disease.phenotypes)  # a positive annotation from another source wins
    return version, diseases


def _add_row(
    row: dict[str, str],
    ontology: Ontology,
    frequencies: Mapping[str, float],
    diseases: dict[str, Disease],
    pools: dict[tuple[str, str], _Pool],
    source: Path | str,
    number: int,
) -> None:
    disease_id = row["database_id"].strip()
    if ":" not in disease_id:
        raise KnowledgeError(f"bad disease id {disease_id!r}", source=source, location=f"line {number}")
    disease = diseases.get(disease_id)
    if disease is None:
        disease = diseases[disease_id] = Disease(id=disease_id, name=row["disease_name"].strip())
    term = ontology.resolve(row["hpo_id"].strip()).term
    if term is None:
        return  # a term this ontology release does not have: the annotation cannot be used
    aspect = row["aspect"].strip()
    onset = ontology.resolve(row["onset"].strip()).term if row["onset"].strip() else None
    if onset is not None:
        disease.onset.add(onset)
    if aspect == "I":
        disease.inheritance.add(term)
        return
    if aspect == "C":
        disease.onset.add(term)
        return
    if aspect != "P":
        return
    if row["qualifier"].strip() == "NOT":
        disease.excluded.add(term)
        return
    try:
        value, fraction = parse_frequency(row["frequency"], frequencies)
    except ValueError as exc:
        raise KnowledgeError(str(exc), source=source, location=f"line {number}") from exc
    pool = pools.setdefault((disease_id, term), _Pool())
    if value is None:
        return
    pool.values.append(value)
    if fraction is None:
        pool.fractions_only = False
    else:
        pool.numerators += fraction[0]
        pool.denominators += fraction[1]


def read_genes(path: Path) -> dict[str, tuple[Gene, ...]]:
    """Disease id -> its genes, from ``genes_to_phenotype.txt``."""
    with open_text(path) as lines:
        return parse_genes(lines, path)


def parse_genes(lines: Iterable[str], source: Path | str) -> dict[str, tuple[Gene, ...]]:
    found: dict[str, dict[str, Gene]] = {}
    header_seen = False
    for number, cells in split_lines(lines, source, width="header", comments="all"):
        if not header_seen:
            if tuple(c.strip() for c in cells) != G2P_COLUMNS:
                raise KnowledgeError(
                    f"expected the header {' '.join(G2P_COLUMNS)}", source=source, location=f"line {number}"
                )
            header_seen = True
            continue
        gene = Gene(symbol=cells[1].strip(), ncbi_id=cells[0].strip())
        found.setdefault(cells[5].strip(), {})[gene.symbol] = gene
    if not header_seen:
        raise KnowledgeError("no header line: not a genes_to_phenotype.txt file", source=source)
    return {disease: tuple(sorted(genes.values(), key=lambda g: g.symbol)) for disease, genes in found.items()}
