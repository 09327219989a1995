"""The Celery integration on a real prefork worker with a Redis broker."""

from __future__ import annotations

import uuid

import pytest
import redis
from celery_helpers import (
    assert_started_before_ended,
    statuses_sent,
    wait_for,
    wait_for_status,
)

from taskbadger.testing import APIServer
from tests.celery import worker_app

# Long enough for a busy machine; a passing test returns as soon as it can.
RESULT_TIMEOUT = 30


def test_published_task_is_created_pending_with_celery_id_and_queue(
    tracked: APIServer,
) -> None:
    result = worker_app.add.delay(2, 3)

    create = next(r for r in tracked.requests if r.method == "POST")
    assert create.body["status"] == "pending"
    assert create.body["name"] == "demo.add"
    assert create.body["external_id"] == result.id
    assert create.body["queue"] == "celery"
    result.get(timeout=RESULT_TIMEOUT)


def test_successful_task_goes_from_pending_through_processing_to_success(
    tracked: APIServer,
) -> None:
    result = worker_app.add.delay(2, 3)

    assert result.get(timeout=RESULT_TIMEOUT) == 5
    task = wait_for_status(tracked, result.id, "success")
    assert statuses_sent(tracked, task) == ["pending", "processing", "success"]


def test_failing_task_ends_in_error_with_the_exception(tracked: APIServer) -> None:
    result = worker_app.fail.delay("disk full")

    with pytest.raises(ValueError, match="disk full"):
        result.get(timeout=RESULT_TIMEOUT)
    task = wait_for_status(tracked, result.id, "error")
    assert task["data"] == {"exception": "ValueError: disk full"}


def test_retried_task_keeps_one_task_and_counts_its_retries(tracked: APIServer) -> None:
    result = worker_app.flaky.delay(2)

    assert result.get(timeout=RESULT_TIMEOUT) == 2
    task = wait_for_status(tracked, result.id, "success")
    assert [t["id"] for t in tracked.tasks] == [task["id"]]
    assert task["data"] == {"celery_retries": 2}


def test_base_class_task_reports_progress_on_its_own_task(tracked: APIServer) -> None:
    result = worker_app.progress.delay(4)

    assert result.get(timeout=RESULT_TIMEOUT) == result.taskbadger_task_id
    task = wait_for_status(tracked, result.id, "success")
    assert (task["value"], task["value_max"]) == (4, 4)
    assert task["tags"] == {"kind": "import"}


def test_base_class_task_sent_by_name_keeps_its_decorator_options(
    tracked: APIServer,
) -> None:
    result = worker_app.app.send_task("demo.progress", args=(2,))

    result.get(timeout=RESULT_TIMEOUT)
    task = wait_for_status(tracked, result.id, "success")
    assert (task["value_max"], task["tags"]) == (4, {"kind": "import"})


def test_result_fetches_its_task(tracked: APIServer) -> None:
    result = worker_app.progress.delay(1)
    result.get(timeout=RESULT_TIMEOUT)
    wait_for_status(tracked, result.id, "success")

    fetched = result.get_taskbadger_task()

    assert fetched is not None
    assert (fetched.id, fetched.status) == (result.taskbadger_task_id, "success")


def test_call_options_override_the_decorator(tracked: APIServer) -> None:
    result = worker_app.progress.apply_async(
        (2,), taskbadger_value_max=2, taskbadger_name="nightly-import"
    )
    result.get(timeout=RESULT_TIMEOUT)

    task = wait_for_status(tracked, result.id, "success")
    assert (task["name"], task["value_max"]) == ("nightly-import", 2)


def test_header_options_track_a_plain_task_outside_the_rules(
    tracked: APIServer,
) -> None:
    headers = {
        "taskbadger_track": True,
        "taskbadger_kwargs": {"name": "cleanup-tmp", "data": {"dir": "/tmp"}},
    }
    result = worker_app.cleanup.apply_async(headers=headers)

    assert result.get(timeout=RESULT_TIMEOUT) == "clean"
    task = wait_for_status(tracked, result.id, "success")
    assert (task["name"], task["data"]) == ("cleanup-tmp", {"dir": "/tmp"})


def test_header_can_opt_a_task_out(tracked: APIServer) -> None:
    result = worker_app.add.apply_async((1, 2), headers={"taskbadger_track": False})

    assert result.get(timeout=RESULT_TIMEOUT) == 3
    assert tracked.tasks == []


def test_base_class_task_can_opt_out_when_called(tracked: APIServer) -> None:
    result = worker_app.progress.apply_async((1,), taskbadger_track=False)

    assert result.get(timeout=RESULT_TIMEOUT) is None
    assert result.taskbadger_task_id is None
    assert tracked.tasks == []


def test_task_outside_the_includes_is_not_tracked(tracked: APIServer) -> None:
    result = worker_app.cleanup.delay()

    assert result.get(timeout=RESULT_TIMEOUT) == "clean"
    assert tracked.tasks == []


def test_excludes_win_over_includes(tracked: APIServer) -> None:
    result = worker_app.noisy_tick.delay()

    assert result.get(timeout=RESULT_TIMEOUT) == "tick"
    assert tracked.tasks == []


def test_task_published_by_a_tracked_task_nests_under_it(tracked: APIServer) -> None:
    result = worker_app.spawn.delay()
    child_id = result.get(timeout=RESULT_TIMEOUT)

    parent = wait_for_status(tracked, result.id, "success")
    child = wait_for_status(tracked, child_id, "success")
    assert child["parent"] == parent["id"]


def test_recorded_arguments_are_stored_in_the_data(tracked: APIServer) -> None:
    headers = {"taskbadger_kwargs": {"record_task_args": True}}
    result = worker_app.add.apply_async((2,), {"y": 5}, headers=headers)
    result.get(timeout=RESULT_TIMEOUT)

    task = wait_for_status(tracked, result.id, "success")
    assert task["data"] == {"celery_task_args": [2], "celery_task_kwargs": {"y": 5}}


def test_task_runs_and_returns_when_the_api_fails(tracked: APIServer) -> None:
    fault = tracked.inject_fault(status=500, times=None)

    result = worker_app.add.delay(20, 22)

    assert result.get(timeout=RESULT_TIMEOUT) == 42
    # Publishing and the worker's own attempt both failed.
    assert wait_for(lambda: fault.used >= 2, "the worker's tracking attempt")
    assert tracked.tasks == []


def test_revoked_task_is_cancelled(tracked: APIServer) -> None:
    celery_id = str(uuid.uuid4())
    # Waiting for the worker's reply orders the revoke before the message.
    replies = worker_app.app.control.revoke(
        celery_id, reply=True, limit=1, timeout=RESULT_TIMEOUT
    )
    assert replies

    worker_app.add.apply_async((1, 1), task_id=celery_id)

    wait_for_status(tracked, celery_id, "cancelled")


def test_heartbeats_keep_a_long_task_alive(tracked: APIServer, redis_url: str) -> None:
    key = f"release-{uuid.uuid4()}"
    headers = {"taskbadger_kwargs": {"heartbeat_interval": 0.2}}
    result = worker_app.wait_for_release.apply_async((key,), headers=headers)
    task = wait_for_status(tracked, result.id, "processing")

    def pings() -> int:
        path = f"/{task['id']}/"
        return sum(
            r.method == "PATCH" and r.path.endswith(path) and r.body == {}
            for r in tracked.requests
        )

    wait_for(lambda: pings() >= 2, "two heartbeats")
    with redis.Redis.from_url(redis_url) as client:
        client.rpush(key, "go")
    assert result.get(timeout=RESULT_TIMEOUT) is True
    assert wait_for_status(tracked, result.id, "success")["stale_timeout"] == 1


def test_failing_task_keeps_the_data_it_was_published_with(
    tracked: APIServer,
) -> None:
    headers = {"taskbadger_track": True, "taskbadger_kwargs": {"data": {"dir": "/tmp"}}}
    result = worker_app.fail.apply_async(("disk full",), headers=headers)

    with pytest.raises(ValueError, match="disk full"):
        result.get(timeout=RESULT_TIMEOUT)
    task = wait_for_status(tracked, result.id, "error")
    assert task["data"] == {"dir": "/tmp", "exception": "ValueError: disk full"}


def test_task_records_when_it_started_and_ended(tracked: APIServer) -> None:
    result = worker_app.add.delay(2, 2)
    result.get(timeout=RESULT_TIMEOUT)

    task = wait_for_status(tracked, result.id, "success")
    assert_started_before_ended(task)
