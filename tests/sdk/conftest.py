"""Fixtures for the SDK's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import taskbadger
from taskbadger.testing import APIServer


@pytest.fixture
def background(taskbadger_server: APIServer) -> Iterator[APIServer]:
    """The local server, with the SDK in background mode; the queue drained after."""
    taskbadger.init(
        token=taskbadger_server.project_key, host=taskbadger_server.url, background=True
    )
    yield taskbadger_server
    assert taskbadger.flush(timeout=30)
