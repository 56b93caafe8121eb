"""The polygenic-score pipeline: scoring files and a VCF in, per-sample SUM/DENOM/AVG and match statistics out.

This is where files are read (scoring files, the VCF, the knowledge bundle) and handed to the pure stages of
:mod:`tailormed.engines.prs`; :func:`prs_engine` is the care-plan entry point.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tailormed.engines.prs.ancestry import Adjusted
from tailormed.engines.prs.matching import Matcher, MatchOptions, ScoreMatch
from tailormed.engines.prs.scoring import Imputation, Scorer, ScoreSums
from tailormed.errors import InputError
from tailormed.intake.dosages import read_site_groups
from tailormed.intake.reader import open_vcf
from tailormed.knowledge import markers
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgs_catalog import PanelScore
from tailormed.knowledge.pgs_scoring import ScoringFile, read_scoring_file
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import BuildDetection, GenomeBuild
from tailormed.pipeline.engine_api import EngineRun, PatientContext, Progress

#: Columns of ``prs score`` TSV output: pgsc_calc's aggregated-score columns, then match statistics.
SCORE_COLUMNS = (
    "IID",
    "PGS",
    "SUM",
    "DENOM",
    "AVG",
    "MISSING_GENOTYPES",
    "VARIANTS_MATCHED",
    "VARIANTS_TOTAL",
    "MATCH_RATE",
)
LOG_COLUMNS = (
    "PGS",
    "row",
    "chrom",
    "pos",
    "effect_allele",
    "other_allele",
    "effect_weight",
    "match_status",
    "match_type",
    "target_id",
    "reason",
    "ambiguous",
    "multiallelic",
    "duplicate",
)


@dataclass
class PrsRun:
    """Scores of every sample in a VCF, with what they rest on."""

    vcf: Path
    build: BuildDetection
    options: MatchOptions
    scores: list[ScoreSums]

    @property
    def imputation(self) -> Imputation:
        return self.scores[0].imputation if self.scores else Imputation.NONE

    def failing(self) -> list[ScoreMatch]:
        """Scores whose matched share is below the minimum overlap."""
        return [s.match for s in self.scores if s.match.match_rate < self.options.min_overlap]


def read_scores(paths: Sequence[Path]) -> list[ScoringFile]:
    """Parse scoring files; two files for the same score are an error (their sums would be ambiguous)."""
    scores = [read_scoring_file(path) for path in paths]
    seen: dict[str, Path] = {}
    for score in scores:
        if score.name in seen:
            raise InputError(f"score {score.name} is given twice (also {seen[score.name]})", source=score.path)
        seen[score.name] = score.path
    return scores


def detect_build(vcf: Path, override: GenomeBuild | None, bundle: KnowledgeBundle | None) -> BuildDetection:
    """The VCF's build: the override, else its header, else REF bases at the curated build-marker sites."""
    with open_vcf(vcf) as opened:
        if override is not None or opened.header_build() is not None or bundle is None:
            return opened.detect_build(override=override)
        return opened.detect_build(markers.build_markers(bundle))


def score_vcf(
    vcf: Path,
    scores: Sequence[ScoringFile],
    *,
    build: BuildDetection,
    samples: Sequence[str] | None = None,
    options: MatchOptions | None = None,
    imputation: Imputation | None = None,
    reference_alleles: Mapping[tuple[str, int], str] | None = None,
    on_progress: Progress | None = None,
) -> PrsRun:
    """Match every score to the VCF (one pass) and sum dosages per sample; overlap is checked by the caller."""
    options = options or MatchOptions()
    matcher = Matcher(list(scores), build.build, options, reference_alleles)
    with open_vcf(vcf) as opened:
        chosen = opened.select_samples(list(samples) if samples else None)
        scorer = Scorer(matcher.results, list(chosen), imputation)
        for group in read_site_groups(opened, matcher.positions(), on_progress=on_progress):
            scorer.add(matcher.add_group(group))
    scorer.add(matcher.finish())
    return PrsRun(vcf=vcf, build=build, options=options, scores=scorer.results())


def overlap_error(run: PrsRun) -> InputError | None:
    """An error naming each score below the minimum overlap, its numbers and main reasons; None if all pass."""
    failing = run.failing()
    if not failing:
        return None
    parts = []
    for match in failing:
        reasons = sorted(match.counts_by_reason().items(), key=lambda item: -item[1])[:3]
        why = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in reasons)
        parts.append(
            f"{match.score.name}: {match.matched} of {match.total} variants matched "
            f"({match.match_rate:.1%} < {run.options.min_overlap:.0%}; {why})"
        )
    hint = "check the genome build (--build) and that the VCF covers the score's sites"
    if not run.options.absent_is_reference:
        hint += "; a WGS VCF listing only variant sites needs --absent-is-reference"
    return InputError("; ".join(parts) + f" — {hint}; --min-overlap lowers the threshold", source=run.vcf)


def score_rows(run: PrsRun) -> list[dict[str, str]]:
    """One row per sample and score, in pgsc_calc's column names plus match statistics."""
    rows = []
    for result in run.scores:
        avg = result.avg
        for i, sample in enumerate(result.samples):
            rows.append(
                {
                    "IID": sample,
                    "PGS": result.match.score.name,
                    "SUM": _number(result.sums[i]),
                    "DENOM": _number(result.denom[i]),
                    "AVG": _number(avg[i]),
                    "MISSING_GENOTYPES": str(int(result.missing[i])),
                    "VARIANTS_MATCHED": str(result.match.matched),
                    "VARIANTS_TOTAL": str(result.match.total),
                    "MATCH_RATE": f"{result.match.match_rate:.4f}",
                }
            )
    return rows


def scores_tsv(run: PrsRun) -> str:
    lines = ["\t".join(SCORE_COLUMNS)]
    lines.extend("\t".join(row[column] for column in SCORE_COLUMNS) for row in score_rows(run))
    return "\n".join(lines) + "\n"


def match_summary(match: ScoreMatch) -> dict[str, object]:
    """pgsc_calc-style summary of one score's matching."""
    header = match.score.header
    return {
        "pgs_id": match.score.name,
        "pgs_name": header.pgs_name,
        "trait": header.trait_reported,
        "file": str(match.score.path),
        "format_version": header.format_version,
        "variants_total": match.total,
        "variants_matched": match.matched,
        "match_rate": round(match.match_rate, 6),
        "flipped": match.flipped,
        "assumed_reference": match.assumed_reference,
        "not_matched_or_excluded": match.counts_by_reason(),
    }


def scores_json(run: PrsRun) -> str:
    payload = {
        "vcf": str(run.vcf),
        "build": run.build.model_dump(mode="json"),
        "absent_is_reference": run.options.absent_is_reference,
        "min_overlap": run.options.min_overlap,
        "missing_genotypes": run.imputation.value,
        "scores": [match_summary(result.match) for result in run.scores],
        "samples": [{key.lower(): _json_value(key, value) for key, value in row.items()} for row in score_rows(run)],
    }
    return json.dumps(payload, indent=1) + "\n"


def match_log_tsv(run: PrsRun) -> str:
    """Every scoring variant's outcome (pgsc_calc's match log), one row per score and variant."""
    lines = ["\t".join(LOG_COLUMNS)]
    for result in run.scores:
        name = result.match.score.name
        for row in result.match.log:
            fields = (
                name,
                str(row.row + 1),
                row.chrom or "",
                str(row.pos) if row.pos else "",
                row.effect_allele,
                row.other_allele or "",
                repr(row.weight),
                row.status.value,
                row.match_type.value if row.match_type else "",
                row.target_id or "",
                row.reason.value if row.reason else "",
                str(row.ambiguous).lower(),
                str(row.multiallelic).lower(),
                str(row.duplicate).lower(),
            )
            lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.10g}"


def _json_value(column: str, text: str) -> object:
    if column in ("IID", "PGS"):
        return text
    number = float(text)
    return None if math.isnan(number) else number


def bundle_reference_alleles(bundle: KnowledgeBundle, build: GenomeBuild) -> dict[tuple[str, int], str]:
    """Reference bases at scored sites from the bundle's PGS Catalog source (empty when it has none)."""
    from tailormed.knowledge.pgs_catalog import load_reference_alleles

    return load_reference_alleles(bundle, build)


def prs_engine(ctx: PatientContext) -> EngineRun:
    """Polygenic scores of the curated panel on the patient's VCF, as care-plan findings.

    Each condition uses its first panel score that can be scored on this VCF (enough overlap, a file in the VCF's
    build, the patient's sex); the others are listed as limitations. Missing genotypes are not imputed (one person).
    """
    from tailormed.engines.prs.findings import main_ancestry, polygenic_finding
    from tailormed.knowledge.pgs_catalog import PANEL_SOURCE, SOURCE, load_index, load_panel

    item = "polygenic scores"
    if ctx.vcf is None:
        return EngineRun.skip(item, "no genome VCF was given and the record names none")
    if not ctx.bundle.has(SOURCE):
        return EngineRun.skip(item, "no scoring files in the knowledge bundle; build it with tailormed kb build")
    panel, index = load_panel(ctx.bundle), load_index(ctx.bundle)
    detection = detect_build(ctx.vcf, ctx.build, ctx.bundle)
    sex = ctx.patient.demographics.sex.value
    limitations: list[NotAssessed] = []
    chosen: list[tuple[PanelScore, ScoringFile]] = []
    for entry in panel.scores:
        catalog = index.scores.get(entry.pgs_id)
        ref = catalog.file_for(detection.build) if catalog is not None else None
        if entry.sex is not None and sex != entry.sex:
            limitations.append(NotAssessed(item=f"{entry.pgs_id} ({entry.trait})", reason=f"for {entry.sex}s only"))
        elif ref is None:
            limitations.append(
                NotAssessed(item=f"{entry.pgs_id} ({entry.trait})", reason=f"no scoring file for {detection.build}")
            )
        else:
            chosen.append((entry, read_scoring_file(ctx.bundle.path(SOURCE, ref.file))))
    if not chosen:
        return EngineRun(limitations=limitations, skipped="no panel score applies to this patient")
    absent_is_reference = ctx.declared_absent_is_reference()
    options = MatchOptions(absent_is_reference=absent_is_reference)
    references = bundle_reference_alleles(ctx.bundle, detection.build) if absent_is_reference else None
    run = score_vcf(
        ctx.vcf,
        [scoring for _, scoring in chosen],
        build=detection,
        samples=[ctx.sample] if ctx.sample else None,
        options=options,
        imputation=Imputation.NONE,
        reference_alleles=references,
        on_progress=ctx.on_progress,
    )
    if run.scores and len(run.scores[0].samples) != 1:
        raise InputError(
            f"the VCF has {len(run.scores[0].samples)} samples; name the patient's sample in the record "
            "(genome.sample)",
            source=ctx.vcf,
        )
    versions = {name: ctx.bundle.source(name).version for name in (SOURCE, PANEL_SOURCE)}
    ancestry = main_ancestry(ctx.patient.demographics.genetic_ancestry)
    findings = []
    done: set[str] = set()
    for (entry, _), result in zip(chosen, run.scores, strict=True):
        match = result.match
        if entry.condition in done:
            continue
        if match.match_rate < options.min_overlap:
            limitations.append(
                NotAssessed(
                    item=f"{entry.pgs_id} ({entry.trait})",
                    reason=f"only {match.matched} of {match.total} variants matched the VCF "
                    f"({match.match_rate:.1%} < {options.min_overlap:.0%})",
                )
            )
            continue
        findings.append(polygenic_finding(result, 0, entry, index.scores.get(entry.pgs_id), ancestry, versions))
        done.add(entry.condition)
    files = {"prs_scores.tsv": scores_tsv(run), "prs_match_log.tsv": match_log_tsv(run)}
    inputs = {
        "vcf": str(ctx.vcf),
        "build": f"{detection.build.value} ({detection.source.value}: {detection.detail})",
        "absent_is_reference": "true" if absent_is_reference else "false",
    }
    return EngineRun(findings=findings, limitations=limitations, versions=versions, inputs=inputs, files=files)


ADJUST_COLUMNS = (
    "IID",
    "PGS",
    "SUM",
    "MostSimilarPop",
    "MostSimilarPop_LowConfidence",
    "percentile_MostSimilarPop",
    "Z_MostSimilarPop",
    "Z_norm1",
    "Z_norm2",
)


@dataclass
class AdjustInputs:
    """Files of a pgsc_calc ancestry adjustment (see :mod:`tailormed.intake.pgs_ancestry`)."""

    reference_pcs: Path
    target_pcs: Path
    scores: Path
    psam: Path
    related: Path | None = None
    population_column: str = "SuperPop"
    reference_set: str | None = None
    target_set: str | None = None


def adjust_scores(inputs: AdjustInputs) -> list[tuple[str, Adjusted, dict[str, float]]]:
    """Per score in the score table: pgsc_calc's ancestry-adjusted values of every target sample."""
    from tailormed.engines.prs.ancestry import Reference, Targets, adjust
    from tailormed.intake.pgs_ancestry import read_ids, read_labels, read_pcs, read_score_sums

    reference_pcs, target_pcs = read_pcs(inputs.reference_pcs), read_pcs(inputs.target_pcs)
    labels = read_labels(inputs.psam, inputs.population_column)
    related = read_ids(inputs.related) if inputs.related else set()
    reference_sums = read_score_sums(inputs.scores, inputs.reference_set)
    target_sums = read_score_sums(inputs.scores, inputs.target_set)
    results = []
    for pgs, by_id in reference_sums.items():
        keep = [i for i, sample in enumerate(reference_pcs.ids) if sample in by_id and sample in labels]
        if not keep:
            raise InputError(f"no reference sample has both PCs, a label and a {pgs} SUM", source=inputs.scores)
        ids = [reference_pcs.ids[i] for i in keep]
        reference = Reference(
            ids=ids,
            pcs=reference_pcs.pcs[keep],
            populations=[labels[sample] for sample in ids],
            sums=np.array([by_id[sample] for sample in ids]),
            train=np.array([sample not in related for sample in ids]),
        )
        wanted = target_sums.get(pgs, {})
        chosen = [i for i, sample in enumerate(target_pcs.ids) if sample in wanted]
        if not chosen:
            raise InputError(f"no target sample has both PCs and a {pgs} SUM", source=inputs.scores)
        target_ids = [target_pcs.ids[i] for i in chosen]
        targets = Targets(ids=target_ids, pcs=target_pcs.pcs[chosen], sums=np.array([wanted[s] for s in target_ids]))
        try:
            results.append((pgs, adjust(reference, targets), {s: wanted[s] for s in target_ids}))
        except ValueError as exc:
            raise InputError(f"{pgs}: {exc}", source=inputs.scores) from exc
    return results


def adjusted_tsv(results: list[tuple[str, Adjusted, dict[str, float]]]) -> str:
    populations = sorted({name for _, adjusted, _ in results for name in adjusted.probabilities})
    columns = [*ADJUST_COLUMNS[:5], *(f"RF_P_{name}" for name in populations), *ADJUST_COLUMNS[5:]]
    lines = ["\t".join(columns)]
    for pgs, adjusted, sums in results:
        for i, sample in enumerate(adjusted.ids):
            fields = [
                sample,
                pgs,
                _number(sums[sample]),
                adjusted.most_similar[i],
                str(bool(adjusted.low_confidence[i])),
                *(
                    _number(float(adjusted.probabilities.get(name, np.full(len(adjusted.ids), np.nan))[i]))
                    for name in populations
                ),
                _number(float(adjusted.percentile[i])),
                _number(float(adjusted.z_most_similar[i])),
                _number(float(adjusted.z_norm1[i])),
                _number(float(adjusted.z_norm2[i])),
            ]
            lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"
