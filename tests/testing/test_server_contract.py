"""The local API server against the hosted API's OpenAPI schema, with Schemathesis.

The schema lives beside the project (``../shared/api/openapi.yaml``); without it
these tests are skipped. Generation is derandomized and bounded so every run
makes the same few requests per operation.

The schema documents only success statuses, so the check that every status is
documented is left out: a generated ``cursor`` is rightly answered with 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from server_helpers import TASKS_PATH, TOKEN

from taskbadger.testing import APIServer

SCHEMA_PATH = Path(__file__).resolve().parents[2].parent / "shared/api/openapi.yaml"
EXAMPLES_PER_OPERATION = 50
TASK_OPERATIONS = [
    ("/api/{organization_slug}/{project_slug}/tasks/", "GET"),
    ("/api/{organization_slug}/{project_slug}/tasks/", "POST"),
    ("/api/{organization_slug}/{project_slug}/tasks/{id}/", "GET"),
    ("/api/{organization_slug}/{project_slug}/tasks/{id}/", "PUT"),
    ("/api/{organization_slug}/{project_slug}/tasks/{id}/", "PATCH"),
    ("/api/{organization_slug}/{project_slug}/tasks/{id}/", "DELETE"),
]

pytestmark = pytest.mark.skipif(
    not SCHEMA_PATH.exists(), reason=f"no OpenAPI schema at {SCHEMA_PATH}"
)


@pytest.fixture(scope="module")
def contract_server() -> Iterator[APIServer]:
    with APIServer() as server:
        yield server


@pytest.fixture(scope="module")
def task_id(contract_server: APIServer) -> str:
    response = httpx.post(
        f"{contract_server.url}{TASKS_PATH}",
        json={"name": "contract"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    return str(response.json()["id"])


@pytest.fixture(scope="module")
def status_code_conformance() -> Any:
    from schemathesis.checks import status_code_conformance

    return status_code_conformance


@pytest.fixture(scope="module")
def schema(contract_server: APIServer, task_id: str) -> Any:
    import schemathesis

    schema = schemathesis.openapi.from_path(SCHEMA_PATH)
    schema.config.update(base_url=contract_server.url)

    # Registered as auth rather than a fixed header, so Schemathesis also checks
    # that requests without it, or with a wrong token, are refused.
    @schema.auth()
    class LocalToken:
        def get(self, case: Any, context: Any) -> str:
            return TOKEN

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


@pytest.mark.parametrize(("path", "method"), TASK_OPERATIONS)
def test_operation_matches_the_schema(
    schema: Any, status_code_conformance: Any, task_id: str, path: str, method: str
) -> None:
    operation = schema[path][method]
    # Generated slugs and ids would only ever reach 404s: aim at real ones.
    path_parameters = {"organization_slug": "acme", "project_slug": "backups"}
    if "{id}" in path:
        path_parameters["id"] = task_id

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters=path_parameters))
    def check(case: Any) -> None:
        case.call_and_validate(excluded_checks=[status_code_conformance])

    check()
