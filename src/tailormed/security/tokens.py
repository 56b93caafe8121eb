"""Signed access tokens (JWT, HS256, short-lived) and refresh tokens (opaque, stored, single use).

The signing key is derived from the master key, so every token dies with a key rotation. Access tokens carry the
user id, role and granted scopes; the policy reads them from there and the care-team membership from the store.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
ISSUER = "tailormed"
ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(hours=8)


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    username: str
    role: str
    scopes: tuple[str, ...]
    expires_at: datetime


class TokenError(ValueError):
    """The token is missing, malformed, expired or not signed by us."""


def issue_access(
    key: bytes,
    *,
    user_id: str,
    username: str,
    role: str,
    scopes: tuple[str, ...],
    ttl: timedelta = ACCESS_TTL,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    issued = now or datetime.now(UTC)
    expires = issued + ttl
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": user_id,
        "name": username,
        "role": role,
        "scope": " ".join(scopes),
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM), expires


def read_access(key: bytes, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "iat", "sub", "iss"]}
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    try:
        return AccessClaims(
            user_id=str(claims["sub"]),
            username=str(claims["name"]),
            role=str(claims["role"]),
            scopes=tuple(str(claims.get("scope", "")).split()),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError(f"token lacks a claim: {exc}") from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)
