"""Background delivery of task creations, and of updates that must keep order."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import taskbadger
from taskbadger import Task, _delivery, _settings
from taskbadger._exceptions import ConfigurationError, TaskbadgerException
from taskbadger._tasks import queue_create_task
from taskbadger.testing import APIServer


@pytest.fixture
def held(background: APIServer) -> Iterator[_delivery.BackgroundDelivery]:
    """A queue whose thread starts only when the test calls release()."""
    queue = _delivery.BackgroundDelivery()
    queue._ensure_worker = lambda: None  # type: ignore[method-assign]
    yield queue
    release(queue)


def release(queue: _delivery.BackgroundDelivery) -> None:
    """Starts the queue's thread, if not yet started, and waits for it to send."""
    queue.__dict__.pop("_ensure_worker", None)
    queue._ensure_worker()
    assert queue.flush(timeout=30)


def requests_of(server: APIServer) -> list[tuple[str, object]]:
    return [(r.method, r.body) for r in server.requests]


def test_status_changes_are_sent_in_order_each_in_its_own_request(
    background: APIServer, held: _delivery.BackgroundDelivery
) -> None:
    settings = _settings.get_settings()
    task = Task.create("steps")

    held.enqueue(settings, task.id, {"status": "processing"})
    held.enqueue(settings, task.id, {"value": 10})
    held.enqueue(settings, task.id, {"status": "success", "value": 100})
    held.enqueue(settings, task.id, {"data": {"rows": 3}})
    release(held)

    assert requests_of(background)[1:] == [
        ("PATCH", {"status": "processing", "value": 10}),
        ("PATCH", {"status": "success", "value": 100, "data": {"rows": 3}}),
    ]


def test_updates_of_a_queued_creation_merge_into_one_request(
    background: APIServer, held: _delivery.BackgroundDelivery
) -> None:
    settings = _settings.get_settings()

    creation = held.enqueue_create(
        settings, {"name": "short", "status": "processing", "data": {"a": 1}}, {}
    )
    assert creation is not None
    held.enqueue(settings, creation, {"status": "success", "data": {"b": 2}})
    release(held)

    assert requests_of(background) == [
        ("POST", {"name": "short", "status": "success", "data": {"a": 1, "b": 2}})
    ]
    assert creation.task_id == background.last_task("short")["id"]


def test_updates_after_the_creation_went_out_go_to_the_new_task(
    background: APIServer, held: _delivery.BackgroundDelivery
) -> None:
    settings = _settings.get_settings()
    creation = held.enqueue_create(settings, {"name": "later"}, {})
    assert creation is not None
    release(held)

    assert held.enqueue(settings, creation, {"value": 5})
    assert held.flush()

    assert background.task(str(creation.task_id))["value"] == 5


def test_queued_task_takes_updates_and_its_id_waits_for_the_creation(
    background: APIServer,
) -> None:
    task = queue_create_task("queued", status="processing", value_max=10)
    task.update(value=4)
    task.success()

    task_id = task.id

    assert taskbadger.flush()
    stored = background.task(task_id)
    assert (stored["name"], stored["status"], stored["value"]) == (
        "queued",
        "success",
        4,
    )


def test_failed_creation_is_logged_and_its_id_raises(
    background: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    background.inject_fault(status=400, method="POST")
    task = queue_create_task("refused")
    task.update(value=1)

    with pytest.raises(TaskbadgerException, match="could not be created"):
        _ = task.id

    assert taskbadger.flush()
    messages = [
        r.getMessage() for r in caplog.records if r.name == "taskbadger._delivery"
    ]
    assert any(m.startswith("Could not create task 'refused'") for m in messages)
    assert background.tasks == []


def test_queued_creation_needs_background_mode(taskbadger_server: APIServer) -> None:
    with pytest.raises(ConfigurationError, match="background=True"):
        queue_create_task("not queued")


def test_data_of_a_task_seen_only_by_id_extends_what_the_api_has(
    background: APIServer,
) -> None:
    created = Task.create("elsewhere", data={"a": 1}, tags={"team": "data"})
    task = Task._unfetched(created.id)

    task.update(data={"b": 2})
    task.update(data={"c": 3}, tags={"kind": "nightly"})
    assert taskbadger.flush()

    stored = background.task(created.id)
    assert stored["data"] == {"a": 1, "b": 2, "c": 3}
    assert stored["tags"] == {"team": "data", "kind": "nightly"}


def test_a_whole_new_value_replaces_what_an_update_extended() -> None:
    step = _delivery._Step({"data": {"a": 1}}, extend=frozenset({"data"}))

    step.merge({"data": {"b": 2}}, frozenset())

    assert (step.fields, step.extend) == ({"data": {"a": 1, "b": 2}}, set())


def test_failures_of_queued_updates_do_not_reach_the_caller(
    background: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="taskbadger")
    task = Task._unfetched("missing")

    task.update(data={"b": 2})
    assert taskbadger.flush()

    assert "Could not deliver an update of task missing" in caplog.text
