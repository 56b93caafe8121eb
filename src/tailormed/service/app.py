"""The FastAPI application: REST API, CDS Hooks service and FHIR Genomics operations on one open platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from tailormed import __version__
from tailormed.service import admin, api, auth, cds, genomics_ops, problems
from tailormed.service.core import Platform
from tailormed.service.settings import ServiceSettings
from tailormed.service.state import ServiceState

DESCRIPTION = """
tailormed's platform service: patients, genomes and care plans, stored encrypted, reached only through one access
policy, every access audited. Sign in at `POST /api/auth/token` (OAuth2 password grant) and send the access token
as `Authorization: Bearer ...`. Errors are RFC 9457 problem details. CDS Hooks 2.0 at `/cds-services`; FHIR Genomics
operations at `/fhir/$find-subject-*`.
"""


class ServiceApp(FastAPI):
    """The FastAPI application with the CDS Hooks calls answered ahead of every framework layer
    (:class:`~tailormed.service.cds.HookCalls`): a hook call is on the EHR's ordering path, and the framework's
    middleware, routing and dependency layers cost more than the look-up that answers it."""

    hook_calls: cds.HookCalls | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hooks = self.hook_calls
        if hooks is not None and hooks.claims(scope):
            scope["app"] = self
            await hooks(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(settings: ServiceSettings, platform: Platform | None = None) -> FastAPI:
    """The application; ``platform`` reuses an open store (tests, demo seeding), else one is opened."""
    opened = platform or Platform.open(settings.store)
    state = ServiceState(settings, opened)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        opened.start_audit_writer()
        await run_in_threadpool(state.warm)
        if settings.run_worker:
            state.worker.start()
        try:
            yield
        finally:
            state.worker.stop()
            opened.stop_audit_writer()
            if platform is None:
                opened.close()

    app = ServiceApp(title="tailormed", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.tailormed = state
    problems.install(app)
    app.hook_calls = cds.HookCalls(partial(FastAPI.__call__, app), state)  # what it does not answer goes on to FastAPI
    app.include_router(cds.router)  # first: routes are matched in order and CDS Hooks is the latency-bound path
    app.include_router(auth.router)
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(genomics_ops.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = problems.problem_media_types(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
