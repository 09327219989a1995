"""The Celery integration in eager mode: tasks run in the calling process.

Nothing is published in eager mode, so a task is created ``processing`` when it
starts instead of ``pending`` when it is published; the rest of its life is
tracked as on a worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery
from celery_helpers import statuses_sent, task_of

import taskbadger
from taskbadger import _settings
from taskbadger.celery import Task
from taskbadger.systems.celery import CelerySystemIntegration
from taskbadger.testing import APIServer

app = Celery("taskbadger_eager_tests", set_as_current=False)
app.conf.update(
    broker_url="memory://",
    task_always_eager=True,
    task_eager_propagates=False,
    accept_content=["json", "pickle"],
)


@app.task(name="eager.add")
def add(x: int, y: int) -> int:
    return x + y


@app.task(name="eager.fail")
def fail() -> None:
    raise RuntimeError("no route to host")


@app.task(name="eager.flaky", bind=True, max_retries=3)
def flaky(self: Any, failures: int) -> int:
    if self.request.retries < failures:
        raise self.retry(countdown=0)
    return int(self.request.retries)


@app.task(name="eager.report", bind=True, base=Task)
def report(self: Task) -> str | None:
    tracked = self.taskbadger_task
    return tracked.id if tracked is not None else None


@app.task(name="eager.quiet", base=Task, taskbadger_record_task_args=False)
def quiet(secret: str) -> str:
    return secret.upper()


@app.task(name="eager.batch")
def batch() -> str:
    return str(add.delay(1, 2).id)


class Opaque:
    """An argument JSON cannot represent."""


@pytest.fixture
def server(taskbadger_server: APIServer) -> APIServer:
    """The test's API server, with the SDK tracking every Celery task."""
    _init(taskbadger_server, CelerySystemIntegration())
    return taskbadger_server


def _init(server: APIServer, integration: CelerySystemIntegration) -> None:
    taskbadger.init(token=server.project_key, host=server.url, systems=[integration])


@pytest.fixture
def unconfigured() -> Iterator[None]:
    _settings.reset_settings()
    yield


def test_eager_task_is_created_processing_and_ends_in_success(
    server: APIServer,
) -> None:
    result = add.delay(2, 3)

    task = task_of(server, result.id)
    assert task is not None
    assert (task["name"], task["status"]) == ("eager.add", "success")
    assert statuses_sent(server, task) == ["processing", "success"]


def test_eager_failure_ends_in_error(server: APIServer) -> None:
    result = fail.delay()

    task = task_of(server, result.id)
    assert task is not None
    assert task["status"] == "error"
    assert task["data"] == {"exception": "RuntimeError: no route to host"}


def test_eager_retries_keep_one_task(server: APIServer) -> None:
    result = flaky.delay(2)

    assert result.get() == 2
    assert len(server.tasks) == 1
    assert server.tasks[0]["status"] == "success"
    assert server.tasks[0]["data"] == {"celery_retries": 2}


def test_eager_base_class_task_sees_its_task_and_result_names_it(
    server: APIServer,
) -> None:
    result = report.delay()

    assert result.get() == result.taskbadger_task_id
    fetched = result.get_taskbadger_task()
    assert fetched is not None
    assert fetched.status == "success"


def test_eager_task_inside_a_tracked_task_nests_under_it(server: APIServer) -> None:
    result = batch.delay()

    parent = task_of(server, result.id)
    child = task_of(server, result.get())
    assert parent is not None
    assert child is not None
    assert child["parent"] == parent["id"]


def test_decorator_options_win_over_the_integration(
    taskbadger_server: APIServer,
) -> None:
    _init(taskbadger_server, CelerySystemIntegration(record_task_args=True))

    quiet.delay("hunter2")

    assert (
        "data" not in taskbadger_server.tasks[0]
        or not (taskbadger_server.tasks[0]["data"])
    )


def test_call_options_win_over_the_decorator(server: APIServer) -> None:
    quiet.apply_async(("public",), taskbadger_record_task_args=True)

    assert server.tasks[0]["data"] == {
        "celery_task_args": ["public"],
        "celery_task_kwargs": {},
    }


def test_arguments_that_are_not_json_are_reported_not_recorded(
    server: APIServer,
) -> None:
    headers = {"taskbadger_kwargs": {"record_task_args": True}}
    # Eager calls still pass the arguments through the serializer.
    add.apply_async((Opaque(), 1), headers=headers, serializer="pickle")

    data = server.tasks[0]["data"]
    assert "celery_task_args" not in data
    assert data["celery_task_args_error"].startswith(
        "The task arguments are not JSON serializable: Object of type Opaque"
    )


def test_apply_called_directly_names_its_task(server: APIServer) -> None:
    result = quiet.apply(("x",))

    assert result.taskbadger_task_id == server.tasks[0]["id"]


def test_arguments_with_nan_are_reported_and_the_task_still_tracked(
    server: APIServer,
) -> None:
    quiet.apply_async((float("nan"),), taskbadger_record_task_args=True)

    data = server.tasks[0]["data"]
    assert "celery_task_args" not in data
    assert data["celery_task_args_error"].startswith(
        "The task arguments are not JSON serializable: Out of range float values"
    )


def test_a_heartbeat_interval_that_is_not_positive_is_ignored(
    server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    quiet.apply_async(("x",), taskbadger_heartbeat_interval=-1)

    assert server.tasks[0]["status"] == "success"
    assert server.tasks[0]["stale_timeout"] is None
    assert "Ignoring heartbeat_interval -1" in caplog.text


def test_eager_task_returns_when_the_api_fails(server: APIServer) -> None:
    server.inject_fault(status=500, times=None)

    result = report.delay()

    assert result.successful()
    assert result.get() is None
    assert result.taskbadger_task_id is None


def test_eager_task_runs_without_any_configuration(unconfigured: None) -> None:
    result = add.delay(4, 5)

    assert result.get() == 9


def test_call_kwargs_dict_sets_the_task_fields(server: APIServer) -> None:
    options = {"name": "monthly-report", "tags": {"team": "finance"}, "value_max": 12}

    report.apply_async(taskbadger_kwargs=options)

    task = server.tasks[0]
    assert (task["name"], task["tags"], task["value_max"]) == (
        "monthly-report",
        {"team": "finance"},
        12,
    )


def test_monitor_id_is_sent_when_the_task_is_created(server: APIServer) -> None:
    report.apply_async(taskbadger_monitor_id="mon-nightly")

    create = next(r for r in server.requests if r.method == "POST")
    assert create.headers["x-taskbadger-monitor"] == "mon-nightly"


def test_eager_task_in_background_mode_knows_its_task_at_once(
    taskbadger_server: APIServer,
) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        systems=[CelerySystemIntegration(create_on_publish=False)],
        background=True,
    )

    result = report.delay()

    assert result.get() == result.taskbadger_task_id
    assert taskbadger.flush()
    assert taskbadger_server.task(result.taskbadger_task_id)["status"] == "success"
