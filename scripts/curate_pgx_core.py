"""Write the PharmCAT-derived parts of the curated PGx core, each fact with its source and the source's words.

Usage: python scripts/curate_pgx_core.py [PHARMCAT_DIR [FDA_ASSOCIATIONS_JSON]]
       (default: $TAILORMED_SHARED_DATA/pgx/pharmcat; the FDA file is optional)

Reads PharmCAT's export of the CPIC and DPWG guideline annotations (``guidelines_*/``), its phenotype tables
(``phenotype/``, ``phenotype_fallback/CYP2D6.cpic.json``), allele definitions (``definition/alleles/``) and
``phenotypes.tsv``, and writes three reviewable YAML files in tailormed's own format:

* ``curated/pgx-core-guidelines/cpic-dpwg.yaml``: every CPIC and DPWG guideline whose genes the core can
  phenotype, one row per distinct recommendation (rows the annotation repeats per drug are merged), each with
  ``sources``: the guideline citation, where the recommendation sits in the annotation (its ids and lookup
  key) and the recommendation text verbatim;
* ``curated/pgx-core-phenotypes/generated.yaml``: CYP2D6 (every CPIC allele and its activity value, for outside
  calls), MT-RNR1 (outside calls), CACNA1S, ABCG2 and NAT2 (called from a VCF), RYR1 (outside phenotype only), each
  allele with the table cell it comes from;
* ``curated/pgx-core-definitions/generated.yaml``: the allele definitions of CACNA1S, ABCG2, CYP2D6 and NAT2, taken
  whole, with the gene's exemptions (``exemptions.json``): NAT2's required positions and the diplotype PharmCAT
  reports when unphased genotypes fit several.

Rows whose annotation lookup key is named in ``curated/pgx-core-guidelines/row-conditions.yaml`` (hand-written) carry
that file's ``condition`` with its quotes (DPWG's two DPYD rows at activity score 1.0).

* ``curated/pgx-core-guidelines/fda.yaml`` (when ``FDA_ASSOCIATIONS_JSON`` is given: PharmGKB's verbatim capture of
  the FDA Table of Pharmacogenetic Associations, ``PharmGKB/fda-biomarker``, ``fda_pgx_associations_table.json``):
  one guideline per drug and gene of the core, each row quoting the table's "Description of Gene-Drug
  Interaction", with the table section as its classification.

``scripts/compile_pgx_core.py`` compiles these with the hand-written sources. Nothing here runs at analysis time,
and no upstream file is copied: the YAML holds the facts and the quotes they rest on.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tailormed.fileio import write_text_atomic
from tailormed.knowledge.importers.pharmcat_guidelines import parse_row
from tailormed.knowledge.pgx.core_sources import (
    definition_quotes,
    exemption_quotes,
    hemizygous_label,
    pair_label,
    score_label,
)
from tailormed.knowledge.pgx.guidelines import CriterionKind, RecommendationRow
from tailormed.knowledge.pgx.row_conditions import RowConditionEntry, read_row_conditions

REPO = Path(__file__).resolve().parents[1]
CURATED = REPO / "src" / "tailormed" / "knowledge" / "curated"
GUIDELINES_OUT = CURATED / "pgx-core-guidelines" / "cpic-dpwg.yaml"
FDA_OUT = CURATED / "pgx-core-guidelines" / "fda.yaml"
CONDITIONS = CURATED / "pgx-core-guidelines" / "row-conditions.yaml"
PHENOTYPES_OUT = CURATED / "pgx-core-phenotypes" / "generated.yaml"
DEFINITIONS_OUT = CURATED / "pgx-core-definitions" / "generated.yaml"

#: Genes the core can phenotype once this script's tables are added (hand-written ones + the generated ones).
CORE_GENES = frozenset(
    {
        "ABCG2",
        "CACNA1S",
        "CYP2B6",
        "CYP2C19",
        "CYP2C9",
        "CYP2D6",
        "CYP3A5",
        "CYP4F2",
        "DPYD",
        "G6PD",
        "HLA-A",
        "HLA-B",
        "MT-RNR1",
        "NAT2",
        "NUDT15",
        "RYR1",
        "SLCO1B1",
        "TPMT",
        "UGT1A1",
        "VKORC1",
    }
)
#: Genes whose definitions are taken whole from PharmCAT (with their exemptions: NAT2's required positions and
#: unphased priorities).
WHOLE_DEFINITIONS = ("ABCG2", "CACNA1S", "CYP2D6", "NAT2")
#: Genes phenotyped from PharmCAT's table by the functions of their two alleles.
PAIR_PHENOTYPES = (("MT-RNR1", "MT_RNR1"), ("CACNA1S", "CACNA1S"), ("ABCG2", "ABCG2"), ("NAT2", "NAT2"))
_FLAG_NAMES = (
    ("dosing_information", "dose"),
    ("alternate_drug_available", "alternative"),
    ("other_prescribing_guidance", "other"),
)
_PHARMCAT = "PharmCAT v3.1.1 data (PharmGKB/PharmCAT, tag v3.1.1)"


class _Dumper(yaml.SafeDumper):
    """Block style for long texts so the quotes stay readable in review; no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def main(argv: list[str]) -> int:
    default = Path(os.environ.get("TAILORMED_SHARED_DATA", REPO.parent / "shared" / "data")) / "pgx" / "pharmcat"
    pharmcat = Path(argv[1]) if len(argv) > 1 else default
    codes = _drug_codes(pharmcat.parent / "pypgx" / "cpic-table.csv")
    folder = next(pharmcat.glob("guidelines_*"))
    conditions = read_row_conditions(CONDITIONS)
    used: set[tuple[str, str, str]] = set()
    guidelines = [
        g for path in sorted(folder.glob("*.json")) if (g := _guideline(path, codes, conditions, used)) is not None
    ]
    unused = [key for key in conditions if key not in used]
    if unused:
        raise SystemExit(f"{CONDITIONS}: no annotation row has the lookup key of {unused}")
    header = (
        "# Generated by scripts/curate_pgx_core.py from PharmCAT's export of the ClinPGx CPIC and DPWG guideline\n"
        f"# annotations ({folder.name}); do not edit by hand, re-run the script. Each row quotes the recommendation\n"
        "# as the guideline states it (CPIC content CC0-1.0; DPWG annotation text ClinPGx CC-BY-SA-4.0).\n"
        "# A row without `text` shows its first source's quote. `when` values: a phenotype, an activity score,\n"
        "# an allele status, `No Result`, {diplotype: A/B} or {all_of: [statuses]}.\n"
    )
    _write(GUIDELINES_OUT, header, {"version": folder.name.removeprefix("guidelines_"), "guidelines": guidelines})
    _write(
        PHENOTYPES_OUT,
        "# Generated by scripts/curate_pgx_core.py from PharmCAT's phenotype tables; do not edit by hand.\n",
        {
            "phenotype_terms": _phenotype_terms(pharmcat),
            "phenotype_terms_source": {
                "cite": f"PharmCAT: docs/phenotypes.tsv, {_PHARMCAT}",
                "at": "column CPIC Phenotypes, one row per gene",
                "quote": "Gene\tNamed Alleles\tCPIC Phenotypes\tCPIC Activity Scores\tDPWG Phenotypes",
            },
            "genes": _phenotypes(pharmcat),
        },
    )
    _write(
        DEFINITIONS_OUT,
        "# Generated by scripts/curate_pgx_core.py from PharmCAT's allele definitions; do not edit by hand.\n",
        {"genes": {gene: _definition(pharmcat, gene) for gene in WHOLE_DEFINITIONS}},
    )
    if len(argv) > 2:
        fda, skipped = _fda(Path(argv[2]), codes)
        header = (
            "# Generated by scripts/curate_pgx_core.py from PharmGKB's verbatim capture of the FDA Table of\n"
            "# Pharmacogenetic Associations (PharmGKB/fda-biomarker); do not edit by hand. Each row quotes the\n"
            "# table's description; `classification` is the table section. Rows for genes the core cannot\n"
            "# phenotype, or whose affected subgroup has no core phenotype, are left out\n"
            f"# ({len(skipped)}: {'; '.join(skipped)}).\n"
        )
        _write(FDA_OUT, header, {"version": "FDA table as captured 2021-03-22", "guidelines": fda})
    print(f"wrote {len(guidelines)} guidelines, {GUIDELINES_OUT.relative_to(REPO)} and the generated tables")
    return 0


#: FDA table sections as PharmGKB's capture names them.
_FDA_SECTIONS = {
    "recommendation": "FDA section 1: data support therapeutic management recommendations",
    "impact": "FDA section 2: potential impact on safety or response",
    "pk": "FDA section 3: potential impact on pharmacokinetic properties only",
}
_METABOLIZERS = ("ultrarapid", "normal", "intermediate", "poor")


def _fda(path: Path, codes: Mapping[str, tuple[str | None, list[str]]]) -> tuple[list[dict[str, Any]], list[str]]:
    """One guideline per FDA row whose gene the core phenotypes; the subgroup becomes the row's criterion."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    url = raw["sourceUrl"]
    captured = raw["collectedOn"][:10]
    guidelines: dict[str, dict[str, Any]] = {}
    skipped = []
    for entry in raw["table"]:
        drug, subgroup, text = (
            entry["Drug"],
            entry["Affected Subgroups+"],
            entry["Description of Gene-Drug Interaction"],
        )
        genes = [g.strip() for g in entry["Gene"].split(" and/or ")]
        whens = [(gene, _fda_values(gene, subgroup)) for gene in genes]
        usable = [(gene, values) for gene, values in whens if gene in CORE_GENES and values]
        if not usable:
            skipped.append(f"{drug} {entry['Gene']} ({subgroup})")
            continue
        key = f"fda-{drug}-{'-'.join(genes)}".lower().replace(" ", "-").replace("/", "-")
        guideline = guidelines.setdefault(
            key,
            {
                "id": key,
                "source": "FDA",
                "name": f"FDA Table of Pharmacogenetic Associations: {drug.lower()} and {', '.join(genes)}",
                "url": url,
                "drugs": [_drug(drug.lower(), codes)],
                "genes": [gene for gene, _ in usable],
                "citations": [],
                "rows": [],
            },
        )
        for gene, values in usable:
            # No change flags: the table's rows mix advice with "no dosage adjustment is needed" in one cell, so FDA
            # rows are shown beside CPIC/DPWG as the label's words and never become an action on their own.
            row: dict[str, Any] = {"when": {gene: values}, "classification": _FDA_SECTIONS[entry["table"]]}
            row["sources"] = [
                {
                    "cite": url,
                    "at": f"{_FDA_SECTIONS[entry['table']]}; row {drug} / {entry['Gene']} / {subgroup} "
                    f"(verbatim capture by PharmGKB/fda-biomarker, {captured})",
                    "quote": text,
                }
            ]
            guideline["rows"].append(row)
    return list(guidelines.values()), skipped


def _fda_values(gene: str, subgroup: str) -> Any:
    """The core's phenotype terms (or allele status) for the table's affected subgroup, or None."""
    text = subgroup.casefold()
    if "allele positive" in text and gene.startswith("HLA-"):
        return f"{subgroup.split()[0]} positive"
    if gene == "SLCO1B1":
        return ["Decreased Function", "Poor Function"] if "521 tc" in text else ["Poor Function"]
    if gene == "VKORC1" and "-1639g>a" in text:
        return ["-1639 AG", "-1639 AA"]
    found = [f"{word.title()} Metabolizer" for word in _METABOLIZERS if word in text and "metaboli" in text]
    return found or None


def _write(path: Path, header: str, data: Any) -> None:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    write_text_atomic(path, header + text)


def _drug_codes(path: Path) -> dict[str, tuple[str | None, list[str]]]:
    found: dict[str, tuple[str | None, list[str]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            atc = [c.strip() for c in row["ATC"].split(",") if c.strip() and c.strip() != "NA"]
            rxnorm = row["RxNorm"].strip()
            found.setdefault(row["Drug"].strip().casefold(), (rxnorm if rxnorm not in ("", "NA") else None, atc))
    return found


def _guideline(
    path: Path,
    codes: Mapping[str, tuple[str | None, list[str]]],
    conditions: Mapping[tuple[str, str, str], RowConditionEntry],
    used: set[tuple[str, str, str]],
) -> dict[str, Any] | None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    head = raw["guideline"]
    legacy: dict[str, str] = {}
    parsed = [
        (row, parse_row(row, path, f"recommendations[{i}]", legacy)) for i, row in enumerate(raw["recommendations"])
    ]
    # Rows whose whole text is "n/a" (a few indeterminate statin combinations) say nothing to quote or show.
    rows = [(row, typed) for row, typed in parsed if typed is not None and len(typed.text) >= 8]
    genes = sorted({gene for _, typed in rows for gene in typed.genes})
    if not rows or not set(genes) <= CORE_GENES:
        return None
    citations = [
        {"pmid": str(c["pmid"]), "title": c["title"].rstrip("."), "journal": c["journal"], "year": int(c["year"])}
        for c in raw.get("citations") or ()
        if c.get("pmid")
    ]
    cite = _cite(head["source"], head["name"], citations)
    drugs = [c["name"] for c in head["relatedChemicals"]]
    merged: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for row, typed in rows:
        key = json.dumps(
            [_when(typed), typed.population, typed.classification, typed.implications, typed.text, _changes(typed)]
        )
        if key not in merged:
            merged[key] = {"typed": typed, "drugs": [], "ids": [], "lookup": row["lookupKey"]}
            order.append(key)
        merged[key]["drugs"].extend(d for d in typed.drugs if d not in merged[key]["drugs"])
        merged[key]["ids"].append(str(row["id"]))
    out_rows = []
    for key in order:
        entry = merged[key]
        typed = entry["typed"]
        out: dict[str, Any] = {"when": _when(typed)}
        if sorted(entry["drugs"]) != sorted(drugs):
            out["drugs"] = entry["drugs"]
        if typed.population:
            out["population"] = typed.population
        if typed.classification:
            out["classification"] = typed.classification
        implications = _implications(typed.implications)
        if implications:
            out["implications"] = implications
        if _changes(typed):
            out["changes"] = _changes(typed)
        lookup = ", ".join(
            f"{gene} {json.dumps(value) if isinstance(value, dict) else value}"
            for gene, value in entry["lookup"].items()
        )
        out["sources"] = [
            {
                "cite": cite,
                "at": f"{head['id']} recommendation {'/'.join(entry['ids'])} ({lookup})",
                "quote": typed.text,
            }
        ]
        for gene, value in entry["lookup"].items():
            condition = conditions.get((head["source"], gene, str(value)))
            if condition is not None:
                used.add(condition.key)
                out["condition"] = {
                    "gene": gene,
                    "score_from": condition.score_from.value,
                    "sources": [source.model_dump(mode="json", exclude_defaults=True) for source in condition.sources],
                }
        out_rows.append(out)
    for gene in genes:
        out_rows = _merge_values(out_rows, gene)
    return {
        "id": path.stem.lower().replace("_", "-"),
        "source": head["source"],
        "name": head["name"].removeprefix("Annotation of "),
        "url": head.get("url"),
        "drugs": [_drug(name, codes) for name in drugs],
        "genes": genes,
        "citations": citations,
        "rows": out_rows,
    }


def _merge_values(rows: list[dict[str, Any]], gene: str) -> list[dict[str, Any]]:
    """Rows that differ only in ``gene``'s value become one row listing the values (the compiler expands them)."""
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        value = row["when"].get(gene)
        if value is None or isinstance(value, dict):
            merged[json.dumps(row, sort_keys=True)] = row
            continue
        rest = {
            **row,
            "when": {g: v for g, v in row["when"].items() if g != gene},
            "sources": [{k: v for k, v in src.items() if k != "at"} for src in row["sources"]],
        }
        key = json.dumps(rest, sort_keys=True)
        if key not in merged:
            merged[key] = {**row, "when": dict(row["when"]), "sources": [dict(src) for src in row["sources"]]}
            continue
        target = merged[key]
        values = target["when"][gene] if isinstance(target["when"][gene], list) else [target["when"][gene]]
        target["when"][gene] = [*values, *(value if isinstance(value, list) else [value])]
        for mine, theirs in zip(target["sources"], row["sources"], strict=True):
            mine["at"] += "; " + theirs["at"]
    return list(merged.values())


def _cite(source: str, name: str, citations: list[dict[str, Any]]) -> str:
    pmids = ", ".join(f"PMID:{c['pmid']}" for c in citations[:1])
    title = name.removeprefix("Annotation of ")
    return f"{source}: {title}" + (f" ({pmids})" if pmids else "")


def _drug(name: str, codes: Mapping[str, tuple[str | None, list[str]]]) -> dict[str, Any]:
    rxnorm, atc = codes.get(name.casefold(), (None, []))
    drug: dict[str, Any] = {"name": name}
    if rxnorm:
        drug["rxnorm"] = rxnorm
    if atc:
        drug["atc"] = atc
    return drug


def _when(row: RecommendationRow) -> dict[str, Any]:
    when: dict[str, Any] = {}
    for criterion in row.criteria:
        if criterion.kind == CriterionKind.NO_RESULT:
            when[criterion.gene] = "No Result"
        elif criterion.kind == CriterionKind.DIPLOTYPE:
            when[criterion.gene] = {"diplotype": "/".join(criterion.values)}
        elif criterion.kind == CriterionKind.ALLELE_STATUS and len(criterion.values) > 1:
            when[criterion.gene] = {"all_of": list(criterion.values)}
        else:
            when[criterion.gene] = criterion.values[0]
    return when


def _changes(row: RecommendationRow) -> list[str]:
    return [name for field, name in _FLAG_NAMES if getattr(row, field)]


def _implications(items: Iterable[str]) -> dict[str, str] | list[str]:
    """``GENE: text`` items as a mapping; DPWG's items, which name no gene, as a list."""
    listed = list(items)
    found: dict[str, str] = {}
    for item in listed:
        gene, _, text = item.partition(": ")
        if gene not in CORE_GENES or gene in found:
            return listed
        found[gene] = text
    return found


def _phenotypes(pharmcat: Path) -> dict[str, Any]:
    genes: dict[str, Any] = {}
    cyp2d6 = json.loads((pharmcat / "phenotype_fallback" / "CYP2D6.cpic.json").read_text(encoding="utf-8"))
    cite = f"CPIC: CYP2D6 allele functionality and diplotype-phenotype table, version {cyp2d6['version']}"
    scores: dict[str, str] = {}

    def number(item: tuple[str, str]) -> float:
        return -1.0 if item[0] == "n/a" else float(item[0].removeprefix("≥"))

    for row in cyp2d6["diplotypes"]:
        if row.get("activityScore") and row.get("phenotype"):
            scores.setdefault(row["activityScore"], row["phenotype"])
    genes["CYP2D6"] = {
        "method": "activity_score",
        "pairwise_rows": False,
        "note": "Called outside tailormed (copy number and hybrids are not visible in a VCF).",
        "alleles": {a["name"]: _allele(a, cite, "namedAlleles") for a in cyp2d6["namedAlleles"]},
        "scores": dict(sorted(scores.items(), key=number)),
        "sources": [
            {"cite": cite, "at": f"diplotypes {score_label(score)}", "quote": f"activityScore {score}: {phenotype}"}
            for score, phenotype in sorted(scores.items(), key=number)
        ],
    }
    for gene, file in PAIR_PHENOTYPES:
        table = json.loads((pharmcat / "phenotype" / f"{file}.json").read_text(encoding="utf-8"))
        cite = f"PharmCAT: phenotype/{file}.json, {_PHARMCAT}, version {table['version']}"
        alleles = {a["name"]: _allele(a, cite, "namedAlleles") for a in table["namedAlleles"]}
        function = {a["name"]: a["functionValue"] for a in table["namedAlleles"]}
        spec: dict[str, Any] = {"method": "phenotype", "alleles": alleles}
        rules: dict[tuple[str, ...], str] = {}
        sources = []
        for row in table["diplotypes"]:
            names = [n for n, k in row["diplotypekey"].items() for _ in range(int(k))]
            key = tuple(sorted(function[n] for n in names))
            if key not in rules:
                rules[key] = row["phenotype"]
                sources.append(
                    {
                        "cite": cite,
                        "at": f"diplotypes, {row['diplotype']} "
                        + (hemizygous_label(key[0]) if len(key) == 1 else pair_label(*key)),
                        "quote": f"{row['diplotype']}: {row['phenotype']}",
                    }
                )
        if gene == "MT-RNR1":
            spec["haploid_only"] = True
            spec["hemizygous"] = {k[0]: v for k, v in rules.items()}
        else:
            spec["pairs"] = [[*k, v] for k, v in rules.items()]
        spec["sources"] = sources
        genes[gene] = spec
    genes["RYR1"] = {
        "method": "phenotype",
        "outside_only": True,
        "note": "Outside phenotype only: the core has no RYR1 allele definitions.",
    }
    return genes


def _phenotype_terms(pharmcat: Path) -> dict[str, Any]:
    """Per core gene, the CPIC phenotype terms (the vocabulary outside calls and guideline rows use)."""
    with (pharmcat / "phenotypes.tsv").open(encoding="utf-8") as handle:
        tsv = {row["Gene"]: row for row in csv.DictReader(handle, delimiter="\t")}
    return {
        gene: tsv[gene]["CPIC Phenotypes"].split(";")
        for gene in sorted(CORE_GENES)
        if gene in tsv and tsv[gene]["CPIC Phenotypes"]
    }


def _allele(raw: Mapping[str, Any], cite: str, table: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"function": raw["functionValue"]}
    quote = f"{raw['name']}: {raw['functionValue']}"
    if raw.get("activityValue") is not None:
        entry["activity"] = raw["activityValue"]
        quote += f", activity value {raw['activityValue']}"
    entry["sources"] = [{"cite": cite, "at": f"{table}, {raw['name']}", "quote": quote}]
    return entry


def _definition(pharmcat: Path, gene: str) -> dict[str, Any]:
    raw = json.loads((pharmcat / "definition" / "alleles" / f"{gene}_translation.json").read_text(encoding="utf-8"))
    cite = f"PharmCAT: definition/alleles/{gene}_translation.json, {_PHARMCAT}"
    names = [v["rsid"] or f"{v['chromosome']}:{v['position']}" for v in raw["variants"]]
    variants = []
    for v in raw["variants"]:
        variant: dict[str, Any] = {"rsid": v["rsid"], "pos": v["position"], "ref": v["ref"], "alts": v["alts"]}
        if len(v["ref"]) != 1 or len(v["alts"]) != 1 or len(v["alts"][0]) != 1:
            variant["hgvs"] = v["chromosomeHgvsName"]
        variants.append(variant)
    reference = next(a for a in raw["namedAlleles"] if a["reference"])
    alleles: dict[str, Any] = {}
    for allele in raw["namedAlleles"]:
        if allele["reference"]:
            continue
        bases = {names[i]: base for i, base in enumerate(allele["alleles"]) if base is not None}
        alleles[allele["name"]] = bases
    quotes = [{"cite": cite, "at": at, "quote": quote} for at, quote in definition_quotes(raw).items()]
    definition: dict[str, Any] = {
        "chromosome": raw["chromosome"],
        "reference": reference["name"],
        "variants": variants,
        "alleles": alleles,
    }
    exemptions = json.loads((pharmcat / "definition" / "alleles" / "exemptions.json").read_text(encoding="utf-8"))
    exemption = exemptions.get(gene) or {}
    if exemption.get("requiredPositions"):
        definition["required_positions"] = list(exemption["requiredPositions"])
    if exemption.get("unphasedDiplotypePriorities"):
        definition["unphased_priorities"] = [
            {"candidates": list(p["list"]), "pick": p["pick"]} for p in exemption["unphasedDiplotypePriorities"]
        ]
    cite = f"PharmCAT: definition/alleles/exemptions.json, {_PHARMCAT}"
    if exemption:
        quotes += [{"cite": cite, "at": at, "quote": quote} for at, quote in exemption_quotes(exemption).items()]
    definition["sources"] = quotes
    return definition


if __name__ == "__main__":
    sys.exit(main(sys.argv))
