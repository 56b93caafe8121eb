"""Errors as RFC 9457 problem details (``application/problem+json``), for every failure the API can return."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from tailormed.errors import AccessDeniedError, InputError, KnowledgeError, TailormedError
from tailormed.security.policy import NotVisibleError
from tailormed.service.core import AuditUnavailableError, ReplayedCredentialError

PROBLEM_JSON = "application/problem+json"
_log = logging.getLogger("tailormed.service")


class ProblemDetail(BaseModel):
    """An RFC 9457 problem detail; ``source`` and ``location`` name the file and line of bad input."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    source: str | None = Field(default=None, description="The file or field at fault")
    location: str | None = Field(default=None, description="Where in it: 'line 12', 'record 3'")
    errors: list[dict[str, Any]] | None = None


class ApiProblemError(Exception):
    """Raise in a route to answer with a problem detail."""

    def __init__(
        self, status: int, title: str, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers
        self.extra = extra


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = ProblemDetail(title=title, status=status, detail=detail, instance=instance, **extra)
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def status_of(exc: TailormedError) -> tuple[int, str]:
    if isinstance(exc, NotVisibleError):
        return 404, "Not Found"
    if isinstance(exc, AccessDeniedError):
        return 403, "Forbidden"
    if isinstance(exc, InputError):
        return 422, "Invalid input"
    if isinstance(exc, KnowledgeError):
        return 503, "Knowledge unavailable"
    if isinstance(exc, AuditUnavailableError):
        return 503, "Audit trail unavailable"
    if isinstance(exc, ReplayedCredentialError):
        return 401, "Unauthorized"
    return 500, "Internal error"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem detail."""

    @app.exception_handler(ApiProblemError)
    async def _api_problem(request: Request, exc: ApiProblemError) -> JSONResponse:
        return problem_for(exc, request.url.path)

    @app.exception_handler(TailormedError)
    async def _tailormed(request: Request, exc: TailormedError) -> JSONResponse:
        return problem_for(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else str(first["msg"])
        return problem_response(422, "Invalid request", detail, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not Found", 405: "Method Not Allowed", 401: "Unauthorized"}.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(
            exc.status_code, title, detail, instance=request.url.path, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_for(exc, request.url.path)


def problem_for(exc: Exception, path: str) -> JSONResponse:
    """The problem detail answering ``exc`` raised while serving ``path`` (an unexpected error is logged by the
    caller and answered without its message)."""
    if isinstance(exc, ApiProblemError):
        return problem_response(exc.status, exc.title, exc.detail, instance=path, headers=exc.headers, **exc.extra)
    if isinstance(exc, TailormedError):
        status, title = status_of(exc)
        if isinstance(exc, NotVisibleError):
            # A hidden patient looks exactly like one that does not exist.
            return problem_response(404, title, "no such resource", instance=path)
        if isinstance(exc, AccessDeniedError):
            return problem_response(status, title, exc.message, instance=path)
        return problem_response(status, title, exc.message, instance=path, source=exc.source, location=exc.location)
    return problem_response(500, "Internal error", "an unexpected error occurred; it has been logged", instance=path)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem details with these status codes."""
    return {status: {"model": ProblemDetail, "description": _DESCRIPTIONS.get(status, "Error")} for status in statuses}


def problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Post-process the OpenAPI document: every error response is ``application/problem+json``."""
    ref = {"$ref": "#/components/schemas/ProblemDetail"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            # Any request can be malformed (400/422) or, where it needs a token, unauthenticated (401).
            for status in ("400", "422", *(("401",) if operation.get("security") or "/api/" in str(path) else ())):
                responses.setdefault(status, {"description": _DESCRIPTIONS[int(status)]})
            for status, response in responses.items():
                if str(status).startswith(("4", "5")):
                    response["content"] = {PROBLEM_JSON: {"schema": ref}}
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
    return schema


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not signed in, or the token expired",
    403: "Not allowed (role, scope or consent)",
    404: "No such resource (or not one you may see)",
    409: "Conflict",
    413: "Upload too large",
    422: "Invalid input (the problem names the file and line)",
    429: "Too many requests",
    503: "Knowledge or a dependency is unavailable",
}
