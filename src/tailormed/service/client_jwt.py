"""CDS client JWTs checked as the CDS Hooks 2.0 specification asks ("Trusting CDS Clients").

A JWT signed with an asymmetric key (never ``none`` or HMAC) whose ``iss`` is on the allow-list, whose ``kid`` names a
key in that issuer's JWK set, whose ``aud`` is the URL of the service called, which has not expired, and whose
``jti`` has not been seen before. The token is parsed once (compact JWS, RFC 7515) and its signature checked with
the issuer's key, parsed once per ``kid`` and algorithm: every hook call carries a new token, so this runs on every
call of the EHR's ordering path.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any

import jwt
from jwt.algorithms import Algorithm, get_default_algorithms

from tailormed.security.audit import Nonce
from tailormed.service.problems import ApiProblemError
from tailormed.service.settings import CdsIssuer

ASYMMETRIC = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
REQUIRED = ("iss", "aud", "exp", "iat", "jti")
LEEWAY = 30
"""Seconds of clock difference allowed for ``exp``, ``iat`` and ``nbf``."""
_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*={0,2}")


def unauthorized(detail: str) -> ApiProblemError:
    return ApiProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


class ClientVerifier:
    """Checks CDS client JWTs against the issuer allow-list; remembers ``jti``s until they expire (bounded)."""

    MAX_SEEN = 100_000

    def __init__(self, issuers: tuple[CdsIssuer, ...]) -> None:
        self.issuers = {i.issuer: i for i in issuers}
        self._seen: dict[str, float] = {}
        self._keys: dict[tuple[str, str, str], tuple[Algorithm, Any]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str, audience: str) -> tuple[str, Nonce]:
        """The issuer of a valid token for ``audience`` and its ``jti`` (to be claimed with the call's audit event,
        so no other server process accepts it again); :class:`ApiProblemError` 401 otherwise."""
        try:
            segments = token.encode("ascii").split(b".")
        except UnicodeEncodeError:
            raise unauthorized("malformed JWT (not ASCII)") from None
        if len(segments) != 3:
            raise unauthorized("malformed JWT (a signed JWT is header.payload.signature)")
        header = _json_object(_decode(segments[0], "header"), "header")
        claims = _json_object(_decode(segments[1], "payload"), "payload")
        signature = _decode(segments[2], "signature")
        iss = claims.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise unauthorized("the JWT's issuer is not on this service's allow-list")
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ASYMMETRIC:
            raise unauthorized("the JWT must be signed with an asymmetric algorithm (e.g. ES384 or RS384)")
        if header.get("typ", "JWT") != "JWT" or not isinstance(kid, str) or not kid:
            raise unauthorized("the JWT header needs typ JWT and a kid")
        if "crit" in header or header.get("b64", True) is not True:
            raise unauthorized("the JWT header asks for extensions this service does not support (crit, b64)")
        jku = header.get("jku")
        if jku is not None and jku != issuer.jwks.get("jku"):
            raise unauthorized("the JWT's jku is not the one registered for its issuer")
        algorithm, key = self._key(issuer, kid, str(alg))
        if not algorithm.verify(segments[0] + b"." + segments[1], key, signature):
            raise unauthorized("JWT not accepted: Signature verification failed")
        jti, expires = _check_claims(claims, audience, time.time())
        self._check_replay(jti, expires)
        nonce = Nonce(scope=issuer.issuer, value=f"jti {jti}", expires=datetime.fromtimestamp(expires + 60, UTC))
        return issuer.issuer, nonce

    def _key(self, issuer: CdsIssuer, kid: str, alg: str) -> tuple[Algorithm, Any]:
        """The algorithm ``alg`` and the public key ``kid`` of the issuer's JWK set prepared for it, parsed once; a
        key of another type or curve, or registered for another algorithm, is refused."""
        cached = self._keys.get((issuer.issuer, kid, alg))
        if cached is not None:
            return cached
        keys = [k for k in issuer.jwks.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid]
        if not keys:
            raise unauthorized("no key with this kid in the issuer's JWK set")
        if keys[0].get("alg", alg) != alg:
            raise unauthorized(f"the key '{kid}' is registered for {keys[0]['alg']}, not {alg}")
        algorithm = get_default_algorithms()[alg]
        try:
            prepared = (algorithm, algorithm.prepare_key(jwt.PyJWK(keys[0]).key))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise unauthorized(f"the key '{kid}' cannot verify {alg} signatures ({exc})") from None
        with self._lock:
            self._keys[(issuer.issuer, kid, alg)] = prepared
        return prepared

    def _check_replay(self, jti: str, expires: float) -> None:
        now = time.time()
        with self._lock:
            if len(self._seen) >= self.MAX_SEEN:
                for key in [k for k, exp in self._seen.items() if exp < now]:
                    del self._seen[key]
                if len(self._seen) >= self.MAX_SEEN:
                    raise ApiProblemError(503, "Service Unavailable", "too many live CDS tokens; retry shortly")
            if jti in self._seen:
                raise unauthorized("this JWT (jti) was already used")
            self._seen[jti] = expires + 60


def _decode(segment: bytes, name: str) -> bytes:
    """A base64url segment (RFC 7515 section 2; ``=`` padding tolerated), refused unless canonical."""
    if _BASE64URL.fullmatch(segment) is None:
        raise unauthorized(f"malformed JWT (the {name} is not base64url)")
    stripped = segment.rstrip(b"=")
    if len(stripped) % 4 == 1 or (len(stripped) != len(segment) and len(segment) % 4 != 0):
        raise unauthorized(f"malformed JWT (the {name} is not base64url)")
    try:
        decoded = base64.urlsafe_b64decode(stripped + b"=" * (-len(stripped) % 4))
    except binascii.Error:
        raise unauthorized(f"malformed JWT (the {name} is not base64url)") from None
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped:
        raise unauthorized(f"malformed JWT (the {name} is not canonical base64url)")
    return decoded


def _json_object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise unauthorized(f"malformed JWT (the {name} is not JSON)") from None
    if not isinstance(value, dict):
        raise unauthorized(f"malformed JWT (the {name} is not a JSON object)")
    return value


def _number(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise unauthorized(f"JWT not accepted: the {name} claim must be a number (seconds since 1970)")
    return float(value)


def _check_claims(claims: dict[str, Any], audience: str, now: float) -> tuple[str, float]:
    """The ``jti`` and ``exp`` of claims that hold every required claim, are valid at ``now`` (give or take
    :data:`LEEWAY`) and are meant for ``audience``."""
    missing = [name for name in REQUIRED if name not in claims]
    if missing:
        raise unauthorized(f'JWT not accepted: Token is missing the "{missing[0]}" claim')
    expires, issued, not_before = _number(claims, "exp"), _number(claims, "iat"), _number(claims, "nbf")
    assert expires is not None and issued is not None
    if expires <= now - LEEWAY:
        raise unauthorized("JWT not accepted: Signature has expired")
    if issued > now + LEEWAY or (not_before is not None and not_before > now + LEEWAY):
        raise unauthorized("JWT not accepted: The token is not yet valid")
    aud = claims["aud"]
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise unauthorized("JWT not accepted: Invalid claim format in token (aud)")
    if audience not in audiences:
        raise unauthorized("JWT not accepted: Audience doesn't match")
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti:
        raise unauthorized("JWT not accepted: the jti claim must be a non-empty string")
    return jti, expires
