"""Transient failures are retried within the budget; creates never duplicate."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

import taskbadger
from taskbadger import Task, _http
from taskbadger.testing import APIServer


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between retries, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(_http, "_sleep", recorded.append)
    return recorded


def test_503_then_success_is_retried(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    fault = taskbadger_server.inject_fault(status=503, times=1)

    Task.create("retried")

    assert fault.used == 1
    assert [r.status for r in taskbadger_server.requests] == [503, 201]
    assert len(taskbadger_server.tasks) == 1


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_on_update_are_retried(
    taskbadger_server: APIServer, waits: list[float], status: int
) -> None:
    task = Task.create("retried")
    taskbadger_server.inject_fault(status=status, method="PATCH", times=2)

    task.update(value=1)

    assert [r.status for r in taskbadger_server.requests] == [201, status, status, 200]


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_on_create_are_not_retried(
    taskbadger_server: APIServer, waits: list[float], status: int
) -> None:
    taskbadger_server.inject_fault(status=status, times=1)

    with pytest.raises(taskbadger.ServerError):
        Task.create("maybe created")

    assert len(taskbadger_server.requests) == 1


def test_backoff_grows_between_attempts(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    taskbadger_server.inject_fault(status=503, times=3)

    Task.create("retried")

    assert len(waits) == 3
    assert waits[0] < waits[2]


def test_429_waits_for_retry_after_seconds(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    fault = taskbadger_server.inject_fault(status=429, retry_after=4, times=1)

    Task.create("throttled")

    assert fault.used == 1
    assert waits == [4.0]
    assert len(taskbadger_server.tasks) == 1


def test_429_waits_for_retry_after_http_date(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    later = datetime.now(UTC) + timedelta(seconds=6)
    taskbadger_server.inject_fault(
        status=429, retry_after=format_datetime(later, usegmt=True), times=1
    )

    Task.create("throttled")

    assert len(waits) == 1 and 0 < waits[0] <= 6
    assert len(taskbadger_server.tasks) == 1


def test_429_beyond_the_budget_raises_rate_limited_at_once(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    taskbadger_server.inject_fault(status=429, retry_after=3600, times=1)

    with pytest.raises(taskbadger.RateLimitedError) as caught:
        Task.create("throttled")

    assert caught.value.retry_after == 3600
    assert waits == []


def test_429_is_logged_as_a_warning(
    taskbadger_server: APIServer,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    taskbadger_server.inject_fault(status=429, retry_after=1, times=1)

    with caplog.at_level(logging.INFO, logger="taskbadger"):
        Task.create("throttled")

    assert [r.levelno for r in caplog.records if "retrying" in r.message] == [
        logging.WARNING
    ]


def test_dropped_connection_on_patch_is_retried(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    task = Task.create("dropped")
    fault = taskbadger_server.inject_fault(drop=True, method="PATCH", times=1)

    task.update(value=42)

    assert fault.used == 1
    assert [r.status for r in taskbadger_server.requests] == [201, 0, 200]
    assert taskbadger_server.task(task.id)["value"] == 42


def test_dropped_connection_on_post_is_not_retried(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    fault = taskbadger_server.inject_fault(drop=True, method="POST", times=1)

    with pytest.raises(taskbadger.TaskbadgerConnectionError):
        Task.create("maybe created")

    assert fault.used == 1
    assert [r.status for r in taskbadger_server.requests] == [0]


def test_retries_are_logged_at_info(
    taskbadger_server: APIServer,
    waits: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    taskbadger_server.inject_fault(status=503, times=1)

    with caplog.at_level(logging.INFO, logger="taskbadger"):
        Task.create("retried")

    retries = [r for r in caplog.records if "retrying" in r.message]
    assert [r.levelno for r in retries] == [logging.INFO]
    assert "503" in retries[0].message


def test_exhausted_budget_raises_the_last_server_error(
    taskbadger_server: APIServer,
) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        retry_budget=0.5,
    )
    fault = taskbadger_server.inject_fault(status=503, times=None)

    with pytest.raises(taskbadger.ServerError) as caught:
        Task.create("never")

    assert caught.value.status_code == 503
    assert 1 < fault.used < 10


def test_exhausted_budget_on_dropped_connections_raises_connection_error(
    taskbadger_server: APIServer,
) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        retry_budget=0.5,
    )
    task = Task.create("dropping")
    fault = taskbadger_server.inject_fault(drop=True, method="PATCH", times=None)

    with pytest.raises(taskbadger.TaskbadgerConnectionError):
        task.update(value=1)

    assert fault.used > 1


def test_zero_budget_means_one_attempt(taskbadger_server: APIServer) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key, host=taskbadger_server.url, retry_budget=0
    )
    taskbadger_server.inject_fault(status=503, times=1)

    with pytest.raises(taskbadger.ServerError):
        Task.create("once")

    assert len(taskbadger_server.requests) == 1


def test_client_errors_are_not_retried(
    taskbadger_server: APIServer, waits: list[float]
) -> None:
    task = Task.create("bad")

    with pytest.raises(taskbadger.ValidationError):
        task.update(value=-5)

    assert waits == [] and len(taskbadger_server.requests) == 2
