"""The de-identified research export: Safe Harbor identifiers gone, dates shifted per patient, k-anonymous groups on
the quasi-identifiers, one Phenopacket per exported patient, and an audit event for every patient read."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date

import pyarrow.parquet as pq
import pytest

from tailormed.demo import demo_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.patient import Patient, Sex
from tailormed.pipeline.plausible import plausibility
from tailormed.security.policy import Role, Subject
from tailormed.security.research import Deidentified, deidentify, k_anonymize
from tailormed.service.analysis import Upload, read_record_upload
from tailormed.service.core import Platform
from tailormed.service.research import run_export

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

ON = date(2026, 12, 3)
GRU = "DUO:0000042"
RESEARCHER = Subject(name="researcher", role=Role.RESEARCHER, scopes=("user/ResearchStudy.read",), user_id="u-r")
SURNAMES = ["Marsh", "Quill", "Tarrant", "Okonkwo", "Lindqvist", "Ferreira", "Abernathy", "Castellanos"]


def _hale() -> Patient:
    record = demo_record("demo-01-hale")
    return read_record_upload(Upload(record.name, record.read_bytes()), RANGES).patient


def _person(number: int, *, sex: Sex, born: date, country: str) -> Patient:
    base = _hale()
    demographics = base.demographics.model_copy(update={"sex": sex, "birth_date": born, "birth_country": country})
    return base.model_copy(
        update={
            "id": f"rx-{number:02d}",
            "display_name": f"Ada {SURNAMES[number]}",
            "demographics": demographics,
        }
    )


def _store(platform: Platform, patients: list[tuple[Patient, bool]]) -> None:
    with platform.db.transaction() as session:
        for patient, research in patients:
            platform.repo.create_patient(session, patient, kind="record", created_by=None)
            platform.repo.add_consent(session, patient.id, "clinical", "permit", [], None)
            platform.repo.add_consent(
                session, patient.id, "research", "permit" if research else "deny", [GRU] if research else [], None
            )


def test_every_date_of_a_patient_moves_by_one_offset_within_half_a_year() -> None:
    patient = _hale()
    onsets = [c.onset_date for c in patient.conditions if c.onset_date is not None]
    assert len(onsets) >= 2
    shifts = set()
    for _ in range(20):
        person = deidentify(patient, None, key=b"k" * 32, on=ON, duo_codes=[GRU])
        moved = [date.fromisoformat(c["onset"]) for c in person.conditions if c["onset"] is not None]
        offsets = {(after - before).days for after, before in zip(moved, onsets, strict=True)}
        assert offsets == {person.shift_days}  # intervals within the patient kept
        assert abs(person.shift_days) <= 182
        shifts.add(person.shift_days)
    assert len(shifts) > 1  # a fresh offset per export


def _people(*groups: tuple[int, int, str, str | None]) -> list[Deidentified]:
    """``count`` people of each (count, age, sex, region)."""
    people = []
    for count, age, sex, region in groups:
        for _ in range(count):
            people.append(
                Deidentified(
                    research_id=f"R-{len(people)}",
                    age=age,
                    sex=sex,
                    region=region,
                    shift_days=0,
                    conditions=[],
                    medications=[],
                    phenotypes=[],
                    findings=[],
                    duo_codes=[GRU],
                )
            )
    return people


def test_quasi_identifiers_are_generalized_until_every_group_has_k_people() -> None:
    # 10-year bands already give groups of 5: nothing generalized further, nobody suppressed
    kept, report = k_anonymize(_people((5, 41, "MALE", "GB"), (5, 63, "FEMALE", "GB")), 5)
    assert (len(kept), report["final_generalization"], report["suppressed"]) == (10, "age band 10 years", 0)
    assert {p.age_band for p in kept} == {"40-49", "60-69"}
    # 41 and 55 meet only in 20-year bands (40-59)
    kept, report = k_anonymize(_people((3, 41, "MALE", "GB"), (3, 55, "MALE", "GB")), 5)
    assert (len(kept), report["final_generalization"]) == (6, "age band 20 years")
    assert {p.age_band for p in kept} == {"40-59"}
    # different countries: region dropped
    kept, report = k_anonymize(_people((3, 41, "MALE", "GB"), (3, 45, "MALE", "FR")), 5)
    assert report["final_generalization"] == "region removed" and {p.region for p in kept} == {None}
    # a group too small even without age and region is suppressed, and the report says so
    kept, report = k_anonymize(_people((6, 30, "FEMALE", "GB"), (2, 30, "MALE", "GB")), 5)
    assert [p.sex for p in kept] == ["FEMALE"] * 6
    assert report["suppressed"] == 2 and report["smallest_group"] == 6
    # ages over 89 are one band
    kept, _ = k_anonymize(_people((3, 91, "MALE", "GB"), (2, 104, "MALE", "GB")), 5)
    assert [p.age_band for p in kept] == ["90+"] * 5


def test_the_export_holds_no_identifiers_and_only_k_anonymous_groups(platform: Platform) -> None:
    similar = [
        (_person(i, sex=Sex.MALE, born=date(1968 + i % 4, 3, 14), country="GB"), True) for i in range(6)
    ]  # ages 54-58 on ON: one 10-year band
    outlier = (_person(6, sex=Sex.FEMALE, born=date(1930, 1, 2), country="NO"), True)  # alone on every level
    refused = (_person(7, sex=Sex.MALE, born=date(1969, 5, 5), country="GB"), False)
    _store(platform, [*similar, outlier, refused])

    result = run_export(platform, RESEARCHER, GRU, on=ON)

    report = result.report
    assert (report["patients_in_store"], report["consented_for_this_use"], report["exported"]) == (8, 7, 6)
    assert report["k_anonymity"]["suppressed"] == 1
    assert report["k_anonymity"]["final_generalization"] == "age band 10 years"
    assert sorted(result.included) == [f"rx-{i:02d}" for i in range(7)]  # the refusal is not even read

    everything = b"\n".join(result.files.values())
    hale = _hale()
    identifiers = [
        *(f"rx-{i:02d}" for i in range(8)),
        *SURNAMES,
        "Ada",
        hale.id,
        hale.display_name or "Robert Hale",
        "1968-03-14",
        "1930-01-02",
        *(str(c.onset_date) for c in hale.conditions if c.onset_date),
        *(m.indication for m in hale.medications if m.indication),
    ]
    for identifier in identifiers:
        assert identifier.encode() not in everything, identifier

    patients = pq.read_table(io.BytesIO(result.files["patients.parquet"])).to_pylist()
    assert len(patients) == 6
    groups = Counter((p["age_band"], p["sex"], p["region"]) for p in patients)
    assert groups == {("50-59", "MALE", "GB"): 6}
    research_ids = {p["research_id"] for p in patients}
    packets = {
        name: json.loads(content) for name, content in result.files.items() if name.endswith(".phenopacket.json")
    }
    assert {packet["subject"]["id"] for packet in packets.values()} == research_ids
    for packet in packets.values():
        assert packet["subject"]["timeAtLastEncounter"]["ageRange"] == {
            "start": {"iso8601duration": "P50Y"},
            "end": {"iso8601duration": "P59Y"},
        }
        assert {d["term"]["id"] for d in packet["diseases"]} >= {"ICD10CM:I25.10", "ICD10CM:I10"}

    again = run_export(platform, RESEARCHER, GRU, on=ON)
    again_ids = {p["research_id"] for p in pq.read_table(io.BytesIO(again.files["patients.parquet"])).to_pylist()}
    assert again_ids and not again_ids & research_ids  # two exports cannot be linked

    with platform.db.read() as session:
        events = platform.audit.events(session, limit=1000)
    read = Counter(e.patient_id for e in events if e.outcome == "success" and e.resource == "research")
    assert read == {None: 2} | {f"rx-{i:02d}": 2 for i in range(7)}  # each export, and each patient it read
    assert [e.outcome for e in events if e.patient_id == "rx-07"] == ["denied", "denied"]


@pytest.mark.parametrize("duo", ["GRU", "DUO:42", ""])
def test_an_export_needs_a_duo_code(platform: Platform, duo: str) -> None:
    from tailormed.errors import InputError

    with pytest.raises(InputError, match="not a DUO code"):
        run_export(platform, RESEARCHER, duo, on=ON)
