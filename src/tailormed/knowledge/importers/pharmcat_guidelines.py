"""Importer ``pharmcat-guidelines``: CPIC and DPWG guideline annotations into one ``guidelines.json``.

Reads the per-guideline files PharmCAT ships (``guidelines*/{CPIC,DPWG}_<drugs>_and_<genes>.json``, ClinPGx
guideline-annotation format) and writes :class:`~tailormed.knowledge.pgx.guidelines.GuidelineKnowledge`: each
row's lookup key becomes typed criteria and its HTML text becomes plain text.

Legacy DPWG lookup keys (files from before PharmCAT 3.1 harmonised DPWG onto CPIC's gene results) are
normalized, and every mapping applied is listed in ``legacy_key_map`` of the output:

* DPYD ``"1.5 (Intermediate Metabolizer)"``, ``"0.5 (Phenotyping)"`` ... -> activity score ``1.5``, ``0.5``: the
  number is the DPYD activity score; the label in brackets is DPWG's phenotype (or "determine phenotype") and is
  what the row's text says anyway.
* HLA-B ``"1511 and 1502"`` -> allele statuses ``*15:11 positive`` and ``*15:02 positive`` (both must hold).
* allele-count keys such as CYP2C9 ``{"*1": 1, "*3": 1}`` or UGT1A1 ``{"*28": 2}`` -> an exact-diplotype criterion.
* CPIC CYP2D6 ``"xN combinations"`` rows are data-entry help ("xN is not a valid input") and are dropped.

Rows that share a lookup value get the curated core's condition for it (``row-conditions.yaml``: DPWG's DPYD
``"1.0 (Phenotyping)"`` and ``"1.0 (Intermediate Metabolizer)"``), so a bundle built from PharmCAT's export picks
one DPYD row at activity score 1.0 the way the curated core does; the count is in the source's notes.

Drug identifiers: the annotations name drugs with ClinPGx ids only. When the release folder has a sibling
``pypgx/cpic-table.csv`` (PyPGx's CPIC gene-drug table), RxNorm and ATC codes are added from it by drug name.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tailormed.errors import KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.checksums import files_checksums, folder_checksums
from tailormed.knowledge.files import read_json
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.pgx.guidelines import (
    GUIDELINES_FILE,
    SOURCE,
    Citation,
    Criterion,
    CriterionKind,
    DrugRef,
    Guideline,
    GuidelineKnowledge,
    RecommendationRow,
)
from tailormed.knowledge.pgx.row_conditions import RowConditionEntry, curated_row_conditions
from tailormed.knowledge.pharmcat_release import RELEASE_CANDIDATES
from tailormed.knowledge.registry import Importer
from tailormed.tables import read_table

_FOLDER_PATTERNS = ("guidelines", "guidelines_*", "reporter/guidelines")
_DRUG_TABLE = Path("..") / "pypgx" / "cpic-table.csv"

_SCORE = re.compile(r"^≥?\d+(\.\d+)?$")
_LEGACY_SCORE = re.compile(r"^(\d+(?:\.\d+)?) \((.+)\)$")
_ALLELE_STATUS = re.compile(r"^\*\d+:\d+ (positive|negative)$")
_LEGACY_HLA_PAIR = re.compile(r"^(\d{2})(\d{2}) and (\d{2})(\d{2})$")
_SKIPPED_KEYS = frozenset({"xN combinations"})

_LICENCE = "CPIC content CC0-1.0; DPWG annotations by ClinPGx/PharmGKB CC-BY-SA-4.0"
_CITATION = (
    "CPIC guidelines (cpicpgx.org) and DPWG guidelines (KNMP), as annotated by ClinPGx/PharmGKB (Whirl-Carrillo "
    "et al., Clin Pharmacol Ther 2021;110:563) and packaged by PharmCAT (Sangkuhl et al., Clin Pharmacol Ther "
    "2020;107:203)"
)


def detect(upstream: Path) -> Path | None:
    """The folder of per-guideline JSON files (``CPIC_*.json``/``DPWG_*.json``) under ``upstream``."""
    for candidate in RELEASE_CANDIDATES:
        root = upstream / candidate
        for pattern in _FOLDER_PATTERNS:
            for folder in sorted(root.glob(pattern)):
                if folder.is_dir() and any(folder.glob("CPIC_*.json")):
                    return folder.resolve()
    return None


def build(upstream_root: Path, out_dir: Path) -> SourceRecord:
    files = sorted([*upstream_root.glob("CPIC_*.json"), *upstream_root.glob("DPWG_*.json")])
    if not files:
        raise KnowledgeError("no CPIC_*.json or DPWG_*.json guideline files", source=upstream_root)
    drug_table = (upstream_root.parent / _DRUG_TABLE).resolve()
    identifiers = _drug_identifiers(drug_table) if drug_table.is_file() else {}
    legacy: dict[str, str] = {}
    skipped = 0
    guidelines = []
    conditions = curated_row_conditions()
    for path in files:
        guideline, dropped = _guideline(path, identifiers, legacy, conditions)
        guidelines.append(guideline)
        skipped += dropped
    conditioned = sum(row.condition is not None for g in guidelines for row in g.recommendations)
    versions = sorted({g.version for g in guidelines})
    knowledge = GuidelineKnowledge(version=", ".join(versions), guidelines=tuple(guidelines), legacy_key_map=legacy)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / GUIDELINES_FILE, knowledge.model_dump_json(exclude_defaults=True))
    rows = sum(len(g.recommendations) for g in guidelines)
    used = [*files, drug_table] if identifiers else files
    notes = (
        f"{sum(g.source == 'CPIC' for g in guidelines)} CPIC + {sum(g.source == 'DPWG' for g in guidelines)} DPWG "
        f"guidelines, {rows} rows ({skipped} 'xN combinations' rows dropped); {len(legacy)} legacy DPWG keys "
        f"normalized; {conditioned} rows carry a curated row condition; "
        f"RxNorm/ATC {'from PyPGx cpic-table.csv' if identifiers else 'not available'}; "
        "no FDA label guidance in this data"
    )
    return SourceRecord(
        name=SOURCE,
        title="CPIC and DPWG prescribing recommendations (ClinPGx guideline annotations)",
        version=knowledge.version,
        licence=_LICENCE,
        citation=_CITATION,
        url="https://www.clinpgx.org/guidelineAnnotations",
        importer=SOURCE,
        files=folder_checksums(out_dir),
        upstream_files=files_checksums(Path(os.path.commonpath([p.parent for p in used])), used),
        notes=notes,
    )


def _guideline(
    path: Path,
    identifiers: dict[str, tuple[str | None, tuple[str, ...]]],
    legacy: dict[str, str],
    conditions: Mapping[tuple[str, str, str], RowConditionEntry],
) -> tuple[Guideline, int]:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise KnowledgeError("expected a JSON object", source=path)
    try:
        head = raw["guideline"]
        drugs = tuple(
            DrugRef(
                name=c["name"],
                pharmgkb_id=c.get("id"),
                rxnorm=identifiers.get(c["name"].casefold(), (None, ()))[0],
                atc=identifiers.get(c["name"].casefold(), (None, ()))[1],
            )
            for c in head["relatedChemicals"]
        )
        rows = []
        skipped = 0
        for number, row in enumerate(raw["recommendations"]):
            parsed = parse_row(row, path, f"recommendations[{number}]", legacy, conditions, head["source"])
            if parsed is None:
                skipped += 1
            else:
                rows.append(parsed)
        genes = tuple(dict.fromkeys(gene for row in rows for gene in row.genes)) or tuple(
            g["symbol"] for g in head["relatedGenes"] if g.get("symbol")
        )
        citations = tuple(
            Citation(pmid=c.get("pmid"), title=c.get("title"), journal=c.get("journal"), year=c.get("year"))
            for c in raw.get("citations") or ()
        )
        guideline = Guideline(
            id=head["id"],
            source=head["source"],
            name=head["name"],
            url=head.get("url"),
            version=str(raw["version"]),
            drugs=drugs,
            genes=genes,
            citations=citations,
            recommendations=tuple(rows),
        )
    except KnowledgeError:
        raise
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"malformed guideline annotation: missing or wrong field {exc}", source=path) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise KnowledgeError(f"invalid guideline annotation: {first['msg']}", source=path, location=where) from exc
    return guideline, skipped


def parse_row(
    row: dict[str, Any],
    path: Path,
    where: str,
    legacy: dict[str, str],
    conditions: Mapping[tuple[str, str, str], RowConditionEntry] | None = None,
    source: str | None = None,
) -> RecommendationRow | None:
    """One annotation row as typed criteria and plain text; None for rows that are data-entry help.

    With ``conditions`` and the guideline's ``source``, a row whose lookup value for a gene has a condition carries it.
    """
    keys = row.get("lookupKey")
    if not isinstance(keys, dict) or not keys:
        raise KnowledgeError("lookupKey must be a non-empty object", source=path, location=where)
    if any(isinstance(value, str) and value in _SKIPPED_KEYS for value in keys.values()):
        return None
    criteria = tuple(_criterion(gene, value, path, f"{where}.lookupKey.{gene}", legacy) for gene, value in keys.items())
    classification = (row.get("classification") or {}).get("term")
    matched = [
        conditions[(source, gene, value)]
        for gene, value in keys.items()
        if conditions and source and isinstance(value, str) and (source, gene, value) in conditions
    ]
    return RecommendationRow(
        id=str(row["id"]),
        drugs=tuple(c["name"] for c in row.get("relatedChemicals") or ()),
        population=row.get("population"),
        classification=classification,
        criteria=tuple(sorted(criteria, key=lambda c: c.gene)),
        implications=tuple(row.get("implications") or ()),
        text=html_to_text((row.get("text") or {}).get("html") or ""),
        dosing_information=bool(row.get("dosingInformation")),
        alternate_drug_available=bool(row.get("alternateDrugAvailable")),
        other_prescribing_guidance=bool(row.get("otherPrescribingGuidance")),
        condition=matched[0].condition() if matched else None,
    )


def _criterion(gene: str, value: object, path: Path, where: str, legacy: dict[str, str]) -> Criterion:
    if isinstance(value, dict):
        try:
            alleles = tuple(sorted(name for name, copies in value.items() for _ in range(int(copies))))
        except (TypeError, ValueError) as exc:
            raise KnowledgeError(f"allele counts must be numbers ({exc})", source=path, location=where) from exc
        upstream = json.dumps(value, sort_keys=True)
        legacy[f"{gene} {upstream}"] = f"diplotype {'/'.join(alleles)}"
        return Criterion(gene=gene, kind=CriterionKind.DIPLOTYPE, values=alleles, upstream=upstream)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeError("lookup value must be text or allele counts", source=path, location=where)
    text = value.strip()
    if text == "No Result":
        return Criterion(gene=gene, kind=CriterionKind.NO_RESULT)
    if text == "n/a" or _SCORE.match(text):
        return Criterion(gene=gene, kind=CriterionKind.ACTIVITY_SCORE, values=(text,))
    if _ALLELE_STATUS.match(text):
        return Criterion(gene=gene, kind=CriterionKind.ALLELE_STATUS, values=(text,))
    score = _LEGACY_SCORE.match(text)
    if score:
        legacy[f"{gene} {text}"] = f"activity score {score.group(1)}"
        return Criterion(gene=gene, kind=CriterionKind.ACTIVITY_SCORE, values=(score.group(1),), upstream=text)
    pair = _LEGACY_HLA_PAIR.match(text)
    if pair:
        statuses = (f"*{pair.group(1)}:{pair.group(2)} positive", f"*{pair.group(3)}:{pair.group(4)} positive")
        legacy[f"{gene} {text}"] = "allele statuses " + " and ".join(statuses)
        return Criterion(gene=gene, kind=CriterionKind.ALLELE_STATUS, values=statuses, upstream=text)
    return Criterion(gene=gene, kind=CriterionKind.PHENOTYPE, values=(text,))


class _TextExtractor(HTMLParser):
    """Collects text, turning block elements into line breaks and list items into bullets."""

    _BLOCKS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of a recommendation's HTML: paragraphs on their own lines, list items as ``- ``.

    >>> html_to_text("<p>Avoid codeine &amp; tramadol.</p><ul><li>Use morphine</li></ul>")
    'Avoid codeine & tramadol.\\n- Use morphine'
    """
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in unescape("".join(parser.parts)).splitlines()]
    return "\n".join(line for line in lines if line)


def _drug_identifiers(path: Path) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    found: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for _line, row in read_table(path, ("Drug", "RxNorm", "ATC")):
        name = row["Drug"].strip().casefold()
        rxnorm = row["RxNorm"].strip() or None
        atc = tuple(code.strip() for code in row["ATC"].split(",") if code.strip())
        if name and name not in found:
            found[name] = (rxnorm, atc)
    return found


IMPORTER = Importer(
    name=SOURCE,
    description="CPIC + DPWG guideline annotations (ClinPGx format) -> guidelines.json with typed lookup keys",
    detect=detect,
    build=build,
)
