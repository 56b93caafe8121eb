"""The access policy: one function decides, and it is the only place an access is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tailormed.errors import AccessDeniedError
from tailormed.security.consent import Category, ConsentDecision, ConsentState, Decision, permits_research
from tailormed.security.policy import (
    HEREDITARY,
    NotVisibleError,
    Operation,
    Resource,
    Role,
    Subject,
    Target,
    authorize,
    default_scopes,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "tailormed"


def test_access_denied_is_raised_only_by_the_policy() -> None:
    raising = re.compile(r"raise\s+(AccessDeniedError|NotVisibleError)\b")
    found = [p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if raising.search(p.read_text())]
    assert found == ["security/policy.py"]


def _consent(**flags: bool) -> ConsentState:
    from datetime import UTC, datetime

    decisions = [
        ConsentDecision(
            id=c.value,
            patient_id="p1",
            category=c,
            decision=Decision.PERMIT if flags.get(c.value) else Decision.DENY,
            duo_codes=("DUO:0000042",) if c is Category.RESEARCH else (),
            recorded_at=datetime.now(UTC),
            recorded_by=None,
        )
        for c in Category
    ]
    return ConsentState.from_decisions(decisions)


def _subject(role: Role, **extra: object) -> Subject:
    return Subject(name=role.value, role=role, scopes=default_scopes(role), **extra)  # type: ignore[arg-type]


def test_clinicians_need_clinical_consent_to_analyse() -> None:
    clinician = _subject(Role.CLINICIAN, team_patients=frozenset({"p1"}))
    allowed = Target(Resource.ANALYSIS, "p1", _consent(clinical=True))
    assert authorize(clinician, Operation.ANALYZE, allowed).hide_domains == {HEREDITARY}
    with pytest.raises(AccessDeniedError, match="consented"):
        authorize(clinician, Operation.ANALYZE, Target(Resource.ANALYSIS, "p1", _consent(clinical=False)))


def test_other_patients_are_invisible_not_forbidden() -> None:
    clinician = _subject(Role.CLINICIAN, team_patients=frozenset({"p1"}))
    with pytest.raises(NotVisibleError):
        authorize(clinician, Operation.READ, Target(Resource.CARE_PLAN, "p2", _consent(clinical=True)))
    patient = _subject(Role.PATIENT, patient_id="p1")
    with pytest.raises(NotVisibleError):
        authorize(patient, Operation.READ, Target(Resource.CARE_PLAN, "p2", _consent()))
    with pytest.raises(NotVisibleError):
        authorize(patient, Operation.READ, Target(Resource.CARE_PLAN, "p1", exists=False))


def test_secondary_findings_opt_out_hides_hereditary_findings_from_everyone() -> None:
    counsellor = _subject(Role.GENETIC_COUNSELLOR, team_patients=frozenset({"p1"}))
    opted_in = Target(Resource.CARE_PLAN, "p1", _consent(clinical=True, secondary_findings=True))
    opted_out = Target(Resource.CARE_PLAN, "p1", _consent(clinical=True, secondary_findings=False))
    assert authorize(counsellor, Operation.READ, opted_in).hide_domains == frozenset()
    assert authorize(counsellor, Operation.READ, opted_out).hide_domains == {HEREDITARY}


def test_scopes_limit_what_a_token_may_do() -> None:
    narrow = Subject(name="c", role=Role.CLINICIAN, team_patients=frozenset({"p1"}), scopes=("user/CarePlan.rs",))
    assert authorize(narrow, Operation.READ, Target(Resource.CARE_PLAN, "p1", _consent(clinical=True)))
    with pytest.raises(AccessDeniedError, match="scopes"):
        authorize(narrow, Operation.READ, Target(Resource.PATIENT, "p1", _consent(clinical=True)))


def test_researchers_and_admins_see_no_identified_clinical_data() -> None:
    for role in (Role.RESEARCHER, Role.ADMIN):
        with pytest.raises(AccessDeniedError):
            authorize(_subject(role), Operation.READ, Target(Resource.CARE_PLAN, "p1", _consent(clinical=True)))
    researcher = _subject(Role.RESEARCHER)
    consented = Target(Resource.RESEARCH, "p1", _consent(research=True), duo_code="DUO:0000007")
    assert authorize(researcher, Operation.EXPORT, consented)
    with pytest.raises(NotVisibleError):
        authorize(researcher, Operation.EXPORT, Target(Resource.RESEARCH, "p1", _consent(), duo_code="DUO:0000007"))


def test_duo_permissions_cover_narrower_uses_only() -> None:
    assert permits_research(("DUO:0000042",), "DUO:0000006")
    assert permits_research(("DUO:0000006",), "DUO:0000007")
    assert not permits_research(("DUO:0000006",), "DUO:0000042")
    assert not permits_research(("DUO:0000007",), "DUO:0000006")
    assert not permits_research((), "DUO:0000042")


def test_cds_clients_read_only_with_clinical_consent() -> None:
    client = _subject(Role.CDS_CLIENT)
    assert authorize(client, Operation.READ, Target(Resource.CARE_PLAN, "p1", _consent(clinical=True)))
    with pytest.raises(NotVisibleError):
        authorize(client, Operation.READ, Target(Resource.CARE_PLAN, "p1", _consent(clinical=False)))
    with pytest.raises(AccessDeniedError):
        authorize(client, Operation.UPDATE, Target(Resource.CONSENT, "p1", _consent(clinical=True)))
