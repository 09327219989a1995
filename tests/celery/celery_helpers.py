"""Waiting on the local API server's store, for the Celery tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from taskbadger._models import parse_datetime
from taskbadger.testing import APIServer

T = TypeVar("T")

# Generous: a shared machine may be slow, and a passing test never waits this long.
WAIT_TIMEOUT = 30.0
POLL_INTERVAL = 0.05


def wait_for(condition: Callable[[], T | None], what: str) -> T:
    """Polls ``condition`` until it returns something truthy, and returns that."""
    deadline = time.monotonic() + WAIT_TIMEOUT
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(POLL_INTERVAL)


def task_of(server: APIServer, celery_id: str) -> dict[str, Any] | None:
    """The stored task whose external id is this Celery task id, if any."""
    for task in server.tasks:
        if task.get("external_id") == celery_id:
            return task
    return None


def wait_for_status(server: APIServer, celery_id: str, status: str) -> dict[str, Any]:
    """Waits until the task of a Celery task reaches ``status``; returns it."""

    def reached() -> dict[str, Any] | None:
        task = task_of(server, celery_id)
        return task if task is not None and task["status"] == status else None

    return wait_for(reached, f"the task of {celery_id} to be {status}")


def statuses_sent(server: APIServer, task: dict[str, Any]) -> list[str]:
    """The statuses the API accepted for a stored task, creation first, in order."""
    task_path = f"/{task['id']}/"
    sent = []
    for request in server.requests:
        body = request.body if isinstance(request.body, dict) else {}
        if "status" not in body or request.status >= 400:
            continue
        created = (
            request.method == "POST" and body.get("external_id") == task["external_id"]
        )
        if created or request.path.endswith(task_path):
            sent.append(body["status"])
    return sent


def assert_started_before_ended(task: dict[str, Any]) -> None:
    """The task has a start and an end time, in that order."""
    started = parse_datetime(task["start_time"])
    ended = parse_datetime(task["end_time"])
    assert started is not None
    assert ended is not None
    assert started <= ended
