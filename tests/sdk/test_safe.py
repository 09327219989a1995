"""create_task_safe and update_task_safe never raise."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import taskbadger
from taskbadger.testing import APIServer


def test_create_task_safe_unconfigured_returns_none_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="taskbadger"):
        assert taskbadger.create_task_safe("anything") is None

    assert "not configured" in caplog.text


def test_update_task_safe_unconfigured_returns_none_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="taskbadger"):
        assert taskbadger.update_task_safe("some-id", value=1) is None

    assert "not configured" in caplog.text


def test_create_task_safe_returns_the_task(taskbadger_server: APIServer) -> None:
    task = taskbadger.create_task_safe("safe", value=3)

    assert task is not None and taskbadger_server.task(task.id)["value"] == 3


def test_update_task_safe_returns_the_task(taskbadger_server: APIServer) -> None:
    task = taskbadger.create_task("safe")

    updated = taskbadger.update_task_safe(task.id, status="success")

    assert updated is not None and updated.status == "success"


def test_create_task_safe_logs_api_failures(
    taskbadger_server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    taskbadger_server.inject_fault(status=500)

    assert taskbadger.create_task_safe("failing") is None

    [record] = [r for r in caplog.records if r.name.startswith("taskbadger.")]
    assert record.levelno == logging.WARNING
    assert "500" in record.getMessage()


def test_update_task_safe_logs_validation_failures(
    taskbadger_server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    task = taskbadger.create_task("safe")

    assert taskbadger.update_task_safe(task.id, value=-1) is None
    assert "value:" in caplog.text


def test_create_task_safe_survives_a_failing_hook(
    taskbadger_server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_hook(task: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("hook bug")

    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        before_create=broken_hook,
    )

    assert taskbadger.create_task_safe("hooked") is None
    assert "hook bug" in caplog.text


def test_update_task_safe_survives_a_bad_status(
    taskbadger_server: APIServer,
) -> None:
    task = taskbadger.create_task("safe")

    assert taskbadger.update_task_safe(task.id, status="finished") is None
