"""The token never appears in logs, reprs, exception messages or tracebacks."""

from __future__ import annotations

import base64
import io
import logging
import socket
import traceback
from collections.abc import Iterator

import pytest

import taskbadger
from taskbadger import Task, _settings
from taskbadger.testing import APIServer

SECRET = "s3cret-token-value-0123456789"
PROJECT_KEY = base64.b64encode(f"acme/backups/{SECRET}".encode()).decode()


@pytest.fixture
def all_logs() -> Iterator[io.StringIO]:
    """Everything logged anywhere at DEBUG, httpx and httpcore included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def describe(error: BaseException) -> str:
    """The message, repr and full chained traceback of an error."""
    return "\n".join(
        [str(error), repr(error), *traceback.format_exception(error), str(error.args)]
    )


def assert_secret_absent(text: str) -> None:
    assert SECRET not in text
    assert PROJECT_KEY not in text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_refused_key_is_absent_from_logs_and_error(
    taskbadger_server: APIServer, all_logs: io.StringIO
) -> None:
    taskbadger.init(token=PROJECT_KEY, host=taskbadger_server.url)

    with pytest.raises(taskbadger.UnauthorizedError) as caught:
        Task.create("refused")

    assert "POST" in all_logs.getvalue()
    assert_secret_absent(all_logs.getvalue() + describe(caught.value))


def test_connection_error_shows_no_token(
    all_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TASKBADGER_API_KEY", raising=False)
    taskbadger.init(
        token=PROJECT_KEY, host=f"http://127.0.0.1:{free_port()}", retry_budget=0
    )

    with pytest.raises(taskbadger.TaskbadgerConnectionError) as caught:
        Task.create("unreachable")

    assert_secret_absent(all_logs.getvalue() + describe(caught.value))


def test_validation_error_shows_no_token(
    taskbadger_server: APIServer, all_logs: io.StringIO
) -> None:
    task = Task.create("invalid")
    token = _settings.get_settings().token

    with pytest.raises(taskbadger.ValidationError) as caught:
        task.update(value=-1)

    text = all_logs.getvalue() + describe(caught.value)
    assert "httpcore" in text and "PATCH" in text
    assert token not in text
    assert taskbadger_server.project_key not in text


def test_retries_and_timeouts_log_no_token(
    taskbadger_server: APIServer, all_logs: io.StringIO
) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        timeout=0.05,
        retry_budget=0.3,
    )
    taskbadger_server.inject_fault(latency=1, method="GET", times=None)

    with pytest.raises(taskbadger.TaskbadgerTimeoutError) as caught:
        taskbadger.list_tasks()

    token = _settings.get_settings().token
    assert token not in all_logs.getvalue() + describe(caught.value)


def test_settings_repr_hides_the_token() -> None:
    taskbadger.init(token=PROJECT_KEY, host="http://127.0.0.1:9")

    settings = _settings.get_settings()

    assert_secret_absent(repr(settings) + str(settings))
    assert_secret_absent(repr(_settings.parse_project_key(PROJECT_KEY)))


def test_task_and_session_reprs_hold_no_token(taskbadger_server: APIServer) -> None:
    token = _settings.get_settings().token
    with taskbadger.Session() as session:
        task = Task.create("repr")

    assert token not in repr(task) + repr(session) + repr(task.to_dict())
