"""CDS client JWTs: what the verifier accepts (ES384 and RS384, as CDS Hooks 2.0 names) and every way it refuses."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tailormed.service.client_jwt import ClientVerifier
from tailormed.service.problems import ApiProblemError
from tailormed.service.settings import CdsIssuer

ISSUER = "https://ehr.example.org/"
AUDIENCE = "https://cds.example.org/cds-services/tailormed-pgx-order-select"
EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: Any, kid: str, alg: str | None) -> dict[str, Any]:
    algorithm = jwt.algorithms.get_default_algorithms()[
        "ES384" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS384"
    ]
    jwk: dict[str, Any] = {**json.loads(algorithm.to_jwk(key.public_key())), "kid": kid}
    return {**jwk, "alg": alg} if alg else jwk


@pytest.fixture
def verifier() -> ClientVerifier:
    keys = [_jwk(EC_KEY, "ec", "ES384"), _jwk(RSA_KEY, "rsa", None), _jwk(EC_KEY, "ec-for-es512", "ES512")]
    return ClientVerifier((CdsIssuer(issuer=ISSUER, jwks={"keys": keys}),))


def _token(
    key: Any = EC_KEY, alg: str = "ES384", kid: str = "ec", headers: dict[str, Any] | None = None, **claims: Any
) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4()), **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid, "typ": "JWT", **(headers or {})})


def _refusal(verifier: ClientVerifier, token: str) -> str:
    with pytest.raises(ApiProblemError) as refused:
        verifier.verify(token, AUDIENCE)
    assert refused.value.status == 401
    return str(refused.value.detail)


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def test_es384_and_rs384_tokens_are_accepted_once(verifier: ClientVerifier) -> None:
    for token in (_token(), _token(RSA_KEY, "RS384", "rsa"), _token(aud=["https://other.example/", AUDIENCE])):
        issuer, nonce = verifier.verify(token, AUDIENCE)
        assert issuer == ISSUER and nonce.scope == ISSUER and nonce.value.startswith("jti ")
        assert "already used" in _refusal(verifier, token)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: _token(aud="https://cds.example.org/cds-services/other"), "Audience doesn't match"),
        (lambda: _token(aud=[1, 2]), "aud"),
        (lambda: _token(iss="https://evil.example/"), "not on this service's allow-list"),
        (
            lambda: jwt.api_jws.encode(json.dumps({"iss": [ISSUER]}).encode(), EC_KEY, "ES384", {"kid": "ec"}),
            "not on this service's allow-list",
        ),
        (lambda: _token(exp=int(time.time()) - 120), "expired"),
        (lambda: _token(exp="tomorrow"), "exp claim must be a number"),
        (lambda: _token(iat=int(time.time()) + 600), "not yet valid"),
        (lambda: _token(nbf=int(time.time()) + 600), "not yet valid"),
        (lambda: _token(jti=None), 'missing the "jti" claim'),
        (lambda: _token(exp=None), 'missing the "exp" claim'),
        (lambda: _token(jti=7), "jti claim must be a non-empty string"),
        (lambda: _token(kid="unknown"), "no key with this kid"),
        (lambda: _token(ec.generate_private_key(ec.SECP384R1())), "Signature verification failed"),
        (lambda: _token(RSA_KEY, "RS384", "ec"), "registered for ES384, not RS384"),
        (lambda: _token(EC_KEY, "ES384", "rsa"), "cannot verify ES384"),
        (lambda: _token(EC_KEY, "ES384", "ec-for-es512"), "registered for ES512"),
        (lambda: _token(headers={"typ": "JOSE+JSON"}), "typ JWT and a kid"),
        (lambda: _token(headers={"crit": ["exp"]}), "extensions"),
        (lambda: _token(headers={"jku": "https://evil.example/jwks"}), "jku"),
        (
            lambda: jwt.encode(
                {"iss": ISSUER}, "a-shared-secret-of-32-bytes-or-more", algorithm="HS256", headers={"kid": "ec"}
            ),
            "asymmetric",
        ),
        (lambda: jwt.encode({"iss": ISSUER}, None, algorithm="none"), "asymmetric"),
        (lambda: _token() + "x", "signature is not base64url"),
        (lambda: _token().replace(".", "!.", 1), "header is not base64url"),
        (lambda: ".".join(_token().split(".")[:2]), "header.payload.signature"),
        (lambda: f"{_b64(b'[1]')}.{_b64(b'{}')}.{_b64(b'x')}", "header is not a JSON object"),
        (lambda: f"{_b64(b'{}')}.{_b64(b'not json')}.{_b64(b'x')}", "payload is not JSON"),
        (lambda: "ey\u00e9.a.b", "not ASCII"),
    ],
)
def test_bad_tokens_are_refused(verifier: ClientVerifier, token: Any, reason: str) -> None:
    assert reason in _refusal(verifier, token())


def test_non_canonical_base64url_is_refused(verifier: ClientVerifier) -> None:
    """The same header bytes written with other unused bits in the last base64url character are refused."""
    header = b'{"alg":"ES384","kid":"ec","typ":"JWT"}'
    assert len(header) % 3  # so the last character carries unused bits
    encoded = _b64(header)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    altered = encoded[:-1] + alphabet[alphabet.index(encoded[-1]) ^ 1]
    assert base64.urlsafe_b64decode(altered + "=" * (-len(altered) % 4)) == header
    rest = _token().split(".", 1)[1]
    assert "not canonical" in _refusal(verifier, f"{altered}.{rest}")
