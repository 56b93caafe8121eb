r"""The PGx engine entry: knowledge sources, the loci it asks the evidence stage for, calls and findings.

Each PharmCAT source built into the bundle (``pharmcat-definitions``, ``-phenotypes``, ``-guidelines``) is preferred
over the curated core shipped in the package (``pgx-core-*``), which a fresh install always has. The definitions are
GRCh38; a GRCh37 genome is read at the GRCh37 positions PyPGx (or, without it, the curated build markers) records
for them, with the GRCh37 reference bases — which at a few sites (CYP3A5 rs776746, where GRCh37 carries \*3) are not
the GRCh38 ones — and the calls are filed back under the GRCh38 definition positions before matching. Each gene's
region (its defining positions widened by ``GENE_REGION_PAD``) tells whether a VCF declared complete covers the gene
at all; a gene without a single record there is not called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from pydantic import Field

from tailormed.engines.pgx.copy_number import combine, outside_conflict, without_reads
from tailormed.engines.pgx.findings import PgxKnowledge, PgxResult, analyze_pgx, findings_from_result
from tailormed.engines.pgx.matcher import match_all
from tailormed.errors import KnowledgeError
from tailormed.evidence.read import GenomeBatch, read_genomes
from tailormed.intake.outside_calls import OutsideCalls, apply_outside_calls, read_outside_calls
from tailormed.knowledge import markers, pypgx
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx import copy_number, core_sources, dosing, guidelines, interactions, phenotypes
from tailormed.knowledge.pgx.copy_number import CopyNumberKnowledge
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.knowledge.pgx.pypgx_tables import can_phenotype, pypgx_table
from tailormed.model.base import Contract
from tailormed.model.engine import EngineRun
from tailormed.model.evidence import (
    AbsentPolicy,
    BuildLoci,
    GeneRegion,
    GenomeEvidence,
    GenomeRequest,
    RegionCoverage,
    gene_regions,
)
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.genotype import CallState, GenomeBuild, GenotypeCall, Locus, SampleGenotypes
from tailormed.model.patient import Patient
from tailormed.model.pgx import CallOrigin, CallStatus, GeneCall
from tailormed.pipeline.engine_api import EngineSpec, PatientContext, Progress

#: Genes accepted only as outside calls (no VCF definition is used for them by default).
OUTSIDE_ONLY_GENES = ("HLA-A", "HLA-B", "MT-RNR1")
#: The evidence consumer name of the PGx loci.
CONSUMER = "pgx"
PGX_FILE = "pgx.tsv"
#: (role, built PharmCAT source, curated core fallback)
_ROLES = (
    ("definitions", "pharmcat-definitions", "pgx-core-definitions"),
    ("phenotypes", phenotypes.SOURCE, core_sources.PHENOTYPES),
    ("guidelines", guidelines.SOURCE, "pgx-core-guidelines"),
)


class PgxSources(Contract):
    """The bundle sources one PGx run reads, so every output can name them."""

    definitions: str
    phenotypes: str
    guidelines: str
    phenoconversion: str = interactions.SOURCE
    warfarin: str | None = Field(default=None, description="None when the bundle has no warfarin model")
    phenotype_fallback: str | None = Field(
        default=None,
        description="The curated core's phenotype tables, for genes the built phenotype source has no table for",
    )
    phenotype_pypgx: str | None = Field(
        default=None,
        description="PyPGx's diplotype table, for defined genes no other table can phenotype (RYR1, IFNL3)",
    )

    def names(self) -> list[str]:
        used = [self.definitions, self.phenotypes, self.guidelines, self.phenoconversion]
        return used + [name for name in (self.warfarin, self.phenotype_fallback, self.phenotype_pypgx) if name]


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
    core_tables = core_sources.PHENOTYPES
    fallback = core_tables if chosen["phenotypes"] != core_tables and bundle.has(core_tables) else None
    return PgxSources(
        **chosen,
        warfarin=dosing.SOURCE if bundle.has(dosing.SOURCE) else None,
        phenotype_fallback=fallback,
        phenotype_pypgx=pypgx.SOURCE if bundle.has(pypgx.SOURCE) else None,
    )


def source_versions(bundle: KnowledgeBundle, names: Sequence[str]) -> dict[str, str]:
    """Source name -> version, for the sources a run used."""
    return {name: bundle.source(name).version for name in names}


def load_calling(
    bundle: KnowledgeBundle, sources: PgxSources | None = None
) -> tuple[dict[str, GeneDefinition], PhenotypeKnowledge]:
    """What calling needs: allele definitions and phenotype tables. A gene the built tables cannot phenotype takes
    the curated core's table (G6PD, absent from PharmCAT's phenotype files here), else PyPGx's diplotype rows (RYR1,
    which the core knows only as an outside phenotype; IFNL3, whose PharmCAT file has no diplotype table)."""
    sources = sources or pgx_sources(bundle)
    definitions = load_definitions(bundle, sources.definitions)
    genes = dict(phenotypes.load_phenotypes(bundle, sources.phenotypes).genes)
    if sources.phenotype_fallback is not None:
        core = phenotypes.load_phenotypes(bundle, sources.phenotype_fallback)
        for gene, table in core.genes.items():
            if gene not in genes or (can_phenotype(table) and not can_phenotype(genes[gene])):
                genes[gene] = table
    if sources.phenotype_pypgx is not None:
        rows = pypgx.pypgx_diplotypes(bundle)
        version = bundle.source(sources.phenotype_pypgx).version
        for gene, definition in definitions.items():
            if gene in rows and not can_phenotype(genes.get(gene)):
                from_pypgx = pypgx_table(definition, rows[gene], genes.get(gene), version)
                if from_pypgx is not None:
                    genes[gene] = from_pypgx
    return definitions, PhenotypeKnowledge(source=sources.phenotypes, genes=genes)


def load_pgx(bundle: KnowledgeBundle) -> tuple[dict[str, GeneDefinition], PgxKnowledge, dict[str, str]]:
    """Definitions, the engine's knowledge, and the versions of the sources they came from (loaded once a bundle)."""
    definitions, knowledge, versions = bundle.loaded(("pgx",), lambda: _load_pgx(bundle))
    return definitions, knowledge, dict(versions)


def _load_pgx(bundle: KnowledgeBundle) -> tuple[dict[str, GeneDefinition], PgxKnowledge, dict[str, str]]:
    sources = pgx_sources(bundle)
    definitions, tables = load_calling(bundle, sources)
    knowledge = PgxKnowledge(
        phenotypes=tables,
        guidelines=guidelines.load_guidelines(bundle, sources.guidelines),
        phenoconversion=interactions.load_phenoconversion(bundle, sources.phenoconversion),
        warfarin=dosing.load_warfarin(bundle, sources.warfarin) if sources.warfarin else None,
        copy_number=copy_number.load_copy_number(bundle),
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


def pgx_request(
    bundle: KnowledgeBundle, definitions: Mapping[str, GeneDefinition], extra_loci: Sequence[Locus] = ()
) -> GenomeRequest:
    """The definition positions (and ``extra_loci``) in GRCh38 and, where the knowledge places them, GRCh37."""
    groups = [(gene, d.loci()) for gene, d in definitions.items()]
    groups += [(locus.id or locus.key, [locus]) for locus in extra_loci]
    grch38 = _unique([locus for _, loci in groups for locus in loci])
    per_build = {GenomeBuild.GRCH38: BuildLoci(loci=grch38, regions=gene_regions(groups))}
    lifted = grch37_forms(bundle)
    back: dict[str, Locus] = {}
    groups37: list[tuple[str, list[Locus]]] = []
    for name, loci in groups:
        read37 = []
        for locus in loci:
            found = lift_to_grch37(locus, lifted)
            if found is not None:
                back[found.key] = locus
                read37.append(found)
        if read37:
            groups37.append((name, read37))
    if back:
        loci37 = _unique([locus for _, loci in groups37 for locus in loci])
        per_build[GenomeBuild.GRCH37] = BuildLoci(loci=loci37, report_as=back, regions=gene_regions(groups37))
    regions: dict[GenomeBuild, list[GeneRegion]] = {}
    for gene, rules in copy_number.load_copy_number(bundle).genes.items():
        if gene in definitions:
            for build, region in rules.regions.items():
                regions.setdefault(build, []).append(GeneRegion(name=gene, **region.model_dump()))
    return GenomeRequest(loci={CONSUMER: per_build}, copy_number=regions)


def genome_request(patient: Patient, bundle: KnowledgeBundle) -> GenomeRequest:
    """What the PGx engine reads from a genome: every definition position and the warfarin extra sites."""
    return genome_request_for(bundle)


def genome_request_for(bundle: KnowledgeBundle) -> GenomeRequest:
    """The PGx loci of a bundle and the build markers, for reading a genome with the PGx engine alone."""
    definitions, knowledge, _ = load_pgx(bundle)
    request = pgx_request(bundle, definitions, warfarin_loci(knowledge))
    return request.merged(GenomeRequest(markers=markers.build_markers(bundle)))


def read_pgx_batch(
    vcf: Path,
    bundle: KnowledgeBundle,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    absent_is_reference: bool = False,
    on_progress: Progress | None = None,
) -> GenomeBatch:
    """Every sample's PGx evidence from one pass (``pgx call``): the definition and warfarin sites, build markers."""
    request = genome_request_for(bundle)
    absent = AbsentPolicy.resolve(True if absent_is_reference else None, None)
    return read_genomes(vcf, request, samples=samples, build=build, absent=absent, on_progress=on_progress)


def call_sample(
    genotypes: SampleGenotypes,
    definitions: Mapping[str, GeneDefinition],
    outside: OutsideCalls | None = None,
    copy_numbers: CopyNumberKnowledge | None = None,
    matched: Sequence[GeneCall] | None = None,
) -> list[GeneCall]:
    """Named-allele calls for every gene, with outside calls replacing (or adding) the genes they name.

    ``matched`` are the matcher's calls when they were made already (for a cohort block at once). An outside call
    for a gene with deletions and duplications (CYP2D6) still wins, but when the VCF's SNVs and indels cannot be
    that call, the call carries the conflict.
    """
    matched = list(matched) if matched is not None else match_all(definitions, genotypes)
    if outside is None:
        return matched
    calls = apply_outside_calls(matched, outside.for_sample(genotypes.sample))
    by_gene = {c.gene: c for c in matched}
    marked = []
    for call in calls:
        rules = copy_numbers.gene(call.gene) if copy_numbers is not None else None
        vcf = by_gene.get(call.gene)
        if rules is not None and vcf is not None and call.origin is CallOrigin.OUTSIDE_CALL:
            known = {a.name for a in definitions[call.gene].named_alleles}
            conflict = outside_conflict(call, vcf, known, rules)
            if conflict is not None:
                call = call.model_copy(update={"conflict": conflict})
        marked.append(call)
    return marked


def evidence_calls(
    evidence: GenomeEvidence,
    definitions: Mapping[str, GeneDefinition],
    outside: OutsideCalls | None = None,
    copy_numbers: CopyNumberKnowledge | None = None,
    matched: Sequence[GeneCall] | None = None,
) -> tuple[SampleGenotypes, list[GeneCall]]:
    """The sample's PGx genotypes and gene calls from its evidence (``matched``: the matcher's calls, when made).

    A gene whose region holds no record in a VCF declared complete is not called, and its call says why.
    """
    genotypes = evidence.sample_genotypes(CONSUMER)
    if evidence.build.build is GenomeBuild.GRCH37 and evidence.has(CONSUMER):
        unmapped = sum(1 for d in definitions.values() for v in d.variants if v.key not in genotypes.calls)
        note = f"GRCh37 input: read at the knowledge's GRCh37 positions; {unmapped} definition positions have none"
        genotypes = genotypes.model_copy(update={"warnings": [*genotypes.warnings, note]})
    calls = call_sample(genotypes, definitions, outside, copy_numbers, matched)
    return genotypes, finish_calls(calls, definitions, genotypes.calls, evidence, copy_numbers)


def finish_calls(
    calls: Sequence[GeneCall],
    definitions: Mapping[str, GeneDefinition],
    reads: Mapping[str, GenotypeCall],
    evidence: GenomeEvidence,
    copy_numbers: CopyNumberKnowledge | None,
) -> list[GeneCall]:
    """Gene calls with what the rest of the evidence adds: measured copy numbers, copy-number genes without a read
    position, alleles that could not be tested, genes without a record in a VCF declared complete.

    Each call is finished on its own, from its gene's genotype ``reads`` (position key -> call) and the evidence's
    copy-number records, coverage and absent-site policy, so a cohort can finish each distinct call once.
    """
    if copy_numbers is not None:
        if evidence.copy_number:
            calls = [_with_measured_copies(call, evidence, copy_numbers) for call in calls]
        calls = [_unless_unread(call, definitions, reads, copy_numbers) for call in calls]
    calls = [_with_untested(call, definitions.get(call.gene)) for call in calls]
    uncovered = {region.name: region for region in evidence.uncovered(CONSUMER)}
    if not evidence.absent.absent_is_reference or not uncovered:
        return list(calls)
    marked = []
    for call in calls:
        region = uncovered.get(call.gene)
        if region is not None and call.origin is CallOrigin.MATCHER and call.copy_number is None:
            reason = not_covered(region)
            call = call.model_copy(update={"status": CallStatus.NO_CALL, "diplotypes": [], "warnings": [reason]})
        marked.append(call)
    return marked


def _with_untested(call: GeneCall, definition: GeneDefinition | None) -> GeneCall:
    """A matcher call with the named alleles it could not test (every position that defines them not called), and
    the called alleles such an allele could stand in for.

    The matcher (like PharmCAT's) drops such alleles, so the call cannot exclude them; the phenotype step works out
    whether they would change the result. An untested allele reads as the reference at every called position, so it
    can take the place only of a called allele that does too (the reference allele, typically): an allele seen
    through an ALT stays, and a heterozygous variant fixes one haplotype.
    """
    if definition is None or call.origin is not CallOrigin.MATCHER or not call.diplotypes or not call.missing_positions:
        return call
    missing = set(call.missing_positions)
    ignored = set(definition.exemptions.ignored_alleles)
    untested = {}
    for allele in definition.named_alleles:
        if allele.is_reference or allele.structural or allele.name in ignored or not allele.defined:
            continue
        labels = [definition.variants[i].label for i, _ in allele.defined]
        if all(label in missing for label in labels):
            untested[allele.name] = labels
    if not untested:
        return call
    return call.model_copy(update={"untested": untested, "replaceable": _replaceable(call, definition, missing)})


def _replaceable(call: GeneCall, definition: GeneDefinition, missing: set[str]) -> list[str]:
    """The call's alleles that read as the reference at every called position they define."""
    by_name = {allele.name: allele for allele in definition.named_alleles}
    reference = definition.reference.alleles
    names = dict.fromkeys(name for d in call.diplotypes for name in (d.allele1, d.allele2) if name)
    return [
        name
        for name in names
        if (allele := by_name.get(name)) is not None
        and all(cell == reference[i] for i, cell in allele.defined if definition.variants[i].label not in missing)
    ]


def _unless_unread(
    call: GeneCall,
    definitions: Mapping[str, GeneDefinition],
    reads: Mapping[str, GenotypeCall],
    copy_numbers: CopyNumberKnowledge,
) -> GeneCall:
    """A copy-number gene (CYP2D6) with no genotype read at any position is not called, not taken as reference."""
    rules = copy_numbers.gene(call.gene)
    definition = definitions.get(call.gene)
    if rules is None or definition is None:
        return call
    return without_reads(call, [v.key for v in definition.variants], reads, rules)


def _with_measured_copies(call: GeneCall, evidence: GenomeEvidence, copy_numbers: CopyNumberKnowledge) -> GeneCall:
    """A VCF call combined with the copy number the VCF's own copy-number records state over the whole gene.

    Records over part of the gene (a hybrid gene, or a caller's partial segment) or disagreeing records are not
    combined; the call keeps its range and says why.
    """
    rules = copy_numbers.gene(call.gene)
    region = rules.regions.get(evidence.build.build) if rules is not None else None
    records = [r for r in evidence.copy_number if r.gene == call.gene]
    if rules is None or region is None or not records:
        return call
    whole = [r for r in records if r.start <= region.start and r.end >= region.end and r.copies is not None]
    notes = [
        f"copy-number record {r.kind} at {r.where} covers only part of {call.gene} ({r.start}-{r.end}); not used"
        for r in records
        if not (r.start <= region.start and r.end >= region.end)
    ]
    notes += [
        f"copy-number record {r.kind} at {r.where} states no copy number for this sample"
        for r in records
        if r.copies is None and r.start <= region.start and r.end >= region.end
    ]
    values = sorted({r.copies for r in whole if r.copies is not None})
    if len(values) > 1:
        notes.append(f"copy-number records over {call.gene} disagree ({', '.join(map(str, values))} copies); not used")
    call = call.model_copy(update={"warnings": [*call.warnings, *notes]})
    if len(values) != 1:
        return call
    first = next(r for r in whole if r.copies == values[0])
    return combine(call, values[0], f"VCF {first.kind} record at {first.where}", rules)


def not_covered(region: RegionCoverage) -> str:
    """Why a gene (or site) of a VCF declared complete is not called: the file has nothing in its region."""
    return (
        f"not called: the VCF is declared complete but has no record at all in {region.chrom}:{region.start}-"
        f"{region.end} (the region of {region.name}), so its positions cannot be assumed reference"
    )


def variant_facts(definitions: Mapping[str, GeneDefinition], genotypes: SampleGenotypes) -> dict[str, list[str]]:
    """Gene -> the non-reference genotypes at its defining positions, e.g. ``rs4244285 G/A``."""
    places = _defining_places(definitions)
    facts: list[tuple[int, str, str]] = []
    for key, call in genotypes.calls.items():
        if call.state is CallState.VARIANT and key in places:
            alleles = "/".join(a if a is not None else "." for a in call.alleles)
            facts += [(order, gene, f"{name} {alleles}") for order, gene, name in places[key]]
    found: dict[str, list[str]] = {}
    for _, gene, fact in sorted(facts):
        found.setdefault(gene, []).append(fact)
    return found


def _defining_places(definitions: Mapping[str, GeneDefinition]) -> dict[str, list[tuple[int, str, str]]]:
    """Position key -> (order in the definitions, gene, rsid or key) of every definition variant there, kept per
    definitions object (a person has a call at few of the positions; looking each one up costs more)."""
    held = _PLACES.get(id(definitions))
    if held is not None and held[0] is definitions:
        return held[1]
    places: dict[str, list[tuple[int, str, str]]] = {}
    order = 0
    for gene, definition in definitions.items():
        for variant in definition.variants:
            places.setdefault(variant.key, []).append((order, gene, variant.rsid or variant.key))
            order += 1
    _PLACES.clear()
    _PLACES[id(definitions)] = (definitions, places)
    return places


_PLACES: dict[int, tuple[Mapping[str, GeneDefinition], dict[str, list[tuple[int, str, str]]]]] = {}


def warfarin_loci(knowledge: PgxKnowledge) -> list[Locus]:
    """Sites the warfarin dose adjustments read besides the gene definitions (rs12777823)."""
    if knowledge.warfarin is None:
        return []
    sites = [rule.variant for rule in knowledge.warfarin.cpic_2017.adjustments if rule.variant is not None]
    return _unique([Locus(chrom=v.chrom, pos=v.pos, ref=v.ref, alts=(v.alt,), id=v.rsid) for v in sites])


def patient_pgx(
    patient: Patient,
    evidence: GenomeEvidence,
    bundle: KnowledgeBundle,
    *,
    outside: OutsideCalls | None = None,
    on: date,
    matched: Sequence[GeneCall] | None = None,
) -> PatientPgx:
    """The whole PGx engine for one patient, from the genome evidence to findings.

    ``matched`` are the matcher's calls for every gene when they were made for many people at once.
    """
    definitions, knowledge, _ = load_pgx(bundle)
    sources = pgx_sources(bundle)
    genotypes, calls = evidence_calls(evidence, definitions, outside, knowledge.copy_number, matched)
    versions = run_versions(bundle, evidence.build.build)
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


def run_versions(bundle: KnowledgeBundle, build: GenomeBuild | None) -> dict[str, str]:
    """The versions of the sources a PGx run on a genome of ``build`` uses (GRCh37: also what placed its sites)."""
    versions = load_pgx(bundle)[2]
    if build is GenomeBuild.GRCH37:
        lifted_by = pypgx.SOURCE if bundle.has(pypgx.SOURCE) else markers.SOURCE
        versions[lifted_by] = bundle.source(lifted_by).version
    return versions


def run_patient_pgx(
    patient: Patient,
    vcf: Path,
    bundle: KnowledgeBundle,
    *,
    outside_calls: Path | None = None,
    absent_is_reference: bool | None = None,
    build: GenomeBuild | None = None,
    on: date,
    on_progress: Progress | None = None,
) -> PatientPgx:
    """The PGx engine for one patient's VCF: the genome read as ``analyze`` reads it (PGx loci only), then called.

    ``absent_is_reference`` None leaves the choice to the record; ``outside_calls`` is a TSV of calls from other tools.
    """
    from tailormed.pipeline.analyze import read_patient_genome

    evidence = read_patient_genome(
        vcf,
        patient,
        bundle,
        engines=["pgx"],
        build=build,
        absent_is_reference=absent_is_reference,
        on_progress=on_progress,
    )
    outside = None
    if outside_calls is not None:
        definitions, tables = load_calling(bundle)
        outside = read_outside(outside_calls, definitions, tables=tables)
    return patient_pgx(patient, evidence, bundle, outside=outside, on=on)


def _unique(loci: Sequence[Locus]) -> list[Locus]:
    seen: dict[str, Locus] = {}
    for locus in loci:
        seen.setdefault(locus.key, locus)
    return list(seen.values())


#: GRCh38 ``chrom:pos`` -> the GRCh37 forms the knowledge gives for variants there: (GRCh38 REF, GRCh37 position,
#: GRCh37 REF). One position can carry several forms (an insertion and a deletion, each anchored its own way).
Lift = dict[str, list[tuple[str, int, str]]]


def grch37_forms(bundle: KnowledgeBundle) -> Lift:
    """The GRCh37 forms of GRCh38 sites: from PyPGx when built (SNVs and indels), else the build markers (SNVs) and
    the core's GRCh37 forms of its genes' variants (SNVs and indels, from the same PyPGx table)."""
    lifted: Lift = {}
    if bundle.has(pypgx.SOURCE):
        for variant in pypgx.pypgx_variants(bundle):
            for v38 in (variant.grch38, *variant.grch38_synonyms):
                form = (v38.ref, variant.grch37.pos, variant.grch37.ref)
                if form not in lifted.setdefault(v38.key, []):
                    lifted[v38.key].append(form)
        return lifted
    for marker in [*markers.build_markers(bundle), *markers.grch37_forms(bundle)]:
        form = (marker.grch38_ref, marker.grch37_pos, marker.grch37_ref)
        if form not in lifted.setdefault(f"{marker.chrom}:{marker.grch38_pos}", []):
            lifted[f"{marker.chrom}:{marker.grch38_pos}"].append(form)
    return lifted


def lift_to_grch37(locus: Locus, lifted: Lift) -> Locus | None:
    """The GRCh37 site of a GRCh38 locus, with GRCh37's REF; None when the knowledge has no form that fits.

    A form with the locus's own REF in both builds maps position only. Where the builds' reference bases differ at an
    SNV (CYP3A5 rs776746: GRCh38 T, GRCh37 C), the GRCh37 REF is another of the locus's alleles and the rest become
    the ALTs, so a GRCh37 ``0/0`` reads as C/C (``*3/*3``). Indels anchored differently in the two builds are not
    lifted.
    """
    forms = [(pos, ref) for ref38, pos, ref in lifted.get(locus.key, ()) if ref38 == locus.ref]
    for pos, ref in forms:
        if ref == locus.ref:
            return Locus(chrom=locus.chrom, pos=pos, ref=ref, alts=locus.alts, id=locus.id)
    alleles = (locus.ref, *locus.alts)
    for pos, ref in forms:
        if len(ref) == 1 and all(len(a) == 1 for a in alleles) and ref in alleles:
            return Locus(chrom=locus.chrom, pos=pos, ref=ref, alts=tuple(a for a in alleles if a != ref), id=locus.id)
    return None


def pgx_engine(ctx: PatientContext) -> EngineRun:
    """The PGx engine as an analysis runs it: calls, phenotypes, drug findings and ``pgx.tsv``."""
    from tailormed.report.tables import calls_tsv

    item = "pharmacogenomic findings"
    evidence = ctx.evidence
    if evidence is None:
        return ctx.genome_missing(item)
    if not evidence.has(CONSUMER):
        return EngineRun.skip(item, next(w for w in evidence.warnings if w.startswith(f"{CONSUMER}:")))
    run = patient_pgx(
        ctx.patient, evidence, ctx.knowledge, outside=ctx.outside_calls, on=ctx.on, matched=ctx.pgx_calls
    )
    genotypes = run.genotypes
    inputs = {
        "vcf": evidence.source.label,
        "sample": evidence.sample,
        "build": evidence.build.described,
        "absent_is_reference": "true" if evidence.absent.absent_is_reference else "false",
    }
    if ctx.outside_calls is not None:
        inputs["outside_calls"] = ctx.outside_calls.source
    limitations = []
    if evidence.absent.absent_is_reference:
        limitations.append(
            NotAssessed(item="positions absent from the VCF", reason="assumed reference (declared by the user)")
        )
    if evidence.absent.absent_is_reference:
        limitations += [
            NotAssessed(item=f"{region.name} genotype", reason=not_covered(region))
            for region in evidence.uncovered(CONSUMER)
        ]
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
        tables={PGX_FILE: calls_tsv([(run.calls, run.result.phenotypes)])},
    )


ENGINE = EngineSpec(name="pgx", run=pgx_engine, genome=genome_request)
