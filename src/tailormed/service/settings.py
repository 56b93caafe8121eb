"""How the service is configured: from the environment, from ``tailormed serve`` options, or by tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tailormed.store.config import StoreConfig

UPLOAD_LIMIT_ENV = "TAILORMED_UPLOAD_LIMIT_MB"
CDS_ISSUERS_ENV = "TAILORMED_CDS_ISSUERS"
FHIR_SERVER_ENV = "TAILORMED_FHIR_SERVER"
SMART_LAUNCH_ENV = "TAILORMED_SMART_LAUNCH_URL"
BASE_URL_ENV = "TAILORMED_BASE_URL"
"""The service's public URL (behind a proxy, the URL EHRs call): the ``aud`` of CDS client JWTs, the base of links."""
PLAN_PAGE = "/app/patients/{patient_id}"
"""The web app's plan page of a patient, below the service's base URL (the link on every CDS card)."""


@dataclass(frozen=True)
class CdsIssuer:
    """A CDS client allowed to call the hooks: its ``iss`` and the keys its JWTs are signed with (JWK set)."""

    issuer: str
    jwks: dict[str, Any]


@dataclass(frozen=True)
class ServiceSettings:
    store: StoreConfig
    demo: bool = False
    upload_limit: int = 200 * 1024 * 1024
    """Largest genome or record upload accepted, in bytes."""
    token_attempts: int = 10
    """Token requests allowed per client address and user name in :attr:`token_window` seconds."""
    token_window: float = 60.0
    run_worker: bool = True
    cds_issuers: tuple[CdsIssuer, ...] = ()
    fhir_server: str | None = None
    """Base URL of a FHIR server the CDS service may query when the EHR sent no prefetch (None: never)."""
    base_url: str = "http://127.0.0.1:8000"
    smart_launch_url: str | None = None
    """The SMART app launch URL a CDS card may link to (type ``smart``), beside the plan page (None: no such link)."""
    kb: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, *, store: StoreConfig | None = None, demo: bool = False) -> ServiceSettings:
        limit_mb = os.environ.get(UPLOAD_LIMIT_ENV)
        issuers = _issuers(os.environ.get(CDS_ISSUERS_ENV))
        base_url = os.environ.get(BASE_URL_ENV) or cls.base_url
        return cls(
            store=store or StoreConfig.from_env(),
            demo=demo,
            upload_limit=int(float(limit_mb) * 1024 * 1024) if limit_mb else 200 * 1024 * 1024,
            cds_issuers=issuers,
            fhir_server=os.environ.get(FHIR_SERVER_ENV) or None,
            smart_launch_url=os.environ.get(SMART_LAUNCH_ENV) or None,
            base_url=base_url,
        )


def _issuers(path: str | None) -> tuple[CdsIssuer, ...]:
    """Issuers from a JSON file: ``{"issuer-url": {"keys": [JWK, ...]}, ...}``."""
    if not path:
        return ()
    import json

    from tailormed.errors import InputError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the CDS issuer list: {exc}", source=path) from exc
    if not isinstance(data, dict):
        raise InputError("the CDS issuer list must map issuer URLs to JWK sets", source=path)
    return tuple(CdsIssuer(issuer=str(iss), jwks=dict(jwks)) for iss, jwks in data.items())
