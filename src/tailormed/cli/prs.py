"""``tailormed prs``: polygenic scores from a VCF (``score``) and their ancestry normalization (``adjust``).

``prs score`` matches each scoring file to the VCF with pgsc_calc's default rules, sums dosages per sample like
``plink2 --score`` (from a VCF, a PLINK 2 fileset, or a BGEN file's calls or imputed dosages) and writes one row per
sample and score (``IID PGS SUM DENOM AVG`` plus match statistics). With
``--absent-is-reference`` a scored site the VCF does not list counts as homozygous reference; its reference allele
comes from ``--reference FASTA`` (or the knowledge bundle), and the command refuses when it is unknown. A score
whose matched share is below ``--min-overlap`` stops the command with the numbers. The work is done by
:mod:`tailormed.pipeline.prs`; this module parses options and renders.
"""

from __future__ import annotations

import gc
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tailormed.cli.console import err, out, progress
from tailormed.cli.options import AbsentIsReferenceOption, BuildOption, KbOption
from tailormed.fileio import write_text_atomic

prs_app = typer.Typer(
    rich_markup_mode=None,
    name="prs",
    help="Polygenic scores: PGS Catalog scoring files on a VCF, with pgsc_calc's matching and ancestry adjustment.",
    no_args_is_help=True,
)


class ScoreFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


def keep_freed_memory() -> None:
    """Have the C library keep memory freed by this process for its next allocations (glibc only; else nothing).

    Decoding and summing make and drop arrays of a few megabytes per block of records, in several threads. By
    default glibc gives many of them their own fresh mapping and returns it when freed, so each one's pages are
    faulted in again: about 40,000 page faults of 110,000 on the 100k-variant file, 3-4% of the wall time. Blocks up
    to 64 MB now come from the heap, whose freed top is kept up to 256 MB (peak memory unchanged in those runs).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a C library without mallopt
        return
    mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD
    mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD


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
        typer.Option("--bgen", help="BGEN file (first allele the reference; imputed dosages scored) instead of a VCF; "
                     "needs --build."),
    ] = None,
    bgen_sample: Annotated[
        Path | None,
        typer.Option("--bgen-sample", help="Oxford .sample file of --bgen (default: FILE.sample beside it, else the "
                     "IDs stored in the BGEN)."),
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
    # The VCF's text is inflated by a child process from here on, while the modules below load and the scoring
    # files are read (a cohort VCF's first hundred megabytes are ready when the reader starts).
    from tailormed import bgzf

    with bgzf.inflating(vcf if pgen is None and bgen is None else None, len(sample) if sample else None):
        # Scoring does no linear algebra. OpenBLAS starts a thread per core when numpy is first imported (below), and
        # each spins about 0.1 s CPU waiting for work that never comes, on the core the readers' threads need. Once
        # numpy is loaded the setting would only reach child processes, so it is left alone then.
        if "numpy" not in sys.modules:
            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
            keep_freed_memory()
        from tailormed.collector import paused
        from tailormed.engines.prs.matching import DEFAULT_MIN_OVERLAP, MatchOptions
        from tailormed.errors import InputError
        from tailormed.pipeline import prs
        from tailormed.report import tables

        if sum(given is not None for given in (vcf, pgen, bgen)) != 1:
            raise InputError("give one of a VCF, --pgen PREFIX or --bgen FILE")
        if bgen_sample is not None and bgen is None:
            raise InputError("--bgen-sample names the samples of a --bgen file: give --bgen", source=bgen_sample)
        if pgen is not None and build is None:
            raise InputError("a PLINK 2 fileset names no genome build: give --build", source=pgen)
        if bgen is not None and build is None:
            raise InputError("a BGEN file names no genome build: give --build", source=bgen)
        options = MatchOptions(
            min_overlap=DEFAULT_MIN_OVERLAP if min_overlap is None else min_overlap,
            keep_ambiguous=keep_ambiguous,
            keep_multiallelic=keep_multiallelic,
            absent_is_reference=absent_is_reference,
        )
        # the scoring files' columns, the matcher's index and match log are ~10 objects per variant, none in a cycle: a
        # running collector would walk them all again every few hundred allocations
        with progress() as bar, paused():
            scores = prs.read_scores(scoring)
            if pgen is not None and build is not None:
                bar.add_task(f"scoring {pgen.name}", total=None)
                run = prs.score_pgen(pgen, scores, build, samples=sample or None, options=options)
            elif bgen is not None and build is not None:
                bar.add_task(f"scoring {bgen.name}", total=None)
                run = prs.score_bgen(
                    bgen, scores, build, sample_file=bgen_sample, samples=sample or None, options=options
                )
            elif vcf is not None:
                from tailormed.knowledge.bundle import load_bundle  # its markers vote on a VCF's build

                task = bar.add_task(f"scoring {vcf.name}", total=None)
                run = prs.score_vcf(
                    vcf,
                    scores,
                    load_bundle(kb),
                    samples=sample or None,
                    build=build,
                    options=options,
                    reference=reference,
                    on_progress=lambda n: bar.advance(task, n),
                )
            gc.freeze()  # the run lives until the command ends: frozen rather than walked once collections resume
        detection = run.build
        if match_log is not None:
            write_text_atomic(match_log, tables.match_log_tsv(run))
        for result in run.scores:
            match = result.match
            err.print(
                f"{match.score.name}: {match.matched}/{match.total} variants matched ({match.match_rate:.1%}), "
                f"build {detection.build} ({detection.source}), missing genotypes: {run.imputation} imputation",
                highlight=False,
            )
        failure = prs.overlap_error(run)
        if failure is not None:
            raise failure
        text = tables.scores_tsv(run) if output_format is ScoreFormat.TSV else tables.scores_json(run)
        if output is None:
            out.file.write(text)
            out.file.flush()
        else:
            write_text_atomic(output, text)
            err.print(f"wrote {sum(len(r.samples) for r in run.scores)} scores to {output}")


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
