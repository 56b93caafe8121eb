"""The HPO graph as the diagnosis engine needs it: primary terms, parents and children, ancestors, id resolution.

Identifiers a patient record or phenopacket uses may be alternative ids (``alt_id``) or obsolete terms; they are
resolved to the current primary term (``replaced_by``, else a single ``consider``) and the resolution is reported,
never silently applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

#: The root of the phenotypic-abnormality sub-ontology, and of the whole ontology.
PHENOTYPIC_ABNORMALITY = "HP:0000118"
ROOT = "HP:0000001"
#: The sub-ontology of frequency terms used in HPOA (``HP:0040280`` Obligate ... ``HP:0040285`` Excluded).
FREQUENCY_ROOT = "HP:0040279"
#: Mode of inheritance sub-ontology.
INHERITANCE_ROOT = "HP:0000005"
#: Clinical course > onset sub-ontology.
ONSET_ROOT = "HP:0003674"


class Term(NamedTuple):
    """One ``[Term]`` stanza of ``hp.obo`` (a named tuple: tens of thousands are built on every load)."""

    id: str
    name: str
    parents: tuple[str, ...] = ()
    definition: str = ""
    alt_ids: tuple[str, ...] = ()
    obsolete: bool = False
    replaced_by: str | None = None
    consider: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """How a query id maps to a current term: ``term`` is None when it cannot be used, ``note`` says why/how."""

    query: str
    term: str | None
    note: str | None = None


@dataclass
class Ontology:
    """The ontology of one HPO release."""

    version: str
    terms: Mapping[str, Term]
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @cached_property
    def alt_ids(self) -> dict[str, str]:
        """Alternative id -> primary id of a current term."""
        return {alt: term.id for term in self.terms.values() if not term.obsolete for alt in term.alt_ids}

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        """Term -> its direct ``is_a`` children (current terms only)."""
        found: dict[str, list[str]] = {}
        for term in self.terms.values():
            if not term.obsolete:
                for parent in term.parents:
                    found.setdefault(parent, []).append(term.id)
        return {parent: tuple(sorted(kids)) for parent, kids in found.items()}

    def is_current(self, term_id: str) -> bool:
        term = self.terms.get(term_id)
        return term is not None and not term.obsolete

    def name(self, term_id: str) -> str:
        term = self.terms.get(term_id)
        return term.name if term is not None else term_id

    def resolve(self, term_id: str) -> Resolution:
        """The current term for ``term_id``: itself, its primary id, or an obsolete term's replacement."""
        if self.is_current(term_id):
            return Resolution(term_id, term_id)
        if term_id in self.alt_ids:
            primary = self.alt_ids[term_id]
            return Resolution(term_id, primary, f"alternative id of {primary} ({self.name(primary)})")
        term = self.terms.get(term_id)
        if term is None:
            return Resolution(term_id, None, f"not in HPO release {self.version}")
        if term.replaced_by and self.is_current(term.replaced_by):
            return Resolution(term_id, term.replaced_by, f"obsolete, replaced by {term.replaced_by}")
        current = [c for c in term.consider if self.is_current(c)]
        if len(current) == 1:
            return Resolution(term_id, current[0], f"obsolete, used the one suggested term {current[0]}")
        if current:
            return Resolution(term_id, None, f"obsolete; {len(current)} possible terms ({', '.join(current)})")
        return Resolution(term_id, None, "obsolete with no replacement")

    def ancestors(self, term_id: str) -> frozenset[str]:
        """The term and all its ``is_a`` ancestors (empty for an unknown id)."""
        cached = self._ancestors.get(term_id)
        if cached is not None:
            return cached
        stack = [term_id]
        seen: set[str] = set()
        while stack:  # iterative: the graph is deep enough to make recursion costly
            current = stack.pop()
            if current in seen or current not in self.terms:
                continue
            seen.add(current)
            stack.extend(self.terms[current].parents)
        result = frozenset(seen)
        self._ancestors[term_id] = result
        return result

    def ancestors_by_distance(self, term_id: str) -> list[tuple[str, int]]:
        """Ancestors (with the term itself at distance 0) in breadth-first order of path length."""
        found: dict[str, int] = {term_id: 0}
        frontier = [term_id]
        while frontier:
            following = []
            for current in frontier:
                term = self.terms.get(current)
                for parent in term.parents if term else ():
                    if parent not in found:
                        found[parent] = found[current] + 1
                        following.append(parent)
            frontier = following
        return list(found.items()) if term_id in self.terms else []

    def descendants_or_self(self, term_id: str) -> set[str]:
        found = {term_id}
        stack = [term_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def is_descendant_or_self(self, term_id: str, ancestor: str) -> bool:
        return ancestor in self.ancestors(term_id)

    def under(self, term_ids: Iterable[str], root: str) -> list[str]:
        """The ids that lie in the sub-ontology below ``root``."""
        return [t for t in term_ids if root in self.ancestors(t)]
