"""The PGx pipeline: knowledge sources, build detection, genotypes at the defining positions, calls and findings.

This wires intake, knowledge and the pure PGx engine together; it reads files, the engine never does. Each PharmCAT
source built into the bundle (``pharmcat-definitions``, ``-phenotypes``, ``-guidelines``) is preferred over the
curated core shipped in the package (``pgx-core-*``), which a fresh install always has. GRCh37 VCFs are read at the
GRCh37 positions PyPGx records for the GRCh38 definition positions and lifted back before matching.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import Field

from tailormed.engines.pgx.findings import PgxKnowledge, PgxResult, analyze_pgx, findings_from_result
from tailormed.engines.pgx.matcher import diplotype_label, match_all
from tailormed.errors import InputError, KnowledgeError
from tailormed.intake.outside_calls import OutsideCalls, apply_outside_calls, read_outside_calls
from tailormed.intake.reader import open_vcf
from tailormed.intake.vcf import extract_genotypes
from tailormed.knowledge import markers, pypgx
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx import dosing, guidelines, interactions, phenotypes
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.base import Contract
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.genotype import BuildDetection, CallState, GenomeBuild, GenotypeCall, Locus, SampleGenotypes
from tailormed.model.patient import Patient
from tailormed.model.pgx import GeneCall, GenePhenotype
from tailormed.pipeline.engine_api import EngineRun, PatientContext, Progress

#: Genes accepted only as outside calls (no VCF definition is used for them by default).
OUTSIDE_ONLY_GENES = ("CYP2D6", "HLA-A", "HLA-B", "MT-RNR1")
#: Columns of the gene-call table (``pgx call`` and ``analyze``'s ``pgx.tsv``).
PGX_FILE = "pgx.tsv"
GENOTYPES_FILE = "genotypes.json"
TSV_COLUMNS = ("sample", "gene", "diplotype", "phenotype", "activity_score", "status", "missing_positions")
#: (role, built PharmCAT source, curated core fallback)
_ROLES = (
    ("definitions", "pharmcat-definitions", "pgx-core-definitions"),
    ("phenotypes", phenotypes.SOURCE, "pgx-core-phenotypes"),
    ("guidelines", guidelines.SOURCE, "pgx-core-guidelines"),
)



class PgxSources(Contract):
    """The bundle sources one PGx run reads, so every output can name them."""

    definitions: str
    phenotypes: str
    guidelines: str
    phenoconversion: str = interactions.SOURCE
    warfarin: str | None = Field(default=None, description="None when the bundle has no warfarin model")

    def names(self) -> list[str]:
        used = [self.definitions, self.phenotypes, self.guidelines, self.phenoconversion]
        return used + ([self.warfarin] if self.warfarin else [])


class PatientPgx(Contract):
    """One patient's PGx run: the genotypes read, the gene calls, the engine's result and its findings."""

    genotypes: SampleGenotypes
    calls: list[GeneCall]
    result: PgxResult
    findings: list[Finding]
    sources: PgxSources
    versions: dict[str, str] = Field(description="Source name -> version of every source used")
    warnings: list[str] = Field(default_factory=list, description="Outside-call lines skipped, and similar")


def pgx_sources(bundle: KnowledgeBundle) -> PgxSources:
    """Per role, the PharmCAT-built source when the bundle has it, else the curated core."""
    chosen: dict[str, str] = {}
    for role, built, core in _ROLES:
        if bundle.has(built):
            chosen[role] = built
        elif bundle.has(core):
            chosen[role] = core
        else:
            raise KnowledgeError(
                f"no PGx {role} in the knowledge bundle (neither {built!r} nor {core!r})", source=bundle.location
            )
    return PgxSources(**chosen, warfarin=dosing.SOURCE if bundle.has(dosing.SOURCE) else None)


def source_versions(bundle: KnowledgeBundle, names: Sequence[str]) -> dict[str, str]:
    """Source name -> version, for the sources a run used."""
    return {name: bundle.source(name).version for name in names}


def load_calling(
    bundle: KnowledgeBundle, sources: PgxSources | None = None
) -> tuple[dict[str, GeneDefinition], PhenotypeKnowledge]:
    """What calling needs: allele definitions and phenotype tables."""
    sources = sources or pgx_sources(bundle)
    return load_definitions(bundle, sources.definitions), phenotypes.load_phenotypes(bundle, sources.phenotypes)


def load_pgx(bundle: KnowledgeBundle) -> tuple[dict[str, GeneDefinition], PgxKnowledge, dict[str, str]]:
    """Definitions, the engine's knowledge, and the versions of the sources they came from."""
    sources = pgx_sources(bundle)
    definitions, tables = load_calling(bundle, sources)
    knowledge = PgxKnowledge(
        phenotypes=tables,
        guidelines=guidelines.load_guidelines(bundle, sources.guidelines),
        phenoconversion=interactions.load_phenoconversion(bundle, sources.phenoconversion),
        warfarin=dosing.load_warfarin(bundle, sources.warfarin) if sources.warfarin else None,
    )
    return definitions, knowledge, source_versions(bundle, sources.names())


def read_outside(
    path: Path | None,
    definitions: Mapping[str, GeneDefinition],
    *,
    tables: PhenotypeKnowledge | None = None,
    lenient: bool = False,
) -> OutsideCalls | None:
    """Outside calls, checked against the genes and allele names the definitions and phenotype tables know."""
    if path is None:
        return None
    names = {gene: {a.name for a in d.named_alleles} for gene, d in definitions.items()}
    known = {gene: set(alleles) for gene, alleles in names.items()}
    for gene, table in (tables.genes if tables is not None else {}).items():
        if table.alleles:
            known.setdefault(gene, set()).update(table.alleles)
    genes = dict.fromkeys([*definitions, *OUTSIDE_ONLY_GENES, *(tables.genes if tables is not None else ())])
    return read_outside_calls(path, known_genes=list(genes), allele_names=names, known_alleles=known, lenient=lenient)


def detect_vcf_build(vcf: Path, override: GenomeBuild | None, bundle: KnowledgeBundle) -> BuildDetection:
    """The VCF's build: the override, else the header, else REF bases at the curated build-marker sites."""
    with open_vcf(vcf) as opened:
        if override is not None or opened.header_build() is not None:
            return opened.detect_build(override=override)
        return opened.detect_build(markers.build_markers(bundle))


def read_pgx_genotypes(
    vcf: Path,
    definitions: Mapping[str, GeneDefinition],
    bundle: KnowledgeBundle,
    *,
    build: BuildDetection,
    samples: Sequence[str] | None = None,
    absent_is_reference: bool = False,
    extra_loci: Sequence[Locus] = (),
    on_progress: Progress | None = None,
) -> dict[str, SampleGenotypes]:
    """Each sample's genotypes at the definition positions (and ``extra_loci``, GRCh38), keyed by GRCh38 site."""
    wanted = _unique([locus for d in definitions.values() for locus in d.loci()] + list(extra_loci))
    loci, back = _loci_in_build(wanted, build.build, bundle)
    per_sample = extract_genotypes(
        vcf,
        loci,
        loci_build=build.build,
        samples=samples,
        build=build.build,
        absent_is_reference=absent_is_reference,
        on_progress=on_progress,
    )
    read = {name: genotypes.model_copy(update={"build": build}) for name, genotypes in per_sample.items()}
    if not back:
        return read
    return {name: _to_grch38(genotypes, back, definitions) for name, genotypes in read.items()}


def call_sample(
    genotypes: SampleGenotypes, definitions: Mapping[str, GeneDefinition], outside: OutsideCalls | None = None
) -> list[GeneCall]:
    """Named-allele calls for every gene, with outside calls replacing (or adding) the genes they name."""
    calls = match_all(definitions, genotypes)
    if outside is not None:
        calls = apply_outside_calls(calls, outside.for_sample(genotypes.sample))
    return calls


def variant_facts(definitions: Mapping[str, GeneDefinition], genotypes: SampleGenotypes) -> dict[str, list[str]]:
    """Gene -> the non-reference genotypes at its defining positions, e.g. ``rs4244285 G/A``."""
    found: dict[str, list[str]] = {}
    for gene, definition in definitions.items():
        for variant in definition.variants:
            call = genotypes.calls.get(variant.key)
            if call is not None and call.state == CallState.VARIANT:
                alleles = "/".join(a if a is not None else "." for a in call.alleles)
                found.setdefault(gene, []).append(f"{variant.rsid or variant.key} {alleles}")
    return found


def warfarin_loci(knowledge: PgxKnowledge) -> list[Locus]:
    """Sites the warfarin dose adjustments read besides the gene definitions (rs12777823)."""
    if knowledge.warfarin is None:
        return []
    sites = [rule.variant for rule in knowledge.warfarin.cpic_2017.adjustments if rule.variant is not None]
    return _unique([Locus(chrom=v.chrom, pos=v.pos, ref=v.ref, alts=(v.alt,), id=v.rsid) for v in sites])


def run_patient_pgx(
    patient: Patient,
    vcf: Path,
    bundle: KnowledgeBundle,
    *,
    outside_calls: Path | None = None,
    absent_is_reference: bool | None = None,
    on: date,
    build: GenomeBuild | None = None,
    on_progress: Progress | None = None,
) -> PatientPgx:
    """The whole PGx pipeline for one patient: genotypes from ``vcf`` to findings.

    The sample is the record's ``genome.sample``, or the VCF's only sample. ``absent_is_reference`` is the user's
    declaration that the VCF is complete; None leaves it to the record's ``genome.absent_is_reference``.
    """
    definitions, knowledge, versions = load_pgx(bundle)
    sources = pgx_sources(bundle)
    outside = read_outside(outside_calls, definitions, tables=knowledge.phenotypes)
    detection = detect_vcf_build(vcf, build, bundle)
    wanted = patient.genome.sample if patient.genome and patient.genome.sample else None
    declared = absent_is_reference
    if declared is None:
        declared = bool(patient.genome and patient.genome.absent_is_reference)
    per_sample = read_pgx_genotypes(
        vcf,
        definitions,
        bundle,
        build=detection,
        samples=[wanted] if wanted else None,
        absent_is_reference=declared,
        extra_loci=warfarin_loci(knowledge),
        on_progress=on_progress,
    )
    if len(per_sample) != 1:
        raise InputError(f"the VCF has {len(per_sample)} samples; name one in the record's genome.sample", source=vcf)
    genotypes = next(iter(per_sample.values()))
    if detection.build is not GenomeBuild.GRCH38:
        versions[pypgx.SOURCE] = bundle.source(pypgx.SOURCE).version
    calls = call_sample(genotypes, definitions, outside)
    sites = {locus.key for locus in warfarin_loci(knowledge)}
    rs_call = next((genotypes.calls[key] for key in sorted(sites) if key in genotypes.calls), None)
    rs_alleles = rs_call.alleles if rs_call is not None and rs_call.is_called else None
    result = analyze_pgx(patient, calls, knowledge, on=on, rs12777823=rs_alleles)
    findings = findings_from_result(result, knowledge, variant_facts(definitions, genotypes))
    return PatientPgx(
        genotypes=genotypes,
        calls=calls,
        result=result,
        findings=findings,
        sources=sources,
        versions=versions,
        warnings=list(outside.warnings) if outside is not None else [],
    )


@dataclass(frozen=True)
class CallRow:
    """One gene call as tables show it: the diplotype label, and phenotype and score from the tables or outside."""

    call: GeneCall
    diplotype: str
    phenotype: str | None
    activity_score: str | None


def call_rows(calls: Sequence[GeneCall], phenotypes: Mapping[str, GenePhenotype]) -> list[CallRow]:
    """One row per gene call; the phenotype tables' result wins over the outside call's own phenotype and score."""
    rows = []
    for call in calls:
        result = phenotypes.get(call.gene)
        rows.append(
            CallRow(
                call=call,
                diplotype=";".join(diplotype_label(d) for d in call.diplotypes),
                phenotype=(result.phenotype if result else None) or call.outside_phenotype,
                activity_score=(result.activity_score if result else None) or call.outside_activity_score,
            )
        )
    return rows


def calls_tsv(samples: Sequence[tuple[Sequence[GeneCall], Mapping[str, GenePhenotype]]]) -> str:
    """The gene-call table of one or more samples as TSV with :data:`TSV_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(TSV_COLUMNS)
    for calls, results in samples:
        for row in call_rows(calls, results):
            writer.writerow(
                (
                    row.call.sample,
                    row.call.gene,
                    row.diplotype,
                    row.phenotype or "",
                    row.activity_score or "",
                    row.call.status.value,
                    ",".join(row.call.missing_positions),
                )
            )
    return buffer.getvalue()


def _unique(loci: Sequence[Locus]) -> list[Locus]:
    seen: dict[str, Locus] = {}
    for locus in loci:
        seen.setdefault(locus.key, locus)
    return list(seen.values())


def _loci_in_build(
    grch38: Sequence[Locus], build: GenomeBuild, bundle: KnowledgeBundle
) -> tuple[list[Locus], dict[str, Locus]]:
    """Sites to read in the VCF's build, and (GRCh37 only) each read site's GRCh38 locus."""
    if build is GenomeBuild.GRCH38:
        return list(grch38), {}
    if not bundle.has(pypgx.SOURCE):
        raise KnowledgeError(
            "GRCh37 input needs the 'pypgx' knowledge source (GRCh37 positions); run 'tailormed kb build'",
            source=bundle.location,
        )
    mapped: dict[str, tuple[str, int, str]] = {}
    for variant in pypgx.pypgx_variants(bundle):
        for v38 in (variant.grch38, *variant.grch38_synonyms):
            mapped.setdefault(v38.key, (variant.grch37.chrom, variant.grch37.pos, variant.grch37.ref))
    loci: list[Locus] = []
    back: dict[str, Locus] = {}
    for locus in grch38:
        target = mapped.get(locus.key)
        if target is None or target[2] != locus.ref:
            continue  # no GRCh37 position with the same reference bases: not callable on GRCh37
        chrom, pos, ref = target
        lifted = Locus(chrom=chrom, pos=pos, ref=ref, alts=locus.alts, id=locus.id)
        loci.append(lifted)
        back[lifted.key] = locus
    return loci, back


def _to_grch38(
    genotypes: SampleGenotypes, back: Mapping[str, Locus], definitions: Mapping[str, GeneDefinition]
) -> SampleGenotypes:
    calls: dict[str, GenotypeCall] = {}
    for key, genotype in genotypes.calls.items():
        target = back.get(key)
        if target is not None:
            calls[target.key] = genotype.model_copy(update={"chrom": target.chrom, "pos": target.pos})
    lifted: Collection[str] = {locus.key for locus in back.values()}
    unmapped = sum(1 for d in definitions.values() for v in d.variants if v.key not in lifted)
    return genotypes.model_copy(
        update={
            "calls": calls,
            "warnings": [
                *genotypes.warnings,
                f"GRCh37 input: read at PyPGx's GRCh37 positions; {unmapped} definition positions have none",
            ],
        }
    )


def pgx_engine(ctx: PatientContext) -> EngineRun:
    """The PGx engine as ``analyze`` runs it: calls, phenotypes, drug findings, ``pgx.tsv`` and ``genotypes.json``."""
    if ctx.vcf is None:
        return EngineRun.skip("pharmacogenomic findings", "no genome VCF was given and the record names none")
    run = run_patient_pgx(
        ctx.patient,
        ctx.vcf,
        ctx.bundle,
        outside_calls=ctx.outside_calls,
        absent_is_reference=ctx.absent_is_reference,
        on=ctx.on,
        build=ctx.build,
        on_progress=ctx.on_progress,
    )
    genotypes = run.genotypes
    inputs = {
        "vcf": genotypes.source,
        "sample": genotypes.sample,
        "build": f"{genotypes.build.build.value} ({genotypes.build.source.value}: {genotypes.build.detail})",
        "absent_is_reference": "true" if genotypes.absent_is_reference else "false",
    }
    if ctx.outside_calls is not None:
        inputs["outside_calls"] = str(ctx.outside_calls)
    limitations = []
    if genotypes.absent_is_reference:
        limitations.append(
            NotAssessed(item="positions absent from the VCF", reason="assumed reference (declared by the user)")
        )
    limitations += [NotAssessed(item="genotypes", reason=warning) for warning in genotypes.warnings]
    limitations += [NotAssessed(item="outside calls", reason=warning) for warning in run.warnings]
    review = run.result.review
    limitations += [
        NotAssessed(item=line.split(": ", 1)[0], reason=line.split(": ", 1)[1])
        for line in [*review.unrecognised, *review.not_in_bundle]
    ]
    return EngineRun(
        findings=run.findings,
        limitations=limitations,
        versions=dict(run.versions),
        inputs=inputs,
        files={
            PGX_FILE: calls_tsv([(run.calls, run.result.phenotypes)]),
            GENOTYPES_FILE: json.dumps(genotypes.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n",
        },
    )

