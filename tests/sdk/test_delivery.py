"""Background delivery: queued, coalesced updates sent from one thread."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

import taskbadger
from taskbadger import Task, _delivery, _settings
from taskbadger.testing import APIServer


def patches(server: APIServer) -> list[dict[str, object]]:
    return [r.body for r in server.requests if r.method == "PATCH"]


def test_many_updates_coalesce_into_a_few_requests(background: APIServer) -> None:
    task = Task.create("hot loop")

    for value in range(100_000):
        task.update(value=value)
    assert taskbadger.flush()

    assert len(patches(background)) < 1000
    assert background.task(task.id)["value"] == 99_999


def test_creation_stays_synchronous(background: APIServer) -> None:
    task = Task.create("created now", value=1)

    assert background.task(task.id)["value"] == 1


def test_local_state_reflects_updates_before_they_are_sent(
    background: APIServer,
) -> None:
    task = Task.create("local", data={"a": 1})

    task.update(value=40, data={"b": 2}, status="processing")

    assert (task.value, task.value_percent, task.status) == (40, 40, "processing")
    assert task.data == {"a": 1, "b": 2}


def test_latest_value_of_each_field_wins(background: APIServer) -> None:
    task = Task.create("fields")

    task.update(status="processing", value=1)
    task.update(value=2, data={"step": "one"})
    task.increment_value(3)
    task.update(data={"rows": 10}, tags={"tenant": "acme"})
    task.success()
    assert taskbadger.flush()

    stored = background.task(task.id)
    assert (stored["status"], stored["value"]) == ("success", 5)
    assert stored["data"] == {"step": "one", "rows": 10}
    assert stored["tags"] == {"tenant": "acme"}


def test_queued_data_updates_merge_key_by_key() -> None:
    update = _delivery._Update(
        settings=None,  # type: ignore[arg-type]
        fields={"data": {"a": 1, "b": 1}, "value": 1},
    )

    update.merge(None, {"data": {"b": 2}, "tags": {"t": "xy"}})  # type: ignore[arg-type]
    update.merge(None, {"value": 3, "tags": {"u": "zz"}})  # type: ignore[arg-type]

    assert update.fields == {
        "data": {"a": 1, "b": 2},
        "value": 3,
        "tags": {"t": "xy", "u": "zz"},
    }


def test_flush_with_nothing_queued_returns_at_once() -> None:
    assert taskbadger.flush(timeout=0) is True


def test_flush_sends_everything_queued(background: APIServer) -> None:
    tasks = [Task.create(f"task {number}") for number in range(20)]
    for task in tasks:
        task.success()

    assert taskbadger.flush() is True

    assert {background.task(task.id)["status"] for task in tasks} == {"success"}


def test_flush_returns_false_when_the_timeout_comes_first(
    taskbadger_server: APIServer,
) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        background=True,
        retry_budget=0,
    )
    task = Task.create("slow")
    taskbadger_server.inject_fault(latency=30, method="PATCH")

    task.update(value=1)

    assert taskbadger.flush(timeout=0.1) is False
    taskbadger_server.clear_faults()


def test_errors_are_logged_not_raised(
    background: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    task = Task.create("refused")
    background.inject_fault(status=400, method="PATCH")

    task.update(value=1)
    assert taskbadger.flush()

    [record] = [r for r in caplog.records if r.name == "taskbadger._delivery"]
    assert record.levelno == logging.WARNING
    assert f"Could not deliver an update of task {task.id}" in record.getMessage()


def test_full_queue_drops_updates_without_blocking(
    taskbadger_server: APIServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _settings.get_settings()
    queue = _delivery.BackgroundDelivery(max_pending=2)
    monkeypatch.setattr(queue, "_ensure_worker", lambda: None)
    first, second, third = (Task.create(f"task {n}") for n in range(3))

    accepted = [
        queue.enqueue(settings, first.id, {"value": 1}),
        queue.enqueue(settings, second.id, {"value": 2}),
        queue.enqueue(settings, third.id, {"value": 3}),
        queue.enqueue(settings, first.id, {"value": 4}),
    ]

    assert accepted == [True, True, False, True]
    assert "queue is full" in caplog.text
    monkeypatch.undo()
    queue._ensure_worker()
    assert queue.flush()
    values = [taskbadger_server.task(t.id)["value"] for t in (first, second, third)]
    assert values == [4, 2, None]


def test_tracked_function_in_background_mode(background: APIServer) -> None:
    @taskbadger.track("tracked")
    def job() -> None:
        pass

    job()
    assert taskbadger.flush()

    assert background.last_task("tracked")["status"] == "success"


def test_forked_child_delivers_its_own_updates(background: APIServer) -> None:
    parent_task = Task.create("parent")
    child_task = Task.create("child")
    parent_task.update(value=1)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        code = 1
        try:
            fresh = _delivery._delivery._thread is None
            child_task.update(value=7)
            code = 0 if fresh and taskbadger.flush(timeout=30) else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    parent_task.update(value=2)
    assert taskbadger.flush()

    assert os.waitstatus_to_exitcode(status) == 0
    assert background.task(child_task.id)["value"] == 7
    assert background.task(parent_task.id)["value"] == 2
    assert [body for body in patches(background) if body == {"value": 7}] == [
        {"value": 7}
    ]


def run_script(server: APIServer, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env={**os.environ, **server.environ()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_queue_is_flushed_at_exit(taskbadger_server: APIServer) -> None:
    result = run_script(
        taskbadger_server,
        """
        import taskbadger
        taskbadger.init(background=True)
        task = taskbadger.Task.create("exiting")
        for value in range(1000):
            task.update(value=value)
        task.success()
        """,
    )

    assert result.returncode == 0, result.stderr
    stored = taskbadger_server.last_task("exiting")
    assert stored is not None
    assert (stored["status"], stored["value"]) == ("success", 999)


def test_exit_flush_is_bounded_and_logs_what_it_drops(
    taskbadger_server: APIServer,
) -> None:
    taskbadger_server.inject_fault(latency=30, method="PATCH", times=None)

    result = run_script(
        taskbadger_server,
        """
        import logging
        import taskbadger
        from taskbadger import _delivery
        logging.basicConfig(level=logging.WARNING)
        _delivery.EXIT_FLUSH_TIMEOUT = 0.2
        taskbadger.init(background=True, retry_budget=0)
        taskbadger.Task.create("stuck").update(value=1)
        """,
    )
    taskbadger_server.clear_faults()

    assert result.returncode == 0
    assert "updates of 1 tasks not yet delivered" in result.stderr
