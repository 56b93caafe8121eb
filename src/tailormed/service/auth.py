"""Sign-in (OAuth2 password and refresh-token grants, rate limited) and the signed-in subject of a request."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select

from tailormed.security.audit import Actor, AuditAction, Entry, Outcome, Purpose
from tailormed.security.passwords import DUMMY_HASH, verify_password
from tailormed.security.policy import Role, Subject, grantable
from tailormed.security.tokens import REFRESH_TTL, TokenError, issue_access, new_refresh_token, read_access
from tailormed.service.problems import PROBLEM_JSON, ApiProblemError, documented
from tailormed.service.schemas import MeOut, TokenOut
from tailormed.service.state import ServiceState, state_of
from tailormed.store.models import RefreshToken, User

TOKEN_PATH = "/api/auth/token"
bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_PATH, auto_error=False)
router = APIRouter(tags=["auth"])
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def _unauthorized(detail: str) -> ApiProblemError:
    return ApiProblemError(401, "Unauthorized", detail, headers=_CHALLENGE)


def current_subject(request: Request, token: Annotated[str | None, Depends(bearer)]) -> Subject:
    """The signed-in subject, from a valid access token of an active account."""
    if not token:
        raise _unauthorized("sign in first: send 'Authorization: Bearer <access token>'")
    state = state_of(request)
    try:
        claims = read_access(state.token_key, token)
    except TokenError as exc:
        raise _unauthorized(f"invalid or expired token ({exc})") from None
    with state.platform.db.read() as session:
        user = session.get(User, claims.user_id)
        if user is None or not user.active or user.role != claims.role:
            raise _unauthorized("the account behind this token no longer exists or is disabled")
        return state.platform.subject_for(session, user, scopes=claims.scopes, source=client_address(request))


SubjectDep = Annotated[Subject, Depends(current_subject)]


def _issue(state: ServiceState, user: User, scopes: tuple[str, ...]) -> TokenOut:
    access, expires = issue_access(
        state.token_key, user_id=user.id, username=user.username, role=user.role, scopes=scopes
    )
    refresh = new_refresh_token()
    with state.platform.db.transaction() as session:
        session.add(
            RefreshToken(
                id=_digest(refresh),
                user_id=user.id,
                scopes=" ".join(scopes),
                expires_at=datetime.now(UTC) + REFRESH_TTL,
                revoked=False,
            )
        )
    return TokenOut(
        access_token=access,
        expires_in=int((expires - datetime.now(UTC)).total_seconds()),
        refresh_token=refresh,
        scope=" ".join(scopes),
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@router.post(
    TOKEN_PATH,
    response_model=TokenOut,
    responses=documented(400, 401, 422, 429),
    summary="Sign in (OAuth2 password grant) or refresh a token (refresh_token grant)",
)
def token(
    request: Request,
    grant_type: Annotated[str, Form(pattern="^(password|refresh_token)$")],
    username: Annotated[str | None, Form(max_length=200)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    scope: Annotated[str | None, Form(max_length=2000)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenOut:
    state = state_of(request)
    address = client_address(request)
    if grant_type == "refresh_token":
        _limit(state, address, username or "refresh")
        return _refresh(state, refresh_token)
    if not username or password is None:
        _limit(state, address, username or "refresh")
        raise ApiProblemError(400, "Bad Request", "the password grant needs username and password")
    user = authenticate(state, username, password, address)
    scopes = grantable(Role(user.role), scope.split() if scope else None)
    if not scopes:
        raise ApiProblemError(400, "Bad Request", f"none of the requested scopes is available to a {user.role}")
    record_sign_in(state, username, user.id, user.role, address, ok=True)
    return _issue(state, user, scopes)


def _limit(state: ServiceState, address: str, username: str) -> None:
    wait = state.token_limiter.hit(f"{address}|{username}")
    if wait is not None:
        raise ApiProblemError(
            429,
            "Too Many Requests",
            "too many sign-in attempts; try again later",
            headers={"Retry-After": str(int(wait) + 1)},
        )


def authenticate(state: ServiceState, username: str, password: str, address: str) -> User:
    """The active account with this user name and password (rate limited per address and user name; every
    attempt audited), else a 401/429 problem. The token endpoint and the web app's sign-in both use it."""
    _limit(state, address, username)
    with state.platform.db.read() as session:
        user = state.platform.repo.user_by_name(session, username)
    if user is None or not user.active:
        verify_password(DUMMY_HASH, password)
        record_sign_in(state, username, None, "unknown", address, ok=False)
        raise _unauthorized("wrong user name or password")
    if not verify_password(user.password_hash, password):
        record_sign_in(state, username, user.id, user.role, address, ok=False)
        raise _unauthorized("wrong user name or password")
    return user


def _refresh(state: ServiceState, refresh_token: str | None) -> TokenOut:
    if not refresh_token:
        raise ApiProblemError(400, "Bad Request", "the refresh_token grant needs refresh_token")
    with state.platform.db.transaction() as session:
        row = session.scalars(
            select(RefreshToken).where(RefreshToken.id == _digest(refresh_token)).with_for_update()
        ).first()
        if row is None or row.revoked or row.expires_at <= datetime.now(UTC):
            raise _unauthorized("the refresh token is unknown, used or expired")
        row.revoked = True  # single use: a replayed refresh token is refused
        user = session.get(User, row.user_id)
        scopes = tuple(row.scopes.split())
    if user is None or not user.active:
        raise _unauthorized("the account no longer exists or is disabled")
    return _issue(state, user, scopes)


def record_sign_in(
    state: ServiceState, username: str, user_id: str | None, role: str, address: str, *, ok: bool
) -> None:
    with state.platform.db.transaction() as session:
        state.platform.audit.append(
            session,
            Entry(
                actor=Actor(name=username, role=role, user_id=user_id, source=address),
                action=AuditAction.EXECUTE,
                resource="session",
                purpose=Purpose.OPERATIONS,
                outcome=Outcome.SUCCESS if ok else Outcome.DENIED,
                detail="sign-in" if ok else "sign-in refused: wrong user name or password",
            ),
        )


@router.get("/api/me", response_model=MeOut, responses=documented(401))
def me(request: Request, subject: SubjectDep) -> MeOut:
    """Who the token belongs to, and what it may do."""
    state = state_of(request)
    with state.platform.db.read() as session:
        user = session.get(User, subject.user_id) if subject.user_id else None
    return MeOut(
        username=subject.name,
        role=subject.role.value,
        patient_id=subject.patient_id,
        scopes=list(subject.scopes),
        display_name=user.display_name if user else None,
    )


__all__ = [
    "PROBLEM_JSON",
    "SubjectDep",
    "authenticate",
    "client_address",
    "current_subject",
    "record_sign_in",
    "router",
]
