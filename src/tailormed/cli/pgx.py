"""``tailormed pgx``: pharmacogenomic star-allele calls from a VCF (``call``); reports are wired in beside it.

``pgx call`` reads every sample (or ``--sample``) of a VCF in one pass at the allele-defining positions, runs the
named-allele matcher per gene, lets outside calls override genes, adds phenotype and activity score where the
knowledge has phenotype tables, and writes one row per sample and gene. GRCh37 input is read at the GRCh37
positions PyPGx knows for the GRCh38 definitions; definition positions without one are reported as not callable.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tailormed.cli.console import err, out, progress
from tailormed.engines.pgx.calls import GeneCall
from tailormed.engines.pgx.matcher import diplotype_label, match_all
from tailormed.errors import InputError, KnowledgeError
from tailormed.intake.outside_calls import OutsideCalls, apply_outside_calls, read_outside_calls
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.model.genotype import GenomeBuild, GenotypeCall, Locus, SampleGenotypes

pgx_app = typer.Typer(
    name="pgx",
    help="Pharmacogenomics: star-allele diplotypes, phenotypes and drug guidance from a VCF.",
    no_args_is_help=True,
)

#: Genes accepted only as outside calls (no VCF definition is used for them by default).
OUTSIDE_ONLY_GENES = ("CYP2D6", "HLA-A", "HLA-B", "MT-RNR1")
TSV_COLUMNS = ("sample", "gene", "diplotype", "phenotype", "activity_score", "status", "missing_positions")


class CallFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


@pgx_app.command("call")
def call(
    vcf: Annotated[Path, typer.Argument(help="VCF, bgzipped VCF or BCF; all samples unless --sample is given.")],
    sample: Annotated[list[str] | None, typer.Option("--sample", "-s", help="Sample to call (repeatable).")] = None,
    absent_is_reference: Annotated[
        bool,
        typer.Option(
            "--absent-is-reference",
            help="The VCF is complete (WGS/panel): positions it does not list are reference. Recorded in the output.",
        ),
    ] = False,
    outside_calls: Annotated[
        Path | None,
        typer.Option("--outside-calls", help="TSV of calls from other tools (gene, diplotype, phenotype, score)."),
    ] = None,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="Skip bad outside-call lines with a warning instead of stopping.")
    ] = False,
    build: Annotated[
        GenomeBuild | None,
        typer.Option("--build", case_sensitive=False, help="The VCF's genome build, overriding detection."),
    ] = None,
    kb: Annotated[
        Path | None, typer.Option("--kb", help="Knowledge bundle folder (default: installed bundle).")
    ] = None,
    output_format: Annotated[CallFormat, typer.Option("--format", "-f", help="Output format.")] = CallFormat.TSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
) -> None:
    """Call star-allele diplotypes for every PGx gene in a VCF; one row per sample and gene."""
    from tailormed.knowledge.bundle import load_bundle

    bundle = load_bundle(kb)
    definitions = load_definitions(bundle)
    outside = _outside_calls(outside_calls, definitions, lenient)
    detection_build = _vcf_build(vcf, build, bundle)
    loci, back = _loci(definitions, detection_build, bundle)
    with progress() as bar:
        task = bar.add_task(f"reading {vcf.name}", total=None)
        from tailormed.intake.vcf import extract_genotypes

        per_sample = extract_genotypes(
            vcf,
            loci,
            loci_build=detection_build,
            samples=sample or None,
            build=detection_build,
            absent_is_reference=absent_is_reference,
            on_progress=lambda n: bar.advance(task, n),
        )
    phenotyper = _phenotyper(bundle)
    results: list[tuple[SampleGenotypes, list[GeneCall], dict[str, tuple[str, str]]]] = []
    with progress() as bar:
        task = bar.add_task("calling samples", total=len(per_sample))
        for name, genotypes in per_sample.items():
            genotypes = _to_grch38(genotypes, back, definitions) if back else genotypes
            calls = match_all(definitions, genotypes)
            if outside is not None:
                calls = apply_outside_calls(calls, outside.for_sample(name))
            results.append((genotypes, calls, phenotyper(calls)))
            bar.advance(task)
    if outside is not None:
        for warning in outside.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    versions = {"pharmcat-definitions": next(iter(definitions.values())).version}
    text = _tsv(results) if output_format is CallFormat.TSV else _json(results, versions)
    if output is None:
        out.file.write(text)  # raw: a Rich print would expand the TSV's tabs
        out.file.flush()
    else:
        _write_atomic(output, text)
        err.print(f"wrote {sum(len(c) for _, c, _ in results)} gene calls for {len(results)} samples to {output}")


def _outside_calls(path: Path | None, definitions: Mapping[str, GeneDefinition], lenient: bool) -> OutsideCalls | None:
    if path is None:
        return None
    names = {gene: {a.name for a in d.named_alleles} for gene, d in definitions.items()}
    return read_outside_calls(
        path, known_genes=[*definitions, *OUTSIDE_ONLY_GENES], allele_names=names, lenient=lenient
    )


def _vcf_build(vcf: Path, build: GenomeBuild | None, bundle: Any) -> GenomeBuild:
    if build is not None:
        return build
    from tailormed.intake.reader import open_vcf
    from tailormed.knowledge.markers import build_markers

    with open_vcf(vcf) as opened:
        stated = opened.header_build()
        if stated is not None:
            return stated.build
        return opened.detect_build(build_markers(bundle)).build


def _loci(
    definitions: Mapping[str, GeneDefinition], build: GenomeBuild, bundle: Any
) -> tuple[list[Locus], dict[str, Locus]]:
    """Sites to read in the VCF's build, and (GRCh37 only) each read site's GRCh38 definition locus."""
    grch38 = [locus for d in definitions.values() for locus in d.loci()]
    if build is GenomeBuild.GRCH38:
        return grch38, {}
    from tailormed.knowledge.pypgx import SOURCE, pypgx_variants

    if not bundle.has(SOURCE):
        raise KnowledgeError(
            "GRCh37 input needs the 'pypgx' knowledge source (GRCh37 positions); run 'tailormed kb build'"
        )
    mapped: dict[str, tuple[str, int, str]] = {}
    for variant in pypgx_variants(bundle):
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
    lifted = {locus.key for locus in back.values()}
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


def _phenotyper(bundle: Any) -> Any:
    """Gene calls -> gene -> (phenotype, activity score), or empty columns without phenotype tables."""
    from tailormed.knowledge.pgx.phenotypes import SOURCE, load_phenotypes

    if not bundle.has(SOURCE):
        return lambda calls: {}
    from tailormed.engines.pgx.phenotype import phenotype_all

    knowledge = load_phenotypes(bundle)

    def phenotype(calls: Sequence[GeneCall]) -> dict[str, tuple[str, str]]:
        return {
            gene: (result.phenotype or "", result.activity_score or "")
            for gene, result in phenotype_all(calls, knowledge).items()
        }

    return phenotype


def _label(call: GeneCall) -> str:
    return ";".join(diplotype_label(d) for d in call.diplotypes)


def _tsv(results: Sequence[tuple[SampleGenotypes, list[GeneCall], dict[str, tuple[str, str]]]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(TSV_COLUMNS)
    for _genotypes, calls, phenotypes in results:
        for gene_call in calls:
            phenotype, score = phenotypes.get(gene_call.gene, ("", ""))
            if gene_call.outside_activity_score and not score:
                score = gene_call.outside_activity_score
            writer.writerow(
                (
                    gene_call.sample,
                    gene_call.gene,
                    _label(gene_call),
                    phenotype or gene_call.outside_phenotype or "",
                    score,
                    gene_call.status.value,
                    ",".join(gene_call.missing_positions),
                )
            )
    return buffer.getvalue()


def _json(
    results: Sequence[tuple[SampleGenotypes, list[GeneCall], dict[str, tuple[str, str]]]], versions: dict[str, str]
) -> str:
    samples = []
    for genotypes, calls, phenotypes in results:
        genes = []
        for gene_call in calls:
            phenotype, score = phenotypes.get(gene_call.gene, ("", ""))
            genes.append(
                {
                    **gene_call.model_dump(mode="json"),
                    "diplotype": _label(gene_call),
                    "phenotype": phenotype or gene_call.outside_phenotype,
                    "activity_score": score or gene_call.outside_activity_score,
                }
            )
        samples.append(
            {
                "sample": genotypes.sample,
                "source": genotypes.source,
                "build": genotypes.build.model_dump(mode="json"),
                "absent_is_reference": genotypes.absent_is_reference,
                "warnings": genotypes.warnings,
                "genes": genes,
            }
        )
    return json.dumps({"knowledge": versions, "samples": samples}, indent=1, ensure_ascii=False) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    if path.parent and not path.parent.is_dir():
        raise InputError("output folder does not exist", source=path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
