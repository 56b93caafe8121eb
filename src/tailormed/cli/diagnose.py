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

from tailormed.cli.console import err, out, plain, track
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
    COMBINED = "combined"
    LR = "lr"
    SIMILARITY = "similarity"


class Mode(StrEnum):
    PHENOTYPE = "phenotype"
    PHENOTYPE_VARIANT = "phenotype+variant"


DatabasesOption = Annotated[
    list[str] | None,
    typer.Option("--database", help="Disease databases to rank (repeatable): OMIM (default), ORPHA, DECIPHER."),
]
RankerOption = Annotated[
    RankerChoice,
    typer.Option(
        "--ranker", help="combined (default: LR + similarity, fitted weights), lr (LIRICAL) or similarity (Resnik)."
    ),
]
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
    ranker: RankerOption = RankerChoice.COMBINED,
    databases: DatabasesOption = None,
    suggestions: Annotated[
        int, typer.Option("--suggestions", min=0, help="Features to suggest examining next (0: none).")
    ] = 5,
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.TSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    kb: KbOption = None,
) -> None:
    """Rank candidate diseases for one phenopacket, for HPO terms given here, or for a folder (--batch)."""
    from tailormed.engines.diagnosis.rank import Ranker, explain
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.genes import load_gene_symbols
    from tailormed.model.finding import NotAssessed
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
    symbols = diagnosis.symbol_map(index, load_gene_symbols())
    if batch is not None:
        rows = []
        for case in track(list(diagnosis.read_cases(batch, with_variants=variants)), "ranking phenopackets"):
            result = explain(diagnosis.rank_case(index, case, ranker=chosen, symbols=symbols), top)
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
        extra = diagnosis.scan_variants(scan)
        notes = diagnosis.scan_limitations(scan)
        if extra is None:
            notes.append(NotAssessed(item="--vcf", reason=diagnosis.UNWEIGHED))
    with err.status("ranking"):
        result = diagnosis.diagnose_case(
            index,
            case,
            top=top,
            ranker=chosen,
            extra_variants=extra,
            symbols=symbols,
            suggestions=suggestions,
            not_used=notes,
        )
    for item in result.not_used:
        err.print(f"[yellow]not used:[/] {plain(f'{item.item}: {item.reason}')}", highlight=False)
    for note in result.notes:
        err.print(f"note: {note}", highlight=False, markup=False)
    text = _tsv([(None, result)]) if output_format is OutputFormat.TSV else _json_one(result)
    _emit(text, output, f"ranked {result.diseases_ranked} diseases")
    if output_format is OutputFormat.TSV:
        for line in workup_lines(result):
            err.print(line, highlight=False, markup=False)


def workup_lines(result: Any) -> list[str]:
    """The probabilities' basis, the features to examine next and the gene list, as text for the terminal."""
    lines = [f"probabilities: {result.probability_model}"]
    if result.suggestions:
        lines.append("what to examine next (expected information gain):")
        lines += [f"  {s.phrase} [{s.term}; {s.information_gain:.2f} bits]" for s in result.suggestions]
    if result.test is not None:
        test = result.test
        lines.append(f"which test: {test.test.value} - {test.reasoning}")
        lines.append("genes (share of the probability):")
        lines += [f"  {g.gene}\t{g.share:.1%}\t{', '.join(g.diseases)}" for g in test.genes[:20]]
        if len(test.genes) > 20:
            lines.append(f"  ... {len(test.genes) - 20} more genes in the JSON output")
        tested = {g.gene for g in test.genes}
        following = [g for g in result.genes if g.gene not in tested and g.post_test_probability is not None][:5]
        if len(test.genes) == 1 and following:
            lines.append("  if it is negative, next (share of the probability, best-ranked disease):")
            lines += [f"  {g.gene}\t{g.post_test_probability:.1%}\t{g.disease_id}" for g in following]
    return lines


@diagnose_app.command("evaluate")
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Folder of phenopackets with known diagnoses.")],
    mode: Annotated[
        list[Mode] | None, typer.Option("--mode", help="phenotype and/or phenotype+variant (default: both).")
    ] = None,
    ranker: Annotated[
        list[RankerChoice] | None,
        typer.Option("--ranker", help="combined, lr and/or similarity (default: all three)."),
    ] = None,
    cv: Annotated[
        int,
        typer.Option(
            "--cv",
            min=0,
            help="Folds of cross-validation for the combined ranker (its weights refitted without each fold); "
            "0 uses the shipped weights, only fair on cases they were not fitted on.",
        ),
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fold assignment.")] = 0,
    databases: DatabasesOption = None,
    output_format: Annotated[
        OutputFormat | None, typer.Option("--format", "-f", help="json instead of a table.")
    ] = None,
    kb: KbOption = None,
) -> None:
    """Top-1/3/10 and mean reciprocal rank of the known diagnoses, per mode and ranker (cross-validated folds and
    calibration for the combined ranker)."""
    from tailormed.engines.diagnosis.rank import Ranker
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline import diagnosis

    bundle = load_bundle(kb)
    with err.status("loading the HPO release"):
        index = diagnosis.load_index(bundle, databases or ["OMIM"])
    modes = mode or list(Mode)
    rankers = ranker or list(RankerChoice)
    cases = {m: list(diagnosis.read_cases(folder, with_variants=m is Mode.PHENOTYPE_VARIANT)) for m in modes}
    report = None
    if RankerChoice.COMBINED in rankers and cv > 1:
        with err.status(f"{cv}-fold cross-validation"):
            phenotype_cases = cases.get(Mode.PHENOTYPE) or list(diagnosis.read_cases(folder, with_variants=False))
            report = diagnosis.cross_validate_cases(
                index, phenotype_cases, k=cv, seed=seed, variant_cases=cases.get(Mode.PHENOTYPE_VARIANT, [])
            )
    results = []
    for chosen_mode in modes:
        for chosen in rankers:
            if chosen is RankerChoice.COMBINED and report is not None:
                found = report.pooled if chosen_mode is Mode.PHENOTYPE else report.variant
                if found is not None:
                    results.append(found)
                continue
            evaluation, _ = diagnosis.evaluate_cases(
                index, cases[chosen_mode], ranker=Ranker(chosen.value), mode=chosen_mode.value
            )
            results.append(evaluation)
    if output_format is OutputFormat.JSON:
        payload: dict[str, Any] = {"evaluations": [r.model_dump(mode="json") for r in results]}
        if report is not None:
            payload["folds"] = [f.model_dump(mode="json") for f in report.cv.folds]
            payload["calibration"] = report.calibration.model_dump(mode="json")
            payload["calibration_lr"] = report.lr_calibration.model_dump(mode="json")
        out.file.write(json.dumps(payload, indent=1) + "\n")
        return
    out.print(f"{len(index.diseases)} {'/'.join(index.databases)} diseases, HPO {index.version} ({index.origin})")
    out.print(f"{'mode':<30} {'ranker':<11} {'cases':>5} {'top-1':>6} {'top-3':>6} {'top-10':>6} {'MRR':>6}")
    for r in results:
        shares = " ".join(f"{r.top[k]:>6.1%}" for k in (1, 3, 10))
        out.print(f"{r.mode:<30} {r.ranker:<11} {r.cases:>5} {shares} {r.mrr:>6.3f}")
    unmatched = sorted({case for r in results for case in r.unmatched})
    out.print(
        f"diagnoses not among the ranked diseases: {len(unmatched)}"
        + (f" ({', '.join(unmatched)})" if unmatched else "")
    )
    if report is not None:
        out.print(f"combined ranker, phenotype only, folds (seed {seed}):")
        for f in report.cv.folds:
            shares = " ".join(f"top-{k} {f.top[k]:.1%}" for k in (1, 3, 10))
            out.print(f"  fold {f.fold}: {f.cases} cases, {shares}, MRR {f.mrr:.3f}")
        for name, table in (("combined", report.calibration), ("lr (LIRICAL post-test)", report.lr_calibration)):
            out.print(
                f"calibration, {name}: {table.predictions} predictions (top 10 per case), "
                f"Brier {table.brier_top:.4f} (top 10), {table.brier_all:.4f} (all diseases, per case)"
            )
            for b in table.bins:
                out.print(
                    f"  {b.low:>5.0%}-{b.high:<5.0%} n={b.predictions:<5} predicted {b.mean_predicted:6.1%}  "
                    f"observed {b.observed:6.1%}"
                )


@diagnose_app.command("fit")
def fit_weights(
    folder: Annotated[Path, typer.Argument(help="Folder of phenopackets with known diagnoses.")],
    databases: DatabasesOption = None,
    kb: KbOption = None,
) -> None:
    """Fit the combined ranker's weights on every case of a folder and print them (the shipped weights come from
    the development cases; report accuracy with 'evaluate --cv', never on the cases fitted)."""
    from tailormed.engines.diagnosis.combined import FEATURES, fit
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline import diagnosis

    bundle = load_bundle(kb)
    with err.status("loading the HPO release"):
        index = diagnosis.load_index(bundle, databases or ["OMIM"])
    cases = list(diagnosis.read_cases(folder, with_variants=False))
    tensor, targets = diagnosis.feature_tensor(index, cases)
    weights = fit(tensor, targets)
    out.file.write("".join(f"{name}\t{weight:.4f}\n" for name, weight in zip(FEATURES, weights, strict=True)))
    out.file.flush()


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
