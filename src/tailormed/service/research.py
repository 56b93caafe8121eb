"""Running a research export: the access policy picks the patients, :mod:`tailormed.security.research` the rest."""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from datetime import UTC, date, datetime

from tailormed.errors import AccessDeniedError, InputError
from tailormed.security.consent import DUO_LABELS
from tailormed.security.policy import Operation, Resource, Subject
from tailormed.security.research import (
    DEFAULT_K,
    SAFE_HARBOR_REMOVED,
    ExportResult,
    deidentify,
    k_anonymize,
    write_export,
)
from tailormed.service.core import Platform
from tailormed.service.views import redact

DUO_CODE = re.compile(r"^DUO:\d{7}$")


def run_export(
    platform: Platform, subject: Subject, duo_code: str, *, k: int = DEFAULT_K, on: date | None = None
) -> ExportResult:
    """Export every patient whose research consent covers ``duo_code``, de-identified and k-anonymous."""
    if not DUO_CODE.match(duo_code):
        raise InputError(f"'{duo_code}' is not a DUO code (DUO: and 7 digits)", source="--duo")
    if k < 2:
        raise InputError("k must be at least 2", source="--k")
    key = secrets.token_bytes(32)
    today = on or date.today()
    people = []
    included: list[str] = []
    with platform.transaction() as session:
        platform.access(
            session,
            subject,
            Operation.EXPORT,
            Resource.RESEARCH,
            duo_code=duo_code,
            detail=f"research export for {duo_code}",
        )
        candidates = platform.repo.patient_ids(session)
        for patient_id in candidates:
            try:
                grant = platform.access(
                    session,
                    subject,
                    Operation.EXPORT,
                    Resource.RESEARCH,
                    patient_id,
                    duo_code=duo_code,
                    detail=f"research export for {duo_code}",
                )
            except AccessDeniedError:
                continue
            entry = platform.repo.load_patient(session, patient_id)
            stored = platform.repo.latest_plan(session, patient_id)
            if entry is None:
                continue
            consent = platform.consent_state(session, patient_id)
            plan = redact(stored.plan, grant.hide_domains) if stored is not None else None
            people.append(deidentify(entry.patient, plan, key=key, on=today, duo_codes=consent.duo_codes))
            included.append(patient_id)
    kept, anonymity = k_anonymize(people, k)
    report = {
        "created_at": datetime.now(UTC).isoformat(),
        "data_use": {"code": duo_code, "label": DUO_LABELS.get(duo_code, duo_code)},
        "patients_in_store": len(candidates),
        "consented_for_this_use": len(people),
        "exported": len(kept),
        "safe_harbor_removed": SAFE_HARBOR_REMOVED,
        "date_shift": "every date moved by one random offset per patient (up to 182 days either way)",
        "research_ids": "keyed hashes with a key used for this export only; exports cannot be linked",
        "hereditary_findings": "left out (ACMG secondary findings are not released for research)",
        "k_anonymity": anonymity,
    }
    return ExportResult(files=write_export(kept, report), report=report, included=included)


def zip_export(result: ExportResult) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(result.files.items()):
            archive.writestr(name, content)
    return buffer.getvalue()
