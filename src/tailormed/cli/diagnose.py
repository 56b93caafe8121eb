"""``tailormed diagnose``: rank diseases and genes for a patient's HPO phenotypes (and optionally variants).

``tailormed diagnose CASE.json`` (or ``rank``, the default sub-command) reads a Phenopacket v2; ``--hpo``/``--exclude``
give terms on the command line; ``--batch DIR`` ranks every phenopacket of a folder in one process. ``evaluate DIR``
scores the rankings against the phenopackets' own diagnoses (top-1/3/10 and MRR). The work is done by
:mod:`tailormed.pipeline.diagnosis`; this module parses options and renders.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from tailormed.cli.console import err, out, track
from tailormed.cli.options import KbOption
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic

TSV_COLUMNS = ("rank", "disease_id", "disease_name", "genes", "post_test_probability", "explanation")


class _DefaultRank(TyperGroup):
    """A group whose default sub-command is ``rank``: ``diagnose CASE.json`` means ``diagnose rank CASE.json``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: Typer's click Context
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["rank", *args]
        parsed: list[str] = super().parse_args(ctx, args)
        return parsed


diagnose_app = typer.Typer(
    rich_markup_mode=None,
    name="diagnose",
    cls=_DefaultRank,
    help=(
        "Candidate diagnoses from HPO phenotypes (+ variants): likelihood-ratio ranking of diseases and genes. "
        "'diagnose CASE.json' is short for 'diagnose rank CASE.json'."
    ),
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


class RankerChoice(StrEnum):
    LR = "lr"
    SIMILARITY = "similarity"


class Mode(StrEnum):
    PHENOTYPE = "phenotype"
    PHENOTYPE_VARIANT = "phenotype+variant"


DatabasesOption = Annotated[
    list[str] | None,
    typer.Option("--database", help="Disease databases to rank (repeatable): OMIM (default), ORPHA, DECIPHER."),
]
RankerOption = Annotated[RankerChoice, typer.Option("--ranker", help="lr (likelihood ratios) or similarity (Resnik).")]
TopOption = Annotated[int, typer.Option("--top", min=1, help="How many diseases (and genes) to list.")]


@diagnose_app.command("rank")
def rank(
    phenopacket: Annotated[Path | None, typer.Argument(help="Phenopacket v2 JSON of the patient.")] = None,
    hpo: Annotated[list[str] | None, typer.Option("--hpo", help="An observed HPO term (repeatable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="An excluded HPO term (repeatable).")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="Rank every *.json phenopacket in this folder.")] = None,
    vcf: Annotated[
        Path | None, typer.Option("--vcf", help="VCF of the patient: candidate variants for the genotype LR.")
    ] = None,
    sample: Annotated[str | None, typer.Option("--sample", help="VCF sample (default: the only one).")] = None,
    variants: Annotated[
        bool, typer.Option("--variants", help="Variant mode from the phenopacket's interpreted variants (no VCF).")
    ] = False,
    top: TopOption = 10,
    ranker: RankerOption = RankerChoice.LR,
    databases: DatabasesOption = None,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.TSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    kb: KbOption = None,
) -> None:
    """Rank candidate diseases for one phenopacket, for HPO terms given here, or for a folder (--batch)."""
    from tailormed.engines.diagnosis.rank import Ranker, explain
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.model.patient import PhenotypeTerm
    from tailormed.pipeline import diagnosis

    given = sum(x is not None and x != [] for x in (phenopacket, hpo or None, batch))
    if given != 1 and not (phenopacket is None and batch is None and exclude):
        raise InputError("give exactly one of: a phenopacket, --hpo terms, or --batch DIR")
    if batch is not None and vcf is not None:
        raise InputError("--vcf applies to one patient; --batch uses each phenopacket's own variants (--variants)")
    bundle = load_bundle(kb)
    with err.status("loading the HPO release"):
        index = diagnosis.load_index(bundle, databases or ["OMIM"])
    chosen = Ranker(ranker.value)
    if batch is not None:
        rows = []
        for case in track(list(diagnosis.read_cases(batch, with_variants=variants)), "ranking phenopackets"):
            result = explain(diagnosis.rank_case(index, case, ranker=chosen), top)
            rows.append((case.case_id, result))
        text = _tsv(rows) if output_format is OutputFormat.TSV else _json_many(rows)
        _emit(text, output, f"ranked {len(rows)} phenopackets")
        return
    if phenopacket is not None:
        from tailormed.intake.phenopacket import read_phenopacket

        packet = read_phenopacket(phenopacket)
        case = diagnosis.case_from_phenopacket(packet, phenopacket, with_variants=variants)
    else:
        terms = [PhenotypeTerm(id=_hpo_id(t)) for t in hpo or []] + [
            PhenotypeTerm(id=_hpo_id(t), excluded=True) for t in exclude or []
        ]
        case = diagnosis.Case(case_id="command line", phenotypes=tuple(terms), variants=None)
    extra = None
    notes = []
    if vcf is not None:
        scan = diagnosis.vcf_candidates(vcf, bundle, sample=sample)
        extra = scan.variants
        notes = diagnosis.scan_limitations(scan)
    result = explain(diagnosis.rank_case(index, case, ranker=chosen, extra_variants=extra), top, not_used=notes)
    for item in result.not_used:
        err.print(f"[yellow]not used:[/] {item.item}: {item.reason}", highlight=False)
    for note in result.notes:
        err.print(f"note: {note}", highlight=False)
    text = _tsv([(None, result)]) if output_format is OutputFormat.TSV else _json_one(result)
    _emit(text, output, f"ranked {result.diseases_ranked} diseases")


@diagnose_app.command("evaluate")
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Folder of phenopackets with known diagnoses.")],
    mode: Annotated[
        list[Mode] | None, typer.Option("--mode", help="phenotype and/or phenotype+variant (default: both).")
    ] = None,
    ranker: Annotated[
        list[RankerChoice] | None, typer.Option("--ranker", help="lr and/or similarity (default: both).")
    ] = None,
    databases: DatabasesOption = None,
    output_format: Annotated[
        OutputFormat | None, typer.Option("--format", "-f", help="json instead of a table.")
    ] = None,
    kb: KbOption = None,
) -> None:
    """Top-1/3/10 and mean reciprocal rank of the known diagnoses, per mode and ranker."""
    from tailormed.engines.diagnosis.rank import Ranker
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline import diagnosis

    bundle = load_bundle(kb)
    with err.status("loading the HPO release"):
        index = diagnosis.load_index(bundle, databases or ["OMIM"])
    results = []
    for chosen_mode in mode or list(Mode):
        cases = list(diagnosis.read_cases(folder, with_variants=chosen_mode is Mode.PHENOTYPE_VARIANT))
        for chosen in ranker or list(RankerChoice):
            evaluation, _ = diagnosis.evaluate_cases(index, cases, ranker=Ranker(chosen.value), mode=chosen_mode.value)
            results.append(evaluation)
    if output_format is OutputFormat.JSON:
        out.file.write(json.dumps([r.model_dump(mode="json") for r in results], indent=1) + "\n")
        return
    out.print(f"{len(index.diseases)} {'/'.join(index.databases)} diseases, HPO {index.version} ({index.origin})")
    out.print(f"{'mode':<18} {'ranker':<11} {'cases':>5} {'top-1':>6} {'top-3':>6} {'top-10':>6} {'MRR':>6}")
    for r in results:
        shares = " ".join(f"{r.top[k]:>6.1%}" for k in (1, 3, 10))
        out.print(f"{r.mode:<18} {r.ranker:<11} {r.cases:>5} {shares} {r.mrr:>6.3f}")
    unmatched = sorted({case for r in results for case in r.unmatched})
    out.print(
        f"diagnoses not among the ranked diseases: {len(unmatched)}"
        + (f" ({', '.join(unmatched)})" if unmatched else "")
    )


def _hpo_id(text: str) -> str:
    value = text.strip().upper().replace("_", ":")
    if not value.startswith("HP:") or not value[3:].isdigit() or len(value) != 10:
        raise InputError(f"not an HPO id: {text!r} (expected HP:nnnnnnn)", source="command line")
    return value


def _tsv(rows: Sequence[tuple[str | None, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    batch = any(case is not None for case, _ in rows)
    writer.writerow((("case_id",) if batch else ()) + TSV_COLUMNS)
    for case, result in rows:
        for c in result.candidates:
            probability = "" if c.post_test_probability is None else f"{c.post_test_probability:.4g}"
            cells = (c.rank, c.disease_id, c.disease_name, ",".join(c.genes), probability, c.explanation)
            writer.writerow(((case,) if batch else ()) + cells)
    return buffer.getvalue()


def _json_one(result: Any) -> str:
    return json.dumps(result.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"


def _json_many(rows: Sequence[tuple[str | None, Any]]) -> str:
    cases = [{"case_id": case, **result.model_dump(mode="json")} for case, result in rows]
    return json.dumps(cases, indent=1, ensure_ascii=False) + "\n"


def _emit(text: str, output: Path | None, summary: str) -> None:
    if output is None:
        out.file.write(text)
        out.file.flush()
    else:
        write_text_atomic(output, text)
        err.print(f"{summary}; wrote {output}")
