"""Fixtures for the local API server's tests: a started server and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_helpers import TASKS_PATH, TOKEN

from taskbadger.testing import APIServer


@pytest.fixture
def server() -> Iterator[APIServer]:
    with APIServer() as started:
        yield started


@pytest.fixture
def client(server: APIServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=server.url, headers=headers) as http:
        yield http


@pytest.fixture
def create(client: httpx.Client) -> Any:
    """Create a task from keyword fields and return its JSON."""

    def create_task(**fields: Any) -> dict[str, Any]:
        response = client.post(TASKS_PATH, json={"name": "job", **fields})
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return create_task
