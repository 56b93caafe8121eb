"""Result tables of the engines as tab-separated text: one renderer per table, shared by the CLI and ``analyze``."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # each command renders one kind of table: the engines' models are imported where they are used
    from tailormed.engines.hereditary.assess import SampleHereditary
    from tailormed.engines.hereditary.rules import HereditaryRow
    from tailormed.engines.onco.run import OncoResult
    from tailormed.engines.prs.ancestry import Adjusted
    from tailormed.engines.prs.matching import ScoreMatch
    from tailormed.engines.prs.scoring import PrsRun
    from tailormed.knowledge.hereditary.load import HereditaryKnowledge
    from tailormed.model.engine import EngineRun
    from tailormed.model.pgx import GeneCall, GenePhenotype

#: Columns of the gene-call table (``pgx call`` and ``analyze``'s ``pgx.tsv``).
PGX_COLUMNS = (
    "sample",
    "gene",
    "diplotype",
    "phenotype",
    "activity_score",
    "status",
    "missing_positions",
    "copy_number",
)


@dataclass(frozen=True)
class CallRow:
    """One gene call as tables show it: the diplotype label, and phenotype and score from the tables or outside."""

    call: GeneCall
    diplotype: str
    phenotype: str | None
    activity_score: str | None
    copy_number: str = ""


def call_rows(calls: Sequence[GeneCall], phenotypes: Mapping[str, GenePhenotype]) -> list[CallRow]:
    """One row per gene call; the phenotype tables' result wins over the outside call's own phenotype and score."""
    rows = []
    for call in calls:
        result = phenotypes.get(call.gene)
        rows.append(
            CallRow(
                call=call,
                diplotype=";".join(d.name for d in call.diplotypes),
                phenotype=(result.phenotype if result else None) or call.outside_phenotype,
                activity_score=(result.activity_score if result else None) or call.outside_activity_score,
                copy_number=_copy_number(result),
            )
        )
    return rows


def _copy_number(result: GenePhenotype | None) -> str:
    """``measured: 3`` or, for a VCF-based call of a gene with deletions and duplications, what it could still be."""
    if result is None:
        return ""
    if result.copy_number is not None:
        return f"measured: {result.copy_number}"
    if not result.structural:
        return ""
    possible = "; ".join(p.described for p in result.possible)
    return "structural variants not assessed" + (f"; could also be {possible}" if possible else "")


def calls_tsv(samples: Sequence[tuple[Sequence[GeneCall], Mapping[str, GenePhenotype]]]) -> str:
    """The gene-call table of one or more samples as TSV with :data:`PGX_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(PGX_COLUMNS)
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
                    row.copy_number,
                )
            )
    return buffer.getvalue()


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


def score_rows(run: PrsRun) -> list[dict[str, str]]:
    """One row per sample and score, in pgsc_calc's column names plus match statistics."""
    rows = []
    for result in run.scores:
        # as Python numbers: indexing an array makes a numpy scalar per value, which formats the same but slower
        sums, denom, avg, missing = (
            values.tolist() for values in (result.sums, result.denom, result.avg, result.missing)
        )
        name, matched, total = result.match.score.name, str(result.match.matched), str(result.match.total)
        rate = f"{result.match.match_rate:.4f}"
        for i, sample in enumerate(result.samples):
            rows.append(
                {
                    "IID": sample,
                    "PGS": name,
                    "SUM": _number(sums[i]),
                    "DENOM": _number(denom[i]),
                    "AVG": _number(avg[i]),
                    "MISSING_GENOTYPES": str(int(missing[i])),
                    "VARIANTS_MATCHED": matched,
                    "VARIANTS_TOTAL": total,
                    "MATCH_RATE": rate,
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
    return "".join(match_log_lines(run))


def match_log_lines(run: PrsRun) -> Iterator[str]:
    """:func:`match_log_tsv` a line at a time, for a writer that never holds the log of a score of millions."""
    yield "\t".join(LOG_COLUMNS) + "\n"
    for result in run.scores:
        name = result.match.score.name
        for row in result.match.log_rows():
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
            yield "\t".join(fields) + "\n"


def _number(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.10g}"


def _json_value(column: str, text: str) -> object:
    if column in ("IID", "PGS"):
        return text
    number = float(text)
    return None if math.isnan(number) else number


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


#: Columns of ``tailormed hereditary`` TSV output (and analyze's hereditary.tsv).
HEREDITARY_COLUMNS = (
    "gene",
    "chrom",
    "pos",
    "ref",
    "alt",
    "genotype",
    "clinvar_significance",
    "review_stars",
    "reportable",
    "reason",
    "condition",
    "inheritance",
    "sample",
    "zygosity",
    "clinvar_id",
    "hgvs",
    "management",
)


def hereditary_tsv(samples: Sequence[SampleHereditary]) -> str:
    """One row per listed allele of every sample, with :data:`HEREDITARY_COLUMNS`."""
    return hereditary_rows_tsv((sample.result.sample, sample.result.rows) for sample in samples)


def hereditary_rows_tsv(listed: Iterable[tuple[str, Sequence[HereditaryRow]]]) -> str:
    """:func:`hereditary_tsv` from each sample's name and rows (a cohort block lists only its carriers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(HEREDITARY_COLUMNS)
    for name, rows in listed:
        for row in rows:
            variant = row.observation.variant
            writer.writerow(
                (
                    row.observation.gene,
                    variant.chrom,
                    variant.pos,
                    variant.ref,
                    variant.alt,
                    row.observation.genotype,
                    variant.clnsig,
                    variant.stars,
                    "yes" if row.reportable else "no",
                    row.reason,
                    row.condition,
                    row.inheritance,
                    name,
                    row.zygosity.value,
                    variant.variation_id,
                    variant.hgvs or "",
                    row.management or "",
                )
            )
    return buffer.getvalue()


def hereditary_json(samples: Sequence[SampleHereditary], knowledge: HereditaryKnowledge) -> str:
    """Knowledge versions, then per sample the build, the limits and one object per listed allele."""
    from tailormed.engines.hereditary.findings import payload

    document = {
        "knowledge": knowledge.versions,
        "samples": [
            {
                "sample": sample.result.sample,
                "build": sample.build,
                "absent_is_reference": sample.absent_is_reference,
                "acmg_version": sample.result.acmg_version,
                "min_stars": sample.result.min_stars,
                "variants": [payload(row).model_dump(mode="json") for row in sample.result.rows],
                "not_assessed": [item.model_dump(mode="json") for item in sample.limits],
                "coverage": [row.model_dump(mode="json") for row in sample.result.coverage],
                "warnings": sample.warnings,
            }
            for sample in samples
        ],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def onco_tsv(results: Sequence[OncoResult]) -> str:
    """One row per action of each tumour profile (alteration, therapy and claim), at its best tier, citing every
    label and source row that says it (:func:`tailormed.engines.onco.run.actions`)."""
    from tailormed.engines.onco.run import COLUMNS, action_cells, actions

    lines = ["\t".join(COLUMNS)]
    for result in results:
        lines += [
            "\t".join(cell.replace("\t", " ") for cell in action_cells(group)) for group in actions(result.matches)
        ]
    return "\n".join(lines) + "\n"


def risk_json(patient_id: str, on: date, runs: Mapping[str, EngineRun], *, genome: bool) -> str:
    """``risk assess``'s JSON: the risk run's risks and limitations, with what the genetic engines left out."""
    from tailormed.knowledge.risk import SOURCE
    from tailormed.model.finding import NotAssessed

    risk = runs["risk"]
    genetic = [runs[name] for _, name in RISK_GENETIC_ENGINES if genome and name in runs]
    upstream = [
        NotAssessed(item=n.item if n.item == label else f"{label}: {n.item}", reason=n.reason)
        for (label, name) in RISK_GENETIC_ENGINES
        if genome and name in runs
        for n in runs[name].limitations
    ]
    versions = {SOURCE: risk.versions[SOURCE]}
    for run in genetic:
        versions.update(run.versions)
    payload = {
        "patient": patient_id,
        "on": on.isoformat(),
        "knowledge": versions,
        "risks": [
            {"id": f.id, "title": f.title, "summary": f.summary, **f.data.model_dump(mode="json", exclude={"kind"})}
            for f in risk.findings
            if f.data is not None
        ],
        "not_assessed": [n.model_dump(mode="json") for n in [*risk.limitations, *upstream]],
    }
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


#: (label, engine) of the engines whose findings the risk integration reads.
RISK_GENETIC_ENGINES = (("polygenic scores", "prs"), ("hereditary findings", "hereditary"))
