"""``tailormed prs``: polygenic scores from a VCF (``score``) and their ancestry normalization (``adjust``).

``prs score`` matches each scoring file to the VCF with pgsc_calc's default rules, sums dosages per sample like
``plink2 --score`` (from a VCF, a PLINK 2 fileset, or a BGEN file's calls or imputed dosages) and writes one row per
sample and score (``IID PGS SUM DENOM AVG`` plus match statistics). With
``--absent-is-reference`` a scored site the VCF does not list counts as homozygous reference; its reference allele
comes from ``--reference FASTA`` (or the knowledge bundle), and the command refuses when it is unknown. A score
whose matched share is below ``--min-overlap`` stops the command with the numbers. The work is done by
:mod:`tailormed.pipeline.prs`; this module declares the options (``score``'s steps are in
:mod:`tailormed.cli.prs_score`, which a plain command line reaches without Typer) and renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tailormed.cli.console import err, out, progress
from tailormed.cli.options import AbsentIsReferenceOption, BuildOption, KbOption
from tailormed.cli.prs_score import ScoreFormat, keep_freed_memory
from tailormed.fileio import write_text_atomic

__all__ = ["keep_freed_memory", "prs_app"]

prs_app = typer.Typer(
    rich_markup_mode=None,
    name="prs",
    help="Polygenic scores: PGS Catalog scoring files on a VCF, with pgsc_calc's matching and ancestry adjustment.",
    no_args_is_help=True,
)


@prs_app.command("score")
def score(
    scoring: Annotated[
        list[Path], typer.Option("--scoring", help="PGS Catalog scoring file (repeatable); harmonized hmPOS preferred.")
    ],
    vcf: Annotated[
        Path | None, typer.Argument(help="VCF, bgzipped VCF or BCF; all samples unless --sample is given.")
    ] = None,
    pgen: Annotated[
        Path | None,
        typer.Option("--pgen", help="PLINK 2 fileset prefix (.pgen/.pvar/.psam) instead of a VCF; needs --build."),
    ] = None,
    bgen: Annotated[
        Path | None,
        typer.Option(
            "--bgen",
            help="BGEN file (first allele the reference; imputed dosages scored) instead of a VCF; needs --build.",
        ),
    ] = None,
    bgen_sample: Annotated[
        Path | None,
        typer.Option(
            "--bgen-sample",
            help="Oxford .sample file of --bgen (default: FILE.sample beside it, else the IDs stored in the BGEN).",
        ),
    ] = None,
    sample: Annotated[list[str] | None, typer.Option("--sample", "-s", help="Sample to score (repeatable).")] = None,
    absent_is_reference: AbsentIsReferenceOption = False,
    reference: Annotated[
        Path | None,
        typer.Option(
            "--reference",
            help="Reference genome FASTA of the VCF's build: with --absent-is-reference, the reference allele of "
            "scored sites the VCF does not list.",
        ),
    ] = None,
    min_overlap: Annotated[
        float | None,
        typer.Option(
            "--min-overlap",
            min=0.0,
            max=1.0,
            help="Minimum share of a score's variants that must match (default: 0.75, as pgsc_calc).",
        ),
    ] = None,
    keep_ambiguous: Annotated[
        bool, typer.Option("--keep-ambiguous", help="Keep strand-ambiguous (A/T, C/G) matches.")
    ] = False,
    keep_multiallelic: Annotated[
        bool, typer.Option("--keep-multiallelic", help="Keep matches at multi-allelic sites.")
    ] = False,
    build: BuildOption = None,
    kb: KbOption = None,
    output_format: Annotated[ScoreFormat, typer.Option("--format", "-f", help="Output format.")] = ScoreFormat.TSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    match_log: Annotated[
        Path | None, typer.Option("--match-log", help="Also write the per-variant match log (TSV) here.")
    ] = None,
) -> None:
    """Score every sample of a VCF, PLINK 2 fileset or BGEN with PGS Catalog scoring files (a row per sample, score)."""
    from tailormed.cli import prs_score

    prs_score.score(
        scoring=scoring,
        vcf=vcf,
        pgen=pgen,
        bgen=bgen,
        bgen_sample=bgen_sample,
        sample=sample,
        absent_is_reference=absent_is_reference,
        reference=reference,
        min_overlap=min_overlap,
        keep_ambiguous=keep_ambiguous,
        keep_multiallelic=keep_multiallelic,
        build=build,
        kb=kb,
        output_format=output_format,
        output=output,
        match_log=match_log,
    )


@prs_app.command("adjust")
def adjust(
    scores: Annotated[
        Path,
        typer.Option("--scores", help="Score table with IID, PGS, SUM (pgsc_calc aggregated_scores or prs score)."),
    ],
    ref_pcs: Annotated[Path, typer.Option("--ref-pcs", help="Reference panel PCs (FRAPOSA .pcs: FID IID PC1..).")],
    target_pcs: Annotated[Path, typer.Option("--target-pcs", help="Target PCs projected into the same space.")],
    psam: Annotated[Path, typer.Option("--psam", help="Reference .psam with the population labels.")],
    related: Annotated[
        Path | None, typer.Option("--related", help="Related reference samples (excluded from training).")
    ] = None,
    pop_label: Annotated[str, typer.Option("--pop-label", help="Population column of the .psam.")] = "SuperPop",
    reference_set: Annotated[
        str | None, typer.Option("--reference-set", help="sampleset value of reference rows in --scores.")
    ] = None,
    target_set: Annotated[
        str | None, typer.Option("--target-set", help="sampleset value of target rows in --scores.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
) -> None:
    """Ancestry-adjust scores like pgsc_calc: most similar population, its percentile, Z_norm1 and Z_norm2."""
    from tailormed.pipeline import prs
    from tailormed.report import tables

    inputs = prs.AdjustInputs(
        reference_pcs=ref_pcs,
        target_pcs=target_pcs,
        scores=scores,
        psam=psam,
        related=related,
        population_column=pop_label,
        reference_set=reference_set,
        target_set=target_set,
    )
    with progress() as bar:
        bar.add_task("fitting ancestry models", total=None)
        results = prs.adjust_scores(inputs)
    text = tables.adjusted_tsv(results)
    for pgs, adjusted, _ in results:
        counts: dict[str, int] = {}
        for label in adjusted.most_similar:
            counts[label] = counts.get(label, 0) + 1
        shown = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        err.print(f"{pgs}: {len(adjusted.ids)} targets; most similar population: {shown}", highlight=False)
    if output is None:
        out.file.write(text)
        out.file.flush()
    else:
        write_text_atomic(output, text)
        err.print(f"wrote {sum(len(a.ids) for _, a, _ in results)} rows to {output}")
