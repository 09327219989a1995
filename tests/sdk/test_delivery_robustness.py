"""Background delivery keeps order, survives surprises and never hangs the caller."""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import taskbadger
from taskbadger import Task, _delivery, _http
from taskbadger._exceptions import TaskbadgerException
from taskbadger._tasks import queue_create_task
from taskbadger.testing import APIServer, Fault

# Long enough that a test can act while the creation is on its way.
SLOW_CREATION = 1.0


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Waits for something only the server's threads can show."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def slow_creation(server: APIServer) -> Fault:
    """Makes the next creation slow; returns the fault, whose use marks its arrival."""
    return server.inject_fault(latency=SLOW_CREATION, method="POST")


def test_status_changes_during_and_after_a_queued_creation_arrive_in_order(
    background: APIServer,
) -> None:
    creation = slow_creation(background)
    # A slow first update would let a later one sent beside it overtake it.
    background.inject_fault(latency=0.3, method="PATCH")
    task = queue_create_task("ordered")
    wait_until(lambda: creation.used == 1)

    task.update(status="processing")
    pending = task._creation
    assert pending is not None
    # Waiting without asking for the id leaves the pause between rounds as it is.
    wait_until(pending.done)
    task.update(status="success")
    assert taskbadger.flush(timeout=30)

    patches = [r.body["status"] for r in background.requests if r.method == "PATCH"]
    assert patches == ["processing", "success"]
    assert background.task(task.id)["status"] == "success"


def test_a_creation_answered_without_an_id_fails_and_delivery_goes_on(
    background: APIServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_request = _http.request

    def answer_nothing_once(method: str, path: str, **kwargs: Any) -> Any:
        monkeypatch.setattr(_http, "request", real_request)
        return None

    monkeypatch.setattr(_http, "request", answer_nothing_once)
    odd = queue_create_task("odd")
    assert taskbadger.flush(timeout=30)

    with pytest.raises(TaskbadgerException, match="without a task id"):
        _ = odd.id
    assert "creation of task 'odd' without a task id: None" in caplog.text

    later = Task.create("later")
    later.update(status="success")
    assert taskbadger.flush(timeout=30)
    assert background.task(later.id)["status"] == "success"


def test_an_unexpected_error_is_logged_and_the_thread_keeps_sending(
    background: APIServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_send = _delivery._send

    def fail_once(key: Any, update: Any) -> None:
        monkeypatch.setattr(_delivery, "_send", real_send)
        raise RuntimeError("surprise")

    monkeypatch.setattr(_delivery, "_send", fail_once)
    doomed = queue_create_task("doomed")
    assert taskbadger.flush(timeout=30)

    with pytest.raises(TaskbadgerException, match="could not be created: surprise"):
        _ = doomed.id
    assert "Could not deliver task not yet created" in caplog.text

    later = queue_create_task("later")
    later.update(status="success")
    assert taskbadger.flush(timeout=30)
    assert background.task(later.id)["status"] == "success"


def test_safe_update_of_a_task_whose_creation_failed_logs_and_returns_false(
    background: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="taskbadger")
    background.inject_fault(status=400, method="POST")
    task = queue_create_task("refused")
    assert taskbadger.flush(timeout=30)

    assert task.safe_update(status="bogus") is False
    assert "Could not update task 'refused' (not created yet)" in caplog.text


def test_safe_update_does_not_wait_for_a_creation_on_its_way(
    background: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="taskbadger")
    creation = slow_creation(background)
    task = queue_create_task("slow")
    wait_until(lambda: creation.used == 1)

    started = time.monotonic()
    assert task.safe_update(status="bogus") is False
    assert time.monotonic() - started < SLOW_CREATION / 2
    assert "Could not update task 'slow' (not created yet)" in caplog.text


def test_id_of_a_creation_left_to_the_parent_fails_at_once_in_a_forked_child(
    background: APIServer,
) -> None:
    creation = slow_creation(background)
    task = queue_create_task("forked")
    wait_until(lambda: creation.used == 1)

    with warnings.catch_warnings():
        # Forking a process with threads is what this test is about.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:
        os._exit(_id_fails_at_once(task))

    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert task.id


def _id_fails_at_once(task: Task) -> int:
    """The forked child's exit status: 0 when asking for the id failed at once."""
    started = time.monotonic()
    try:
        _ = task.id
    except TaskbadgerException as exc:
        quick = time.monotonic() - started < SLOW_CREATION / 2
        return 0 if quick and "parent process" in str(exc) else 1
    except BaseException:
        return 2
    return 3
