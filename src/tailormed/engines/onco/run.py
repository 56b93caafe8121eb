"""One tumour profile against the evidence tables: annotated alterations, matches with levels and tiers.

:func:`match_profile` is the engine's entry point; it reads only the models handed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import Field

from tailormed.engines.onco.annotate import (
    HotspotIndex,
    current_names,
    known_protein_changes,
    oncogenicity,
    with_current_names,
    with_hotspot_protein,
)
from tailormed.engines.onco.match import MatchLevel, match_level
from tailormed.engines.onco.tiers import TIER_ORDER, Relation, amp_tier, relation
from tailormed.knowledge.onco.core import SOURCE as CORE_SOURCE
from tailormed.knowledge.onco.core import GeneFacts, Thresholds
from tailormed.knowledge.onco.evidence import (
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
from tailormed.knowledge.onco.oncotree import UNKNOWN_TUMOUR, OncoTree
from tailormed.model.alteration import (
    TUMOUR_LEVEL_KINDS,
    Alteration,
    AlterationKind,
    GeneClass,
    VariantOrigin,
    parse_alteration,
)
from tailormed.model.base import Contract
from tailormed.model.enums import DiseaseExtent, extents_words
from tailormed.model.finding import NotAssessed
from tailormed.model.payloads import therapy_key

#: Output columns of ``tailormed onco match`` (TSV), in order.
COLUMNS = (
    "case_id", "gene", "alteration", "matched_level", "tumor_type", "therapy", "direction", "significance",
    "evidence_level", "amp_tier", "source", "note",
)  # fmt: skip


class TumourProfile(Contract):
    """What is known about one tumour: its OncoTree type and its alterations, plus what could not be read."""

    case_id: str
    tumour_type: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_/-]*$")
    extent: DiseaseExtent | None = Field(default=None, description="Extent of disease; None when not stated")
    stage: str | None = Field(default=None, description="AJCC stage group as given ('III'), shown with the extent")
    alterations: list[Alteration] = Field(default_factory=list)
    wild_type: frozenset[str] = Field(
        default=frozenset(), description="Genes the tumour was tested for and found without a sequence variant"
    )
    not_assessed: list[NotAssessed] = Field(default_factory=list)


@dataclass(frozen=True)
class OncoKnowledge:
    """Evidence tables (curated core first) and the gene facts, OncoTree and cut-offs the matching reads."""

    tables: Sequence[EvidenceTable]
    genes: dict[str, GeneFacts]
    tree: OncoTree
    thresholds: Thresholds
    defined_types: Sequence[DefinedType] = ()
    regimens: Mapping[str, list[str]] = field(default_factory=dict)  # acronym (case-folded) -> its medicines
    hotspots: HotspotIndex = field(init=False)
    former_symbols: dict[str, str] = field(init=False)
    withdrawn: tuple[Withdrawal, ...] = field(init=False)
    known: frozenset[tuple[str, str]] = field(init=False)
    by_gene: dict[str, list[tuple[EvidenceTable, BiomarkerEvidence]]] = field(init=False)
    tumour_level_rows: tuple[tuple[EvidenceTable, BiomarkerEvidence], ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hotspots", HotspotIndex.build(self.genes))
        object.__setattr__(self, "former_symbols", current_names(self.genes))
        object.__setattr__(self, "withdrawn", tuple(w for table in self.tables for w in table.withdrawn))
        # evidence written in histone numbering or under a former symbol (CIViC's H3-3A K27M) is matched in HGVS terms
        rows = [(table, self._current(row)) for table in self.tables for row in table.rows]
        object.__setattr__(self, "known", known_protein_changes(row for _, row in rows))
        index: dict[str, list[tuple[EvidenceTable, BiomarkerEvidence]]] = {}
        whole = tuple((table, row) for table, row in rows if row.biomarker.kind in TUMOUR_LEVEL_KINDS)
        object.__setattr__(self, "tumour_level_rows", whole)
        for table, row in rows:
            if row.biomarker.kind in TUMOUR_LEVEL_KINDS:
                continue  # met by the tumour's stated results, never through one of its alterations
            for gene in {row.biomarker.gene, row.biomarker.partner} - {None}:
                index.setdefault(str(gene), []).append((table, row))
        object.__setattr__(self, "by_gene", index)

    def _current(self, row: BiomarkerEvidence) -> BiomarkerEvidence:
        named = with_current_names(row.biomarker, self.genes, self.former_symbols)
        return row if named is row.biomarker else row.model_copy(update={"biomarker": named})

    @property
    def evidence_genes(self) -> frozenset[str]:
        return frozenset(self.by_gene)

    def candidates(self, alteration: Alteration) -> list[tuple[EvidenceTable, BiomarkerEvidence]]:
        """Evidence rows that name the alteration's gene (or its fusion partner), in table order."""
        genes = [alteration.gene] + ([alteration.partner] if alteration.partner else [])
        seen: set[str] = set()
        found = []
        for gene in genes:
            for table, row in self.by_gene.get(gene, []):
                if row.id not in seen:
                    seen.add(row.id)
                    found.append((table, row))
        return found

    def withdrawal(self, row: BiomarkerEvidence) -> Withdrawal | None:
        """The withdrawn indication an approval-level row claims, if any."""
        return next((w for w in self.withdrawn if w.covers(row, self.tree.is_within)), None)

    def versions(self) -> dict[str, str]:
        return {**{table.source: table.release for table in self.tables}, "oncotree": self.tree.release}


class TherapyMatch(Contract):
    """One alteration matched to one evidence row, with the level it matched at and its tier for this tumour."""

    case_id: str
    alteration: Alteration
    row: BiomarkerEvidence
    matched_level: MatchLevel
    tumour_type: str
    relation: Relation
    relation_note: str | None = Field(
        default=None,
        description="Why an indication could not be placed on-label, or the alteration that places it on-label",
    )
    condition: str | None = Field(
        default=None, description="What the label requires absent or present that the tumour data do not state"
    )
    for_type: bool = Field(
        default=True,
        description="Whether the tumour is of the indication's type (or the label is tumour-agnostic), before the "
        "label's own conditions (origin, extent, biomarkers it needs absent or present) are applied",
    )
    off_extent: list[DiseaseExtent] = Field(
        default_factory=list,
        description="The extents of disease the indication is for, when the tumour's stated extent alone takes it "
        "off-label (a metastatic label for a resected tumour); empty otherwise",
    )
    other_type_extent: list[DiseaseExtent] = Field(
        default_factory=list,
        description="The extents of disease an indication for another tumour type is for, when the tumour's stated "
        "extent is none of them (a label for unresectable or metastatic melanoma, met by a resected colon cancer); "
        "empty otherwise",
    )
    amp_tier: str
    source: str
    release: str
    licence_note: str | None = None

    def cells(self) -> tuple[str, ...]:
        row = self.row
        return (
            self.case_id,
            row.biomarker.gene if row.biomarker.kind is AlterationKind.FUSION else self.alteration.gene,
            self.alteration.label,
            self.matched_level.value,
            self.tumour_type,
            row.therapy,
            row.direction.value,
            row.significance.value,
            row.native_level,
            self.amp_tier,
            f"{row.id} ({self.source} {self.release})",
            "; ".join(text for text in (self.relation_note, self.condition) if text),
        )


def actions(matches: Sequence[TherapyMatch]) -> list[list[TherapyMatch]]:
    """The matches as one action per case, alteration, therapy (its drugs in any order or spelling:
    :func:`tailormed.model.payloads.therapy_key`) and claim (significance and direction): every label or source row
    that says the same thing is one group, its best match first (:func:`_best_first`), groups in the order of their
    best matches."""
    groups: dict[tuple[str, str, tuple[str, ...], str, str], list[TherapyMatch]] = {}
    for match in matches:
        row = match.row
        key = (match.case_id, match.alteration.label, therapy_key(*row.therapies), row.significance, row.direction)
        groups.setdefault(key, []).append(match)
    ordered = [sorted(group, key=_best_first) for group in groups.values()]
    return sorted(ordered, key=lambda group: _order(group[0]))


def action_cells(group: Sequence[TherapyMatch]) -> tuple[str, ...]:
    """One TSV row for an action: its best match's cells, with every source row it rests on cited in ``source``."""
    by_source: dict[tuple[str, str], list[str]] = {}
    for match in group:
        ids = by_source.setdefault((match.source, match.release), [])
        if match.row.id not in ids:
            ids.append(match.row.id)
    cited = "; ".join(f"{', '.join(ids)} ({source} {release})" for (source, release), ids in by_source.items())
    cells = group[0].cells()
    note = "; ".join(text for text in (cells[-1], *other_settings(group)) if text)
    return (*cells[:-2], cited, note)


def other_settings(group: Sequence[TherapyMatch]) -> list[str]:
    """The action's other curated labels for this tumour type that name another setting than its best match's, each
    with what it needs beyond the best match's condition.

    The tumour's line of treatment is never stated, so the best label speaks for the action and these are named
    beside it: niraparib's first-line maintenance label takes a BRCA variant of either origin; its recurrent-disease
    label is "Also on-label for maintenance of recurrent cancer ...: requires germline confirmation" where the origin
    is not stated, and "Not on-label for" that setting, with the reason, for a somatic variant.
    """
    best = group[0]
    said = (best.condition or "").split("; ")  # what the best label's condition says already is not repeated
    named: dict[str, str] = {}
    for match in group[1:]:
        row = match.row
        if match.source != CORE_SOURCE or not match.for_type or not row.setting:
            continue
        if row.setting in (best.row.setting, *named):
            continue
        if match.relation is Relation.OTHER:
            if match.relation_note:
                named[row.setting] = f"Not on-label for {row.setting}: {match.relation_note}"
            continue
        more = "; ".join(part for part in (match.condition or "").split("; ") if part and part not in said)
        named[row.setting] = f"Also on-label for {row.setting}" + (f": {more}" if more else "")
    return list(named.values())


def _best_first(match: TherapyMatch) -> tuple[int, str, bool, bool, bool, bool]:
    """Which match speaks for its action: the best tier, then AMP level, then the curated core's label (another
    source names no setting, origin or extent because it does not record them, not because its claim is broader),
    then a label whose conditions the tumour data meet before one that leaves a condition open (niraparib for a BRCA
    variant of unstated origin: the first-line label, which takes either origin, before the recurrent-disease
    label, which needs it germline), then a label with no setting, the broadest, then one for the tumour's extent.

    Setting is never stated for a tumour, so a label for one setting is not conditional on it: the finding names the
    setting, and the action's other labels with theirs (:mod:`tailormed.engines.onco.findings`).
    """
    row = match.row
    outside = bool(match.off_extent or match.other_type_extent)  # vemurafenib: Erdheim-Chester disease before melanoma
    core = match.source == CORE_SOURCE
    conditional = match.condition is not None
    return TIER_ORDER[match.amp_tier], row.amp_level.value, not core, conditional, row.setting is not None, outside


class OncoResult(Contract):
    case_id: str
    tumour_type: str
    alterations: list[Alteration]
    matches: list[TherapyMatch]
    not_assessed: list[NotAssessed]


def match_profile(profile: TumourProfile, knowledge: OncoKnowledge) -> OncoResult:
    """Every evidence row each alteration matches, at its most specific level, tiered for the tumour type.

    Resistance is kept next to sensitivity. Gene-level mutation evidence that an alteration would have met had it
    been oncogenic is listed under ``not_assessed`` instead of silently dropped. Wild-type biomarkers (RAS
    wild-type) and triple-negative breast cancer are matched for the tumour as a whole
    (:func:`_tumour_level_matches`); such a result given as an alteration (``--alteration 'RAS wild-type'``,
    ``--alteration triple-negative``) states its genes wild-type or its receptors negative.
    """
    stated = [a for a in profile.alterations if a.kind in TUMOUR_LEVEL_KINDS]
    wild_type = profile.wild_type | {gene for a in stated for gene in a.wild_type}
    negative = wild_type | {part.name for a in stated for part in _parts(a)}
    alterations = [
        with_hotspot_protein(with_current_names(a, knowledge.genes, knowledge.former_symbols), knowledge.hotspots)
        for a in profile.alterations
        if a.kind not in TUMOUR_LEVEL_KINDS
    ]
    defined = _defined_types(profile.tumour_type, alterations, knowledge)
    matches: list[TherapyMatch] = []
    gated: list[NotAssessed] = []
    withdrawn: dict[str, NotAssessed] = {}
    core_claims: dict[tuple[str, tuple[str, ...]], list[TherapyMatch | None]] = {}
    spans: dict[tuple[str, tuple[str, ...], AmpLevel], set[DiseaseExtent]] = {}
    staged: list[tuple[TherapyMatch, str | None]] = []
    for alteration in alterations:
        verdict = oncogenicity(alteration, knowledge.genes, knowledge.hotspots, knowledge.known)
        skipped = 0
        for table, row in knowledge.candidates(alteration):
            level = match_level(row, alteration, oncogenic=verdict.oncogenic, genes=knowledge.genes)
            if level is None:
                if not verdict.oncogenic and match_level(row, alteration, oncogenic=True, genes=knowledge.genes):
                    skipped += 1
                continue
            withdrawal = knowledge.withdrawal(row)
            if withdrawal is not None:
                withdrawn.setdefault(
                    f"{alteration.label} {row.therapy} {withdrawal.id}",
                    NotAssessed(
                        item=f"{alteration.label}: {row.therapy} ({row.id}, {table.source} {table.release})",
                        reason=f"not offered: the FDA indication it may rest on ({withdrawal.setting}) was withdrawn "
                        f"in {withdrawal.year} ({', '.join(withdrawal.citations)})",
                    ),
                )
                continue
            related, note = relation(profile.tumour_type, row, knowledge.tree, defined)
            for_type = related in (Relation.SAME, Relation.PAN_CANCER)
            if row.biomarker.kind is AlterationKind.HLA and related is Relation.OTHER:
                continue  # an HLA type is the patient's, not the tumour's: no evidence from other tumour types
            related, note, condition = _label_conditions(
                row, alterations, wild_type, negative, knowledge, related, note
            )
            related, note, condition = _origin_condition(row, alteration, related, note, condition)
            before, unextended = related, condition
            related, note, condition = _extent_condition(row, profile, related, note, condition)
            other_extent = before is Relation.OTHER and _outside_extent(row, profile)
            match = TherapyMatch(
                case_id=profile.case_id,
                alteration=alteration,
                row=row,
                matched_level=level,
                tumour_type=profile.tumour_type,
                relation=related,
                relation_note=note,
                condition=condition,
                for_type=for_type,
                off_extent=row.extents if before is not Relation.OTHER and related is Relation.OTHER else [],
                other_type_extent=row.extents if other_extent else [],
                amp_tier=amp_tier(related, row.amp_level),
                source=table.source,
                release=table.release,
                licence_note=None if table.redistributable else table.licence_note,
            )
            indication = row.significance is Significance.SENSITIVITY and before is not Relation.OTHER
            if table.source == CORE_SOURCE and indication:  # a curated indication for this tumour: on or off by extent
                off = match if related is Relation.OTHER else None
                core_claims.setdefault((alteration.label, therapy_key(*row.therapies)), []).append(off)
                if row.direction is Direction.SUPPORTS:
                    span = spans.setdefault((alteration.label, therapy_key(*row.therapies), row.amp_level), set())
                    span.update(row.extents or DiseaseExtent)  # a label naming no extent holds for any
            matches.append(match)
            staged.append((match, unextended))
        if skipped:
            gated.append(
                NotAssessed(
                    item=f"{alteration.label}: {skipped} gene-level evidence row(s)",
                    reason=f"not applied: variant not predicted oncogenic ({verdict.reason})",
                )
            )
    if profile.extent is None:
        matches = [_widened_extent(match, unextended, spans, profile) for match, unextended in staged]
    matches += _tumour_level_matches(profile, alterations, wild_type, negative, defined, knowledge)
    matches = [_same_extent(match, core_claims) for match in matches]
    matches.sort(key=_order)
    return OncoResult(
        case_id=profile.case_id,
        tumour_type=profile.tumour_type,
        alterations=alterations,
        matches=matches,
        not_assessed=[*profile.not_assessed, *gated, *withdrawn.values()],
    )


@dataclass(frozen=True)
class _Part:
    """One result a tumour-level biomarker is made of: KRAS for RAS wild-type, ER, PR or HER2 for triple-negative."""

    name: str
    positive: tuple[Alteration, ...]  # any of these present: the tumour is off the label
    negative: tuple[
        Alteration, ...
    ] = ()  # a result meeting one states the part negative; none: a gene stated wild-type
    equivocal: Alteration | None = None  # a result meeting this leaves ``then`` to be stated (HER2 IHC 2+: ISH)
    then: str = ""


def _receptor(name: str) -> _Part:
    """ER or PR by the ASCO/CAP rule the core cites: positive in at least 1% of tumour nuclei."""
    return _Part(name, (parse_alteration(f"{name} IHC >= 1%"),), (parse_alteration(f"{name} IHC <1%"),))


#: HER2 as ASCO/CAP and the labels read it: positive at IHC 3+ or with ERBB2 amplification (ISH-positive); negative at
#: IHC 0 or 1+ (no ISH needed) or when ISH found no amplification; IHC 2+ leaves ERBB2 amplification to ISH.
_HER2 = _Part(
    "HER2",
    (parse_alteration("ERBB2 amplification"), parse_alteration("HER2 IHC 3+")),
    (parse_alteration("HER2 IHC 0-1+"), parse_alteration("HER2 ISH negative")),
    equivocal=parse_alteration("HER2 IHC 2+"),
    then="ERBB2 amplification",
)
#: Triple-negative as the labels define it: ER and PR negative, HER2-negative (IHC 0, IHC 1+ or IHC 2+/ISH-).
_TRIPLE_NEGATIVE = (_receptor("ER"), _receptor("PR"), _HER2)


def _parts(biomarker: Alteration) -> tuple[_Part, ...]:
    """The results a tumour-level biomarker needs negative: each gene of a wild-type label, without a (predicted
    oncogenic) mutation, as the RAS resistance rows read it; or ER, PR and HER2."""
    if biomarker.kind is AlterationKind.TRIPLE_NEGATIVE:
        return _TRIPLE_NEGATIVE
    if biomarker.kind is AlterationKind.CTDNA_POSITIVE:
        return (_Part("ctDNA", ()),)  # met only by a stated ctDNA positive; ctDNA negative is checked by kind
    if biomarker.kind is AlterationKind.CTDNA_NEGATIVE:
        return ()
    return tuple(
        _Part(gene, (Alteration(gene=gene, kind=AlterationKind.MUTATION, gene_class=GeneClass.ANY, label=gene),))
        for gene in biomarker.wild_type
    )


def _unstated(
    parts: Sequence[_Part], alterations: Sequence[Alteration], negative: frozenset[str], knowledge: OncoKnowledge
) -> list[str]:
    """What the tumour's results leave open, part by part (a part merely absent from them is never negative)."""
    unstated = []
    for part in parts:
        if part.name in negative or (part.negative and _present(part.negative, alterations, knowledge)):
            continue
        equivocal = part.equivocal is not None and _present([part.equivocal], alterations, knowledge)
        unstated.append(part.then if equivocal else part.name)
    return unstated


def _tumour_level_matches(
    profile: TumourProfile,
    alterations: Sequence[Alteration],
    wild_type: frozenset[str],
    negative: frozenset[str],
    defined: Mapping[str, str],
    knowledge: OncoKnowledge,
) -> list[TherapyMatch]:
    """Indications that need results about the whole tumour (panitumumab: RAS wild-type colorectal cancer;
    sacituzumab govitecan: triple-negative breast cancer; adjuvant atezolizumab: ctDNA detected after cystectomy),
    for a tumour of their own type only: no alteration carries them, so evidence from other tumour types would reach
    every tumour. A tissue that may hold the type (``BOWEL`` for colorectal cancer) is shown at Tier II-C with the
    reason; OncoTree's root (``TISSUE``), like an unknown type, gets none.

    A tumour with a result that rules the biomarker out (a KRAS mutation; ER in 1% of nuclei or more, HER2 IHC 3+,
    ERBB2 amplification; ctDNA negative) is not offered the therapy. A tumour whose results state every part
    (negative, or ctDNA positive) is on-label; otherwise the row is on-label with the condition naming what is not
    stated.
    """
    node = knowledge.tree.node(profile.tumour_type)
    if node is not None and node.parent is None:
        return []  # a tumour coded only as OncoTree's root (TISSUE) is of no known type
    found = []
    for table, row in knowledge.tumour_level_rows:
        related, note = relation(profile.tumour_type, row, knowledge.tree, defined)
        if related is Relation.OTHER or knowledge.withdrawal(row) is not None:
            continue
        if row.biomarker.kind is AlterationKind.CTDNA_POSITIVE and any(
            a.kind is AlterationKind.CTDNA_NEGATIVE for a in profile.alterations
        ):
            continue  # a test after surgery found no circulating tumour DNA
        parts = _parts(row.biomarker)
        if _present([spec for part in parts for spec in part.positive], alterations, knowledge) is not None:
            continue  # the resistance rows of a variant, or the tumour's own receptor results, say why
        related, note, condition = _label_conditions(row, alterations, wild_type, negative, knowledge, related, note)
        unstated = _unstated(parts, alterations, negative, knowledge)
        if unstated:
            subject = _subject(row.biomarker, unstated, parts)
            point = f"{_needs(row.biomarker)} ({subject} status not stated for this tumour)"
            condition = f"{point}; {condition}" if condition else point
        before = related
        related, note, condition = _extent_condition(row, profile, related, note, condition)
        found.append(
            TherapyMatch(
                case_id=profile.case_id,
                alteration=row.biomarker,
                row=row,
                matched_level=MatchLevel(row.biomarker.kind.value),
                tumour_type=profile.tumour_type,
                relation=related,
                relation_note=note,
                condition=condition,
                off_extent=row.extents if before is not Relation.OTHER and related is Relation.OTHER else [],
                amp_tier=amp_tier(related, row.amp_level),
                source=table.source,
                release=table.release,
                licence_note=None if table.redistributable else table.licence_note,
            )
        )
    return found


def _state(biomarker: Alteration) -> str:
    if biomarker.kind is AlterationKind.TRIPLE_NEGATIVE:
        return "triple-negative breast cancer"
    return biomarker.label


def _needs(biomarker: Alteration) -> str:
    if biomarker.kind is AlterationKind.TRIPLE_NEGATIVE:
        return f"only for {_state(biomarker)}"
    if biomarker.kind is AlterationKind.CTDNA_POSITIVE:
        return "only with ctDNA detected"
    return f"only with {biomarker.label}"


def _subject(biomarker: Alteration, unstated: Sequence[str], parts: Sequence[_Part]) -> str:
    """``RAS`` when no part of a wild-type family is stated, else the parts: ``NRAS``, ``ER, PR and HER2``."""
    if biomarker.kind is AlterationKind.WILD_TYPE and len(unstated) == len(parts):
        return biomarker.gene
    if biomarker.kind is AlterationKind.WILD_TYPE:
        return " and ".join(unstated)
    return unstated[0] if len(unstated) == 1 else f"{', '.join(unstated[:-1])} and {unstated[-1]}"


def _defined_types(tumour_type: str, alterations: Sequence[Alteration], knowledge: OncoKnowledge) -> dict[str, str]:
    """The narrower OncoTree types the tumour's alterations define (APL for an AML with PML::RARA), each with the
    label of the alteration that defines it."""
    tree, found = knowledge.tree, {}
    if tumour_type == UNKNOWN_TUMOUR:
        return {}
    for kind in knowledge.defined_types:
        if tree.is_within(tumour_type, kind.within) and tree.is_within(kind.oncotree, tumour_type):
            present = _meeting(kind.biomarker, alterations, knowledge)
            if present is not None:
                found[kind.oncotree] = present
    return found


def _label_conditions(
    row: BiomarkerEvidence,
    alterations: Sequence[Alteration],
    wild_type: frozenset[str],
    negative: frozenset[str],
    knowledge: OncoKnowledge,
    related: Relation,
    note: str | None,
) -> tuple[Relation, str | None, str | None]:
    """Apply the biomarkers a label needs absent (``unless``) or needs one of as well (``requires``).

    A tumour with an ``unless`` biomarker, or whose stated results meet none of ``requires``, is off this label.
    What the tumour data do not state is returned as the condition under which the label applies. A required
    state of the whole tumour (triple-negative) is read from its results as the labels for that state read it.
    """
    whole = next((spec for spec in row.requires if spec.kind in TUMOUR_LEVEL_KINDS), None)
    if whole is not None:
        return _whole_tumour_condition(whole, row, alterations, wild_type, negative, knowledge, related, note)
    open_points = []
    if row.unless:
        present = _present(row.unless, alterations, knowledge)
        if present and related is not Relation.OTHER:
            return Relation.OTHER, f"the label leaves out tumours with {present}", None
        unstated = [spec.label for spec in row.unless if not _stated(spec, alterations, wild_type, negative, knowledge)]
        if not present and unstated:
            open_points.append("only without " + ", ".join(unstated))
    # an HLA type is the patient's own, not a result of the tumour
    whose = "patient" if row.requires and all(s.kind is AlterationKind.HLA for s in row.requires) else "tumour"
    if row.requires and not _present(row.requires, alterations, knowledge):
        needed = " or ".join(spec.label for spec in row.requires)
        if all(_stated(spec, alterations, wild_type, negative, knowledge) for spec in row.requires):
            if related is Relation.OTHER:
                return related, note, None
            return Relation.OTHER, f"the label needs {needed}, which this {whose}'s results do not meet", None
        open_points.append(f"only with {needed}")
    stated_for = "this patient" if whose == "patient" and not row.unless else "this tumour"
    condition = "; ".join(open_points) + f" (not stated for {stated_for})" if open_points else None
    return related, note, condition


def _whole_tumour_condition(
    whole: Alteration,
    row: BiomarkerEvidence,
    alterations: Sequence[Alteration],
    wild_type: frozenset[str],
    negative: frozenset[str],
    knowledge: OncoKnowledge,
    related: Relation,
    note: str | None,
) -> tuple[Relation, str | None, str | None]:
    """A label that needs its own biomarker and a state of the whole tumour (PD-L1 CPS >= 10 in triple-negative
    breast cancer): off it beside a result that rules the state out, else on it with what is not stated as the
    condition, worded as for the labels of that state alone."""
    parts = _parts(whole)
    present = _present([spec for part in parts for spec in part.positive], alterations, knowledge)
    if present is not None:
        if related is Relation.OTHER:
            return related, note, None
        return Relation.OTHER, f"the label is for {_state(whole)}; this tumour has {present}", None
    unstated = _unstated(parts, alterations, negative, knowledge)
    others = row.model_copy(update={"requires": [s for s in row.requires if s is not whole]})
    related, note, rest = _label_conditions(others, alterations, wild_type, negative, knowledge, related, note)
    if related is Relation.OTHER or not unstated:
        return related, note, rest
    condition = f"{_needs(whole)} ({_subject(whole, unstated, parts)} status not stated for this tumour)"
    return related, note, f"{condition}; {rest}" if rest else condition


def _origin_condition(
    row: BiomarkerEvidence, alteration: Alteration, related: Relation, note: str | None, condition: str | None
) -> tuple[Relation, str | None, str | None]:
    """A label for inherited variants only (VHL disease, germline BRCA) against the alteration's stated origin.

    A somatic alteration is off such a label; one whose origin the input does not state stays on it, with the
    condition that the variant be confirmed germline (never a silent match).
    """
    if row.origin is not Origin.GERMLINE or alteration.origin is VariantOrigin.GERMLINE:
        return related, note, condition
    if alteration.origin is VariantOrigin.SOMATIC:
        if related is Relation.OTHER:
            return related, note, condition
        return Relation.OTHER, f"the label needs a germline {row.gene} variant; {alteration.label} is somatic", None
    point = f"requires germline confirmation (the origin of {alteration.label} is not stated)"
    return related, note, f"{condition}; {point}" if condition else point


def _extent_condition(
    row: BiomarkerEvidence, profile: TumourProfile, related: Relation, note: str | None, condition: str | None
) -> tuple[Relation, str | None, str | None]:
    """An indication for some extents of disease only (metastatic colorectal cancer) against the tumour's extent.

    A tumour of another extent is off the label, with the reason; one whose extent is not stated stays on it, with
    the extents the label names as its condition (never a silent match). A row naming no extent is left as it is.
    A row already off-label by tumour type stays so; where nothing else was said of it, its note adds that it is for
    another extent too (a melanoma label for unresectable or metastatic disease, met by a resected colon cancer).
    """
    if not row.extents or (profile.extent is not None and profile.extent in row.extents):
        return related, note, condition
    approved = extents_words(row.extents)
    if profile.extent is None:
        return related, note, _unstated_extent(row.extents, profile, condition)
    stage = f"stage {profile.stage}, " if profile.stage else ""
    studied = "approved for" if row.amp_level is AmpLevel.A else "studied in"  # a trial's population, not a label
    this = f"this tumour is {stage}{profile.extent.words}"
    if related is Relation.OTHER:
        other = f"{studied} {approved} disease of another tumour type; {this}"
        return related, note if note is not None else other, condition
    return Relation.OTHER, f"{studied} {approved} disease; {this}", None


def _outside_extent(row: BiomarkerEvidence, profile: TumourProfile) -> bool:
    """Whether the tumour's stated extent is not one the row's indication is for (a row naming none: never)."""
    return bool(row.extents) and profile.extent is not None and profile.extent not in row.extents


def _unstated_extent(extents: Collection[DiseaseExtent], profile: TumourProfile, condition: str | None) -> str | None:
    """The condition with the extents an indication is for, the tumour's extent not being stated; none when they
    are every extent."""
    if set(DiseaseExtent) <= set(extents):
        return condition
    stage = f"; stage {profile.stage}" if profile.stage else ""
    approved = extents_words(list(extents))
    point = f"only for {approved} disease (the extent of disease is not stated for this tumour{stage})"
    return f"{condition}; {point}" if condition else point


def _widened_extent(
    match: TherapyMatch,
    unextended: str | None,
    spans: dict[tuple[str, tuple[str, ...], AmpLevel], set[DiseaseExtent]],
    profile: TumourProfile,
) -> TherapyMatch:
    """A match whose extent condition names only its own row's extents, where other curated labels of the same
    therapy and level for this alteration and tumour cover more (osimertinib: metastatic, after chemoradiation and
    adjuvant): the condition names every extent they cover together, and none when that is every extent."""
    row = match.row
    span = spans.get((match.alteration.label, therapy_key(*row.therapies), row.amp_level))
    if not row.extents or match.relation is Relation.OTHER or span is None or span <= set(row.extents):
        return match
    return match.model_copy(update={"condition": _unstated_extent(span | set(row.extents), profile, unextended)})


def _same_extent(
    match: TherapyMatch, core_claims: dict[tuple[str, tuple[str, ...]], list[TherapyMatch | None]]
) -> TherapyMatch:
    """Another source's claim that the therapy works, where every curated indication of that therapy for this
    tumour is for another extent of disease: off-label too, for the same reason (CIViC's BEACON statement for
    encorafenib + cetuximab rests on the trial behind the metastatic colorectal label)."""
    row = match.row
    offs = core_claims.get((match.alteration.label, therapy_key(*row.therapies)))
    if (
        match.source == CORE_SOURCE
        or not offs
        or match.relation is Relation.OTHER
        or row.significance is not Significance.SENSITIVITY
        or row.direction is not Direction.SUPPORTS
    ):
        return match
    first = offs[0]
    if first is None or not all(offs):
        return match
    tier = amp_tier(Relation.OTHER, row.amp_level)
    note = f"{first.relation_note} ({first.row.id})"
    update = {"relation": Relation.OTHER, "relation_note": note, "amp_tier": tier, "off_extent": first.off_extent}
    return match.model_copy(update=update)


def _stated(
    spec: Alteration,
    alterations: Sequence[Alteration],
    wild_type: frozenset[str],
    negative: frozenset[str],
    knowledge: OncoKnowledge,
) -> bool:
    """Whether the tumour has a result that answers a criterion: a gene found wild-type for a mutation of it (KRAS
    mutation), a HER2 result that is negative without ISH (IHC 0 or 1+) or an ISH that found none for ERBB2
    amplification, a measured ER, PR or HER2 IHC for an expression criterion, or the patient an HLA typing at two
    fields or more of the criterion's locus; or a receptor the tumour was stated negative for (triple-negative). A
    gene merely absent from the variants is never read as wild-type."""
    if spec.kind is AlterationKind.MUTATION:
        return spec.gene in wild_type
    her2 = spec.label in {positive.label for positive in _HER2.positive}  # ERBB2 amplification, HER2 IHC 3+
    if her2 and (_HER2.name in negative or _present(_HER2.negative, alterations, knowledge) is not None):
        return True
    if spec.kind is AlterationKind.EXPRESSION and spec.expression is not None and spec.expression.marker in negative:
        return True
    if spec.kind is AlterationKind.HLA:
        return any(
            a.kind is AlterationKind.HLA and a.gene == spec.gene and a.hla is not None and len(a.hla.fields) >= 2
            for a in alterations
        )
    if spec.kind is not AlterationKind.EXPRESSION or spec.expression is None:
        return False
    return any(
        a.kind is AlterationKind.EXPRESSION
        and a.expression is not None
        and a.expression.marker == spec.expression.marker
        and a.expression.scale is spec.expression.scale
        for a in alterations
    )


def _present(specs: Sequence[Alteration], alterations: Sequence[Alteration], knowledge: OncoKnowledge) -> str | None:
    """The tumour's alteration that one of ``specs`` names, e.g. 'EGFR L858R', or None."""
    return next((found for spec in specs if (found := _meeting(spec, alterations, knowledge)) is not None), None)


def _meeting(spec: Alteration, alterations: Sequence[Alteration], knowledge: OncoKnowledge) -> str | None:
    """The label of the first alteration that meets ``spec`` (gene-level classes only when oncogenic), or None."""
    probe = BiomarkerEvidence(
        id="probe", biomarker=spec, disease="", oncotree=None, evidence_type=EvidenceType.PREDICTIVE,
        direction=Direction.SUPPORTS, significance=Significance.SENSITIVITY, native_level="", amp_level=AmpLevel.A,
    )  # fmt: skip
    for alteration in alterations:
        verdict = oncogenicity(alteration, knowledge.genes, knowledge.hotspots, knowledge.known)
        if match_level(probe, alteration, oncogenic=verdict.oncogenic, genes=knowledge.genes) is not None:
            return alteration.label
    return None


def _order(match: TherapyMatch) -> tuple[int, int, str, str, int, str]:
    predictive = 0 if match.row.evidence_type is EvidenceType.PREDICTIVE else 1
    resistance = 1 if match.row.significance in (Significance.RESISTANCE, Significance.REDUCED_SENSITIVITY) else 0
    levels = list(MatchLevel)
    return (
        TIER_ORDER[match.amp_tier],
        predictive,
        match.alteration.label,
        match.row.therapy.lower(),
        resistance * 10 + levels.index(match.matched_level),
        match.row.id,
    )
