"""Terminology systems and the fixed FHIR value sets the bundle reader maps onto tailormed's model.

These are format facts (FHIR R4 code lists, HL7 v3 role codes, US Core extension URLs), not clinical
knowledge: they say how a FHIR document spells something, never what it means for care.
"""

from __future__ import annotations

from tailormed.model.patient import (
    ConditionStatus,
    MedicationStatus,
    ObservationCategory,
    Relative,
    Route,
    Sex,
    SmokingStatus,
)

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
NDC = "http://hl7.org/fhir/sid/ndc"
# The same code systems named by their HL7 OIDs, as some EHRs send them (FHIR R4 terminologies page).
RXNORM_SYSTEMS = (RXNORM, "urn:oid:2.16.840.1.113883.6.88")
ATC_SYSTEMS = (ATC, "urn:oid:2.16.840.1.113883.6.73")
#: What a code-only drug is called in messages, by code system.
DRUG_CODE_LABELS = {
    RXNORM: "RxNorm",
    "urn:oid:2.16.840.1.113883.6.88": "RxNorm",
    ATC: "ATC",
    "urn:oid:2.16.840.1.113883.6.73": "ATC",
    NDC: "NDC",
    "urn:oid:2.16.840.1.113883.6.69": "NDC",
}
ICD10 = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
US_CORE_ETHNICITY = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity"

SMOKING_STATUS_LOINC = "72166-2"

GENDER: dict[str, Sex] = {
    "male": Sex.MALE,
    "female": Sex.FEMALE,
    "other": Sex.OTHER,
    "unknown": Sex.UNKNOWN,
}

# Condition.clinicalStatus (http://terminology.hl7.org/CodeSystem/condition-clinical)
CONDITION_CLINICAL: dict[str, ConditionStatus] = {
    "active": ConditionStatus.ACTIVE,
    "recurrence": ConditionStatus.ACTIVE,
    "relapse": ConditionStatus.ACTIVE,
    "inactive": ConditionStatus.HISTORY,
    "remission": ConditionStatus.HISTORY,
    "resolved": ConditionStatus.RESOLVED,
}
# Condition.verificationStatus codes that mean the diagnosis does not apply to the patient.
CONDITION_NOT_TRUE = frozenset({"refuted", "entered-in-error"})

# MedicationStatement.status; None means "not a medication the patient takes" (the entry is skipped).
MEDICATION_STATEMENT_STATUS: dict[str, MedicationStatus | None] = {
    "active": MedicationStatus.ACTIVE,
    "intended": MedicationStatus.PLANNED,
    "on-hold": MedicationStatus.PLANNED,
    "completed": MedicationStatus.STOPPED,
    "stopped": MedicationStatus.STOPPED,
    "unknown": MedicationStatus.ACTIVE,
    "not-taken": None,
    "entered-in-error": None,
}
# MedicationRequest.status
MEDICATION_REQUEST_STATUS: dict[str, MedicationStatus | None] = {
    "active": MedicationStatus.ACTIVE,
    "draft": MedicationStatus.PLANNED,
    "on-hold": MedicationStatus.PLANNED,
    "completed": MedicationStatus.STOPPED,
    "stopped": MedicationStatus.STOPPED,
    "cancelled": MedicationStatus.STOPPED,
    "unknown": MedicationStatus.ACTIVE,
    "entered-in-error": None,
}
# MedicationRequest.intent values that describe a drug not yet started even when the request is active.
MEDICATION_REQUEST_PLANNING_INTENTS = frozenset({"proposal", "plan"})

# dosage.route: SNOMED CT route of administration codes (FHIR R4 value set "SNOMED CT Route Codes",
# http://hl7.org/fhir/ValueSet/route-codes) onto the record's routes. A code not listed is read as ``other``.
ROUTE_SNOMED: dict[str, Route] = {
    "26643006": Route.ORAL,
    "47625008": Route.INTRAVENOUS,
    "418114005": Route.INTRAVENOUS,  # intravenous central route
    "419993007": Route.INTRAVENOUS,  # intravenous peripheral route
    "78421000": Route.INTRAMUSCULAR,
    "34206005": Route.SUBCUTANEOUS,
    "45890007": Route.TRANSDERMAL,
    "6064005": Route.TOPICAL,
    "448598008": Route.TOPICAL,  # cutaneous route
    "54485002": Route.OPHTHALMIC,
    "10547007": Route.OTIC,
    "46713006": Route.NASAL,
    "447694001": Route.INHALED,  # respiratory tract route
    "37161004": Route.RECTAL,
    "16857009": Route.VAGINAL,
    "37839007": Route.SUBLINGUAL,
    "54471007": Route.BUCCAL,
}

OBSERVATION_STATUS_SKIPPED = frozenset({"cancelled", "entered-in-error"})
OBSERVATION_STATUSES = frozenset(
    {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"}
)
# observation-category codes; categories outside this map (survey, exam, imaging ...) are not read.
OBSERVATION_CATEGORY: dict[str, ObservationCategory] = {
    "laboratory": ObservationCategory.LAB,
    "vital-signs": ObservationCategory.VITAL,
}
# Vital-sign LOINC codes of the FHIR vital-signs profile, used when an Observation carries no category.
VITAL_SIGN_LOINC = frozenset(
    {
        "85353-1",  # vital signs panel
        "9279-1",  # respiratory rate
        "8867-4",  # heart rate
        "2708-6",  # oxygen saturation
        "59408-5",  # oxygen saturation by pulse oximetry
        "8310-5",  # body temperature
        "8302-2",  # body height
        "9843-4",  # head circumference
        "29463-7",  # body weight
        "39156-5",  # body mass index
        "85354-9",  # blood pressure panel
        "8480-6",  # systolic blood pressure
        "8462-4",  # diastolic blood pressure
    }
)

# Smoking status answers (SNOMED CT, US Core smoking-status value set).
SMOKING_STATUS: dict[str, SmokingStatus] = {
    "449868002": SmokingStatus.CURRENT,  # current every day smoker
    "428041000124106": SmokingStatus.CURRENT,  # current some day smoker
    "77176002": SmokingStatus.CURRENT,  # smoker, current status unknown
    "428071000124103": SmokingStatus.CURRENT,  # current heavy tobacco smoker
    "428061000124105": SmokingStatus.CURRENT,  # current light tobacco smoker
    "65568007": SmokingStatus.CURRENT,  # cigarette smoker
    "8517006": SmokingStatus.FORMER,  # ex-smoker
    "266919005": SmokingStatus.NEVER,  # never smoked tobacco
}

FAMILY_HISTORY_STATUSES = frozenset({"partial", "completed", "entered-in-error", "health-unknown"})

# HL7 v3 RoleCode family members with a fixed place in the pedigree.
RELATIVE: dict[str, Relative] = {
    "MTH": Relative.MOTHER,
    "NMTH": Relative.MOTHER,
    "FTH": Relative.FATHER,
    "NFTH": Relative.FATHER,
    "SIS": Relative.SISTER,
    "NSIS": Relative.SISTER,
    "TWINSIS": Relative.SISTER,
    "FTWINSIS": Relative.SISTER,
    "ITWINSIS": Relative.SISTER,
    "BRO": Relative.BROTHER,
    "NBRO": Relative.BROTHER,
    "TWINBRO": Relative.BROTHER,
    "FTWINBRO": Relative.BROTHER,
    "ITWINBRO": Relative.BROTHER,
    "DAU": Relative.DAUGHTER,
    "DAUC": Relative.DAUGHTER,
    "SON": Relative.SON,
    "SONC": Relative.SON,
    "MGRMTH": Relative.MATERNAL_GRANDMOTHER,
    "MGRFTH": Relative.MATERNAL_GRANDFATHER,
    "PGRMTH": Relative.PATERNAL_GRANDMOTHER,
    "PGRFTH": Relative.PATERNAL_GRANDFATHER,
    "MAUNT": Relative.MATERNAL_AUNT,
    "MUNCLE": Relative.MATERNAL_UNCLE,
    "PAUNT": Relative.PATERNAL_AUNT,
    "PUNCLE": Relative.PATERNAL_UNCLE,
    "COUSN": Relative.COUSIN,
    "MCOUSN": Relative.COUSIN,
    "PCOUSN": Relative.COUSIN,
}
# Sex-neutral role codes that become a definite relative once FamilyMemberHistory.sex is known.
RELATIVE_BY_SEX: dict[str, tuple[Relative, Relative]] = {
    "PRN": (Relative.MOTHER, Relative.FATHER),
    "NPRN": (Relative.MOTHER, Relative.FATHER),
    "SIB": (Relative.SISTER, Relative.BROTHER),
    "NSIB": (Relative.SISTER, Relative.BROTHER),
    "TWIN": (Relative.SISTER, Relative.BROTHER),
    "CHILD": (Relative.DAUGHTER, Relative.SON),
    "NCHILD": (Relative.DAUGHTER, Relative.SON),
}
