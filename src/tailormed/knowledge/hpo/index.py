"""An HPO release as arrays over the candidate diseases: the compiled form the diagnosis engine ranks with.

Built from a parsed release (:func:`build_index`), or loaded from the files ``tailormed kb build`` compiles
(:mod:`tailormed.knowledge.hpo.compiled`); the caller keeps the index and hands it to the engine.

For each disease the annotated phenotype terms are propagated to their ancestors (a patient with "Focal seizure"
also has "Seizure"): ``induced`` holds, per (disease, term), the highest frequency of an annotation at or below the
term, ``decayed`` the same frequency divided by 10 per ``is_a`` step up (LIRICAL's induced disease graph, used for
matches through a shared ancestor). The background frequency of a term is its induced frequency summed over all
diseases, divided by their number; information content is -ln of the share of diseases annotated at or below it.
An annotation without a stated frequency counts as 1.0.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
import numpy.typing as npt

from tailormed.knowledge.hpo.annotations import Disease
from tailormed.knowledge.hpo.ontology import PHENOTYPIC_ABNORMALITY, Ontology
from tailormed.knowledge.hpo.source import HpoRelease

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Databases ranked unless the caller asks otherwise (LIRICAL's default is OMIM too).
DEFAULT_DATABASES = ("OMIM",)
#: A term annotated without a frequency is assumed always present.
DEFAULT_FREQUENCY = 1.0
AUTOSOMAL_RECESSIVE = "HP:0000007"
X_LINKED_RECESSIVE = "HP:0001419"


class Inheritance(StrEnum):
    DOMINANT = "dominant"
    RECESSIVE = "recessive"


def inheritance_modes(disease: Disease, ontology: Ontology) -> list[Inheritance]:
    """Dominant and/or recessive models for the disease's inheritance annotations (dominant when none)."""
    modes = []
    for term in disease.inheritance:
        recessive = ontology.is_descendant_or_self(term, AUTOSOMAL_RECESSIVE) or ontology.is_descendant_or_self(
            term, X_LINKED_RECESSIVE
        )
        modes.append(Inheritance.RECESSIVE if recessive else Inheritance.DOMINANT)
    return sorted(set(modes)) or [Inheritance.DOMINANT]


@dataclass(frozen=True)
class Column:
    """The non-zero entries of one term's column: disease indices and values."""

    diseases: IntArray
    values: FloatArray


_EMPTY = Column(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class ColumnTable:
    """A sparse (disease x term) table stored by term, for fast per-term lookups."""

    def __init__(
        self, diseases: IntArray, terms: IntArray, values: FloatArray, n_diseases: int, *, ordered: bool = False
    ) -> None:
        """``ordered``: the entries are already sorted by term, then disease (as :meth:`arrays` returns them)."""
        if not ordered:
            order = np.lexsort((diseases, terms))
            diseases, terms, values = diseases[order], terms[order], values[order]
        self._diseases = diseases
        self._terms = terms
        self._values = values
        self.n_diseases = n_diseases
        count = len(terms)
        starts = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]]) if count else np.zeros(0, int)
        ends = np.r_[starts[1:], count]
        self._spans = dict(zip(terms[starts].tolist(), zip(starts.tolist(), ends.tolist(), strict=True), strict=True))

    def arrays(self) -> tuple[IntArray, IntArray, FloatArray]:
        """(disease, term, value) of every entry, sorted by term then disease."""
        return self._diseases, self._terms, self._values

    def column(self, term: int) -> Column:
        span = self._spans.get(term)
        if span is None:
            return _EMPTY
        start, end = span
        return Column(self._diseases[start:end], self._values[start:end])

    def dense(self, term: int) -> FloatArray:
        out = np.zeros(self.n_diseases)
        col = self.column(term)
        out[col.diseases] = col.values
        return out

    def column_sums(self, n_terms: int) -> FloatArray:
        return np.bincount(self._terms, weights=self._values, minlength=n_terms).astype(np.float64)

    def column_counts(self, n_terms: int) -> FloatArray:
        return np.bincount(self._terms, minlength=n_terms).astype(np.float64)


class Ragged:
    """Rows of different lengths stored as one flat array and row offsets (rows are views, not copies)."""

    def __init__(self, flat: IntArray, starts: IntArray) -> None:
        self.flat = flat
        self.starts = starts
        self._ends = np.r_[starts[1:], len(flat)].astype(np.int64) if len(starts) else starts

    @classmethod
    def of(cls, rows: Sequence[IntArray]) -> Ragged:
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        starts = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64) if len(rows) else np.zeros(0, np.int64)
        flat = np.concatenate(rows).astype(np.int64) if len(rows) else np.zeros(0, np.int64)
        return cls(flat, starts)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, row: int) -> IntArray:
        return self.flat[self.starts[row] : self._ends[row]]

    def lengths(self) -> IntArray:
        return np.asarray(self._ends - self.starts, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class DiseaseIndex:
    """Everything the rankers read, for one release and one set of disease databases."""

    ontology: Ontology
    diseases: tuple[Disease, ...]
    term_index: dict[str, int]
    terms: tuple[str, ...]
    induced: ColumnTable
    decayed: ColumnTable
    direct: ColumnTable
    excluded_induced: ColumnTable
    excluded_direct: ColumnTable
    background: FloatArray
    information_content: FloatArray
    n_children: FloatArray
    direct_rows: Ragged
    term_ancestors: Ragged
    databases: tuple[str, ...]
    version: str
    origin: str

    @property
    def size(self) -> int:
        return len(self.diseases)

    def position(self, disease_id: str) -> int | None:
        return self._positions.get(disease_id)

    @cached_property
    def ancestor_table(self) -> tuple[IntArray, IntArray]:
        """All terms' ancestor lists flattened: (ancestor term indices, start offset per term)."""
        return self.term_ancestors.flat, self.term_ancestors.starts

    @cached_property
    def direct_table(self) -> tuple[IntArray, IntArray]:
        """All diseases' directly annotated terms flattened: (term indices, start offset per disease)."""
        return self.direct_rows.flat, self.direct_rows.starts

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {disease.id: number for number, disease in enumerate(self.diseases)}

    @cached_property
    def log_annotations(self) -> FloatArray:
        """ln(number of directly annotated phenotype terms) per disease (at least one)."""
        return np.log(np.maximum(self.direct_rows.lengths(), 1)).astype(np.float64)

    @cached_property
    def modes(self) -> tuple[tuple[Inheritance, ...], ...]:
        """Each disease's inheritance models (dominant and/or recessive)."""
        return tuple(tuple(inheritance_modes(d, self.ontology)) for d in self.diseases)

    @cached_property
    def recessive(self) -> npt.NDArray[np.bool_]:
        return np.array([Inheritance.RECESSIVE in m for m in self.modes], dtype=bool)

    @cached_property
    def has_gene(self) -> npt.NDArray[np.bool_]:
        return np.array([bool(d.genes) for d in self.diseases], dtype=bool)

    @cached_property
    def gene_positions(self) -> dict[str, tuple[int, ...]]:
        """Upper-case gene symbol -> positions of the diseases annotated to it."""
        found: dict[str, list[int]] = {}
        for position, disease in enumerate(self.diseases):
            for gene in disease.genes:
                found.setdefault(gene.symbol.upper(), []).append(position)
        return {gene: tuple(positions) for gene, positions in found.items()}


def build_index(release: HpoRelease, databases: Sequence[str] = DEFAULT_DATABASES) -> DiseaseIndex:
    """The arrays for the diseases of ``databases`` (OMIM, ORPHA, DECIPHER); the caller keeps the index."""
    return _build(release, tuple(sorted({d.upper() for d in databases})))


def _build(release: HpoRelease, databases: tuple[str, ...]) -> DiseaseIndex:
    ontology = release.ontology
    diseases = tuple(
        sorted(
            (d for d in release.diseases.values() if d.database.upper() in databases and d.phenotypes),
            key=lambda d: d.id,
        )
    )
    terms = tuple(sorted(t for t, term in ontology.terms.items() if not term.obsolete))
    term_index = {t: i for i, t in enumerate(terms)}
    above_root = _not_below_root(ontology)
    ancestry = [_ancestry(ontology, t, term_index, above_root) for t in terms]

    rows: dict[str, list[IntArray | FloatArray]] = {
        k: [] for k in ("di", "dt", "dv", "ii", "it", "iv", "gi", "gt", "gv")
    }
    not_rows: dict[str, list[IntArray]] = {"ni": [], "nt": [], "xi": [], "xt": []}
    direct_rows = []
    for number, disease in enumerate(diseases):
        annotated = np.array([term_index[t] for t in disease.phenotypes], dtype=np.int64)
        freqs = np.array([DEFAULT_FREQUENCY if f is None else f for f in disease.phenotypes.values()])
        direct_rows.append(annotated)
        rows["di"].append(np.full(len(annotated), number))
        rows["dt"].append(annotated)
        rows["dv"].append(freqs)
        anc_terms = [ancestry[t][0] for t in annotated]
        anc_dist = [ancestry[t][1] for t in annotated]
        lengths = [len(a) for a in anc_terms]
        flat_terms = np.concatenate(anc_terms) if anc_terms else np.zeros(0, np.int64)
        flat_dist = np.concatenate(anc_dist) if anc_dist else np.zeros(0, np.int64)
        flat_freq = np.repeat(freqs, lengths)
        for key, values in (("i", flat_freq), ("g", flat_freq / np.power(10.0, flat_dist))):
            uniq, best = _max_by_key(flat_terms, values)
            rows[f"{key}i"].append(np.full(len(uniq), number))
            rows[f"{key}t"].append(uniq)
            rows[f"{key}v"].append(best)
        excluded = [term_index[t] for t in disease.excluded if t in term_index]
        not_rows["ni"].append(np.full(len(excluded), number))
        not_rows["nt"].append(np.array(excluded, dtype=np.int64))
        induced_not = np.unique(np.concatenate([ancestry[t][0] for t in excluded])) if excluded else np.zeros(0, int)
        not_rows["xi"].append(np.full(len(induced_not), number))
        not_rows["xt"].append(induced_not.astype(np.int64))

    def table(i: str, t: str, v: str | None) -> ColumnTable:
        source = rows if v is not None else not_rows
        idx = np.concatenate(source[i]).astype(np.int64)
        trm = np.concatenate(source[t]).astype(np.int64)
        val = np.concatenate(rows[v]).astype(np.float64) if v is not None else np.ones(len(idx))
        return ColumnTable(idx, trm, val, len(diseases))

    induced = table("ii", "it", "iv")
    n = max(len(diseases), 1)
    counts = induced.column_counts(len(terms))
    children = ontology.children
    return DiseaseIndex(
        ontology=ontology,
        diseases=diseases,
        term_index=term_index,
        terms=terms,
        induced=induced,
        decayed=table("gi", "gt", "gv"),
        direct=table("di", "dt", "dv"),
        excluded_induced=table("xi", "xt", None),
        excluded_direct=table("ni", "nt", None),
        background=induced.column_sums(len(terms)) / n,
        information_content=-np.log(np.maximum(counts, 1.0) / n),
        n_children=np.array([len(children.get(t, ())) for t in terms], dtype=np.float64),
        direct_rows=Ragged.of(direct_rows),
        term_ancestors=Ragged.of([a for a, _ in ancestry]),
        databases=databases,
        version=release.version,
        origin=release.origin,
    )


def _not_below_root(ontology: Ontology) -> frozenset[str]:
    """Terms that are not strictly below "Phenotypic abnormality" (the root and everything above it)."""
    return ontology.ancestors(PHENOTYPIC_ABNORMALITY)


def _ancestry(
    ontology: Ontology, term: str, term_index: dict[str, int], skip: Collection[str]
) -> tuple[IntArray, IntArray]:
    pairs = [(term_index[a], d) for a, d in ontology.ancestors_by_distance(term) if a not in skip and a in term_index]
    return np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64)


def _max_by_key(keys: IntArray, values: FloatArray) -> tuple[IntArray, FloatArray]:
    if len(keys) == 0:
        return keys, values
    order = np.lexsort((values, keys))
    keys, values = keys[order], values[order]
    last = np.r_[keys[1:] != keys[:-1], True]
    return keys[last], values[last]


def log10(value: float) -> float:
    return math.log10(value) if value > 0 else float("-inf")
