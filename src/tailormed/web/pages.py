"""What every page needs: the templates, the signed-in browser and its subject, the CSRF check, HTML errors.

Pages reach patient data only through :meth:`Platform.access` (the one policy function, audited), exactly as the
REST API does; a page about a patient the reader may not see answers 404, and the attempt is in the audit trail.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, StrictUndefined, select_autoescape

from tailormed import __version__
from tailormed.model.careplan import Decision, Option, Outcome
from tailormed.report.view import summarised
from tailormed.security.policy import Role, Subject, default_scopes
from tailormed.service.auth import client_address
from tailormed.service.state import ServiceState, state_of
from tailormed.store.models import User
from tailormed.web.sessions import COOKIE, SessionStore, WebSession, same_token

PREFIX = "/app"
CLINICAL = frozenset({Role.CLINICIAN, Role.GENETIC_COUNSELLOR})
SECURITY_HEADERS = {
    # Scripts and styles only from this server; the plots inside pages are inline SVG with style attributes.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SignInRequiredError(Exception):
    """No live session: the browser goes to the sign-in page (and comes back to ``next`` afterwards)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejectedError(Exception):
    """A form or call without this session's CSRF token."""


class PageError(Exception):
    """A page-level problem shown as an HTML page with this status."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


@cache
def environment() -> Environment:
    """The web templates, and the report's macros under ``report/`` (one way to word a finding everywhere)."""
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("tailormed.web", "templates"),
                PrefixLoader({"report": PackageLoader("tailormed.report", "templates")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["summarised"] = summarised
    env.globals.update(version=__version__, pct=percent, outcome_names=outcome_names, outcome=outcome_of)
    return env


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def outcome_names(decision: Decision) -> list[str]:
    return list(dict.fromkeys(o.name for option in decision.options for o in option.outcomes))


def outcome_of(option: Option, name: str) -> Outcome | None:
    return next((o for o in option.outcomes if o.name == name), None)


def sessions_of(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.web_sessions
    return store


class Signed:
    """A request from a signed-in browser: its session, the subject the policy sees, and the service state."""

    def __init__(self, request: Request, session: WebSession, subject: Subject, display_name: str | None) -> None:
        self.request = request
        self.session = session
        self.subject = subject
        self.display_name = display_name
        self.state: ServiceState = state_of(request)

    @property
    def clinical(self) -> bool:
        return self.subject.role in CLINICAL

    def check_csrf(self, token: str | None) -> None:
        if not same_token(self.session.csrf, token):
            raise CsrfRejectedError()


def signed(request: Request) -> Signed:
    """The signed-in browser behind ``request``, else :class:`SignInRequiredError`."""
    session = sessions_of(request).get(request.cookies.get(COOKIE))
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if session is None:
        raise SignInRequiredError(next_path)
    state = state_of(request)
    with state.platform.db.read() as db:
        user = db.get(User, session.user_id)
        if user is None or not user.active or user.role != session.role:
            sessions_of(request).close(session.id)
            raise SignInRequiredError(next_path)
        subject = state.platform.subject_for(
            db, user, scopes=default_scopes(Role(user.role)), source=client_address(request)
        )
        name = user.display_name
    return Signed(request, session, subject, name)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(template).render(request=request, prefix=PREFIX, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def page(who: Signed, template: str, *, title: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the signed-in app (its navigation and sign-out form need the session)."""
    return render(who.request, template, status=status, who=who, csrf=who.session.csrf, title=title, **context)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=SECURITY_HEADERS)


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    who: Signed | None
    try:
        who = signed(request)
    except SignInRequiredError:
        who = None
    return render(
        request,
        "error.html",
        status=status,
        who=who,
        csrf=who.session.csrf if who else "",
        title=title,
        detail=detail,
    )
