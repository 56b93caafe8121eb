"""The de-identified research export: research-consented patients only, Safe Harbor, shifted dates, k-anonymity.

For a requested data use (a GA4GH DUO code), the export takes every patient whose research consent permits it
(the access policy decides, patient by patient, so a withdrawal removes the patient from the next export), and
writes:

- ``patients.parquet`` and ``findings.parquet``: one row per patient (research id, age band, sex, region,
  conditions, medications, HPO terms) and one per finding (gene, drug, phenotype, priority);
- ``<research id>.phenopacket.json``: a GA4GH Phenopacket v2 per patient;
- ``export_report.json``: what was removed, generalized and suppressed, and why.

De-identification follows the HIPAA Safe Harbor list: names, record numbers and every other direct identifier are
dropped (research ids are keyed hashes with a fresh key per export, so two exports cannot be linked); all dates
are shifted by a per-patient random offset of up to :data:`MAX_SHIFT_DAYS` days (intervals within a patient are
kept); ages are given as bands, never above 89; free text is dropped. The quasi-identifiers (age band, sex,
region) are then generalized until every combination is shared by at least ``k`` patients (default 5): age bands
widen from 10 to 20 years, then region is dropped, then age is dropped; patients still in smaller groups are
suppressed.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient, Sex

MAX_SHIFT_DAYS = 182
DEFAULT_K = 5
SAFE_HARBOR_REMOVED = [
    "names (display name)",
    "patient and record identifiers (replaced by a research id)",
    "all elements of dates (shifted per patient)",
    "ages over 89 (reported as 90+)",
    "genome file names and sample identifiers",
    "free text (goals, notes, indications)",
]
_SEX = {Sex.MALE: "MALE", Sex.FEMALE: "FEMALE", Sex.OTHER: "OTHER_SEX", Sex.UNKNOWN: "UNKNOWN_SEX"}


@dataclass
class Deidentified:
    research_id: str
    age: int | None
    sex: str
    region: str | None
    shift_days: int
    conditions: list[dict[str, Any]]
    medications: list[str]
    phenotypes: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    duo_codes: list[str]
    age_band: str = "unknown"


@dataclass
class ExportResult:
    files: dict[str, bytes]
    report: dict[str, Any]
    included: list[str] = field(default_factory=list, repr=False)
    """Internal patient ids exported (for the audit trail only; never written into the export)."""


def research_id(key: bytes, patient_id: str) -> str:
    return "R-" + hmac.new(key, patient_id.encode(), hashlib.sha256).hexdigest()[:12]


def _band(age: int | None, width: int) -> str:
    if age is None:
        return "unknown"
    if age >= 90:
        return "90+"
    low = (age // width) * width
    return f"{low}-{min(low + width - 1, 89)}"


def deidentify(
    patient: Patient, plan: CarePlan | None, *, key: bytes, on: date, duo_codes: Sequence[str]
) -> Deidentified:
    """One patient with the Safe Harbor identifiers removed and dates shifted (before k-anonymity)."""
    shift = secrets.randbelow(2 * MAX_SHIFT_DAYS + 1) - MAX_SHIFT_DAYS
    age_float = patient.demographics.age_on(on)
    age = int(age_float) if age_float is not None else None

    def shifted(value: date | None) -> str | None:
        return (value + timedelta(days=shift)).isoformat() if value is not None else None

    conditions = [
        {
            "code": c.code.code if c.code else None,
            "system": c.code.system if c.code else None,
            "label": c.code.display if c.code and c.code.display else c.name,
            "onset": shifted(c.onset_date),
            "status": c.status.value,
        }
        for c in patient.conditions
    ]
    phenotypes = [{"id": p.id, "label": p.label, "excluded": p.excluded} for p in patient.phenotypes]
    findings = []
    if plan is not None:
        for finding in plan.findings:
            data = finding.data
            findings.append(
                {
                    "domain": finding.domain.value,
                    "kind": getattr(data, "kind", None),
                    "title": finding.title,
                    "priority": finding.priority.value,
                    "genes": ",".join(finding.genes),
                    "drugs": ",".join(finding.drugs),
                    "phenotype": getattr(data, "phenotype", None),
                }
            )
    return Deidentified(
        research_id=research_id(key, patient.id),
        age=age,
        sex=_SEX.get(patient.demographics.sex, "UNKNOWN_SEX"),
        region=patient.demographics.birth_country,
        shift_days=shift,
        conditions=conditions,
        medications=sorted({m.name.split()[0].lower() for m in patient.current_medications()}),
        phenotypes=phenotypes,
        findings=findings,
        duo_codes=list(duo_codes),
    )


def k_anonymize(people: list[Deidentified], k: int) -> tuple[list[Deidentified], dict[str, Any]]:
    """Generalize age band and region until every (age band, sex, region) group has >= k people; suppress the rest."""
    steps = [
        ("age band 10 years", 10, True),
        ("age band 20 years", 20, True),
        ("region removed", 20, False),
        ("age removed", 0, False),
    ]
    applied: list[str] = []
    chosen = steps[-1]
    for name, width, keep_region in steps:
        groups = Counter(_key(p, width, keep_region) for p in people)
        small = sum(n for n in groups.values() if n < k)
        applied.append(name)
        chosen = (name, width, keep_region)
        if small == 0 or small <= max(1, len(people) // 20):
            break
    name, width, keep_region = chosen
    groups = Counter(_key(p, width, keep_region) for p in people)
    kept = []
    suppressed = 0
    for person in people:
        if groups[_key(person, width, keep_region)] < k:
            suppressed += 1
            continue
        person.age_band = _band(person.age, width) if width else "unknown"
        if not keep_region:
            person.region = None
        kept.append(person)
    report = {
        "k": k,
        "quasi_identifiers": ["age band", "sex", "region (country of birth)"],
        "generalization_steps": applied,
        "final_generalization": name,
        "suppressed": suppressed,
        "smallest_group": min((n for n in Counter(_key(p, width, keep_region) for p in kept).values()), default=0),
    }
    return kept, report


def _key(person: Deidentified, width: int, keep_region: bool) -> tuple[str, str, str | None]:
    return (_band(person.age, width) if width else "unknown", person.sex, person.region if keep_region else None)


def phenopacket(person: Deidentified, *, created: datetime) -> dict[str, Any]:
    """A GA4GH Phenopacket v2 (JSON) for one de-identified patient."""
    subject: dict[str, Any] = {"id": person.research_id, "sex": person.sex}
    if person.age_band not in ("unknown", "90+") and "-" in person.age_band:
        low, high = person.age_band.split("-")
        subject["timeAtLastEncounter"] = {
            "ageRange": {"start": {"iso8601duration": f"P{low}Y"}, "end": {"iso8601duration": f"P{high}Y"}}
        }
    packet: dict[str, Any] = {
        "id": f"{person.research_id}-phenopacket",
        "subject": subject,
        "phenotypicFeatures": [
            {"type": {"id": p["id"], "label": p["label"] or p["id"]}, **({"excluded": True} if p["excluded"] else {})}
            for p in person.phenotypes
        ],
        "diseases": [
            {"term": {"id": f"{_prefix(c['system'])}:{c['code']}", "label": c["label"]}}
            for c in person.conditions
            if c["code"]
        ],
        "metaData": {
            "created": created.isoformat().replace("+00:00", "Z"),
            "createdBy": "tailormed research export",
            "phenopacketSchemaVersion": "2.0",
            "resources": [
                {
                    "id": "hp",
                    "name": "human phenotype ontology",
                    "url": "http://purl.obolibrary.org/obo/hp.owl",
                    "version": "unknown",
                    "namespacePrefix": "HP",
                    "iriPrefix": "http://purl.obolibrary.org/obo/HP_",
                }
            ],
        },
    }
    return packet


def _prefix(system: str | None) -> str:
    known = {
        "http://snomed.info/sct": "SNOMEDCT",
        "http://hl7.org/fhir/sid/icd-10-cm": "ICD10CM",
        "http://hl7.org/fhir/sid/icd-10": "ICD10",
    }
    if system is None:
        return "CODE"
    return known.get(system, system.rsplit("/", 1)[-1].upper() or "CODE")


def write_export(people: list[Deidentified], report: dict[str, Any]) -> dict[str, bytes]:
    """The export's files: Parquet tables, one Phenopacket per patient, and the report."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    created = datetime.now(UTC)
    patients = pa.table(
        {
            "research_id": [p.research_id for p in people],
            "age_band": [p.age_band for p in people],
            "sex": [p.sex for p in people],
            "region": [p.region for p in people],
            "conditions": [[c["label"] for c in p.conditions] for p in people],
            "condition_codes": [
                [f"{_prefix(c['system'])}:{c['code']}" for c in p.conditions if c["code"]] for p in people
            ],
            "medications": [p.medications for p in people],
            "hpo_terms": [[t["id"] for t in p.phenotypes if not t["excluded"]] for p in people],
            "duo_codes": [p.duo_codes for p in people],
        }
    )
    rows = [{"research_id": p.research_id, **f} for p in people for f in p.findings]
    columns = ["research_id", "domain", "kind", "title", "priority", "genes", "drugs", "phenotype"]
    findings = pa.table(
        {c: [r.get(c) for r in rows] for c in columns}, schema=pa.schema([(c, pa.string()) for c in columns])
    )
    files: dict[str, bytes] = {}
    for name, table in (("patients.parquet", patients), ("findings.parquet", findings)):
        sink = io.BytesIO()
        pq.write_table(table, sink)
        files[name] = sink.getvalue()
    for person in people:
        files[f"{person.research_id}.phenopacket.json"] = (
            json.dumps(phenopacket(person, created=created), indent=2, ensure_ascii=False) + "\n"
        ).encode()
    files["export_report.json"] = (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode()
    return files
