"""Tasks created by the worker that runs them, with ``create_on_publish=False``.

The worker runs in background mode, so the creation waits in its queue and
goes out with the run's later updates.
"""

from __future__ import annotations

import pytest
from celery_helpers import assert_started_before_ended, wait_for_status

from taskbadger.testing import APIServer
from tests.celery import worker_app

RESULT_TIMEOUT = 30


def test_publishing_sends_nothing_and_the_worker_creates_the_task(
    created_by_worker: APIServer,
) -> None:
    result = worker_app.add.delay(2, 3)

    assert result.get(timeout=RESULT_TIMEOUT) == 5
    task = wait_for_status(created_by_worker, result.id, "success")
    assert (task["name"], task["queue"]) == ("demo.add", "celery")
    # One creation, by the worker: already finished if the run beat the queue.
    creations = [r.body for r in created_by_worker.requests if r.method == "POST"]
    assert [body["status"] for body in creations] in (["processing"], ["success"])


def test_worker_created_task_records_when_it_started_and_ended(
    created_by_worker: APIServer,
) -> None:
    result = worker_app.add.delay(1, 1)
    result.get(timeout=RESULT_TIMEOUT)

    task = wait_for_status(created_by_worker, result.id, "success")
    assert_started_before_ended(task)


def test_worker_created_failing_task_keeps_its_arguments_and_the_exception(
    created_by_worker: APIServer,
) -> None:
    headers = {"taskbadger_kwargs": {"record_task_args": True}}
    result = worker_app.fail.apply_async(("disk full",), headers=headers)

    with pytest.raises(ValueError, match="disk full"):
        result.get(timeout=RESULT_TIMEOUT)
    task = wait_for_status(created_by_worker, result.id, "error")
    assert task["data"] == {
        "celery_task_args": ["disk full"],
        "celery_task_kwargs": {},
        "exception": "ValueError: disk full",
    }


def test_worker_created_task_keeps_one_task_through_retries(
    created_by_worker: APIServer,
) -> None:
    result = worker_app.flaky.delay(2)

    assert result.get(timeout=RESULT_TIMEOUT) == 2
    task = wait_for_status(created_by_worker, result.id, "success")
    assert [t["id"] for t in created_by_worker.tasks] == [task["id"]]
    assert task["data"] == {"celery_retries": 2}


def test_task_published_by_a_worker_created_task_nests_under_it(
    created_by_worker: APIServer,
) -> None:
    result = worker_app.spawn.delay()
    child_id = result.get(timeout=RESULT_TIMEOUT)

    parent = wait_for_status(created_by_worker, result.id, "success")
    child = wait_for_status(created_by_worker, child_id, "success")
    assert child["parent"] == parent["id"]


def test_base_class_task_created_by_the_worker_reports_progress(
    created_by_worker: APIServer,
) -> None:
    result = worker_app.progress.delay(4)

    task_id = result.get(timeout=RESULT_TIMEOUT)
    task = wait_for_status(created_by_worker, result.id, "success")
    assert result.taskbadger_task_id is None
    assert task["id"] == task_id
    assert (task["value"], task["value_max"], task["tags"]) == (
        4,
        4,
        {"kind": "import"},
    )


def test_call_option_creates_the_task_on_publish_after_all(
    created_by_worker: APIServer,
) -> None:
    result = worker_app.progress.apply_async((1,), taskbadger_create_on_publish=True)

    assert result.taskbadger_task_id is not None
    assert result.get(timeout=RESULT_TIMEOUT) == result.taskbadger_task_id
