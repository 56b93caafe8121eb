"""The oncology pipeline: tumour files or the record's ``tumour`` section -> a tumour profile -> matches -> findings.

This module reads files (copy-number segments, fusion lists, batch cases; the somatic VCF through the evidence stage,
:func:`tailormed.evidence.read_tumour`) and hands their models to the pure domain code in
:mod:`tailormed.engines.onco.profile`; every bad input is an ``InputError`` naming the file and line, or the option.
The care-plan engine (:func:`onco_engine`) reads the tumour evidence, never the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tailormed.engines.onco import profile as domain
from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.run import OncoKnowledge, TumourProfile, match_profile
from tailormed.errors import InputError
from tailormed.evidence.tumour import read_tumour
from tailormed.intake.tumour import read_cases, read_cna, read_fusions
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.onco import core, sources
from tailormed.model.alteration import (
    Alteration,
    AlterationKind,
    ExpressionScale,
    VariantOrigin,
    parse_alteration,
    with_origin,
)
from tailormed.model.engine import EngineRun
from tailormed.model.enums import DiseaseExtent
from tailormed.model.evidence import TumourEvidence
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import stage_group_problem
from tailormed.model.payloads import HereditaryVariantData
from tailormed.pipeline.engine_api import PatientContext
from tailormed.pipeline.onco_engine import without_tumour


def load_knowledge(bundle: KnowledgeBundle, *, include_built: bool = True) -> OncoKnowledge:
    return OncoKnowledge(
        tables=sources.evidence_tables(bundle, include_built=include_built),
        genes=core.gene_table(bundle).genes,
        tree=core.oncotree(bundle),
        thresholds=core.thresholds(bundle),
        defined_types=core.defined_types(bundle),
        regimens=core.regimens(bundle),
    )


def vcf_alterations(
    tumour_vcf: TumourEvidence, knowledge: OncoKnowledge
) -> tuple[list[Alteration], list[NotAssessed], GenomeBuild]:
    """Alterations from a somatic VCF's evidence, and the alleles in actionable genes that could not be annotated."""
    alterations, limits = domain.somatic_alterations(tumour_vcf.records, knowledge)
    if tumour_vcf.filtered:
        limits.append(NotAssessed(item=f"{tumour_vcf.filtered} VCF record(s)", reason="FILTER is not PASS"))
    return alterations, limits, tumour_vcf.build.build


def tumour_type(text: str | None, knowledge: OncoKnowledge, *, source: Path | str | None = None,
                location: str | None = None) -> str:  # fmt: skip
    """The checked OncoTree code (or ``UNKNOWN``); an InputError naming where the bad code came from."""
    try:
        return domain.tumour_type_code(text, knowledge.tree)
    except ValueError as exc:
        raise InputError(str(exc), source=source, location=location) from exc


def file_profile(
    case_id: str,
    tumour_type_text: str | None,
    knowledge: OncoKnowledge,
    *,
    vcf: Path | None = None,
    build: GenomeBuild | None = None,
    cna: Path | None = None,
    fusions: Path | None = None,
    alterations: Sequence[str] = (),
    germline: Sequence[str] = (),
    amp_min_copies: int | None = None,
    extent: DiseaseExtent | None = None,
    stage: str | None = None,
) -> TumourProfile:
    """A profile from ``onco match`` inputs: VCF, CNA segments, fusion list and alteration texts (``germline``: texts
    of variants known to be inherited; the origin of ``alterations`` is not stated)."""
    code = tumour_type(tumour_type_text, knowledge, location="--tumor-type")
    problem = stage_group_problem(stage) if stage is not None else None
    if problem is not None:
        raise InputError(problem, location="--stage")
    found: list[Alteration] = []
    limits: list[NotAssessed] = []
    used_build = build
    if vcf is not None:
        evidence = read_tumour(vcf, build=build, hotspots=core.build_hotspots(knowledge.genes))
        from_vcf, vcf_limits, used_build = vcf_alterations(evidence, knowledge)
        found += from_vcf
        limits += vcf_limits
    if cna is not None:
        if used_build is None:
            raise InputError("copy-number segments need a genome build: pass --build GRCh37|GRCh38", source=cna)
        found += domain.cna_alterations(read_cna(cna), used_build, knowledge, amp_min_copies)
    if fusions is not None:
        found += domain.fusion_alterations(read_fusions(fusions))
    for option, texts, origin in (
        ("--alteration", alterations, VariantOrigin.UNKNOWN),
        ("--germline-alteration", germline, VariantOrigin.GERMLINE),
    ):
        for text in texts:
            try:
                found.append(with_origin(parse_alteration(text), origin))
            except ValueError as exc:
                raise InputError(f"{option} {text!r}: {exc}") from exc
    problem = wild_type_contradiction(found)
    if problem is not None:
        raise InputError(f"--alteration: {problem}")
    return TumourProfile(
        case_id=case_id, tumour_type=code, extent=extent, stage=stage, alterations=found, not_assessed=limits
    )


#: Results that make a breast tumour not triple-negative: ER or PR in 1% of tumour nuclei or more, HER2 IHC 3+.
_RECEPTOR_POSITIVE = tuple(parse_alteration(t).expression for t in ("ER IHC >= 1%", "PR IHC >= 1%", "HER2 IHC 3+"))


def wild_type_contradiction(alterations: Sequence[Alteration]) -> str | None:
    """Why a case contradicts itself: a gene stated wild-type (``KRAS wild-type``, ``RAS wild-type``) that the same
    case lists a sequence variant of, or ``triple-negative`` beside a positive ER, PR or HER2 result or ERBB2
    amplification, or ``HER2 ISH negative`` beside ERBB2 amplification, or ``ctDNA positive`` beside ``ctDNA
    negative``, or None."""
    mutated = {a.gene: a.label for a in alterations if a.kind is AlterationKind.MUTATION}
    for stated in alterations:
        for gene in stated.wild_type if stated.kind is AlterationKind.WILD_TYPE else ():
            if gene in mutated:
                return f"{stated.label} states {gene} without a variant, but {mutated[gene]} is listed; keep the one "\
                    "the report gives"
    if any(a.kind is AlterationKind.TRIPLE_NEGATIVE for a in alterations):
        for a in alterations:
            amplified = a.kind is AlterationKind.AMPLIFICATION and a.gene == "ERBB2"
            measured = a.expression
            if amplified or (measured and any(c and measured.meets(c) for c in _RECEPTOR_POSITIVE)):
                return f"triple-negative states ER, PR and HER2 negative, but {a.label} is listed; keep the one the "\
                    "report gives"
    ish = next((a.expression for a in alterations if a.expression and a.expression.scale is ExpressionScale.ISH), None)
    amplification = next((a for a in alterations if a.kind is AlterationKind.AMPLIFICATION and a.gene == "ERBB2"), None)
    if ish is not None and amplification is not None:
        return (
            f"{ish.marker} {ish.text} states ERBB2 not amplified, but {amplification.label} is listed; keep the one "
            "the report gives"
        )
    kinds = {a.kind for a in alterations}
    if {AlterationKind.CTDNA_POSITIVE, AlterationKind.CTDNA_NEGATIVE} <= kinds:
        return "ctDNA positive and ctDNA negative are both listed; keep the one the latest test gives"
    return None


def batch_profiles(path: Path, knowledge: OncoKnowledge) -> list[TumourProfile]:
    """One profile per case_id of a batch TSV, alterations in file order; a bad row names its line."""
    profiles: dict[str, TumourProfile] = {}
    for row in read_cases(path):
        where = f"line {row.line}"
        try:
            parsed = parse_alteration(row.alteration, gene=row.gene or None, feature_type=row.feature_type)
            parsed = with_origin(parsed, row.origin)
        except ValueError as exc:
            raise InputError(str(exc), source=path, location=where) from exc
        code = tumour_type(row.tumor_type, knowledge, source=path, location=where)
        current = profiles.get(row.case_id)
        if current is None:
            current = TumourProfile(case_id=row.case_id, tumour_type=code)
        elif current.tumour_type != code:
            raise InputError(
                f"case {row.case_id!r} has tumor_type {code} here but {current.tumour_type} earlier",
                source=path,
                location=where,
            )
        for name, value in (("extent", row.extent), ("stage", row.stage)):  # stated once per case, or alike
            earlier = getattr(current, name)
            if value is not None and earlier is not None and value != earlier:
                raise InputError(
                    f"case {row.case_id!r} has {name} {value} here but {earlier} earlier", source=path, location=where
                )
            if value is not None:
                current = current.model_copy(update={name: value})
        problem = wild_type_contradiction([*current.alterations, parsed])
        if problem is not None:
            raise InputError(f"case {row.case_id!r}: {problem}", source=path, location=where)
        profiles[row.case_id] = current.model_copy(update={"alterations": [*current.alterations, parsed]})
    if not profiles:
        raise InputError("no cases in the file", source=path)
    return list(profiles.values())


def onco_engine(ctx: PatientContext) -> EngineRun:
    """Targeted-therapy matching for the record's tumour (plus the tumour VCF's evidence when given)."""
    from tailormed.report.tables import onco_tsv

    skipped = without_tumour(ctx)
    if skipped is not None:
        return skipped
    tumour = ctx.patient.tumour
    knowledge = load_knowledge(ctx.knowledge)
    if tumour is None:
        return EngineRun.skip("targeted therapy matching", "a tumour VCF was given but the record has no tumour type")
    tumour_type(tumour.oncotree_code, knowledge, source=ctx.patient.id, location="tumour.oncotree_code")
    profile = domain.record_profile(ctx.patient.id, tumour, knowledge, None)
    inputs = {"tumour type": profile.tumour_type, "OncoTree release": knowledge.tree.release}
    if profile.extent is not None:
        stage = f"stage {profile.stage}, " if profile.stage else ""
        inputs["extent of disease"] = stage + profile.extent.words
    if ctx.tumour is not None:
        from_vcf, limits, build = vcf_alterations(ctx.tumour, knowledge)
        profile = profile.model_copy(
            update={"alterations": [*profile.alterations, *from_vcf], "not_assessed": [*profile.not_assessed, *limits]}
        )
        inputs["tumour VCF"] = f"{Path(ctx.tumour.source.label).name} ({build})"
    hereditary = ctx.earlier.get("hereditary")
    if hereditary is not None:
        variants = [f.data for f in hereditary.findings if isinstance(f.data, HereditaryVariantData)]
        germline = domain.germline_alterations(variants, knowledge)
        if germline:
            merged = domain.with_germline(profile.alterations, germline)
            profile = profile.model_copy(update={"alterations": merged})
            inputs["germline variants"] = f"{len(germline)} reportable, from the hereditary findings"
    result = match_profile(profile, knowledge)
    findings = findings_from_result(result, knowledge)
    return EngineRun(
        findings=findings,
        limitations=result.not_assessed,
        versions=knowledge.versions(),
        inputs=inputs,
        tables={"onco.tsv": onco_tsv([result])},
    )
