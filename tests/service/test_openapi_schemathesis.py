"""Property-based API tests from the OpenAPI document (schemathesis): no 5xx, and every response matches the
schema (status codes documented, bodies valid, content types as declared)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import Service, seed_service


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = seed_service("sqlite", tmp_path_factory.mktemp("schemathesis"), token_attempts=10_000)
    yield service
    service.client.close()
    service.platform.close()


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
EXAMPLES = 10


def test_api_conforms_to_its_openapi_document(seeded: Service) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", seeded.client.app)
    headers = [{"Authorization": f"Bearer {seeded.token(user)}"} for user in ("clinician", "demo-01-hale")]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            for auth in headers:
                response = case.call(headers=auth)
                case.validate_response(response, checks=CHECKS)

        check()


def test_the_document_describes_problem_details(seeded: Service, tmp_path: Path) -> None:
    document = seeded.client.get("/openapi.json").json()
    assert "ProblemDetail" in document["components"]["schemas"]
    token = document["paths"]["/api/auth/token"]["post"]["responses"]
    assert "application/problem+json" in token["429"]["content"]
