"""Compile the curated PGx core from its reviewable YAML sources into the files the knowledge loaders read.

Usage: python scripts/compile_pgx_core.py [--check]

Sources (written for tailormed, see the comments in each file):

* ``curated/pgx-core-definitions/definitions.yaml`` -> one ``<GENE>.json`` per gene and ``genes.json``
  (:class:`~tailormed.knowledge.pgx.definitions.GeneDefinition`);
* ``curated/pgx-core-phenotypes/functions.yaml`` -> ``phenotypes.json``
  (:class:`~tailormed.knowledge.pgx.phenotypes.PhenotypeKnowledge`), one row per diplotype the core alleles
  can form, phenotyped by the gene's CPIC rule (function pair or activity-score band);
* ``curated/pgx-core-guidelines/guidelines.yaml`` with ``cpic-dpwg.yaml``, ``fda-labels.yaml`` and ``fda.yaml``
  -> ``guidelines.json`` (a guideline written in guidelines.yaml takes the place of the generated one of the same
  id: a newer annotation of it) (:class:`~tailormed.knowledge.pgx.guidelines.GuidelineKnowledge`); a row written
  for several results of a gene (a list, or ``{scores_of: PHENOTYPE}`` for every activity score with that
  phenotype) becomes one row per combination.

The compiled files are committed next to their sources; ``--check`` exits 1 when they differ from a fresh
compile (tests run the same comparison).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tailormed.errors import KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.files import read_yaml
from tailormed.knowledge.pgx.definitions import (
    INDEX_FILE,
    IUPAC,
    DefinitionVariant,
    GeneDefinition,
    GeneExemptions,
    NamedAlleleDefinition,
    UnphasedPriority,
)
from tailormed.knowledge.pgx.guidelines import (
    GUIDELINES_FILE,
    AgeRange,
    Citation,
    Criterion,
    CriterionKind,
    DrugRef,
    Guideline,
    GuidelineKnowledge,
    RecommendationRow,
    RowCondition,
)
from tailormed.knowledge.pgx.phenotypes import (
    PHENOTYPES_FILE,
    DiplotypePhenotype,
    GenePhenotypes,
    PhenotypeKnowledge,
    diplotype_key,
)
from tailormed.knowledge.sourcing import SourceQuote
from tailormed.model.genotype import GenomeBuild
from tailormed.model.pgx import AlleleFunction, PhenotypeMethod

REPO = Path(__file__).resolve().parents[1]
CURATED = REPO / "src" / "tailormed" / "knowledge" / "curated"

DEFINITIONS = "pgx-core-definitions"
PHENOTYPES = "pgx-core-phenotypes"
GUIDELINES = "pgx-core-guidelines"
DEFINITIONS_SOURCE = Path(DEFINITIONS) / "definitions.yaml"
PHENOTYPES_SOURCE = Path(PHENOTYPES) / "functions.yaml"
GUIDELINES_SOURCE = Path(GUIDELINES) / "guidelines.yaml"
#: Written by scripts/curate_pgx_core.py from PharmCAT's data, with a quote for every fact.
GENERATED_DEFINITIONS = Path(DEFINITIONS) / "generated.yaml"
GENERATED_PHENOTYPES = Path(PHENOTYPES) / "generated.yaml"
GENERATED_GUIDELINES = Path(GUIDELINES) / "cpic-dpwg.yaml"
FDA_GUIDELINES = Path(GUIDELINES) / "fda.yaml"
#: FDA drug-label guidance as ClinPGx annotates the labels (written by hand from PharmCAT 3.1.1's data).
FDA_LABELS = Path(GUIDELINES) / "fda-labels.yaml"
#: How the ids of the FDA table's entries begin (``fda-<drug>-<genes>``, scripts/curate_pgx_core.py).
FDA_TABLE_ID = "fda-"

_NO_RESULT = "No Result"
_SCORE = re.compile(r"^≥?\d+(\.\d+)?$")
_ALLELE_STATUS = re.compile(r"^\*\d+:\d+ (positive|negative)$")
_FLAGS = {
    "dose": "dosing_information",
    "alternative": "alternate_drug_available",
    "other": "other_prescribing_guidance",
}


def compile_core(curated: Path = CURATED) -> dict[Path, str]:
    """Every compiled file (path relative to ``curated``) and its text."""
    functions = _merged(curated, PHENOTYPES_SOURCE, GENERATED_PHENOTYPES)
    phenotypes = compile_phenotypes(functions, curated / PHENOTYPES_SOURCE)
    generated_path = curated / GENERATED_DEFINITIONS
    generated_genes = (read_yaml(generated_path).get("genes") or {}) if generated_path.is_file() else {}
    definitions = compile_definitions(
        _merged(curated, DEFINITIONS_SOURCE, GENERATED_DEFINITIONS),
        functions,
        curated / DEFINITIONS_SOURCE,
        dict.fromkeys(generated_genes, generated_path),
    )
    guidelines = compile_guidelines(read_yaml(curated / GUIDELINES_SOURCE), phenotypes, curated / GUIDELINES_SOURCE)
    generated = compile_guidelines(
        read_yaml(curated / GENERATED_GUIDELINES), phenotypes, curated / GENERATED_GUIDELINES
    )
    fda = compile_guidelines(read_yaml(curated / FDA_GUIDELINES), phenotypes, curated / FDA_GUIDELINES)
    labels = compile_guidelines(read_yaml(curated / FDA_LABELS), phenotypes, curated / FDA_LABELS)
    # a guideline written by hand from a newer annotation takes the place of the generated one of the same id, so
    # guidelines keep the order the reports list their sources in (CPIC before DPWG, then the FDA labels, the FDA
    # table last); an FDA table entry written by hand (id ``fda-``, as curate_pgx_core names them) that the 2021
    # capture lacks joins the table's entries
    newer = {guideline.id: guideline for guideline in guidelines.guidelines}
    replaced = tuple(newer.get(guideline.id, guideline) for guideline in generated.guidelines)
    table = tuple(newer.get(guideline.id, guideline) for guideline in fda.guidelines)
    known = {guideline.id for guideline in generated.guidelines + fda.guidelines}
    table += tuple(g for g in guidelines.guidelines if g.id not in known and g.id.startswith(FDA_TABLE_ID))
    added = tuple(g for g in guidelines.guidelines if g.id not in known and not g.id.startswith(FDA_TABLE_ID))
    merged = added + replaced + labels.guidelines + table
    guidelines = guidelines.model_copy(update={"version": captures(merged), "guidelines": merged})
    files = {
        Path(DEFINITIONS) / f"{gene}.json": definition.model_dump_json(indent=1, exclude_defaults=True) + "\n"
        for gene, definition in definitions.items()
    }
    index = {"genes": {gene: f"{gene}.json" for gene in sorted(definitions)}}
    files[Path(DEFINITIONS) / INDEX_FILE] = json.dumps(index, indent=1) + "\n"
    files[Path(PHENOTYPES) / PHENOTYPES_FILE] = phenotypes.model_dump_json(indent=1, exclude_defaults=True) + "\n"
    files[Path(GUIDELINES) / GUIDELINES_FILE] = guidelines.model_dump_json(indent=1, exclude_defaults=True) + "\n"
    return files


def captures(guidelines: Sequence[Guideline]) -> str:
    """Which capture the guidelines follow, per source: every guideline version once with how many follow it
    (``CPIC: 2024-03-25 (48 guidelines), ClinPGx 2025-11-05 (PharmCAT 3.1.1) (6 guidelines); ...``), so the version
    a report names says which rows are of which capture."""
    counts: dict[str, Counter[str]] = {}
    for guideline in guidelines:
        counts.setdefault(guideline.source, Counter())[guideline.version] += 1
    named = {
        source: ", ".join(f"{version} ({n} guideline{'s' if n > 1 else ''})" for version, n in sorted(c.items()))
        for source, c in counts.items()
    }
    return "; ".join(f"{source}: {versions}" for source, versions in sorted(named.items()))


def _merged(curated: Path, written: Path, generated: Path) -> Any:
    """A hand-written source with the generated genes added (a generated gene replaces a written one)."""
    raw = read_yaml(curated / written)
    extra = read_yaml(curated / generated) if (curated / generated).is_file() else {}
    if isinstance(raw, dict) and isinstance(extra, dict) and isinstance(extra.get("genes"), dict):
        raw = {**raw, **{k: v for k, v in extra.items() if k != "genes"}}
        raw["genes"] = {**(raw.get("genes") or {}), **extra["genes"]}
    return raw


def compile_definitions(
    raw: Any, functions: Any, written: Path, origins: Mapping[str, Path] | None = None
) -> dict[str, GeneDefinition]:
    """Per-gene allele definitions: the reference allele carries every REF base, the others their listed bases.

    ``origins`` names the file a gene comes from when it is not ``written`` (the generated genes), for errors.
    """
    version = _text(raw, "version", written, "version")
    genes = _mapping(raw, "genes", written, "genes")
    activities = _activities(functions)
    result = {}
    for gene, spec in genes.items():
        path = (origins or {}).get(gene, written)
        where = f"genes.{gene}"
        try:
            variants = [_variant(v, _text(spec, "chromosome", path, where)) for v in spec["variants"]]
            by_rsid = {v.label: i for i, v in enumerate(variants)}
            if len(by_rsid) != len(variants):
                raise KnowledgeError("a variant rsID is listed twice", source=path, location=f"{where}.variants")
            reference = _text(spec, "reference", path, where)
            named = [NamedAlleleDefinition(name=reference, is_reference=True, alleles=tuple(v.ref for v in variants))]
            for name, bases in (spec.get("alleles") or {}).items():
                cells: list[str | None] = [None] * len(variants)
                for rsid, base in bases.items():
                    index = by_rsid.get(rsid)
                    if index is None:
                        raise KnowledgeError(
                            f"allele {name!r} names unknown variant {rsid}", source=path, location=where
                        )
                    _check_base(variants[index], str(base), name, path, where)
                    cells[index] = str(base)
                if all(cell is None for cell in cells):
                    raise KnowledgeError(f"allele {name!r} defines no base", source=path, location=where)
                named.append(NamedAlleleDefinition(name=str(name), alleles=tuple(cells)))
            lowest = bool(spec.get("lowest_function", False))
            exemptions = _exemptions(spec, variants, named, path, where)
            result[gene] = GeneDefinition(
                gene=gene,
                chromosome=spec["chromosome"],
                build=GenomeBuild.GRCH38,
                version=version,
                source=DEFINITIONS,
                variants=tuple(variants),
                named_alleles=tuple(named),
                exemptions=exemptions,
                undocumented_as_reference=bool(spec.get("undocumented_as_reference", False)),
                lowest_function=lowest,
                allele_activity=activities.get(gene, {}) if lowest else {},
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise KnowledgeError(f"malformed gene entry: {exc!r}", source=path, location=where) from exc
        except ValidationError as exc:
            raise KnowledgeError(f"invalid definition: {exc.errors()[0]['msg']}", source=path, location=where) from exc
    return result


def _exemptions(
    spec: Mapping[str, Any],
    variants: Sequence[DefinitionVariant],
    named: Sequence[NamedAlleleDefinition],
    path: Path,
    where: str,
) -> GeneExemptions:
    """The positions a gene is not called without, and the pick among diplotypes unphased data fit alike."""
    required = tuple(int(pos) for pos in spec.get("required_positions") or ())
    unknown = [pos for pos in required if pos not in {v.pos for v in variants}]
    if unknown:
        raise KnowledgeError(
            f"required position(s) {unknown} are not variants of the gene", source=path, location=where
        )
    names = {allele.name for allele in named}
    priorities = []
    for number, raw in enumerate(spec.get("unphased_priorities") or ()):
        candidates = tuple(str(c) for c in raw["candidates"])
        pick = str(raw["pick"])
        strange = sorted({a for c in candidates for a in c.split("/")} - names)
        problem = (
            f"names unknown allele(s) {strange}"
            if strange
            else "lists fewer than two diplotypes"
            if len(candidates) < 2
            else f"pick {pick!r} is not one of {list(candidates)}"
            if pick not in candidates
            else None
        )
        if problem:
            location = f"{where}.unphased_priorities[{number}]"
            raise KnowledgeError(f"unphased priority {problem}", source=path, location=location)
        priorities.append(UnphasedPriority(candidates=candidates, pick=pick))
    return GeneExemptions(required_positions=required, unphased_priorities=tuple(priorities))


def compile_phenotypes(raw: Any, path: Path) -> PhenotypeKnowledge:
    """Per-gene allele functions and one phenotype row per diplotype of the core alleles."""
    version = _text(raw, "version", path, "version")
    genes = {}
    for gene, spec in _mapping(raw, "genes", path, "genes").items():
        where = f"genes.{gene}"
        try:
            method = PhenotypeMethod(spec["method"])
            if method == PhenotypeMethod.ALLELE_STATUS:
                genes[gene] = GenePhenotypes(
                    gene=gene, version=version, method=method, alleles_of_interest=list(spec["alleles_of_interest"])
                )
                continue
            terms = list((raw.get("phenotype_terms") or {}).get(gene) or ())
            if spec.get("outside_only"):
                genes[gene] = GenePhenotypes(gene=gene, version=version, method=method, phenotype_terms=terms)
                continue
            alleles = {
                str(name): AlleleFunction(
                    name=str(name), function=entry["function"], activity_value=_optional(entry.get("activity"))
                )
                for name, entry in spec["alleles"].items()
            }
            hemizygous = spec.get("hemizygous") or {}
            pairwise = spec.get("pairwise_rows", True) and not spec.get("haploid_only", False)
            pairs = _pairs(alleles) if pairwise else []
            rows = [_diplotype_row(pair, alleles, method, spec, path, where) for pair in pairs]
            rows += [_hemizygous_row(allele, hemizygous, path, where) for allele in alleles.values() if hemizygous]
            scores = {} if pairwise else {str(k): str(v) for k, v in (spec.get("scores") or {}).items()}
            genes[gene] = GenePhenotypes(
                phenotype_terms=terms,
                score_phenotypes=scores,
                gene=gene,
                version=version,
                method=method,
                alleles=alleles,
                diplotypes=rows,
                haploid=bool(hemizygous),
                lowest_function=bool(spec.get("lowest_function", False)),
                unverified=(spec.get("unverified") or {}).get("reason"),
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise KnowledgeError(f"malformed gene entry: {exc!r}", source=path, location=where) from exc
    return PhenotypeKnowledge(source=PHENOTYPES, genes=dict(sorted(genes.items())))


def compile_guidelines(raw: Any, phenotypes: PhenotypeKnowledge, path: Path) -> GuidelineKnowledge:
    """Guidelines with their rows expanded to one row per combination of gene results."""
    version = _text(raw, "version", path, "version")
    guidelines = []
    for number, spec in enumerate(raw.get("guidelines") or []):
        where = f"guidelines[{number}]"
        try:
            rows: list[RecommendationRow] = []
            for row_number, row in enumerate(spec["rows"]):
                rows.extend(_rows(spec["id"], row, phenotypes, len(rows), path, f"{where}.rows[{row_number}]"))
            guidelines.append(
                Guideline(
                    id=spec["id"],
                    source=spec["source"],
                    name=spec["name"],
                    url=spec.get("url"),
                    version=_text(spec, "version", path, where) if "version" in spec else version,
                    drugs=tuple(
                        DrugRef(name=d["name"], rxnorm=_optional(d.get("rxnorm")), atc=tuple(d.get("atc") or ()))
                        for d in spec["drugs"]
                    ),
                    genes=tuple(spec["genes"]),
                    citations=tuple(
                        Citation(pmid=str(c["pmid"]), title=c["title"], journal=c["journal"], year=int(c["year"]))
                        for c in spec["citations"]
                    ),
                    recommendations=tuple(rows),
                )
            )
        except KnowledgeError:
            raise
        except (KeyError, TypeError, AttributeError) as exc:
            raise KnowledgeError(f"malformed guideline: {exc!r}", source=path, location=where) from exc
        except ValidationError as exc:
            raise KnowledgeError(f"invalid guideline: {exc.errors()[0]['msg']}", source=path, location=where) from exc
    return GuidelineKnowledge(source=GUIDELINES, version=version, guidelines=tuple(guidelines))


def _variant(raw: Mapping[str, Any], chromosome: str) -> DefinitionVariant:
    ref = str(raw["ref"])
    alts = tuple(str(a) for a in raw["alts"])
    hgvs = raw.get("hgvs")
    if hgvs is None:
        if len(ref) != 1 or any(len(a) != 1 for a in alts):
            raise KeyError(f"hgvs (required for the indel at {raw['rsid']})")
        hgvs = "; ".join(f"g.{raw['pos']}{ref}>{alt}" for alt in alts)
    rsid = str(raw["rsid"]) if raw.get("rsid") else None
    return DefinitionVariant(chrom=chromosome, pos=int(raw["pos"]), rsid=rsid, ref=ref, alts=alts, hgvs=hgvs)


def _check_base(variant: DefinitionVariant, base: str, name: str, path: Path, where: str) -> None:
    """A defining base is an ALT of the variant, or an IUPAC code covering only its REF and ALT bases."""
    if base in variant.alts:
        return
    covered = IUPAC.get(base, frozenset()) if len(base) == 1 else frozenset()
    if covered and covered <= {variant.ref, *variant.alts}:
        return
    raise KnowledgeError(
        f"allele {name!r}: {base!r} is not an ALT of {variant.rsid} ({variant.ref}>{','.join(variant.alts)})",
        source=path,
        location=where,
    )


def _activities(functions: Any) -> dict[str, dict[str, float]]:
    """Numeric activity values per gene (for lowest-function genes, whose matcher ranks alleles by them)."""
    result: dict[str, dict[str, float]] = {}
    for gene, spec in (functions.get("genes") or {}).items():
        values = {}
        for name, entry in (spec.get("alleles") or {}).items():
            activity = _optional(entry.get("activity"))
            if activity is not None and _SCORE.match(activity):
                values[str(name)] = float(activity.removeprefix("≥"))
        result[gene] = values
    return result


def _pairs(alleles: Mapping[str, AlleleFunction]) -> list[tuple[str, ...]]:
    return [diplotype_key(pair) for pair in itertools.combinations_with_replacement(alleles, 2)]


def _diplotype_row(
    pair: tuple[str, ...],
    alleles: Mapping[str, AlleleFunction],
    method: PhenotypeMethod,
    spec: Mapping[str, Any],
    path: Path,
    where: str,
) -> DiplotypePhenotype:
    if method == PhenotypeMethod.ACTIVITY_SCORE:
        values = [alleles[a].activity_value for a in pair]
        score = "n/a" if any(v is None or not _SCORE.match(v) for v in values) else _score(values)
        phenotype = (spec.get("scores") or {}).get(score)
        if phenotype is None:
            raise KnowledgeError(
                f"no phenotype for activity score {score} ({'/'.join(pair)})", source=path, location=where
            )
        return DiplotypePhenotype(alleles=pair, phenotype=phenotype, activity_score=score, lookup_key=score)
    functions = diplotype_key(str(alleles[a].function) for a in pair)
    rules = {diplotype_key(rule[:2]): rule[2] for rule in spec["pairs"]}
    phenotype = rules.get(functions)
    if phenotype is None:
        raise KnowledgeError(f"no phenotype for functions {' + '.join(functions)}", source=path, location=where)
    return DiplotypePhenotype(alleles=pair, phenotype=phenotype, lookup_key=phenotype)


def _hemizygous_row(allele: AlleleFunction, rules: Mapping[str, str], path: Path, where: str) -> DiplotypePhenotype:
    phenotype = rules.get(str(allele.function))
    if phenotype is None:
        raise KnowledgeError(f"no hemizygous phenotype for {allele.function}", source=path, location=where)
    return DiplotypePhenotype(alleles=(allele.name,), phenotype=phenotype, lookup_key=phenotype)


def _score(values: Sequence[str | None]) -> str:
    """Sum of activity values spelled as the tables spell scores ('1.0', '0.5', '1.25')."""
    text = f"{sum(float(v or 0) for v in values):.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _rows(
    guideline_id: str, raw: Mapping[str, Any], phenotypes: PhenotypeKnowledge, start: int, path: Path, where: str
) -> list[RecommendationRow]:
    options = [
        _alternatives(
            [_criterion(gene, v, phenotypes, path, where) for v in _values(gene, wanted, phenotypes, path, where)]
        )
        for gene, wanted in raw["when"].items()
    ]
    written = raw.get("implications") or {}
    implications = (
        tuple(f"{gene}: {text}" for gene, text in written.items()) if isinstance(written, dict) else tuple(written)
    )
    flags = raw.get("changes") or []
    unknown = [f for f in flags if f not in _FLAGS]
    if unknown:
        raise KnowledgeError(f"unknown change flag(s) {unknown} (use {sorted(_FLAGS)})", source=path, location=where)
    try:
        sources = tuple(SourceQuote.model_validate(item) for item in raw.get("sources") or ())
    except ValidationError as exc:
        raise KnowledgeError(f"invalid source: {exc.errors()[0]['msg']}", source=path, location=where) from exc
    try:
        condition = RowCondition.model_validate(raw["condition"]) if raw.get("condition") else None
    except ValidationError as exc:
        raise KnowledgeError(f"invalid condition: {exc.errors()[0]['msg']}", source=path, location=where) from exc
    try:
        age = AgeRange.model_validate(raw["age"]) if raw.get("age") else None
    except ValidationError as exc:
        raise KnowledgeError(f"invalid age: {exc.errors()[0]['msg']}", source=path, location=where) from exc
    rows = []
    for offset, criteria in enumerate(itertools.product(*options), start=start + 1):
        rows.append(
            RecommendationRow(
                id=f"{guideline_id}/{offset}",
                drugs=tuple(raw.get("drugs") or ()),
                population=raw.get("population"),
                classification=raw.get("classification"),
                criteria=tuple(sorted(criteria, key=lambda c: c.gene)),
                implications=implications,
                text=_row_text(raw, path, where),
                sources=sources,
                condition=condition,
                age=age,
                **{_FLAGS[f]: True for f in flags},
            )
        )
    return rows


def _alternatives(criteria: list[Criterion]) -> list[Criterion]:
    """Scores (or phenotypes) listed for one gene become one criterion holding any of them; others stay apart."""
    merged: dict[CriterionKind, Criterion] = {}
    rest: list[Criterion] = []
    for criterion in criteria:
        if criterion.kind in (CriterionKind.ACTIVITY_SCORE, CriterionKind.PHENOTYPE):
            found = merged.get(criterion.kind)
            values = (*found.values, *criterion.values) if found else criterion.values
            merged[criterion.kind] = criterion.model_copy(update={"values": tuple(dict.fromkeys(values))})
        else:
            rest.append(criterion)
    return [*merged.values(), *rest]


def _row_text(raw: Mapping[str, Any], path: Path, where: str) -> str:
    """The row's text, or (for rows that quote the guideline) its first source's quote, whitespace kept per line."""
    if raw.get("text"):
        return " ".join(str(raw["text"]).split())
    sources = raw.get("sources") or []
    if not sources:
        raise KnowledgeError("a row needs text or a source quote", source=path, location=where)
    lines = (" ".join(line.split()) for line in str(sources[0]["quote"]).splitlines())
    return "\n".join(line for line in lines if line)


def _values(gene: str, wanted: Any, phenotypes: PhenotypeKnowledge, path: Path, where: str) -> list[Any]:
    """The gene results a row is written for: one value, a list, or every score of a phenotype."""
    if isinstance(wanted, str):
        return [wanted]
    if isinstance(wanted, list):
        return [value for item in wanted for value in _values(gene, item, phenotypes, path, where)]
    if isinstance(wanted, dict) and set(wanted) & {"diplotype", "all_of"}:
        return [wanted]
    if isinstance(wanted, dict) and set(wanted) == {"scores_of"}:
        table = phenotypes.gene(gene)
        scores = [s for s, p in (table.activity_scores if table else {}).items() if p == wanted["scores_of"]]
        if not scores:
            raise KnowledgeError(
                f"{gene} has no activity score for {wanted['scores_of']!r}", source=path, location=where
            )
        return sorted(scores, key=float)
    raise KnowledgeError(f"{gene}: expected a value, a list or {{scores_of: PHENOTYPE}}", source=path, location=where)


def _criterion(gene: str, value: Any, phenotypes: PhenotypeKnowledge, path: Path, where: str) -> Criterion:
    if isinstance(value, dict) and "diplotype" in value:
        alleles = tuple(sorted(str(value["diplotype"]).split("/")))
        return Criterion(gene=gene, kind=CriterionKind.DIPLOTYPE, values=alleles)
    if isinstance(value, dict) and "all_of" in value:
        return Criterion(gene=gene, kind=CriterionKind.ALLELE_STATUS, values=tuple(value["all_of"]))
    if value == _NO_RESULT:
        return Criterion(gene=gene, kind=CriterionKind.NO_RESULT)
    if _ALLELE_STATUS.match(value):
        return Criterion(gene=gene, kind=CriterionKind.ALLELE_STATUS, values=(value,))
    table = phenotypes.gene(gene)
    if table is not None and table.method == PhenotypeMethod.ACTIVITY_SCORE:
        if value in set(table.activity_scores.values()):
            return Criterion(gene=gene, kind=CriterionKind.PHENOTYPE, values=(value,))  # DPWG asks by phenotype
        if not (value == "n/a" or _SCORE.match(value)):
            raise KnowledgeError(f"{gene} is looked up by activity score, not {value!r}", source=path, location=where)
        return Criterion(gene=gene, kind=CriterionKind.ACTIVITY_SCORE, values=(value,))
    return Criterion(gene=gene, kind=CriterionKind.PHENOTYPE, values=(value,))


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _text(raw: Any, key: str, path: Path, where: str) -> str:
    value = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(value, str) or not value:
        raise KnowledgeError(f"missing text field {key!r}", source=path, location=where)
    return value


def _mapping(raw: Any, key: str, path: Path, where: str) -> dict[str, Any]:
    value = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(value, dict) or not value:
        raise KnowledgeError(f"missing mapping {key!r}", source=path, location=where)
    return value


def stale_files(curated: Path = CURATED) -> list[Path]:
    """Compiled files that are missing or differ from a fresh compile, plus compiled files no source produces."""
    files = compile_core(curated)
    stale = [
        rel
        for rel, text in files.items()
        if not (curated / rel).is_file() or (curated / rel).read_text("utf-8") != text
    ]
    folder = curated / DEFINITIONS
    orphans = [p.relative_to(curated) for p in folder.glob("*.json") if p.relative_to(curated) not in files]
    return sorted(stale + orphans)


def main(argv: list[str]) -> int:
    try:
        if "--check" in argv[1:]:
            stale = stale_files()
            for rel in stale:
                print(f"out of date: {rel}", file=sys.stderr)
            return 1 if stale else 0
        files = compile_core()
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    for rel, text in sorted(files.items()):
        write_text_atomic(CURATED / rel, text)
    for orphan in (CURATED / DEFINITIONS).glob("*.json"):
        if orphan.relative_to(CURATED) not in files:
            orphan.unlink()
    print(f"wrote {len(files)} files under {CURATED.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
