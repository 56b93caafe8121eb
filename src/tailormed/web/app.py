"""The web app on the service's FastAPI application: pages under ``/app``, assets under ``/static``.

Errors on pages are HTML pages (the API keeps its problem+json): a patient the reader may not see is a 404 page,
a missing CSRF token a 403 page, an expired session a redirect to sign-in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import cast

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tailormed.errors import AccessDeniedError, InputError, TailormedError
from tailormed.security.policy import NotVisibleError
from tailormed.service import app as service_app
from tailormed.service.core import Platform
from tailormed.service.problems import ApiProblemError
from tailormed.service.settings import ServiceSettings
from tailormed.web import clinician, intake, portal, signin
from tailormed.web.pages import (
    PREFIX,
    CsrfRejectedError,
    PageError,
    SignInRequiredError,
    error_page,
    redirect,
)
from tailormed.web.sessions import KEY_PURPOSE, SessionStore

Handler = Callable[[Request, Exception], Awaitable[Response]]


def create_app(
    settings: ServiceSettings, platform: Platform | None = None, *, sessions: SessionStore | None = None
) -> FastAPI:
    """The service's application with the web app mounted on it (same policy, same audit, same store)."""
    app = service_app.create_app(settings, platform)
    install(app, sessions)
    return app


def install(app: FastAPI, sessions: SessionStore | None = None) -> None:
    """Mount the web app; its sign-ins are kept in the service's store (``sessions``: the default store's)."""
    if sessions is None:
        platform: Platform = app.state.tailormed.platform
        sessions = SessionStore(platform.db, platform.keyring.master.derive(KEY_PURPOSE))
    app.state.web_sessions = sessions
    static = resources.files("tailormed.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(signin.router)
    app.include_router(intake.router)
    app.include_router(clinician.router)
    app.include_router(portal.router)
    _html_errors(app)


def _on_page(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or (path.startswith(f"{PREFIX}/") and not path.startswith(f"{PREFIX}/api/"))


def _html_errors(app: FastAPI) -> None:
    """Pages answer errors with HTML; every other path keeps the service's problem details."""

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequiredError)
        from urllib.parse import quote

        if not _on_page(request):
            from tailormed.service.problems import problem_response

            return problem_response(401, "Unauthorized", "sign in again: the session ended", instance=request.url.path)
        return redirect(f"{PREFIX}/sign-in?ended=idle&next={quote(exc.next_path, safe='/')}")

    async def csrf(request: Request, exc: Exception) -> Response:
        detail = "the form or request did not carry this session's security token; reload the page and try again"
        if not _on_page(request):
            from tailormed.service.problems import problem_response

            return problem_response(403, "Forbidden", detail, instance=request.url.path)
        return error_page(request, 403, "Request refused", detail)

    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return error_page(request, exc.status, exc.title, exc.detail)

    app.add_exception_handler(SignInRequiredError, sign_in)
    app.add_exception_handler(CsrfRejectedError, csrf)
    app.add_exception_handler(PageError, page_error)
    for kind in (TailormedError, ApiProblemError, StarletteHTTPException):
        original = cast(Handler, app.exception_handlers[kind])
        app.add_exception_handler(kind, _html_or(original))


def _html_or(original: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if not _on_page(request):
            return await original(request, exc)
        if isinstance(exc, NotVisibleError):
            return error_page(request, 404, "Not found", "There is no such page, or it is not one you may see.")
        if isinstance(exc, AccessDeniedError):
            return error_page(request, 403, "Not allowed", exc.message)
        if isinstance(exc, InputError):
            return error_page(request, 422, "The input has a problem", str(exc))
        if isinstance(exc, ApiProblemError):
            return error_page(request, exc.status, exc.title, exc.detail or exc.title)
        if isinstance(exc, StarletteHTTPException):
            title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
            return error_page(request, exc.status_code, title, str(exc.detail))
        assert isinstance(exc, TailormedError)
        return error_page(request, 500, "Error", exc.message)

    return handle
