"""The track decorator: a function call as a task."""

from __future__ import annotations

import asyncio

import pytest

from taskbadger import Task, track
from taskbadger.testing import APIServer


def test_bare_decorator_names_the_task_after_the_function(
    taskbadger_server: APIServer,
) -> None:
    @track
    def nightly_report() -> int:
        return 7

    assert nightly_report() == 7

    stored = taskbadger_server.last_task()
    assert stored is not None
    assert stored["name"] == f"{__name__}.{nightly_report.__qualname__}"
    assert stored["status"] == "success"


def test_processing_on_entry_then_success(taskbadger_server: APIServer) -> None:
    seen: list[str] = []

    @track("job")
    def job() -> None:
        stored = taskbadger_server.last_task("job")
        seen.append(stored["status"] if stored else "missing")

    job()

    stored = taskbadger_server.last_task("job")
    assert stored is not None
    assert seen == ["processing"]
    assert stored["status"] == "success"


def test_name_and_create_options_as_keywords(taskbadger_server: APIServer) -> None:
    @track(name="tagged job", tags={"team": "data"}, max_runtime=60)
    def job() -> None:
        pass

    job()

    stored = taskbadger_server.last_task("tagged job")
    assert stored is not None
    assert (stored["tags"], stored["max_runtime"]) == ({"team": "data"}, 60)


def test_exception_is_recorded_and_reraised(taskbadger_server: APIServer) -> None:
    @track("failing")
    def failing() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        failing()

    stored = taskbadger_server.last_task("failing")
    assert stored is not None
    assert stored["status"] == "error"
    assert stored["data"]["exception"] == "ValueError: bad input"


def test_async_function_is_tracked(taskbadger_server: APIServer) -> None:
    @track("async job")
    async def job(delay: float) -> str:
        await asyncio.sleep(delay)
        return "done"

    assert asyncio.run(job(0)) == "done"

    stored = taskbadger_server.last_task("async job")
    assert stored is not None and stored["status"] == "success"


def test_async_exception_is_recorded(taskbadger_server: APIServer) -> None:
    @track("async failing")
    async def job() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        asyncio.run(job())

    stored = taskbadger_server.last_task("async failing")
    assert stored is not None and stored["status"] == "error"


def test_nested_tracked_function_is_a_child(taskbadger_server: APIServer) -> None:
    @track("inner")
    def inner() -> None:
        Task.create("created in inner")

    @track("outer")
    def outer() -> None:
        inner()

    outer()

    parent = taskbadger_server.last_task("outer")
    assert parent is not None
    for name in ("inner", "created in inner"):
        child = taskbadger_server.last_task(name)
        assert child is not None and child["parent"] == parent["id"]


def test_function_runs_when_tracking_fails(
    taskbadger_server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    taskbadger_server.inject_fault(status=500, times=None)

    @track("unlucky")
    def job() -> str:
        return "still ran"

    assert job() == "still ran"
    assert "Could not create task" in caplog.text


def test_function_runs_unconfigured() -> None:
    @track
    def job() -> int:
        return 1

    assert job() == 1


def test_wrapper_keeps_the_function_metadata() -> None:
    @track("documented")
    def job() -> None:
        """Builds the report."""

    assert (job.__name__, job.__doc__) == ("job", "Builds the report.")


def test_tracked_function_uses_one_session(taskbadger_server: APIServer) -> None:
    from taskbadger import _http

    clients = []

    @track("session")
    def job() -> None:
        clients.append(_http._session_in_this_process())

    job()

    assert clients[0] is not None
