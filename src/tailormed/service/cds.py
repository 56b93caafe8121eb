"""CDS Hooks 2.0: discovery, PGx cards at ``order-select`` and ``order-sign``, a summary at ``patient-view``, feedback.

Each call is authenticated as the specification's "Trusting CDS Clients" section describes: a JWT signed with an
asymmetric key (never ``none`` or HMAC) whose ``iss`` is on the allow-list, whose ``kid`` names a key in that
issuer's JWK set, whose ``aud`` is the URL of the service called, and whose ``jti`` has not been seen before. In
demo mode only, an unsigned call from loopback is accepted as the demo client. Every call is authorized by the
access policy as a ``cds_client`` and audited; a patient we do not know (or who withdrew consent to clinical use)
gets an empty card list, never an error.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import logging
import random
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from tailormed.errors import TailormedError
from tailormed.intake.fhir.codes import ROUTE_SNOMED, SNOMED
from tailormed.knowledge.medicines import MedicineVocabulary
from tailormed.model.careplan import CarePlan, Decision
from tailormed.model.finding import Domain, Priority
from tailormed.model.patient import Medication, MedicationStatus, Patient, Route
from tailormed.model.pgx import GuidelineResult, MatchedRow
from tailormed.plan.ranking import order
from tailormed.security.audit import Nonce
from tailormed.security.policy import Grant, Operation, Resource, Role, Subject
from tailormed.service.client_jwt import unauthorized
from tailormed.service.core import Commit
from tailormed.service.demo import CDS_CLIENT
from tailormed.service.pgx_check import DrugCheck, PgxChecker
from tailormed.service.problems import ApiProblemError, documented, problem_for
from tailormed.service.settings import PLAN_PAGE, ServiceSettings
from tailormed.service.state import PatientVersion, ServiceState, state_of
from tailormed.store import models as m
from tailormed.store.repo import new_id

router = APIRouter(tags=["cds-hooks"])
_log = logging.getLogger("tailormed.service")
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
OVERRIDE_SYSTEM = "urn:tailormed:cds-override-reason"
OVERRIDE_REASONS = [
    ("tolerated-before", "Patient has taken this drug before without problems"),
    ("benefit-outweighs-risk", "Expected benefit outweighs the genetic risk"),
    ("alternative-unsuitable", "The alternatives are contraindicated or unavailable"),
    ("result-disputed", "The genetic result is doubted or outdated"),
]
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active",
}


# -- the wire format -------------------------------------------------------------------------------------------


class Coding(BaseModel):
    system: str | None = None
    code: str
    display: str | None = None


class Source(BaseModel):
    label: str
    url: str | None = None
    topic: Coding | None = None


class Action(BaseModel):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None  # noqa: N815 (the specification's field name)


class Suggestion(BaseModel):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None  # noqa: N815
    actions: list[Action] = Field(default_factory=list)


class Link(BaseModel):
    label: str
    url: str
    type: Literal["absolute", "smart"]


class Card(BaseModel):
    uuid: str
    summary: str = Field(max_length=140)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] = Field(default_factory=list)
    selectionBehavior: Literal["at-most-one", "any"] | None = None  # noqa: N815
    overrideReasons: list[Coding] = Field(default_factory=list)  # noqa: N815
    links: list[Link] = Field(default_factory=list)


class CdsResponse(BaseModel):
    cards: list[Card]


class CdsService(BaseModel):
    hook: str
    title: str
    description: str
    id: str
    prefetch: dict[str, str] = Field(default_factory=dict)
    usageRequirements: str | None = None  # noqa: N815


class Discovery(BaseModel):
    services: list[CdsService]


class CdsRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    hook: str
    hookInstance: str  # noqa: N815
    fhirServer: str | None = None  # noqa: N815
    fhirAuthorization: dict[str, Any] | None = None  # noqa: N815
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


class AcceptedSuggestion(BaseModel):
    id: str


class OverrideReason(BaseModel):
    reason: Coding | None = None
    userComment: str | None = None  # noqa: N815


class FeedbackItem(BaseModel):
    card: str
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] = Field(default_factory=list)  # noqa: N815
    overrideReason: OverrideReason | None = None  # noqa: N815
    outcomeTimestamp: str  # noqa: N815


class Feedback(BaseModel):
    feedback: list[FeedbackItem]


SERVICES = [
    CdsService(
        hook="order-select",
        id="tailormed-pgx-order-select",
        title="tailormed pharmacogenomics (order select)",
        description="Genotype-guided prescribing for the drug being ordered: the gene result and phenotype, "
        "phenoconversion by the patient's other medications, the CPIC/DPWG recommendation and its strength, and "
        "a suggestion to replace the order with the recommended drug or dose.",
        prefetch=PREFETCH,
        usageRequirements="The patient must be known to tailormed (same Patient.id, or an identifier with system "
        "urn:tailormed:patient) with an analysis and consent to clinical use.",
    ),
    CdsService(
        hook="order-sign",
        id="tailormed-pgx-order-sign",
        title="tailormed pharmacogenomics (order sign)",
        description="The same pharmacogenomic check as order-select, for every medication order about to be signed.",
        prefetch=PREFETCH,
    ),
    CdsService(
        hook="patient-view",
        id="tailormed-patient-summary",
        title="tailormed care plan summary",
        description="A summary card of the patient's actionable pharmacogenomic findings and raised disease risks.",
        prefetch={"patient": PREFETCH["patient"]},
    ),
]
_BY_ID = {s.id: s for s in SERVICES}
_HOOK_PATHS = {f"/cds-services/{s.id}": s.id for s in SERVICES}


# -- client authentication -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _demo_client(host: str | None) -> Subject:
    return Subject(name=CDS_CLIENT, role=Role.CDS_CLIENT, scopes=("system/*.read",), source=host)


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    return _loopback_address(host)


@functools.lru_cache(maxsize=1024)
def _loopback_address(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authenticate_call(
    state: ServiceState, authorization: str | None, host: str | None, service_path: str
) -> tuple[Subject, Nonce | None]:
    """The calling CDS client, authenticated (or the demo client, in demo mode, for unsigned loopback calls), and
    its JWT's ``jti`` as a nonce the call claims with its audit event (None: the demo client); raises a 401
    problem and changes nothing when refused."""
    if authorization is None:
        if state.settings.demo and _is_loopback(host):
            return _demo_client(host), None
        raise unauthorized("CDS clients authenticate with a signed JWT: 'Authorization: Bearer <JWT>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("expected 'Authorization: Bearer <JWT>'")
    audience = state.settings.base_url.rstrip("/") + service_path
    issuer, nonce = state.cds_verifier.verify(token.strip(), audience)
    return Subject(name=issuer, role=Role.CDS_CLIENT, scopes=("system/*.read",), source=host), nonce


# -- routes ----------------------------------------------------------------------------------------------------


@router.get("/cds-services", response_model=Discovery)
def discovery() -> Discovery:
    """The CDS services offered here (CDS Hooks discovery)."""
    return Discovery(services=SERVICES)


@router.post(
    "/cds-services/{service_id}",
    response_model=CdsResponse,
    response_model_exclude_none=True,
    responses=documented(400, 401, 404, 422),
)
async def call_service(
    request: Request,
    service_id: str,
    body: CdsRequest,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Call a CDS service with a hook request; the answer is a list of cards (empty for unknown patients)."""
    host = request.client.host if request.client is not None else None
    answered = await respond(state_of(request), service_id, body, authorization, host)
    return Response(answered, media_type="application/json")


async def respond(
    state: ServiceState, service_id: str, body: CdsRequest, authorization: str | None, host: str | None
) -> bytes:
    """The JSON answer to one hook call: checked, authenticated, authorized and audited, then looked up.

    Answered on the event loop: the work is one short read and dictionary look-ups (no thread hand-off per call);
    only a call that must fetch the medication list from the EHR's FHIR server runs in a worker thread."""
    if service_id not in _BY_ID:
        raise ApiProblemError(404, "Not Found", f"no CDS service '{service_id}'")
    subject, nonce = authenticate_call(state, authorization, host, f"/cds-services/{service_id}")
    return await respond_as(state, service_id, body, subject, nonce)


async def respond_as(
    state: ServiceState, service_id: str, body: CdsRequest, subject: Subject, nonce: Nonce | None = None
) -> bytes:
    """:func:`respond` for a caller already authenticated (``nonce``: its JWT's ``jti``, claimed with the call's
    audit event)."""
    service = _BY_ID[service_id]
    if body.hook != service.hook:
        raise ApiProblemError(
            400, "Bad Request", f"service '{service_id}' answers the '{service.hook}' hook, not '{body.hook}'"
        )
    patient_id = _patient_id(body)
    if patient_id is None:
        raise ApiProblemError(400, "Bad Request", "context.patientId is required")
    if service.hook != "patient-view" and needs_fetch(state.settings.fhir_server, body):
        cards, committed = await run_in_threadpool(answer_deferred, state, subject, service, body, patient_id, nonce)
    else:
        cards, committed = answer_deferred(state, subject, service, body, patient_id, nonce)
    await asyncio.wrap_future(committed)  # nothing is sent before the call is in the audit trail (nor to a replay)
    return ('{"cards":[' + ",".join(cards) + "]}").encode()


class HookCalls:
    """Answers the hook calls (``POST /cds-services/{id}`` with a JSON body) with :func:`respond_as`, as the route
    does, but without the framework's middleware, routing, dependency and exception layers (the application calls
    it first, see :class:`~tailormed.service.app.ServiceApp`): the CDS Hooks answer is on the EHR's ordering path,
    and these layers cost more than the look-up itself. A body that is not a valid request, or a call refused before
    anything was recorded (401), is handed to ``app`` unchanged, so every error answer is the one the route gives."""

    MAX_BODY = 8 * 1024 * 1024
    """Larger bodies (a huge prefetch) take the ordinary route."""
    CONTENT_TYPE = (b"content-type", b"application/json")

    def __init__(self, app: Any, state: ServiceState) -> None:
        self.app = app
        self.state = state

    @staticmethod
    def claims(scope: MutableMapping[str, Any]) -> bool:
        """Whether ``scope`` is a hook call (else the application answers it)."""
        return scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in _HOOK_PATHS

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if not self.claims(scope):
            await self.app(scope, receive, send)
            return
        service_id = _HOOK_PATHS[scope["path"]]
        headers = dict(scope["headers"])
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False) or size > self.MAX_BODY:
                break
        raw = b"".join(chunks)
        more = size > self.MAX_BODY
        body: CdsRequest | None = None
        if not more and _is_json(headers.get(b"content-type", b"")):
            try:
                body = CdsRequest.model_validate_json(raw)
            except ValueError:
                body = None
        authorization = headers.get(b"authorization")
        client = scope.get("client")
        host = client[0] if client else None
        try:
            if body is None:
                raise _DelegateError
            try:
                subject, nonce = authenticate_call(
                    self.state,
                    authorization.decode("latin-1") if authorization is not None else None,
                    host,
                    f"/cds-services/{service_id}",
                )
            except ApiProblemError:
                raise _DelegateError from None
            answered = await respond_as(self.state, service_id, body, subject, nonce)
        except _DelegateError:
            await self.app(scope, _replay(raw, receive, more), send)
            return
        except Exception as exc:
            if not isinstance(exc, ApiProblemError | TailormedError):
                _log.exception("unhandled error on POST %s", scope["path"])
            await problem_for(exc, scope["path"])(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [self.CONTENT_TYPE, (b"content-length", str(len(answered)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": answered})


class _DelegateError(Exception):
    """The fast path steps aside: the application answers the call."""


def _replay(raw: bytes, receive: Any, more: bool) -> Any:
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": more}
        message: dict[str, Any] = await receive()
        return message

    return replayed


def _is_json(content_type: bytes) -> bool:
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))


@router.post("/cds-services/{service_id}/feedback", responses=documented(400, 401, 404, 422))
def feedback(
    request: Request,
    service_id: str,
    body: Feedback,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, str]:
    """Record what the user did with the cards (accepted a suggestion, or overrode the card and why)."""
    from dataclasses import replace

    from tailormed.security.audit import AuditAction, Entry, Purpose, as_replay

    if service_id not in _BY_ID:
        raise ApiProblemError(404, "Not Found", f"no CDS service '{service_id}'")
    state = state_of(request)
    host = request.client.host if request.client is not None else None
    subject, nonce = authenticate_call(state, authorization, host, f"/cds-services/{service_id}/feedback")
    platform = state.platform
    entry = Entry(
        actor=platform_actor(subject),
        action=AuditAction.CREATE,
        resource="cds_feedback",
        purpose=Purpose.TREATMENT,
        resource_id=service_id,
        detail=", ".join(f"{i.card}: {i.outcome}" for i in body.feedback)[:1000],
        nonce=nonce,
    )
    with platform.transaction() as session:
        fresh = nonce is None or platform.audit.claim(session, nonce)
        if not fresh:  # a replayed JWT: nothing recorded but the refusal
            platform.audit.append(session, as_replay(entry))
        else:
            for item in body.feedback:
                session.add(
                    m.CdsFeedback(
                        id=new_id(),
                        service_id=service_id,
                        card=item.card[:80],
                        outcome=item.outcome,
                        body=item.model_dump(exclude_none=True),
                        client=subject.name,
                    )
                )
            platform.audit.append(session, replace(entry, nonce=None))
    if not fresh:
        raise unauthorized("this JWT (jti) was already used")
    return {}


def platform_actor(subject: Subject) -> Any:
    from tailormed.service.core import actor_of

    return actor_of(subject)


def _patient_id(body: CdsRequest) -> str | None:
    """Our patient id: the context's Patient.id, or a ``urn:tailormed:patient`` identifier in the prefetched Patient."""
    context_id = body.context.get("patientId")
    prefetched = (body.prefetch or {}).get("patient")
    if isinstance(prefetched, dict):
        for identifier in prefetched.get("identifier", []) or []:
            if isinstance(identifier, dict) and identifier.get("system") == "urn:tailormed:patient":
                value = identifier.get("value")
                if isinstance(value, str) and value:
                    return value
    return str(context_id) if isinstance(context_id, str | int) and str(context_id) else None


# -- the answers -----------------------------------------------------------------------------------------------


def answer(state: ServiceState, subject: Subject, service: CdsService, body: CdsRequest, patient_id: str) -> list[str]:
    """The cards for one hook call, each as the JSON text of a valid :class:`Card`, once the call's audit event is
    committed (for a caller in a worker thread: the web app's medication check)."""
    cards, committed = answer_deferred(state, subject, service, body, patient_id)
    committed.result()
    return cards


def answer_deferred(
    state: ServiceState,
    subject: Subject,
    service: CdsService,
    body: CdsRequest,
    patient_id: str,
    nonce: Nonce | None = None,
) -> tuple[list[str], Commit]:
    """:func:`answer` without blocking the event loop: the cards and the commit of the call's audit event, which
    must be done before the cards are sent (it shares its commit with concurrent calls' events; it fails when the
    client's ``nonce`` was used before, by this or another server process)."""
    version = state.version(patient_id)
    grant, committed = state.platform.read_access_deferred(
        subject,
        Operation.READ,
        Resource.CARE_PLAN,
        patient_id,
        detail=f"CDS Hooks {service.hook} ({body.hookInstance[:60]})",
        target=state.plan_target(patient_id, version),
        nonce=nonce,
    )
    if grant is None:
        return [], committed  # unknown patient, or no consent to clinical use: no card (the attempt is audited)
    return _cards(state, grant, service.hook, body, patient_id, version), committed


def _cards(
    state: ServiceState, grant: Grant, hook: str, body: CdsRequest, patient_id: str, version: PatientVersion | None
) -> list[str]:
    snapshot = state.snapshot(patient_id, grant.hide_domains, version)
    if snapshot is None:
        return []
    if hook == "patient-view":
        card = _summary_card(snapshot.plan, card_links(state.settings, patient_id))
        return [_json(card.model_dump(exclude_none=True))] if card is not None else []
    orders = _orders(body, hook)
    if needs_fetch(state.settings.fhir_server, body):
        fetched = fetch_medications(state.settings.fhir_server, body, patient_id)
        if fetched is not None:
            body = body.model_copy(update={"prefetch": {**(body.prefetch or {}), "medications": fetched}})
    checker = snapshot.checks.checker
    others = _other_medications(checker, snapshot.patient, body, [o for o, _ in orders])
    cards: list[str] = []
    unknown: list[Medication] = []
    for drug, resource in orders:
        check, material = snapshot.checks.check(drug, [o for o in others if o is not drug])
        if not check.known:
            unknown.append(drug)
        elif check.actionable:
            if "card" not in material:
                material["card"] = _pgx_material(check, snapshot.plan, card_links(state.settings, patient_id))
            cards.append(_pgx_card(material["card"], drug, resource))
    cards.extend(_json(card) for card in not_checked_cards(unknown, checker.vocabulary))
    return cards


def card_links(settings: ServiceSettings, patient_id: str) -> list[Link]:
    """Where a card sends the clinician: the web app's plan page of the patient (``absolute``: opened as it is,
    after signing in), and the SMART app launch URL when one is configured (``smart``: the EHR adds its launch
    parameters, so the app opens in the EHR's patient context)."""
    page = settings.base_url.rstrip("/") + PLAN_PAGE.format(patient_id=quote(patient_id, safe=""))
    links = [Link(label="Open the tailormed care plan", url=page, type="absolute")]
    if settings.smart_launch_url:
        links.append(Link(label="Open tailormed in the EHR (SMART app)", url=settings.smart_launch_url, type="smart"))
    return links


def needs_fetch(configured: str | None, body: CdsRequest) -> bool:
    """Whether the ``medications`` prefetch is missing and may be fetched from the client's FHIR server."""
    return (
        (body.prefetch is None or "medications" not in body.prefetch)
        and configured is not None
        and body.fhirServer is not None
        and body.fhirServer.rstrip("/") == configured.rstrip("/")
    )


def fetch_medications(configured: str | None, body: CdsRequest, patient_id: str) -> dict[str, Any] | None:
    """The ``medications`` prefetch fetched from the CDS client's FHIR server, when the client sent none.

    Only when a FHIR server is configured (``TAILORMED_FHIR_SERVER``) and the request names that same server, with
    the access token the client handed over in ``fhirAuthorization``; anything else (no server, another server, a
    failure) leaves the check to the stored medication list."""
    if configured is None or not needs_fetch(configured, body):
        return None
    import httpx

    headers = {"Accept": "application/fhir+json"}
    token = (body.fhirAuthorization or {}).get("access_token")
    if isinstance(token, str) and token:
        headers["Authorization"] = f"Bearer {token}"
    patient = str(body.context.get("patientId") or patient_id)
    try:
        response = httpx.get(
            f"{configured.rstrip('/')}/MedicationRequest",
            params={"patient": patient, "status": "active"},
            headers=headers,
            timeout=3.0,
        )
        response.raise_for_status()
        bundle = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    return bundle if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle" else None


def medication_of(resource: dict[str, Any]) -> Medication | None:
    """The drug of a FHIR MedicationRequest/MedicationStatement (RxNorm code, name and route), or None.

    The drug is its ``medicationCodeableConcept``, or the contained Medication its ``medicationReference`` names
    (that Medication's code, else its ingredient list), or the reference's display. The route is read as the
    bundle reader reads it (SNOMED CT; a route stated otherwise is ``other``).
    """
    drug = _drug_of(resource)
    route = _route_of(resource)
    return drug.model_copy(update={"route": route}) if drug is not None and route is not None else drug


def _route_of(resource: dict[str, Any]) -> Route | None:
    dosages = resource.get("dosageInstruction") or resource.get("dosage") or []
    dosage = dosages[0] if isinstance(dosages, list) and dosages and isinstance(dosages[0], dict) else {}
    concept = dosage.get("route")
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding", []) or []:
        if isinstance(coding, dict) and coding.get("system") == SNOMED and str(coding.get("code")) in ROUTE_SNOMED:
            return ROUTE_SNOMED[str(coding.get("code"))]
    return Route.OTHER


def _drug_of(resource: dict[str, Any]) -> Medication | None:
    concept = resource.get("medicationCodeableConcept")
    if not isinstance(concept, dict):
        reference = resource.get("medicationReference")
        if not isinstance(reference, dict):
            return None
        target = str(reference.get("reference") or "")
        contained = next(
            (
                c
                for c in resource.get("contained", []) or []
                if isinstance(c, dict) and c.get("resourceType") == "Medication" and f"#{c.get('id')}" == target
            ),
            None,
        )
        if contained is not None:
            return _contained_medication(contained)
        if str(reference.get("display") or "").strip():
            return Medication(name=str(reference["display"]), status=MedicationStatus.PLANNED)
        return None
    name, rxnorm = _concept_drug(concept)
    return Medication(name=name, rxnorm=rxnorm, status=MedicationStatus.PLANNED) if name else None


def _contained_medication(medication: dict[str, Any]) -> Medication | None:
    code = medication.get("code")
    name, rxnorm = _concept_drug(code) if isinstance(code, dict) else (None, None)
    if not name:
        items = [i.get("itemCodeableConcept") for i in medication.get("ingredient", []) or [] if isinstance(i, dict)]
        found = [_concept_drug(item) for item in items if isinstance(item, dict)]
        named = [(n, r) for n, r in found if n]
        if not named:
            return None
        name = " / ".join(n for n, _ in named)
        rxnorm = named[0][1] if len(named) == 1 else None
    return Medication(name=name, rxnorm=rxnorm, status=MedicationStatus.PLANNED)


def _concept_drug(concept: dict[str, Any]) -> tuple[str | None, str | None]:
    """Name and RxNorm code of a drug CodeableConcept (a concept with only a code is named by it)."""
    rxnorm = None
    names = []
    for coding in concept.get("coding", []) or []:
        if isinstance(coding, dict):
            if coding.get("system") == RXNORM and coding.get("code"):
                rxnorm = str(coding["code"])
            if coding.get("display"):
                names.append(str(coding["display"]))
    name = next((str(n) for n in (concept.get("text"), *names, rxnorm) if n and str(n).strip()), None)
    return name, rxnorm


def _bundle_resources(bundle: Any) -> list[dict[str, Any]]:
    if not isinstance(bundle, dict):
        return []
    return [
        e["resource"]
        for e in bundle.get("entry", []) or []
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]


def _orders(body: CdsRequest, hook: str) -> list[tuple[Medication, dict[str, Any]]]:
    """The medication orders to check: the selected ones (order-select) or every draft (order-sign)."""
    drafts = _bundle_resources(body.context.get("draftOrders"))
    selections = body.context.get("selections")
    chosen = set(selections) if hook == "order-select" and isinstance(selections, list) else None
    found = []
    for resource in drafts:
        if resource.get("resourceType") != "MedicationRequest":
            continue
        if chosen is not None and f"MedicationRequest/{resource.get('id')}" not in chosen:
            continue
        drug = medication_of(resource)
        if drug is not None:
            found.append((drug, resource))
    return found


def _other_medications(
    checker: PgxChecker, patient: Patient, body: CdsRequest, ordered: list[Medication]
) -> list[Medication]:
    """What else the patient takes: the stored record, the EHR's active orders (prefetch) and the other drafts."""
    others = list(patient.current_medications())

    def add(drug: Medication) -> None:
        # the same drug by another stated route is kept: tablets beside a cream on the record still act
        if not any(
            _same(checker, drug, known) and drug.route in (None, known.route) for known in [*others, *ordered]
        ):
            others.append(drug)

    for resource in _bundle_resources((body.prefetch or {}).get("medications")):
        if (
            resource.get("resourceType") in ("MedicationRequest", "MedicationStatement")
            and resource.get("status", "active") == "active"
        ):
            drug = medication_of(resource)
            if drug is not None:
                add(drug.model_copy(update={"status": MedicationStatus.ACTIVE}))
    for resource in _bundle_resources(body.context.get("draftOrders")):
        if resource.get("resourceType") == "MedicationRequest":
            drug = medication_of(resource)
            if drug is not None:
                add(drug)
    return others


def _same(checker: PgxChecker, a: Medication, b: Medication) -> bool:
    """The same drug: the same RxNorm code, or the same ingredients as the medicine vocabulary resolves them
    (``Plavix 75 mg tablet`` = ``clopidogrel``); names it does not know are compared as written."""
    if a.rxnorm and b.rxnorm and a.rxnorm == b.rxnorm:
        return True
    first, second = checker.resolve(a), checker.resolve(b)
    if first is not None and second is not None:
        return first.ingredients == second.ingredients
    if first is None and second is None:
        return " ".join(a.name.casefold().split()) == " ".join(b.name.casefold().split())
    return False


def _first_row(answers: list[GuidelineResult]) -> tuple[GuidelineResult, MatchedRow] | None:
    for answer in answers:
        for row in answer.rows:
            if row.actionable:
                return answer, row
    return None


@dataclass(frozen=True)
class CardMaterial:
    """What a PGx card says about one drug for one plan, computed once: only the order's own fields and fresh
    uuids are added per call."""

    card: str
    """The JSON members of the card's fields other than ``uuid``, ``suggestions`` and ``selectionBehavior``
    (serialized once)."""
    row: MatchedRow
    drug: str
    alternatives: tuple[str, ...]


def _pgx_material(check: DrugCheck, plan: CarePlan, links: list[Link]) -> CardMaterial:
    picked = _first_row(check.answers)
    assert picked is not None
    answer, row = picked
    drug = answer.drug
    indicator: Literal["critical", "warning"] = "critical" if row.alternate_drug_available else "warning"
    first = row.text.split(";")[0].split(". ")[0].rstrip(".")
    provisional = "Provisional — " if answer.provisional else ""
    summary = _clip(f"{provisional}{drug.capitalize()}: {_phenotypes(check, answer)} — {first}")
    lines = [
        f"**{answer.guideline_name}** ({answer.source} {answer.version}; strength: "
        f"{row.classification or 'not stated'}{'; population: ' + row.population if row.population else ''})",
        "",
        row.text,
        "",
    ]
    lines += [f"- {gene}: {value}" for gene, value in answer.gene_results.items()]
    lines += [f"- {c.explanation}" for c in check.phenoconversions if c.applied]
    lines += [f"- Implication: {text}" for text in row.implications]
    if answer.range_note:
        lines += ["", f"**{'Provisional' if answer.provisional else 'Copy number'}:** {answer.range_note}"]
    if answer.citations:
        lines += ["", "Sources: " + ", ".join(answer.citations)]
    template = Card(
        uuid="-",
        summary=summary,
        detail="\n".join(lines),
        indicator=indicator,
        source=Source(
            label=f"{answer.source}: {answer.guideline_name}",
            url=answer.url,
            topic=Coding(system="urn:tailormed:cds-topic", code="pharmacogenomics", display="Pharmacogenomics"),
        ),
        overrideReasons=[Coding(system=OVERRIDE_SYSTEM, code=c, display=d) for c, d in OVERRIDE_REASONS],
        links=links,
    ).model_dump(exclude_none=True, exclude={"uuid", "suggestions", "selectionBehavior"})
    ordered = (check.answers[0].drug if check.answers else check.drug.name).casefold()
    alternatives = tuple(_alternatives(plan, ordered)) if row.alternate_drug_available else ()
    return CardMaterial(card=_json(template)[1:-1], row=row, drug=drug, alternatives=alternatives)


def _pgx_card(material: CardMaterial, drug: Medication, order: dict[str, Any]) -> str:
    """The card's JSON: the prepared material plus this order's suggestions and fresh uuids."""
    suggestions = _suggestions(material, drug.name, order)
    behaviour = ',"selectionBehavior":"at-most-one"' if suggestions else ""
    return f'{{"uuid":"{_uuid()}",{material.card},"suggestions":{_json(suggestions)}{behaviour}}}'


def _uuid() -> str:
    """A random (version 4) UUID naming a card or suggestion: unique, not secret, so it comes from the process's
    pseudo-random generator (seeded from the OS, and again in every forked worker) without a system call."""
    value = random.getrandbits(128) & _UUID_CLEAR | _UUID_SET
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)
"""The RFC 4122 variant bits and version 4, as :class:`uuid.UUID` sets them."""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def not_checked_cards(drugs: list[Medication], vocabulary: MedicineVocabulary) -> list[dict[str, Any]]:
    """Info cards for the orders no check was made for: one naming the ambiguous names with what each may mean,
    one naming the orders the medicine vocabulary does not know."""
    ambiguous: dict[str, str] = {}
    unknown: list[Medication] = []
    for drug in drugs:
        meanings = vocabulary.ambiguous_meanings(drug.name)
        if meanings is None:
            unknown.append(drug)
        else:
            ambiguous.setdefault(drug.name, meanings)
    cards = []
    if ambiguous:
        listed = "; ".join(f"{name} ({meanings})" for name, meanings in ambiguous.items())
        cards.append(
            _info_card(
                f"Not checked for pharmacogenomics: ambiguous name {listed}",
                f"tailormed cannot tell which medicine is meant by {listed}: the name is filed for each of these, "
                "so no genotype-guided check was made for this order. Order it by ingredient or RxNorm code to "
                "have it checked, and check the patient's pharmacogenomic results in the care plan before "
                "prescribing.",
            )
        )
    if unknown:
        names = ", ".join(dict.fromkeys(d.name + (f" (RxNorm {d.rxnorm})" if d.rxnorm else "") for d in unknown))
        cards.append(
            _info_card(
                f"Not checked for pharmacogenomics: {names} (not a medicine tailormed recognises)",
                f"tailormed could not recognise {names}: neither the name nor its codes match an ingredient, brand, "
                "product, RxNorm or ATC code of its medicine vocabulary, so no genotype-guided check was made for "
                "this order. Check the patient's pharmacogenomic results in the care plan before prescribing.",
            )
        )
    return cards


def _info_card(summary: str, detail: str) -> dict[str, Any]:
    return Card(
        uuid=_uuid(),
        summary=_clip(summary),
        detail=detail,
        indicator="info",
        source=Source(
            label="tailormed medicine vocabulary",
            topic=Coding(system="urn:tailormed:cds-topic", code="pharmacogenomics", display="Pharmacogenomics"),
        ),
    ).model_dump(exclude_none=True)


def _phenotypes(check: DrugCheck, answer: GuidelineResult) -> str:
    """``CYP2D6 Poor Metabolizer (fluoxetine)``: each gene's phenotype as it applies now, and what changed it; a
    gene a drug of unknown strength leaves unassessed says so, or, when the answer holds over every result the
    drug could leave, that it cannot change the advice."""
    parts = []
    for gene in answer.genes:
        result = check.effective.get(gene)
        changed = [c for c in check.phenoconversions if c.gene == gene and c.applied]
        names = " and ".join(dict.fromkeys(p for c in changed for p in c.perpetrators))
        if changed and result is not None and result.called and result.phenotype is None:
            genotype = changed[0].genotype_phenotype or "result"
            if any(gene in row.matched_on for row in answer.rows):  # rows read over every result it could leave
                parts.append(f"{gene} {genotype} (advice unchanged by {names})")
            else:
                parts.append(f"{gene} cannot be assessed because of {names}")
            continue
        phenotype = result.phenotype if result is not None and result.phenotype else "no result"
        parts.append(f"{gene} {phenotype}{f' ({names})' if changed else ''}")
    return ", ".join(parts)


def _suggestions(material: CardMaterial, ordered_as: str, order: dict[str, Any]) -> list[dict[str, Any]]:
    """Replace the order with the plan's alternatives (or cancel it), or record the dose advice on it."""
    row = material.row
    order_ref = f"MedicationRequest/{order.get('id')}" if order.get("id") else None
    suggestions: list[dict[str, Any]] = []
    if row.alternate_drug_available:
        for option_drug in material.alternatives:
            replacement = {
                key: value
                for key, value in order.items()
                if key not in ("id", "medicationCodeableConcept", "medicationReference", "dosageInstruction")
            }
            replacement.update(
                {
                    "resourceType": "MedicationRequest",
                    "status": "draft",
                    "medicationCodeableConcept": {"text": option_drug},
                    "note": [{"text": f"Replaces {ordered_as}: {row.text}"}],
                }
            )
            actions: list[dict[str, Any]] = [
                {"type": "create", "description": f"Order {option_drug} instead", "resource": replacement}
            ]
            if order_ref is not None:
                actions.insert(
                    0, {"type": "delete", "description": f"Remove the {ordered_as} order", "resourceId": order_ref}
                )
            suggestions.append(
                {
                    "label": f"Replace {ordered_as} with {option_drug}",
                    "uuid": _uuid(),
                    "isRecommended": not suggestions,
                    "actions": actions,
                }
            )
        if not suggestions and order_ref is not None:
            suggestions.append(
                {
                    "label": f"Cancel the {ordered_as} order",
                    "uuid": _uuid(),
                    "isRecommended": True,
                    "actions": [
                        {
                            "type": "delete",
                            "description": f"Remove the {ordered_as} order: {_clip(row.text, 200)}",
                            "resourceId": order_ref,
                        }
                    ],
                }
            )
    elif row.dosing_information and order_ref is not None:
        updated = dict(order)
        updated["note"] = [*order.get("note", []), {"text": f"Genotype-guided dosing: {row.text}"}]
        suggestions.append(
            {
                "label": f"Adjust the {ordered_as} dose as the guideline advises",
                "uuid": _uuid(),
                "isRecommended": True,
                "actions": [
                    {
                        "type": "update",
                        "description": f"Record the genotype-guided dose advice on the order: {_clip(row.text, 200)}",
                        "resource": updated,
                    }
                ],
            }
        )
    return suggestions


def _alternatives(plan: CarePlan, ordered: str) -> list[str]:
    """Safe alternatives to ``ordered`` from the plan's decisions that list it, best first by the patient's ranking."""
    found: list[str] = []
    for decision in plan.decisions:
        if not any(o.drug and o.drug.casefold() == ordered for o in decision.options):
            continue
        for option in _ranked(decision):
            if (
                option.drug
                and option.drug.casefold() != ordered
                and not option.contraindicated
                and (option.drug not in found)
            ):
                found.append(option.drug)
    return found[:2]


def _ranked(decision: Decision) -> list[Any]:
    if decision.ranking:
        by_id = {o.id: o for o in decision.options}
        return [by_id[i] for i in decision.ranking if i in by_id]
    return order(decision.options, decision.weights or {"efficacy": 1.0})


def _summary_card(plan: CarePlan, links: list[Link]) -> Card | None:
    pgx = [f for f in plan.findings if f.domain is Domain.PGX and f.priority in (Priority.ACTIONABLE, Priority.URGENT)]
    risks = [
        f
        for f in plan.findings
        if f.domain in (Domain.CLINICAL_RISK, Domain.POLYGENIC, Domain.HEREDITARY)
        and f.priority in (Priority.ACTIONABLE, Priority.URGENT)
    ]
    if not pgx and not risks and not plan.conflicts:
        return None
    parts = []
    if pgx:
        parts.append(f"{len(pgx)} drug–gene result{'s' if len(pgx) != 1 else ''} to act on")
    if risks:
        parts.append(f"{len(risks)} raised risk{'s' if len(risks) != 1 else ''}")
    if plan.conflicts:
        parts.append(f"{len(plan.conflicts)} medication conflict{'s' if len(plan.conflicts) != 1 else ''}")
    lines = ["**Pharmacogenomics**", *[f"- {f.title}" for f in pgx]] if pgx else []
    if risks:
        lines += ["", "**Raised risks**", *[f"- {f.title}" for f in risks]]
    if plan.conflicts:
        lines += ["", "**Conflicts**", *[f"- {c.description}" for c in plan.conflicts]]
    return Card(
        uuid=_uuid(),
        summary=_clip("tailormed: " + ", ".join(parts)),
        detail="\n".join(lines),
        indicator="warning",
        source=Source(
            label="tailormed care plan",
            topic=Coding(system="urn:tailormed:cds-topic", code="care-plan", display="Care plan summary"),
        ),
        links=links,
    )


def _clip(text: str, limit: int = 139) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
