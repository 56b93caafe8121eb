"""The curated oncology core (``curated/onco-core``): gene facts, disease crosswalks to OncoTree, evidence.

These files ship in the package, so tumour matching works without a built bundle; CIViC and CGI tables built by
``tailormed kb build`` are added next to the core's evidence (:mod:`tailormed.knowledge.onco.sources`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.files import parse_model
from tailormed.knowledge.onco import oncotree as oncotree_source
from tailormed.knowledge.onco.evidence import (
    PAN_CANCER,
    AmpLevel,
    BiomarkerEvidence,
    DefinedType,
    Direction,
    EvidenceTable,
    EvidenceType,
    Origin,
    Significance,
    Withdrawal,
)
from tailormed.knowledge.onco.oncotree import OncoTree
from tailormed.knowledge.sourcing import Sourced, SourceQuote
from tailormed.model.alteration import (
    TUMOUR_LEVEL_KINDS,
    Alteration,
    AlterationKind,
    GenomicAllele,
    parse_alteration,
    parse_protein_change,
)
from tailormed.model.base import Contract
from tailormed.model.enums import DiseaseExtent
from tailormed.model.genotype import GenomeBuild

SOURCE = "onco-core"
GENES_FILE = "genes.yaml"
CROSSWALK_FILE = "crosswalk.yaml"
EVIDENCE_YAML = "evidence.yaml"
THRESHOLDS_FILE = "thresholds.yaml"
DEFINED_TYPES_FILE = "defined-types.yaml"
REGIMENS_FILE = "regimens.yaml"


class GeneRole(StrEnum):
    ONCOGENE = "oncogene"
    TUMOUR_SUPPRESSOR = "tumour_suppressor"


Site = tuple[str, int, str, str]
Span = tuple[str, int, int]


class Hotspot(Contract):
    """A recurrent somatic allele with its protein change, in both builds."""

    protein: str
    grch37: Site | None = Field(default=None, alias="GRCh37")
    grch38: Site | None = Field(default=None, alias="GRCh38")

    def allele(self, build: GenomeBuild) -> GenomicAllele | None:
        site = self.grch37 if build is GenomeBuild.GRCH37 else self.grch38
        if site is None:
            return None
        return GenomicAllele(build=build, chrom=site[0], pos=site[1], ref=site[2], alt=site[3])

    def alleles(self) -> list[GenomicAllele]:
        return [a for a in (self.allele(GenomeBuild.GRCH37), self.allele(GenomeBuild.GRCH38)) if a is not None]


class GeneFacts(Contract):
    role: GeneRole
    transcript: str | None = None
    span: dict[GenomeBuild, Span] = Field(default_factory=dict)
    exons: dict[int, tuple[int, int]] = Field(default_factory=dict, description="Exon -> protein residue range")
    itd_region: tuple[int, int] | None = Field(
        default=None,
        description="Residue range where an in-frame insertion or duplication is an internal tandem duplication",
    )
    hotspots: list[Hotspot] = Field(default_factory=list)
    former_symbols: list[str] = Field(
        default_factory=list, description="Earlier HGNC symbols reports still use (H3F3A for H3-3A)"
    )
    legacy_protein_changes: dict[str, str] = Field(
        default_factory=dict,
        description="Protein changes in a field's own numbering -> HGVS numbering (histone K27M -> p.K28M)",
    )
    sources: list[SourceQuote] = Field(
        default_factory=list,
        description="Where the role, ITD region, hotspots, former symbols and legacy numbering come from",
    )

    @model_validator(mode="after")
    def _sourced_names(self) -> GeneFacts:
        if (self.former_symbols or self.legacy_protein_changes) and not self.sources:
            raise ValueError("former symbols and legacy protein numbering need a quoted source")
        for legacy, hgvs in self.legacy_protein_changes.items():
            if parse_protein_change(legacy).text != legacy or parse_protein_change(hgvs).text != hgvs:
                raise ValueError(f"legacy numbering {legacy} -> {hgvs}: write both as normalized protein changes")
        return self

    def exon_of(self, residue: int) -> int | None:
        return next((exon for exon, (first, last) in self.exons.items() if first <= residue <= last), None)


class GeneTable(Contract):
    genes: dict[str, GeneFacts]


class Crosswalk(Contract):
    """Disease ids of other sources mapped to OncoTree codes."""

    doid: dict[str, str] = Field(default_factory=dict)
    cgi: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, list[str]] = Field(
        default_factory=dict, description="Names people use that are not OncoTree codes -> codes to suggest"
    )
    indication_terms: dict[str, list[str]] = Field(
        default_factory=dict,
        description="OncoTree code -> words a label uses for that tumour type ('fallopian tube' for HGSFT); a curated "
        "row naming several tumour types must name each of them in its quotes with one of these words",
    )

    @field_validator("doid", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


class Threshold(Sourced):
    """One clinical cut-off with the source sentence it rests on (the value must appear in a quote)."""

    claims: ClassVar[tuple[str, ...]] = ("value",)

    value: float
    unit: str


class Thresholds(Contract):
    """Cut-offs the matching applies to measured values (``onco-core/thresholds.yaml``)."""

    tmb_high: Threshold = Field(description="Tumour mutational burden at or above which a tumour is TMB-high")
    amplification_min_copies: Threshold = Field(description="Total copies at or above which a gene is amplified")

    @property
    def tmb_high_mut_per_mb(self) -> float:
        return self.tmb_high.value

    @property
    def amplification_copies(self) -> int:
        return int(self.amplification_min_copies.value)


#: Curated levels and the AMP/ASCO/CAP level each stands for in its own indication.
CURATED_LEVELS = {"FDA": AmpLevel.A, "guideline": AmpLevel.A, "clinical": AmpLevel.B, "limited": AmpLevel.C}


#: An AJCC stage group as trial populations write it in a list or range ("IIIC" of "AJCC IIIC/IV").
_STAGE_GROUP = r"(?:0|I{1,3}|IV)[A-D]?\d?"
#: Stage groups that reach stage IV: "stage IV", "AJCC IIIC/IV", "stage IIIC or stage IV", "stage III-IV" (not IVA:
#: a head and neck cancer without distant spread).
_STAGE_FOUR = rf"\b(?:stage|AJCC)\s+(?:(?:stage\s+)?{_STAGE_GROUP}\s*(?:/|-|–|,|\bor\b|\bto\b)\s*)*(?:stage\s+)?IV\b"
#: Words by which a label names each extent of disease ("unresectable or metastatic", "adjuvant treatment following
#: tumor resection", "early breast cancer"); a curated extent must be named so in one of the row's quotes.
EXTENT_WORDS: dict[DiseaseExtent, re.Pattern[str]] = {
    DiseaseExtent.EARLY: re.compile(
        r"\b(?:neo-?)?adjuvant\b|\bearly(?:-stage| stage)?\b|\bresect(?:ed|able)\b", re.IGNORECASE
    ),
    DiseaseExtent.LOCALLY_ADVANCED: re.compile(r"\blocally advanced\b|\bunresectable\b|\badvanced\b", re.IGNORECASE),
    DiseaseExtent.METASTATIC: re.compile(rf"\bmetastatic\b|\bmetastases\b|{_STAGE_FOUR}", re.IGNORECASE),
}


def unquoted_extent(extents: list[DiseaseExtent], quotes: list[str]) -> str | None:
    """The first extent no quote names in :data:`EXTENT_WORDS`' words, as a problem to report, or None.

    >>> unquoted_extent([DiseaseExtent.METASTATIC], ["for metastatic colorectal cancer (CRC)"]) is None
    True
    >>> unquoted_extent([DiseaseExtent.EARLY], ["for unresectable or metastatic melanoma"])
    "extent 'early' is named in none of its quotes"
    """
    for extent in extents:
        if not any(EXTENT_WORDS[extent].search(quote) for quote in quotes):
            return f"extent {extent.value!r} is named in none of its quotes"
    return None


def tumour_list(value: str | list[str]) -> str | list[str]:
    """A row's or withdrawal's ``tumour``: one code, or a list of two or more distinct codes, none tumour-agnostic."""
    if isinstance(value, list):
        if len(value) < 2:
            raise ValueError("write one tumour type as a code, not a list")
        if len(set(value)) != len(value):
            raise ValueError("a tumour type is listed twice")
        if PAN_CANCER in value:
            raise ValueError(f"{PAN_CANCER} is tumour-agnostic and cannot be listed with other tumour types")
    return value


class CuratedRow(Sourced):
    """One row of ``evidence.yaml``: one indication and therapy for one or more biomarkers, with its sources.

    ``level``: ``FDA`` (approved for this biomarker and indication), ``guideline`` (NCCN/ESMO/ELN standard of care)
    -> AMP level A; ``clinical`` (well-powered clinical studies, e.g. a resistance mechanism) -> AMP level B;
    ``limited`` (an exploratory biomarker analysis of a trial, or small series and the reviews that agree on them)
    -> AMP level C: Tier II-C in its own tumour type, never Tier I.
    An FDA row states the year of its approval; the year must appear in one of its quotes or in the date of the
    notice quoted (``at``), so it is read from the source and not written from memory.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    biomarker: str | list[str] = Field(description="One biomarker, or several that the same source names alike")
    tumour: str | list[str] = Field(
        description="OncoTree code of the indication, or the codes of the several tumour types one label names"
    )
    therapy: list[str] = Field(min_length=1)
    significance: Significance
    level: str = Field(pattern=r"^(FDA|guideline|clinical|limited)$")
    year: int | None = Field(default=None, ge=1995, le=2100, description="Year of the approval or guideline")
    origin: Origin = Origin.SOMATIC
    exclude: list[str] = Field(default_factory=list)
    solid_tumours_only: bool = False
    unless: list[str] = Field(
        default_factory=list,
        description="Biomarkers whose presence takes a tumour off this label (HER2-low: not ERBB2 amplified)",
    )
    requires: list[str] = Field(
        default_factory=list,
        description="Biomarkers of which the label needs at least one besides the row's own (HR-positive: ER or PR)",
    )
    setting: str | None = Field(
        default=None,
        description="The line or setting the label names, needed where another setting of the drug was withdrawn",
    )
    extent: list[DiseaseExtent] = Field(
        default_factory=list,
        description="Extents of disease the indication is for, each named in a quote (EXTENT_WORDS); none when the "
        "source does not say or names a setting no extent fits",
    )

    @field_validator("tumour")
    @classmethod
    def _tumour_list(cls, value: str | list[str]) -> str | list[str]:
        return tumour_list(value)

    @model_validator(mode="after")
    def _approval_year(self) -> CuratedRow:
        if self.level == "FDA" and self.year is None:
            raise ValueError(f"{self.id}: an FDA row needs the year of its approval")
        year = str(self.year)
        if self.year is not None and not any(year in s.quote or year in s.at for s in self.sources):
            raise ValueError(f"{self.id}: year {year} is in none of its sources")
        return self

    @model_validator(mode="after")
    def _extent_quoted(self) -> CuratedRow:
        if not self.extent:
            return self
        if self.significance is not Significance.SENSITIVITY:
            raise ValueError(
                f"{self.id}: extent is for indications (significance sensitivity); a {self.significance.value} "
                "marker holds whatever the extent"
            )
        if len(set(self.extent)) != len(self.extent):
            raise ValueError(f"{self.id}: an extent is listed twice")
        problem = unquoted_extent(self.extent, [source.quote for source in self.sources])
        if problem:
            raise ValueError(f"{self.id}: {problem}")
        return self

    @property
    def biomarkers(self) -> list[str]:
        return [self.biomarker] if isinstance(self.biomarker, str) else list(self.biomarker)

    @property
    def tumours(self) -> list[str]:
        return [self.tumour] if isinstance(self.tumour, str) else list(self.tumour)


class WithdrawnIndication(Sourced):
    """An approved indication since withdrawn (``evidence.yaml`` ``withdrawn``): the year must be in a source."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    biomarker: str | list[str]
    tumour: str | list[str] = Field(
        description="OncoTree code of the withdrawn indication, or the codes of the several tumour types its sources "
        "name (ovarian, fallopian tube, or primary peritoneal cancer)"
    )
    therapy: list[str] = Field(min_length=1)
    setting: str = Field(description="The line or setting the withdrawn indication named, as its sources word it")
    withdrawn: int = Field(ge=1995, le=2100, description="Year the indication was withdrawn")

    @field_validator("tumour")
    @classmethod
    def _tumour_list(cls, value: str | list[str]) -> str | list[str]:
        return tumour_list(value)

    @model_validator(mode="after")
    def _withdrawal_year(self) -> WithdrawnIndication:
        year = str(self.withdrawn)
        if not any(year in s.quote or year in s.at for s in self.sources):
            raise ValueError(f"{self.id}: withdrawal year {year} is in none of its sources")
        return self

    @property
    def biomarkers(self) -> list[str]:
        return [self.biomarker] if isinstance(self.biomarker, str) else list(self.biomarker)

    @property
    def tumours(self) -> list[str]:
        return [self.tumour] if isinstance(self.tumour, str) else list(self.tumour)


class DefinedTypeEntry(Sourced):
    """One entry of ``defined-types.yaml``: the classification that defines an OncoTree type by one alteration."""

    oncotree: str
    within: str = Field(description="The broader OncoTree type within which the alteration defines ``oncotree``")
    biomarker: str

    @field_validator("biomarker")
    @classmethod
    def _parses(cls, value: str) -> str:
        parse_alteration(value)
        return value


class DefinedTypeEntries(Contract):
    types: list[DefinedTypeEntry]


class Regimen(Sourced):
    """A chemotherapy regimen an indication names by its acronym (``mFOLFOX6``), with the medicines it is made of,
    each named in a quote, so a patient can be told the medicines rather than the acronym."""

    name: str = Field(min_length=2)
    drugs: list[str] = Field(min_length=2)

    @model_validator(mode="after")
    def _drugs_quoted(self) -> Regimen:
        quotes = " ".join(source.quote.casefold() for source in self.sources)
        for word in [self.name, *self.drugs]:
            if word.casefold() not in quotes:
                raise ValueError(f"{self.name}: {word!r} is named in none of its quotes")
        return self


class Regimens(Contract):
    regimens: list[Regimen]

    @model_validator(mode="after")
    def _once(self) -> Regimens:
        names = [regimen.name.casefold() for regimen in self.regimens]
        if len(set(names)) != len(names):
            raise ValueError("a regimen is listed twice")
        return self


class CuratedEvidence(Contract):
    rows: list[CuratedRow]
    withdrawn: list[WithdrawnIndication] = Field(default_factory=list)


def thresholds(bundle: KnowledgeBundle) -> Thresholds:
    path = bundle.path(SOURCE, THRESHOLDS_FILE)
    return parse_model(bundle.read_yaml(SOURCE, THRESHOLDS_FILE), Thresholds, "oncology thresholds", path)


def gene_table(bundle: KnowledgeBundle) -> GeneTable:
    return parse_model(bundle.read_yaml(SOURCE, GENES_FILE), GeneTable, "gene table", bundle.path(SOURCE, GENES_FILE))


def oncotree(bundle: KnowledgeBundle) -> OncoTree:
    """The shipped OncoTree release, with the crosswalk's aliases for suggestions."""
    record = bundle.source(oncotree_source.SOURCE)
    path = bundle.path(oncotree_source.SOURCE, oncotree_source.TREE_FILE)
    return oncotree_source.read_tree(path, record.version, crosswalk(bundle).aliases)


def crosswalk(bundle: KnowledgeBundle) -> Crosswalk:
    return parse_model(bundle.read_yaml(SOURCE, CROSSWALK_FILE), Crosswalk, "disease crosswalk", SOURCE)


def defined_type_entries(bundle: KnowledgeBundle) -> DefinedTypeEntries:
    """``defined-types.yaml`` as curated (each entry a :class:`Sourced` fact)."""
    path = bundle.path(SOURCE, DEFINED_TYPES_FILE)
    return parse_model(bundle.read_yaml(SOURCE, DEFINED_TYPES_FILE), DefinedTypeEntries, "defined tumour types", path)


def regimen_entries(bundle: KnowledgeBundle) -> Regimens:
    """``regimens.yaml`` as curated (each regimen a :class:`Sourced` fact)."""
    path = bundle.path(SOURCE, REGIMENS_FILE)
    return parse_model(bundle.read_yaml(SOURCE, REGIMENS_FILE), Regimens, "chemotherapy regimens", path)


def regimens(bundle: KnowledgeBundle) -> dict[str, list[str]]:
    """Regimen acronym (case-folded) -> the medicines it is made of."""
    return {regimen.name.casefold(): list(regimen.drugs) for regimen in regimen_entries(bundle).regimens}


def defined_types(bundle: KnowledgeBundle) -> list[DefinedType]:
    """The OncoTree types one alteration defines, each checked to lie within its broader type in the shipped tree."""
    path = bundle.path(SOURCE, DEFINED_TYPES_FILE)
    tree = oncotree(bundle)
    found = []
    for number, entry in enumerate(defined_type_entries(bundle).types):
        where = f"types[{number}] ({entry.oncotree})"
        for code in (entry.oncotree, entry.within):
            if code not in tree:
                raise KnowledgeError(f"{code!r} is not an OncoTree code", source=path, location=where)
        if entry.oncotree == entry.within or not tree.is_within(entry.oncotree, entry.within):
            raise KnowledgeError(f"{entry.oncotree} does not lie within {entry.within}", source=path, location=where)
        found.append(
            DefinedType(oncotree=entry.oncotree, within=entry.within, biomarker=parse_alteration(entry.biomarker))
        )
    return found


def _whole_tumour_problem(unless: list[Alteration], requires: list[Alteration]) -> str | None:
    """Why a row's ``unless``/``requires`` cannot hold a state of the whole tumour as written, or None: such a state
    (triple-negative, RAS wild-type) is required alone, as the label's second biomarker, and never listed absent."""
    if any(spec.kind in TUMOUR_LEVEL_KINDS for spec in unless):
        return "unless: a state of the whole tumour is written as required (requires), not as absent"
    whole = [spec for spec in requires if spec.kind in TUMOUR_LEVEL_KINDS]
    if whole and len(requires) > 1:
        return f"requires: {whole[0].label} is a state of the whole tumour and is required alone"
    if any(spec.kind not in (AlterationKind.TRIPLE_NEGATIVE, AlterationKind.WILD_TYPE) for spec in whole):
        return f"requires: {whole[0].label} is not read as a label's second biomarker (triple-negative, RAS wild-type)"
    return None


def curated_rows(bundle: KnowledgeBundle) -> CuratedEvidence:
    """The rows of ``evidence.yaml`` as curated (each a :class:`Sourced` fact with its quotes)."""
    path = bundle.path(SOURCE, EVIDENCE_YAML)
    return parse_model(bundle.read_yaml(SOURCE, EVIDENCE_YAML), CuratedEvidence, "curated evidence", path)


def curated_evidence(bundle: KnowledgeBundle) -> EvidenceTable:
    """The curated rows as an :class:`EvidenceTable`, hotspot alleles attached, every biomarker parsed."""
    path = bundle.path(SOURCE, EVIDENCE_YAML)
    raw = curated_rows(bundle)
    genes = gene_table(bundle).genes
    tree = oncotree(bundle)
    terms = crosswalk(bundle).indication_terms
    unknown = sorted(code for code in terms if code not in tree)
    if unknown:
        raise KnowledgeError(f"indication_terms name codes not in OncoTree: {unknown}", source=SOURCE)
    record = bundle.source(SOURCE)
    rows = []
    ids = [row.id for row in raw.rows]
    if len(set(ids)) != len(ids):
        raise KnowledgeError("an evidence row id is used twice", source=path)
    for number, row in enumerate(raw.rows):
        where = f"rows[{number}] ({row.id})"
        for code in [*row.tumours, *row.exclude]:
            if code != PAN_CANCER and code not in tree:
                raise KnowledgeError(f"tumour {code!r} is not an OncoTree code", source=path, location=where)
        problem = _tumour_list_problem(row.tumours, [source.quote for source in row.sources], tree, terms)
        if problem:
            raise KnowledgeError(problem, source=path, location=where)
        try:
            unless = [parse_alteration(text) for text in row.unless]
            requires = [parse_alteration(text) for text in row.requires]
        except ValueError as exc:
            raise KnowledgeError(f"unless/requires: {exc}", source=path, location=where) from exc
        problem = _whole_tumour_problem(unless, requires)
        if problem:
            raise KnowledgeError(problem, source=path, location=where)
        for text in row.biomarkers:
            try:
                biomarker = parse_alteration(text)
            except ValueError as exc:
                raise KnowledgeError(f"biomarker {text!r}: {exc}", source=path, location=where) from exc
            if biomarker.kind is AlterationKind.HLA and row.origin is not Origin.GERMLINE:
                raise KnowledgeError(
                    f"biomarker {text!r}: an HLA allele is inherited; the row needs origin: germline",
                    source=path, location=where,
                )  # fmt: skip
            protein = biomarker.protein.text if biomarker.protein else None
            suffix = "" if len(row.biomarkers) == 1 else ":" + _slug(biomarker.label)
            rows.append(
                BiomarkerEvidence(
                    id=f"{SOURCE}:{row.id}{suffix}",
                    biomarker=biomarker,
                    alleles=hotspot_alleles(genes, biomarker.gene, protein),
                    disease=", ".join(tree.name(code) for code in row.tumours),
                    oncotree=row.tumours[0],
                    also_oncotree=row.tumours[1:],
                    excluded_oncotree=row.exclude,
                    solid_tumours_only=row.solid_tumours_only,
                    unless=unless,
                    requires=requires,
                    therapies=row.therapy,
                    evidence_type=EvidenceType.PREDICTIVE,
                    direction=Direction.SUPPORTS,
                    significance=row.significance,
                    native_level=row.level if row.unverified is None else f"{row.level} (unverified)",
                    amp_level=CURATED_LEVELS[row.level],
                    origin=row.origin,
                    year=row.year,
                    setting=row.setting,
                    extents=row.extent,
                    verified=row.unverified is None,
                    citations=list(dict.fromkeys(source.cite for source in row.sources)),
                )
            )
    withdrawn = []
    for number, entry in enumerate(raw.withdrawn):
        where = f"withdrawn[{number}] ({entry.id})"
        for code in entry.tumours:
            if code not in tree:
                raise KnowledgeError(f"tumour {code!r} is not an OncoTree code", source=path, location=where)
        problem = _tumour_list_problem(entry.tumours, [source.quote for source in entry.sources], tree, terms)
        if problem:
            raise KnowledgeError(problem, source=path, location=where)
        try:
            named = list(dict.fromkeys(parse_alteration(text).gene for text in entry.biomarkers))
        except ValueError as exc:
            raise KnowledgeError(f"biomarker: {exc}", source=path, location=where) from exc
        withdrawn.append(
            Withdrawal(
                id=f"{SOURCE}:{entry.id}",
                genes=named,
                oncotree=entry.tumours[0],
                also_oncotree=entry.tumours[1:],
                therapies=entry.therapy,
                setting=entry.setting,
                year=entry.withdrawn,
                citations=entry.cites,
            )
        )
    for evidence in rows:
        for withdrawal in withdrawn:
            if withdrawal.covers(evidence, tree.is_within):
                raise KnowledgeError(f"{evidence.id} is an indication withdrawn in {withdrawal.year}", source=path)
    return EvidenceTable(
        source=SOURCE, release=record.version, licence=record.licence, redistributable=True, rows=rows,
        withdrawn=withdrawn,
    )  # fmt: skip


def _tumour_list_problem(
    codes: list[str], quotes: list[str], tree: OncoTree, terms: dict[str, list[str]]
) -> str | None:
    """Why the several tumour types of a row or a withdrawn indication do not hold: one inside another, or one its
    quotes do not name.

    Each listed code must be named in the quotes by one of the crosswalk's words for it, so the codes are read from
    the label's own wording ("epithelial ovarian, fallopian tube, or primary peritoneal cancer").
    """
    if len(codes) < 2:
        return None
    for code in codes:
        wider = [other for other in codes if other != code and tree.is_within(code, other)]
        if wider:
            return f"tumour {code!r} lies within {wider[0]!r}, also listed"
    text = " ".join(quote.lower() for quote in quotes)
    for code in codes:
        words = terms.get(code)
        if not words:
            return f"tumour {code!r}: the crosswalk's indication_terms give no words a label uses for it"
        if not any(word.lower() in text for word in words):
            return f"tumour {code!r}: no quote names it ({' / '.join(words)})"
    return None


def _slug(label: str) -> str:
    return "-".join(part for part in re.split(r"[^a-z0-9]+", label.lower()) if part)


def hotspot_alleles(genes: dict[str, GeneFacts], gene: str, protein: str | None) -> list[GenomicAllele]:
    facts = genes.get(gene)
    if facts is None or protein is None:
        return []
    return [a for spot in facts.hotspots if spot.protein == protein for a in spot.alleles()]


def build_hotspots(genes: dict[str, GeneFacts]) -> list[tuple[str, GenomicAllele]]:
    """Every hotspot allele of both builds with its label (``BRAF V600E``): a tumour VCF's records that are exactly
    one build's alleles tell its coordinates apart where its header is silent."""
    return [
        (f"{gene} {spot.protein}", allele)
        for gene, facts in genes.items()
        for spot in facts.hotspots
        for allele in spot.alleles()
    ]


def check_gene_table(table: GeneTable) -> list[str]:
    """Problems in the gene table that the model cannot catch: unparsable hotspot proteins, bad spans."""
    problems = []
    for gene, facts in table.genes.items():
        for spot in facts.hotspots:
            try:
                change = parse_protein_change(spot.protein)
            except ValueError as exc:
                problems.append(f"{gene} {spot.protein}: {exc}")
                continue
            if change.text != spot.protein:
                problems.append(f"{gene} {spot.protein}: not normalized (expected {change.text})")
        if facts.itd_region is not None and facts.itd_region[1] <= facts.itd_region[0]:
            problems.append(f"{gene} ITD region: end before start")
        for build, (_, start, end) in facts.span.items():
            if end <= start:
                problems.append(f"{gene} span in {build}: end before start")
    return problems
