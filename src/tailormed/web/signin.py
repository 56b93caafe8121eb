"""Sign-in and sign-out pages: the service's accounts, a server-side session cookie, CSRF-checked forms."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from tailormed.security.audit import Actor, AuditAction, Entry, Purpose
from tailormed.security.policy import Role
from tailormed.service.auth import authenticate, client_address, record_sign_in
from tailormed.service.problems import ApiProblemError
from tailormed.service.state import state_of
from tailormed.web.pages import (
    CLINICAL,
    PREFIX,
    CsrfRejectedError,
    SignInRequiredError,
    page,
    redirect,
    render,
    sessions_of,
    signed,
)
from tailormed.web.sessions import COOKIE, PRE_COOKIE

router = APIRouter(include_in_schema=False)


def home_of(role: str) -> str:
    if role == Role.PATIENT.value:
        return f"{PREFIX}/me"
    if role in {r.value for r in CLINICAL}:
        return f"{PREFIX}/patients"
    return f"{PREFIX}/account"


def _safe_next(next_path: str | None) -> str | None:
    """Only a path of this app (never another site) is a place to return to after signing in."""
    if next_path and next_path.startswith(f"{PREFIX}/") and not next_path.startswith("//") and "\\" not in next_path:
        return next_path
    return None


def _secure(request: Request) -> bool:
    return state_of(request).settings.base_url.startswith("https://")


def _sign_in_form(
    request: Request, *, status: int = 200, error: str | None = None, next_path: str | None = None, username: str = ""
) -> Response:
    sessions = sessions_of(request)
    pre = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "signin.html",
        status=status,
        who=None,
        csrf=sessions.sign_in_token(pre),
        title="Sign in",
        error=error,
        next_path=_safe_next(next_path) or "",
        username=username,
        idle_minutes=int(sessions.idle // 60),
    )
    response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", secure=_secure(request), path=PREFIX)
    return response


@router.get("/")
def root() -> Response:
    return redirect(f"{PREFIX}/")


@router.get(f"{PREFIX}/")
def app_home(request: Request) -> Response:
    try:
        who = signed(request)
    except SignInRequiredError:
        return redirect(f"{PREFIX}/sign-in")
    return redirect(home_of(who.subject.role.value))


@router.get(f"{PREFIX}/sign-in")
def sign_in_page(request: Request, next: str | None = None, ended: str | None = None) -> Response:
    message = {"idle": "You were signed out after a period without activity.", "out": "You are signed out."}
    return _sign_in_form(request, next_path=next, error=message.get(ended or ""))


@router.post(f"{PREFIX}/sign-in")
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    sessions = sessions_of(request)
    if not sessions.sign_in_token_ok(request.cookies.get(PRE_COOKIE), csrf):
        raise CsrfRejectedError()
    if not username or not password:
        return _sign_in_form(
            request, status=400, error="Enter your user name and password.", next_path=next, username=username
        )
    state = state_of(request)
    address = client_address(request)
    try:
        user = authenticate(state, username, password, address)
    except ApiProblemError as exc:
        return _sign_in_form(
            request, status=exc.status, error=f"Sign-in refused: {exc.detail}.", next_path=next, username=username
        )
    record_sign_in(state, username, user.id, user.role, address, ok=True)
    session = sessions.open(user_id=user.id, username=user.username, role=user.role)
    response = redirect(_safe_next(next) or home_of(user.role))
    response.set_cookie(COOKIE, session.id, httponly=True, samesite="strict", secure=_secure(request), path="/")
    response.delete_cookie(PRE_COOKIE, path=PREFIX)
    return response


@router.post(f"{PREFIX}/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    who = signed(request)
    who.check_csrf(csrf)
    sessions_of(request).close(who.session.id)
    state = state_of(request)
    with state.platform.db.transaction() as db:
        state.platform.audit.append(
            db,
            Entry(
                actor=Actor(
                    name=who.subject.name,
                    role=who.subject.role.value,
                    user_id=who.subject.user_id,
                    source=client_address(request),
                ),
                action=AuditAction.EXECUTE,
                resource="session",
                purpose=Purpose.OPERATIONS,
                detail="sign-out",
            ),
        )
    response = redirect(f"{PREFIX}/sign-in?ended=out")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get(f"{PREFIX}/account")
def account(request: Request) -> Response:
    """Roles without pages of their own (researchers, administrators) work through the API and the CLI."""
    who = signed(request)
    return page(who, "account.html", title="Your account")
