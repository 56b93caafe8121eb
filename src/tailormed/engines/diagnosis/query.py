"""A patient's HPO terms made ready for ranking: ids resolved, unusable terms reported, redundancy removed.

Alternative and obsolete ids are mapped to current terms (and the mapping reported); terms outside "Phenotypic
abnormality" (inheritance, onset, frequency) or unknown to the release are reported and not used. Observed terms
that are ancestors of other observed terms are dropped (a patient with "Focal seizure" is not counted twice for
"Seizure"), as are excluded terms below another excluded term (excluding the parent excludes them already). A term
both observed and excluded is reported and not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tailormed.knowledge.hpo.index import DiseaseIndex
from tailormed.knowledge.hpo.ontology import PHENOTYPIC_ABNORMALITY
from tailormed.model.finding import NotAssessed
from tailormed.model.patient import PhenotypeTerm


@dataclass(frozen=True)
class Query:
    """Term indices of the index, and what happened to the terms given."""

    observed: tuple[int, ...]
    excluded: tuple[int, ...]
    not_used: tuple[NotAssessed, ...]
    notes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.observed and not self.excluded


def build_query(index: DiseaseIndex, phenotypes: Sequence[PhenotypeTerm]) -> Query:
    ontology = index.ontology
    not_used: list[NotAssessed] = []
    notes: list[str] = []
    observed: dict[str, None] = {}
    excluded: dict[str, None] = {}
    for term in phenotypes:
        resolution = ontology.resolve(term.id)
        if resolution.term is None:
            not_used.append(NotAssessed(item=f"{term.id} {term.label or ''}".strip(), reason=resolution.note or ""))
            continue
        if resolution.note:
            notes.append(f"{term.id}: {resolution.note}")
        if (
            PHENOTYPIC_ABNORMALITY not in ontology.ancestors(resolution.term)
            or resolution.term == PHENOTYPIC_ABNORMALITY
        ):
            not_used.append(
                NotAssessed(
                    item=f"{term.id} {ontology.name(resolution.term)}", reason="not a phenotypic abnormality term"
                )
            )
            continue
        (excluded if term.excluded else observed)[resolution.term] = None
    for conflict in sorted(set(observed) & set(excluded)):
        not_used.append(NotAssessed(item=f"{conflict} {ontology.name(conflict)}", reason="both observed and excluded"))
        del observed[conflict], excluded[conflict]
    specific = [t for t in observed if not any(t != o and t in ontology.ancestors(o) for o in observed)]
    general = [t for t in excluded if not any(t != e and e in ontology.ancestors(t) for e in excluded)]
    for dropped in sorted(set(observed) - set(specific)):
        notes.append(f"{dropped} ({ontology.name(dropped)}) is implied by a more specific observed term")
    return Query(
        observed=tuple(index.term_index[t] for t in specific),
        excluded=tuple(index.term_index[t] for t in general),
        not_used=tuple(not_used),
        notes=tuple(notes),
    )
