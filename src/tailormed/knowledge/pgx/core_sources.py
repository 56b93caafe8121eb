"""The curated PGx core as sourced facts: every allele definition, allele function, phenotype rule and guideline
row of the reviewable YAML sources, each with the table cell or sentence it rests on.

The compiled files the engines read (``<GENE>.json``, ``phenotypes.json``, ``guidelines.json``) hold the same facts
in the shape the matcher needs; these models read the YAML the compiled files are made from, so a reviewer (and the
curated-source test) can check each fact against its quote. A gene entry is refused when one of its alleles,
positions, functions or phenotype rules has no quote naming it.

Quotes from PharmCAT's allele-definition and phenotype files are written in one fixed form per table cell
(:func:`definition_quotes`, :func:`phenotype_quotes`), so that a test can render the same cells from a PharmCAT
release and find every quote there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from pydantic import Field, model_validator

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.sourcing import Sourced, SourceQuote
from tailormed.model.base import Contract

DEFINITIONS = "pgx-core-definitions"
PHENOTYPES = "pgx-core-phenotypes"
GUIDELINES = "pgx-core-guidelines"
DEFINITION_FILES = ("definitions.yaml", "generated.yaml")
PHENOTYPE_FILES = ("functions.yaml", "generated.yaml")
GUIDELINE_FILES = ("guidelines.yaml", "cpic-dpwg.yaml", "fda-labels.yaml", "fda.yaml")
#: How PharmCAT's exemptions name the positions a gene is not called without.
REQUIRED_POSITIONS = "requiredPositions"


def _named(sources: Iterable[SourceQuote], name: str) -> bool:
    """A source whose place in its table ends with ``name`` (``namedAlleles, *2``; ``variants, rs4244285``)."""
    return any(source.at == name or source.at.endswith(f", {name}") for source in sources)


def _labelled(sources: Iterable[SourceQuote], label: str) -> bool:
    """A source whose place names the rule ``label`` (``diplotypes, *1/*2 (Normal function + No function)``)."""
    return any(label in source.at for source in sources)


class CoreVariant(Contract):
    """A position the core reads a gene at (GRCh38); its gene quotes it (``at: variants, RSID``)."""

    rsid: str | None
    pos: int
    ref: str
    alts: tuple[str, ...]
    hgvs: str | None = None

    def name(self, chromosome: str) -> str:
        """How PharmCAT's allele cells name this position: its rsid, else ``chrom:pos``."""
        return self.rsid or f"{chromosome}:{self.pos}"


class CorePriority(Contract):
    """Which diplotype to report when unphased genotypes fit every one of ``candidates`` (PharmCAT's NAT2 list)."""

    candidates: tuple[str, ...] = Field(min_length=2)
    pick: str

    @property
    def id(self) -> str:
        """How PharmCAT's exemptions name the entry: the candidates joined by ``|``."""
        return "|".join(self.candidates)


class CoreGeneDefinition(Sourced):
    """One gene's allele definitions: positions, the reference allele, the bases of every other allele, and the
    positions without which the gene is not called and the pick among unphased ties (both from PharmCAT's
    exemptions)."""

    gene: str
    chromosome: str
    reference: str
    variants: tuple[CoreVariant, ...] = Field(min_length=1)
    alleles: dict[str, dict[str, str]]
    undocumented_as_reference: bool = False
    lowest_function: bool = False
    required_positions: tuple[int, ...] = ()
    unphased_priorities: tuple[CorePriority, ...] = ()

    @model_validator(mode="after")
    def _every_allele_quoted(self) -> CoreGeneDefinition:
        if self.unverified is None:
            missing = [name for name in self.alleles if not _named(self.sources, name)]
            positions = [v.name(self.chromosome) for v in self.variants]
            missing += [name for name in positions if not _named(self.sources, name)]
            if self.required_positions and not _named(self.sources, REQUIRED_POSITIONS):
                missing.append(REQUIRED_POSITIONS)
            missing += [p.id for p in self.unphased_priorities if not _named(self.sources, p.id)]
            if missing:
                raise ValueError(f"{self.gene}: no quoted definition for {missing}")
        return self


class CoreAlleleFunction(Sourced):
    """What an allele does (CPIC function, and the activity value for activity-score genes)."""

    function: str
    activity: str | None = None


class CoreGenePhenotypes(Sourced):
    """One gene's phenotype rules: allele functions and how two (or one) of them make a phenotype."""

    gene: str
    method: str
    alleles: dict[str, CoreAlleleFunction] = Field(default_factory=dict)
    pairs: tuple[tuple[str, str, str], ...] = ()
    scores: dict[str, str] = Field(default_factory=dict)
    hemizygous: dict[str, str] = Field(default_factory=dict)
    alleles_of_interest: tuple[str, ...] = ()
    lowest_function: bool = False
    pairwise_rows: bool = True
    haploid_only: bool = False
    outside_only: bool = False

    def states_a_fact(self) -> bool:
        """An outside-only gene with no alleles states nothing (its phenotypes come from the caller)."""
        return bool(self.alleles or self.pairs or self.scores or self.hemizygous or self.alleles_of_interest)

    @model_validator(mode="after")
    def _every_rule_quoted(self) -> CoreGenePhenotypes:
        if self.unverified is not None:
            return self
        missing = [f"pair {a} + {b}" for a, b, _ in self.pairs if not _labelled(self.sources, pair_label(a, b))]
        missing += [f"score {s}" for s in self.scores if not _labelled(self.sources, score_label(s))]
        missing += [f"hemizygous {f}" for f in self.hemizygous if not _labelled(self.sources, hemizygous_label(f))]
        missing += [a for a in self.alleles_of_interest if not _named(self.sources, a)]
        if missing:
            raise ValueError(f"{self.gene}: no quoted phenotype rule for {missing}")
        return self


class PhenotypeTerms(Sourced):
    """The CPIC phenotype terms per gene (the vocabulary of outside calls and guideline rows)."""

    terms: dict[str, tuple[str, ...]]


class CoreRowCondition(Sourced):
    """How a gene's score must have arisen for a row to apply (DPWG DPYD at 1.0), with the guideline's words."""

    gene: str
    score_from: str


class CoreAgeRange(Sourced):
    """The ages a row is for (a label's adult and paediatric sentences), with the words that draw the line."""

    claims: ClassVar[tuple[str, ...]] = ("from_years", "below_years")

    from_years: float | None = None
    below_years: float | None = None


class CoreGuidelineRow(Sourced):
    """One recommendation row of a curated guideline, as written in its source file."""

    guideline: str
    when: dict[str, Any]
    text: str | None = None
    classification: str | None = None
    condition: CoreRowCondition | None = None
    age: CoreAgeRange | None = None


def pair_label(first: str, second: str) -> str:
    """How a function-pair rule is named in its source's ``at`` (order-free)."""
    a, b = sorted((first, second))
    return f"({a} + {b})"


def score_label(score: str) -> str:
    return f"(activity score {score})"


def hemizygous_label(function: str) -> str:
    return f"(one {function} allele)"


def definition_quotes(table: Mapping[str, Any]) -> dict[str, str]:
    """A PharmCAT allele-definition file's cells as quoted: ``namedAlleles, NAME`` -> ``NAME: rs1 A, rs2 G`` and
    ``variants, RSID`` -> ``RSID: chr10:94781859 G>A`` (a position without an rsid is named ``chrom:pos``)."""
    variants = table["variants"]
    names = [v.get("rsid") or f"{table['chromosome']}:{v['position']}" for v in variants]
    quotes = {
        f"variants, {name}": f"{name}: {table['chromosome']}:{v['position']} {v['ref']}>{'/'.join(v['alts'])}"
        for name, v in zip(names, variants, strict=True)
    }
    for allele in table["namedAlleles"]:
        cells = ", ".join(f"{names[i]} {b}" for i, b in enumerate(allele["alleles"]) if b is not None)
        quotes[f"namedAlleles, {allele['name']}"] = f"{allele['name']}: {cells}"
    return quotes


def exemption_quotes(exemption: Mapping[str, Any]) -> dict[str, str]:
    """One gene's entry of PharmCAT's ``exemptions.json`` as quoted: ``GENE, requiredPositions`` ->
    ``requiredPositions: 18400194, 18400344`` and ``GENE, unphasedDiplotypePriorities, ID`` -> ``ID: pick PICK``."""
    gene = exemption["gene"]
    quotes = {}
    if exemption.get("requiredPositions"):
        positions = ", ".join(str(p) for p in exemption["requiredPositions"])
        quotes[f"{gene}, {REQUIRED_POSITIONS}"] = f"{REQUIRED_POSITIONS}: {positions}"
    for priority in exemption.get("unphasedDiplotypePriorities") or ():
        quotes[f"{gene}, unphasedDiplotypePriorities, {priority['id']}"] = f"{priority['id']}: pick {priority['pick']}"
    return quotes


def phenotype_quotes(table: Mapping[str, Any]) -> set[str]:
    """A PharmCAT phenotype file's cells as quoted: ``NAME: function[, activity value V]`` per allele and
    ``DIPLOTYPE: PHENOTYPE`` or ``DIPLOTYPE: activity score S, PHENOTYPE`` per diplotype row."""
    quotes = set()
    for allele in table["namedAlleles"]:
        quote = f"{allele['name']}: {allele['functionValue']}"
        if allele.get("activityValue") is not None:
            quote += f", activity value {allele['activityValue']}"
        quotes.add(quote)
    for row in table["diplotypes"]:
        quotes.add(f"{row['diplotype']}: {row['phenotype']}")
        if row.get("activityScore"):
            quotes.add(f"{row['diplotype']}: activity score {row['activityScore']}, {row['phenotype']}")
    return quotes


def core_definitions(bundle: KnowledgeBundle) -> list[CoreGeneDefinition]:
    """Every gene of the definition sources (hand-written and generated), read as sourced facts."""
    genes = []
    for file in DEFINITION_FILES:
        for gene, spec in (bundle.read_yaml(DEFINITIONS, file).get("genes") or {}).items():
            genes.append(CoreGeneDefinition.model_validate({**spec, "gene": gene}))
    return genes


def core_phenotypes(bundle: KnowledgeBundle) -> list[Sourced]:
    """Every gene of the phenotype sources, and the phenotype-term table, read as sourced facts."""
    facts: list[Sourced] = []
    for file in PHENOTYPE_FILES:
        raw = bundle.read_yaml(PHENOTYPES, file)
        for gene, spec in (raw.get("genes") or {}).items():
            entry = dict(spec)
            if entry.get("unverified"):  # an unverified gene's alleles share its reason
                entry["alleles"] = {
                    name: {"sources": (), "unverified": entry["unverified"], **allele}
                    for name, allele in (entry.get("alleles") or {}).items()
                }
            facts.append(CoreGenePhenotypes.model_validate({"sources": (), **entry, "gene": gene}))
        if raw.get("phenotype_terms"):
            terms = {"terms": raw["phenotype_terms"], "sources": [raw["phenotype_terms_source"]]}
            facts.append(PhenotypeTerms.model_validate(terms))
    return facts


def core_guideline_rows(bundle: KnowledgeBundle) -> list[CoreGuidelineRow]:
    """Every recommendation row of the guideline sources (hand-written, CPIC/DPWG annotations, FDA labels, FDA
    table)."""
    rows = []
    for file in GUIDELINE_FILES:
        for guideline in bundle.read_yaml(GUIDELINES, file).get("guidelines") or []:
            for row in guideline["rows"]:
                rows.append(
                    CoreGuidelineRow(
                        guideline=guideline["id"],
                        when=row["when"],
                        text=row.get("text"),
                        classification=row.get("classification"),
                        sources=tuple(row.get("sources") or ()),
                        unverified=row.get("unverified"),
                        note=row.get("note"),
                        condition=row.get("condition"),
                        age=row.get("age"),
                    )
                )
    return rows
