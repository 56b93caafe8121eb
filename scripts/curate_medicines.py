"""Write the curated medicine vocabulary: ingredients with RxNorm codes, ATC codes, brands and RxNorm products.

Usage: python scripts/curate_medicines.py VALUESET_DIR ATC_CSV

* ingredients: every drug the curated PGx guidelines and phenoconversion rules name, and every ingredient of the
  value sets below; RxNorm ingredient code, ATC codes and CPIC level per gene from PyPGx's CPIC gene-drug table
  (``$TAILORMED_SHARED_DATA/pgx/pypgx/cpic-table.csv``, MIT);
* ATC codes of the other ingredients: the WHO ATC/DDD index (``ATC_CSV``: one row per code, ``atc_code,atc_name,...``,
  as scraped from the WHO site by ``fabkury/atcd``, ``WHO ATC-DDD 2026-04-25.csv``);
* RxNorm products (clinical and branded drugs) and drug classes: NLM VSAC value sets as FHIR JSON (``VALUESET_DIR``:
  ``cqframework/ecqm-content-r4-2021``, ``input/vocabulary/valueset/external``, CC0), each product with its RxNorm
  display (brands are the bracketed names of branded products);
* brand names read on FDA labels (``BRANDS`` below, each with the label's words).

Writes ``src/tailormed/knowledge/curated/medicines/medicines.json``; every fact carries ``sources`` (cite, where,
the source's own words). Runs on a developer machine; nothing here runs at analysis time.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from tailormed.fileio import write_text_atomic
from tailormed.knowledge.medicines import CLASS_VALUE_SETS, base_name

REPO = Path(__file__).resolve().parents[1]
CURATED = REPO / "src" / "tailormed" / "knowledge" / "curated"
OUT = CURATED / "medicines" / "medicines.json"
VALUE_SET_REPO = "cqframework/ecqm-content-r4-2021@0be9c6864640478209add3b5c99178291986a0e0"
ATC_CITE = "ATC: WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index (as of 2026-04-25)"

#: Brand names read on FDA labels: brand -> (ingredient, label URL, the label's own words).
BRANDS: dict[str, tuple[str, str, str]] = {
    "Plavix": ("clopidogrel", "https://www.drugs.com/pro/plavix.html", "PLAVIX® (clopidogrel tablets) for oral use"),
    "Zocor": (
        "simvastatin",
        "https://dailymed.nlm.nih.gov/dailymed/",
        "DailyMed (U.S. National Library of Medicine) — ZOCOR (simvastatin) tablets",
    ),
    "Coumadin": (
        "warfarin",
        "https://vdocuments.site/aphena-pharma-solutions-tennessee-inc-coumadin-.html",
        "COUMADIN (warfarin sodium) tablets, for oral use",
    ),
    "Lipitor": (
        "atorvastatin",
        "https://dailymed.nlm.nih.gov/dailymed/",
        "LIPITOR (atorvastatin calcium) tablets: FDA prescribing information",
    ),
    "Crestor": (
        "rosuvastatin",
        "https://docobook.com/queue/crestor-pi-azpicentralcom.html",
        "CRESTOR (rosuvastatin calcium) tablets Initial U.S. Approval: 2003",
    ),
    "Prilosec": (
        "omeprazole",
        "https://nctr-crs.fda.gov/fdalabel/services/spl/set-ids/b6761f84-53ac-4745-a8c8-1e5427d7e179/spl-doc",
        "PRILOSEC® (omeprazole magnesium) for delayed-release oral suspension",
    ),
}

#: Ingredient names the WHO ATC index spells differently (INN vs USAN).
WHO_NAMES = {
    "rifampin": "rifampicin",
    "methylene blue": "methylthioninium chloride",
    "toluidine blue": "tolonium chloride",
}

_PACK = re.compile(r"^\{.*\}\s*pack$", re.IGNORECASE)
_LEADING_AMOUNT = re.compile(r"^(\d+(\.\d+)?\s*(ml|hr|actuat)\s+)+", re.IGNORECASE)
_BRAND = re.compile(r"\[([^\]]+)\]\s*$")
#: Dose-form words of RxNorm dose-form group concepts (``acarbose Oral Product``, ``... Pill``).
_GROUP_WORDS = frozenset(
    [
        "oral",
        "product",
        "pill",
        "tablet",
        "capsule",
        "injectable",
        "injection",
        "injector",
        "pen",
        "auto-injector",
        "inhalant",
        "topical",
        "transdermal",
        "system",
        "solution",
        "suspension",
    ]
)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    value_sets, atc_csv = Path(argv[1]), Path(argv[2])
    shared = Path(os.environ.get("TAILORMED_SHARED_DATA", REPO.parent / "shared" / "data"))
    cpic = _cpic_table(shared / "pgx" / "pypgx" / "cpic-table.csv")
    who = _who_atc(atc_csv)
    wanted = _knowledge_drugs() | set(cpic)
    medicines: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        return medicines.setdefault(
            name,
            {
                "ingredient": name,
                "rxnorm": None,
                "atc": [],
                "atc_combinations": [],
                "brands": [],
                "classes": [],
                "products": [],
                "cpic_pairs": [],
                "sources": [],
            },
        )

    for name, row in sorted(cpic.items()):
        item = entry(name)
        item["rxnorm"] = row["rxnorm"]
        own = {code for code, _ in who.get(name, [])}
        # PyPGx also lists combination products' codes (simvastatin: A10BH51, sitagliptin and simvastatin); the
        # ingredient's own codes are those the WHO index names after it.
        item["atc"] = [c for c in row["atc"] if not own or c in own]
        item["atc_combinations"] = [c for c in row["atc"] if own and c not in own]
        item["cpic_pairs"] = row["pairs"]
        item["sources"].append(
            {
                "cite": "https://github.com/sbslee/pypgx",
                "at": "pypgx 0.27.0, pypgx/api/data/cpic-table.csv (CPIC gene-drug pairs), rows for " + name,
                "quote": "; ".join(row["quotes"]),
            }
        )
    known = wanted | set(who)
    for path in sorted(value_sets.glob("*.json")):
        _value_set(path, wanted, known, entry)
    for name in sorted(wanted):
        entry(name)  # every drug the knowledge names is in the vocabulary, with what the sources say about it
    for name, item in medicines.items():
        who_name = WHO_NAMES.get(name, name)
        if not item["atc"] and who_name in who:
            item["atc"] = list(dict.fromkeys(code for code, _ in who[who_name]))
            for code, quote in dict(reversed(who[who_name])).items():
                item["sources"].append({"cite": ATC_CITE, "at": f"ATC code {code}", "quote": quote})
    named_in = _guideline_sources()
    for name, item in medicines.items():
        if not item["sources"] and name in named_in:
            item["sources"].append(named_in[name])  # known only as the guideline names it
    for brand, (ingredient, url, quote) in BRANDS.items():
        item = entry(ingredient)
        item["brands"].append(brand)
        item["sources"].append({"cite": url, "at": "FDA prescribing information, title", "quote": quote})
    for item in medicines.values():
        item["brands"] = sorted(set(item["brands"]))
        item["classes"] = sorted(set(item["classes"]))
        item["products"] = sorted(item["products"], key=lambda p: int(p["rxnorm"]))
    data = {
        "version": "2026-12-02",
        "sources": {
            "value_sets": f"NLM VSAC value sets (FHIR JSON) from {VALUE_SET_REPO}, input/vocabulary/valueset/external",
            "atc": ATC_CITE,
            "cpic": "PyPGx 0.27.0 cpic-table.csv",
        },
        "medicines": [medicines[name] for name in sorted(medicines)],
    }
    write_text_atomic(OUT, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(medicines)} medicines to {OUT.relative_to(REPO)}")
    return 0


def _cpic_table(path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["Drug"].strip().casefold()
            item = found.setdefault(name, {"rxnorm": None, "atc": [], "pairs": [], "quotes": []})
            rxnorm = row["RxNorm"].strip()
            if rxnorm not in ("", "NA"):
                item["rxnorm"] = rxnorm
            item["atc"] = sorted(
                {*item["atc"], *(c.strip() for c in row["ATC"].split(",") if c.strip() not in ("", "NA"))}
            )
            if row["CPICLevel"].strip():
                item["pairs"].append({"gene": row["Gene"], "level": row["CPICLevel"].strip()})
            item["quotes"].append(f'{row["Gene"]},{row["Drug"]},{row["RxNorm"]},"{row["ATC"]}",...,{row["CPICLevel"]}')
    return found


def _who_atc(path: Path) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["atc_code"].strip()
            if len(code) == 7:
                quote = f"{code},{row['atc_name']},{row['ddd']},{row['uom']},{row['adm_r']}"
                found.setdefault(row["atc_name"].strip().casefold(), []).append((code, quote))
    return found


def _guideline_sources() -> dict[str, dict[str, str]]:
    """Per drug, the first quoted source of a guideline row written for it."""
    guidelines = json.loads((CURATED / "pgx-core-guidelines" / "guidelines.json").read_text(encoding="utf-8"))
    found: dict[str, dict[str, str]] = {}
    for guideline in guidelines["guidelines"]:
        for row in guideline.get("recommendations") or []:
            for drug in row.get("drugs") or [d["name"] for d in guideline["drugs"]]:
                if row.get("sources"):
                    found.setdefault(drug.casefold(), row["sources"][0])
    return found


def _knowledge_drugs() -> set[str]:
    guidelines = json.loads((CURATED / "pgx-core-guidelines" / "guidelines.json").read_text(encoding="utf-8"))
    names = {d["name"].casefold() for g in guidelines["guidelines"] for d in g["drugs"]}
    rules = yaml.safe_load((CURATED / "pgx-phenoconversion" / "phenoconversion.yaml").read_text(encoding="utf-8"))
    names |= {p["drug"].casefold() for p in rules["perpetrators"]}
    return names


def _value_set(path: Path, wanted: set[str], known: set[str], entry: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("resourceType") != "ValueSet":
        return
    url = data.get("url") or ""
    title = data.get("title") or data.get("name") or ""
    klass = CLASS_VALUE_SETS.get(url.rsplit("/", 1)[-1])
    concepts = [c for c in (data.get("expansion") or {}).get("contains") or [] if "rxnorm" in c.get("system", "")]
    for concept in concepts:
        display = str(concept.get("display") or "")
        if not display or _PACK.match(display):
            continue
        ingredients = ingredients_of(display)
        if not ingredients or not set(ingredients) <= known:
            continue  # dose-form groups of brands, kits and names no ATC entry confirms
        if klass is None and not set(ingredients) & wanted:
            continue
        brand = _BRAND.search(display)
        single = len(ingredients) == 1
        for name in ingredients:
            item = entry(name)
            if klass is not None and single:
                item["classes"].append(klass)
            if " ".join(display.casefold().split()) == name:
                item["rxnorm"] = item["rxnorm"] or str(concept["code"])
            elif single and not any(p["rxnorm"] == str(concept["code"]) for p in item["products"]):
                item["products"].append({"rxnorm": str(concept["code"]), "display": display})
            if brand and single:
                item["brands"].append(brand.group(1))
            quote = {
                "cite": url,
                "at": f"{title} (version {data.get('version')}), RxNorm {concept['code']}",
                "quote": display,
            }
            if len(display) >= 8 and quote not in item["sources"]:
                item["sources"].append(quote)


def ingredients_of(display: str) -> list[str]:
    """The ingredient names of an RxNorm concept name: ``hydrochlorothiazide 12.5 MG / lisinopril 10 MG ...``."""
    text = _BRAND.sub("", display).strip()
    text = _LEADING_AMOUNT.sub("", text)
    names = []
    for part in text.split(" / "):
        words: list[str] = []
        for word in _LEADING_AMOUNT.sub("", part.strip()).split():
            if word[:1].isdigit():
                break
            if word.casefold() in _GROUP_WORDS:
                continue
            words.append(word)
        if words:
            names.append(base_name(" ".join(words)))
    return [n for n in dict.fromkeys(names) if n]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
