"""Every failure surfaces as one of the SDK's own exceptions, with the details."""

from __future__ import annotations

import pickle
import socket

import pytest

import taskbadger
from taskbadger import Task
from taskbadger.testing import APIServer


def test_validation_error_names_the_field_and_server_detail(
    taskbadger_server: APIServer,
) -> None:
    task = Task.create("invalid")

    with pytest.raises(taskbadger.ValidationError) as caught:
        task.update(value=-1)

    error = caught.value
    assert error.status_code == 400
    assert error.method == "PATCH" and error.path.endswith(f"/{task.id}/")
    assert "value" in error.fields
    assert f"value: {error.fields['value']}" in str(error)


def test_validation_error_on_create_names_every_field(
    taskbadger_server: APIServer,
) -> None:
    with pytest.raises(taskbadger.ValidationError) as caught:
        Task.create("x" * 300, max_runtime=0)

    assert set(caught.value.fields) == {"name", "max_runtime"}


def test_wrong_key_raises_unauthorized_with_server_detail(
    taskbadger_server: APIServer,
) -> None:
    taskbadger.init(
        token="wrong",
        organization_slug="acme",
        project_slug="backups",
        host=taskbadger_server.url,
    )

    with pytest.raises(taskbadger.UnauthorizedError) as caught:
        Task.create("refused")

    assert caught.value.status_code == 401
    assert caught.value.detail == "Invalid token."


def test_unknown_task_raises_not_found(taskbadger_server: APIServer) -> None:
    with pytest.raises(taskbadger.NotFoundError) as caught:
        taskbadger.update_task("nope", value=1)

    assert caught.value.method == "PATCH"


def test_server_error_raises_server_error(taskbadger_server: APIServer) -> None:
    taskbadger_server.inject_fault(status=500)

    with pytest.raises(taskbadger.ServerError) as caught:
        Task.create("failing")

    assert caught.value.detail == "A server error occurred."


def test_other_client_errors_raise_api_error(taskbadger_server: APIServer) -> None:
    taskbadger_server.inject_fault(status=409)

    with pytest.raises(taskbadger.APIError) as caught:
        Task.create("conflict")

    assert type(caught.value) is taskbadger.APIError
    assert caught.value.status_code == 409


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.usefixtures("clean_env")
def test_unreachable_api_raises_connection_error_not_httpx() -> None:
    taskbadger.init(
        token="key",
        organization_slug="o",
        project_slug="p",
        host=f"http://127.0.0.1:{free_port()}",
        retry_budget=0,
    )

    with pytest.raises(taskbadger.TaskbadgerConnectionError) as caught:
        Task.create("unreachable")

    assert "could not connect" in str(caught.value)
    assert caught.value.__cause__ is not None


def test_slow_api_raises_timeout_error(taskbadger_server: APIServer) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        timeout=0.05,
        retry_budget=0,
    )
    taskbadger_server.inject_fault(latency=2, method="GET")

    with pytest.raises(taskbadger.TaskbadgerTimeoutError):
        taskbadger.list_tasks()


def test_every_error_derives_from_one_base() -> None:
    for error in (
        taskbadger.ConfigurationError,
        taskbadger.TaskbadgerConnectionError,
        taskbadger.TaskbadgerTimeoutError,
        taskbadger.APIError,
        taskbadger.ValidationError,
        taskbadger.UnauthorizedError,
        taskbadger.NotFoundError,
        taskbadger.RateLimitedError,
        taskbadger.ServerError,
    ):
        assert issubclass(error, taskbadger.TaskbadgerException)


def test_api_errors_survive_pickling(taskbadger_server: APIServer) -> None:
    task = Task.create("pickled")
    with pytest.raises(taskbadger.ValidationError) as caught:
        task.update(value=-1)

    copy = pickle.loads(pickle.dumps(caught.value))

    assert type(copy) is taskbadger.ValidationError
    assert (str(copy), copy.fields) == (str(caught.value), caught.value.fields)


def test_rate_limited_error_survives_pickling() -> None:
    error = taskbadger.RateLimitedError(429, "GET", "/x/", retry_after=3.0)

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.retry_after, str(copy)) == (3.0, str(error))
