"""Problem list, allergies and family history: FHIR Condition, AllergyIntolerance, FamilyMemberHistory."""

from __future__ import annotations

from typing import Any

from tailormed.intake.fhir import codes
from tailormed.intake.fhir.common import (
    Entry,
    age_in_years,
    coding_in,
    codings,
    concept_codes,
    concept_text,
    to_coding,
    to_date,
)
from tailormed.model.base import Coding
from tailormed.model.patient import Allergy, Condition, ConditionStatus, FamilyHistoryEntry, Relative

_ALLERGY_CRITICALITY = ("low", "high", "unable-to-assess")


def read_condition(entry: Entry) -> Condition | None:
    resource = entry.resource
    if concept_codes(resource.verificationStatus) & codes.CONDITION_NOT_TRUE:
        entry.warn("verificationStatus says the condition is refuted or entered in error; not used")
        return None
    name = concept_text(resource.code)
    if name is None:
        entry.warn("Condition has no code or text; not used")
        return None
    status = ConditionStatus.ACTIVE
    clinical = concept_codes(resource.clinicalStatus)
    if clinical:
        code = entry.code(sorted(clinical)[0], codes.CONDITION_CLINICAL, "clinicalStatus")
        status = codes.CONDITION_CLINICAL[str(code)]
    elif resource.abatementDateTime or resource.abatementAge or resource.abatementPeriod:
        status = ConditionStatus.RESOLVED
    onset_date = to_date(entry, resource.onsetDateTime, "onsetDateTime")
    if onset_date is None and resource.onsetPeriod is not None:
        onset_date = to_date(entry, resource.onsetPeriod.start, "onsetPeriod.start")
    return entry.build(
        Condition,
        name=name,
        code=_condition_code(resource.code),
        onset_date=onset_date,
        onset_age_years=age_in_years(entry, resource.onsetAge, "onsetAge"),
        status=status,
    )


def _condition_code(concept: Any) -> Coding | None:
    """SNOMED CT first, then ICD-10, then whatever the sender used."""
    preferred = coding_in(concept, codes.SNOMED, *codes.ICD10)
    if preferred is not None:
        return to_coding(preferred)
    for coding in codings(concept):
        found = to_coding(coding)
        if found is not None:
            return found
    return None


def read_allergy(entry: Entry) -> Allergy | None:
    resource = entry.resource
    verification = concept_codes(resource.verificationStatus)
    if verification & {"refuted", "entered-in-error"}:
        entry.warn("verificationStatus says the allergy is refuted or entered in error; not used")
        return None
    if concept_codes(resource.clinicalStatus) & {"inactive", "resolved"}:
        entry.warn("the allergy is inactive or resolved; not used")
        return None
    substance = concept_text(resource.code)
    if substance is None:
        entry.warn("AllergyIntolerance has no code or text; not used")
        return None
    criticality = entry.code(resource.criticality, _ALLERGY_CRITICALITY, "criticality")
    reaction: str | None = None
    for event in resource.reaction or []:
        for manifestation in event.manifestation or []:
            reaction = concept_text(manifestation)
            if reaction:
                break
        if reaction:
            break
    preferred = coding_in(resource.code, codes.RXNORM, codes.SNOMED)
    code = to_coding(preferred if preferred is not None else next(iter(codings(resource.code)), None))
    return entry.build(Allergy, substance=substance, code=code, reaction=reaction, criticality=criticality)


def read_family_history(entry: Entry) -> list[FamilyHistoryEntry]:
    resource = entry.resource
    status = entry.code(resource.status, codes.FAMILY_HISTORY_STATUSES, "status")
    if status == "entered-in-error":
        entry.warn("status is entered-in-error; not used")
        return []
    relative = _relative(entry, resource)
    deceased = bool(
        resource.deceasedBoolean
        or resource.deceasedAge
        or resource.deceasedDate
        or resource.deceasedRange
        or resource.deceasedString
    )
    alive = False if resource.deceasedBoolean is False else None
    if not resource.condition:
        entry.warn("no condition is recorded for this relative; not used")
        return []
    entries: list[FamilyHistoryEntry] = []
    for number, condition in enumerate(resource.condition):
        name = concept_text(condition.code)
        if name is None:
            entry.warn(f"condition[{number}] has no code or text; not used")
            continue
        preferred = coding_in(condition.code, codes.SNOMED, *codes.ICD10)
        code = to_coding(preferred if preferred is not None else next(iter(codings(condition.code)), None))
        onset = age_in_years(entry, condition.onsetAge, f"condition[{number}].onsetAge")
        if onset is None and condition.onsetRange is not None:
            entry.warn(f"condition[{number}].onsetRange is a range; onset age not used")
        entries.append(
            entry.build(
                FamilyHistoryEntry,
                relative=relative,
                condition=name,
                code=code,
                age_at_onset=onset,
                deceased=True if deceased or condition.contributedToDeath else alive,
            )
        )
    return entries


def _relative(entry: Entry, resource: Any) -> Relative:
    role = coding_in(resource.relationship, codes.V3_ROLE_CODE)
    if role is None:
        raise entry.error("relationship has no HL7 v3 RoleCode coding", "relationship")
    code = str(role.code)
    if code in codes.RELATIVE:
        return codes.RELATIVE[code]
    sex = concept_codes(resource.sex)
    if code in codes.RELATIVE_BY_SEX and sex & {"female", "male"}:
        female, male = codes.RELATIVE_BY_SEX[code]
        return female if "female" in sex else male
    entry.warn(f"relationship '{code}' has no fixed degree of relatedness; recorded as 'other'")
    return Relative.OTHER
