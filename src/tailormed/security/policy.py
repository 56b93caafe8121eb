"""The access policy: one function, :func:`authorize`, decides every access to the platform's data.

Inputs are who asks (:class:`Subject`: role, own patient, care-team patients, token scopes), what they want to do
(:class:`Operation`) and to what (:class:`Target`: the kind of resource, whose it is, the consent in force).
The answer is a :class:`Grant` that can narrow what is shown (hereditary findings hidden from roles that may not
see them, or when the patient opted out of secondary findings), or an :class:`~tailormed.errors.AccessDeniedError`
— raised here and nowhere else. :class:`NotVisibleError` (a subclass) means "as far as you are concerned this
patient does not exist": the API answers 404 for it, so a denial never tells whether a patient exists.

Roles:

- **patient**: their own data only; writes their own preferences and consent; sees who opened their data.
- **clinician**: patients of their care teams; hereditary (ACMG secondary) findings are hidden.
- **genetic_counsellor**: as clinician, plus hereditary findings.
- **researcher**: only the de-identified research export of research-consented patients.
- **admin**: users, care teams and the audit trail; no clinical data.
- **cds_client**: an EHR calling the CDS Hooks service or the genomics operations for a patient in context.

Scopes are SMART-style: ``patient/*.read``, ``user/Consent.write``, ``system/*.read`` (v1), or v2 letters
(``patient/CarePlan.rs``). A token carries the scopes granted at sign-in, and an operation needs one that covers its
resource type and mode.

>>> Scope.parse("patient/*.read").allows("patient", "CarePlan", "read")
True
>>> Scope.parse("user/Observation.rs").allows("user", "Observation", "write")
False
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NoReturn

from tailormed.errors import AccessDeniedError
from tailormed.security.consent import ConsentState


class Role(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    GENETIC_COUNSELLOR = "genetic_counsellor"
    RESEARCHER = "researcher"
    ADMIN = "admin"
    CDS_CLIENT = "cds_client"


class Resource(StrEnum):
    """What is accessed; :attr:`fhir_type` is the resource type its scope names."""

    PATIENT = "patient"
    GENOME = "genome"
    ANALYSIS = "analysis"
    CARE_PLAN = "care_plan"
    REPORT = "report"
    GENOMICS = "genomics"
    CONSENT = "consent"
    PREFERENCES = "preferences"
    ACCESS_LOG = "access_log"
    AUDIT = "audit"
    USER = "user"
    CARE_TEAM = "care_team"
    RESEARCH = "research"

    @property
    def fhir_type(self) -> str:
        return _FHIR_TYPES[self]


_FHIR_TYPES = {
    Resource.PATIENT: "Patient",
    Resource.GENOME: "MolecularSequence",
    Resource.ANALYSIS: "Task",
    Resource.CARE_PLAN: "CarePlan",
    Resource.REPORT: "DiagnosticReport",
    Resource.GENOMICS: "Observation",
    Resource.CONSENT: "Consent",
    Resource.PREFERENCES: "Basic",
    Resource.ACCESS_LOG: "AuditEvent",
    Resource.AUDIT: "AuditEvent",
    Resource.USER: "Person",
    Resource.CARE_TEAM: "CareTeam",
    Resource.RESEARCH: "ResearchStudy",
}


class Operation(StrEnum):
    READ = "read"
    LIST = "list"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ANALYZE = "analyze"
    EXPORT = "export"

    @property
    def mode(self) -> str:
        return "read" if self in (Operation.READ, Operation.LIST, Operation.EXPORT) else "write"


_V2_LETTERS = {"read": frozenset("rs"), "write": frozenset("cud")}


@dataclass(frozen=True)
class Scope:
    """One SMART scope: context (patient/user/system), resource type (or ``*``) and permissions."""

    context: str
    resource: str
    permissions: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Scope:
        context, _, rest = text.partition("/")
        resource, _, perms = rest.partition(".")
        if perms in ("read", "write"):
            letters = _V2_LETTERS[perms]
        elif perms == "*":
            letters = _V2_LETTERS["read"] | _V2_LETTERS["write"]
        else:
            letters = frozenset(perms)
        return cls(context, resource, letters)

    def allows(self, context: str, resource: str, mode: str) -> bool:
        return (
            self.context == context and self.resource in ("*", resource) and bool(self.permissions & _V2_LETTERS[mode])
        )

    def __str__(self) -> str:
        return f"{self.context}/{self.resource}.{''.join(sorted(self.permissions))}"


ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.PATIENT: ("patient/*.read", "patient/Consent.write", "patient/Basic.write", "patient/Patient.write"),
    Role.CLINICIAN: ("user/*.read", "user/*.write"),
    Role.GENETIC_COUNSELLOR: ("user/*.read", "user/*.write"),
    Role.RESEARCHER: ("user/ResearchStudy.read",),
    Role.ADMIN: ("user/Person.*", "user/CareTeam.*", "user/AuditEvent.read", "user/Patient.*"),
    Role.CDS_CLIENT: ("system/*.read",),
}
_CONTEXT = {Role.PATIENT: "patient", Role.CDS_CLIENT: "system"}


def default_scopes(role: Role) -> tuple[str, ...]:
    return ROLE_SCOPES[role]


def grantable(role: Role, requested: Iterable[str] | None) -> tuple[str, ...]:
    """The scopes a token for ``role`` gets: the requested ones the role may hold (all of the role's if none)."""
    allowed = ROLE_SCOPES[role]
    if requested is None:
        return allowed
    wanted = [s for s in requested if s]
    if not wanted:
        return allowed
    return tuple(s for s in wanted if s in allowed)


@dataclass(frozen=True)
class Subject:
    """Who asks: a signed-in user, a CDS client or a command-line operator."""

    name: str
    role: Role
    user_id: str | None = None
    patient_id: str | None = None
    team_patients: frozenset[str] = frozenset()
    scopes: tuple[str, ...] = ()
    source: str | None = None

    def has_scope(self, resource: Resource, mode: str) -> bool:
        context = _CONTEXT.get(self.role, "user")
        return any(Scope.parse(s).allows(context, resource.fhir_type, mode) for s in self.scopes)


@dataclass(frozen=True)
class Target:
    """What is accessed: a kind of resource, whose (if a patient's), and the consent in force for that patient."""

    resource: Resource
    patient_id: str | None = None
    consent: ConsentState | None = None
    exists: bool = True
    duo_code: str | None = None


@dataclass(frozen=True)
class Grant:
    """An allowed access, and what must be left out of what is shown."""

    subject: Subject
    target: Target
    operation: Operation
    hide_domains: frozenset[str] = field(default_factory=frozenset)


class NotVisibleError(AccessDeniedError):
    """The patient (or resource) is not one the subject may know about; shown as 404."""


HEREDITARY = "hereditary"
_CLINICAL_ROLES = frozenset({Role.CLINICIAN, Role.GENETIC_COUNSELLOR})
_PATIENT_DATA = frozenset(
    {
        Resource.PATIENT,
        Resource.GENOME,
        Resource.ANALYSIS,
        Resource.CARE_PLAN,
        Resource.REPORT,
        Resource.GENOMICS,
        Resource.CONSENT,
        Resource.PREFERENCES,
        Resource.ACCESS_LOG,
    }
)
# What a patient may do to their own data (reads of everything listed, plus these writes).
_PATIENT_WRITES = frozenset(
    {
        (Resource.CONSENT, Operation.UPDATE),
        (Resource.PREFERENCES, Operation.UPDATE),
        (Resource.PATIENT, Operation.DELETE),
    }
)
_CDS_READS = frozenset({Resource.CARE_PLAN, Resource.GENOMICS, Resource.PATIENT})
_ADMIN_OPS = frozenset({Resource.USER, Resource.CARE_TEAM, Resource.AUDIT})


def authorize(subject: Subject, operation: Operation, target: Target) -> Grant:
    """Allow the access (returning what to hide) or raise :class:`AccessDeniedError` saying why."""
    if not subject.has_scope(target.resource, operation.mode):
        _deny(f"the token's scopes do not cover {operation.mode} of {target.resource.fhir_type}", target, visible=True)
    role = subject.role
    if target.resource in _PATIENT_DATA:
        return _patient_data(subject, operation, target)
    if target.resource in _ADMIN_OPS:
        if role != Role.ADMIN:
            _deny(
                f"only an administrator may {operation.value} {target.resource.value.replace('_', ' ')}s",
                target,
                visible=True,
            )
        return Grant(subject, target, operation)
    if target.resource == Resource.RESEARCH:
        if role != Role.RESEARCHER or operation != Operation.EXPORT:
            _deny("only a researcher may run a research export", target, visible=True)
        if target.duo_code is None:
            _deny("a research export names the data use it is for (a DUO code)", target, visible=True)
        if target.patient_id is not None:
            consent = target.consent or ConsentState()
            if not target.exists or not consent.permits_research(target.duo_code):
                _deny(f"the patient's research consent does not cover {target.duo_code}", target, visible=False)
        return Grant(subject, target, operation, frozenset({HEREDITARY}))
    _deny(f"no rule allows {operation.value} of {target.resource.value}", target, visible=True)


def _patient_data(subject: Subject, operation: Operation, target: Target) -> Grant:
    role = subject.role
    patient_id = target.patient_id
    consent = target.consent or ConsentState()
    hide = frozenset() if consent.secondary_findings else frozenset({HEREDITARY})
    if role == Role.PATIENT:
        if patient_id is None:
            if operation == Operation.LIST:
                return Grant(subject, target, operation, hide)
            _deny("patients cannot do this", target, visible=True)
        if not target.exists or patient_id != subject.patient_id:
            _deny("not your record", target, visible=False)
        if operation.mode == "write" and (target.resource, operation) not in _PATIENT_WRITES:
            _deny(f"a patient cannot {operation.value} {target.resource.value.replace('_', ' ')}", target, visible=True)
        return Grant(subject, target, operation, hide)
    if role in _CLINICAL_ROLES:
        if patient_id is None:
            if operation in (Operation.LIST, Operation.CREATE):
                return Grant(subject, target, operation, _hidden(role, hide))
            _deny("no patient named", target, visible=True)
        if not target.exists or patient_id not in subject.team_patients:
            _deny("not a patient of your care teams", target, visible=False)
        if target.resource == Resource.ACCESS_LOG:
            _deny("the access log of a record is shown to the patient and administrators", target, visible=True)
        if operation == Operation.DELETE and target.resource == Resource.PATIENT:
            _deny(
                "erasure is carried out on the patient's request by the patient or an administrator",
                target,
                visible=True,
            )
        if operation == Operation.ANALYZE and not consent.clinical:
            _deny(
                "the patient has not consented to clinical use of their genome (or withdrew it)", target, visible=True
            )
        return Grant(subject, target, operation, _hidden(role, hide))
    if role == Role.CDS_CLIENT:
        if operation.mode != "read" or target.resource not in _CDS_READS:
            _deny("a CDS client may only read results for the patient in context", target, visible=True)
        if not target.exists or not consent.clinical:
            _deny("no results for this patient", target, visible=False)
        return Grant(subject, target, operation, _hidden(Role.CLINICIAN, hide))
    if role == Role.ADMIN:
        if (target.resource, operation) in (
            (Resource.PATIENT, Operation.DELETE),
            (Resource.ACCESS_LOG, Operation.READ),
            (Resource.PATIENT, Operation.LIST),
        ):
            if operation != Operation.LIST and not target.exists:
                _deny("no such patient", target, visible=False)
            return Grant(subject, target, operation, frozenset({HEREDITARY}))
        _deny("administrators have no access to clinical data", target, visible=True)
    _deny(f"a {role.value} has no access to identified patient data", target, visible=True)


def _hidden(role: Role, hide: frozenset[str]) -> frozenset[str]:
    return hide if role == Role.GENETIC_COUNSELLOR else hide | {HEREDITARY}


def _deny(reason: str, target: Target, *, visible: bool) -> NoReturn:
    if visible:
        raise AccessDeniedError(reason, source=target.resource.fhir_type, location=target.patient_id)
    raise NotVisibleError(reason, source=target.resource.fhir_type, location=target.patient_id)
