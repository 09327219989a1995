"""Injected faults: latency, error statuses, 429 with Retry-After, dropped connections.

Each fault kind is observed with a plain HTTP client, then through the SDK.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_helpers import TASKS_PATH, errors, task_path

import taskbadger
from taskbadger import _settings
from taskbadger.testing import APIServer, Fault

# Long enough that a loopback request without a fault never hits it, short
# enough that a test waiting for the timeout stays quick.
SHORT_TIMEOUT = 0.3
# Longer than SHORT_TIMEOUT by far; stopping the server cuts the wait short.
LONG_LATENCY = 30.0


# Over plain HTTP.


def test_status_fault_answers_with_the_error_envelope(
    client: httpx.Client, server: APIServer
) -> None:
    server.inject_fault(status=500)

    response = client.get(TASKS_PATH)

    assert response.status_code == 500
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {"code": "error", "detail": "A server error occurred.", "attr": None}
        ],
    }


def test_status_fault_skips_the_handling(
    client: httpx.Client, server: APIServer
) -> None:
    server.inject_fault(status=503)

    client.post(TASKS_PATH, json={"name": "job"})

    assert server.tasks == []


def test_fault_is_used_once_by_default(client: httpx.Client, server: APIServer) -> None:
    fault = server.inject_fault(status=502)

    statuses = [client.get(TASKS_PATH).status_code for _ in range(2)]

    assert statuses == [502, 200]
    assert fault.used == 1


def test_fault_times_counts_requests(client: httpx.Client, server: APIServer) -> None:
    fault = server.inject_fault(status=503, times=2)

    statuses = [client.get(TASKS_PATH).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert fault.used == 2


def test_fault_times_none_hits_every_request(
    client: httpx.Client, server: APIServer
) -> None:
    fault = server.inject_fault(status=504, times=None)

    statuses = [client.get(TASKS_PATH).status_code for _ in range(3)]

    assert statuses == [504, 504, 504]
    assert fault.used == 3


def test_rate_limit_fault_sends_retry_after_seconds(
    client: httpx.Client, server: APIServer
) -> None:
    server.inject_fault(status=429, retry_after=7)

    response = client.get(TASKS_PATH)

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert errors(response) == [("throttled", None)]
    assert response.json()["type"] == "client_error"


def test_retry_after_can_be_an_http_date(
    client: httpx.Client, server: APIServer
) -> None:
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    server.inject_fault(status=503, retry_after=date)

    response = client.get(TASKS_PATH)

    assert response.headers["retry-after"] == date


def test_path_fault_only_hits_matching_paths(
    client: httpx.Client, server: APIServer, create: Any
) -> None:
    task = create()
    fault = server.inject_fault(status=500, path=r"/tasks/\w+/$", times=None)

    assert client.get(TASKS_PATH).status_code == 200
    assert client.get(task_path(task["id"])).status_code == 500
    assert fault.used == 1


def test_method_fault_only_hits_that_method(
    client: httpx.Client, server: APIServer, create: Any
) -> None:
    task = create()
    server.inject_fault(status=500, method="patch", times=None)

    assert client.get(task_path(task["id"])).status_code == 200
    assert client.patch(task_path(task["id"]), json={}).status_code == 500


def test_first_matching_fault_applies(client: httpx.Client, server: APIServer) -> None:
    first = server.inject_fault(status=502)
    second = server.inject_fault(status=503)

    statuses = [client.get(TASKS_PATH).status_code for _ in range(3)]

    assert statuses == [502, 503, 200]
    assert (first.used, second.used) == (1, 1)


def test_drop_closes_the_connection_without_an_answer(
    client: httpx.Client, server: APIServer
) -> None:
    server.inject_fault(drop=True)

    with pytest.raises(httpx.RemoteProtocolError):
        client.get(TASKS_PATH)

    assert server.requests[-1].status == 0


def test_dropped_create_stores_nothing(client: httpx.Client, server: APIServer) -> None:
    server.inject_fault(drop=True)

    with pytest.raises(httpx.RemoteProtocolError):
        client.post(TASKS_PATH, json={"name": "job"})

    assert server.tasks == []


def test_server_answers_again_after_a_drop(
    client: httpx.Client, server: APIServer
) -> None:
    server.inject_fault(drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(TASKS_PATH)

    assert client.get(TASKS_PATH).status_code == 200


def test_latency_delays_the_answer(client: httpx.Client, server: APIServer) -> None:
    server.inject_fault(latency=LONG_LATENCY)

    with pytest.raises(httpx.ReadTimeout):
        client.get(TASKS_PATH, timeout=SHORT_TIMEOUT)


def test_latency_alone_then_handles_the_request(
    client: httpx.Client, server: APIServer
) -> None:
    fault = server.inject_fault(latency=0.01)

    response = client.post(TASKS_PATH, json={"name": "job"})

    assert (response.status_code, fault.used) == (201, 1)


def test_clear_faults_removes_them(client: httpx.Client, server: APIServer) -> None:
    server.inject_fault(status=500, times=None)

    server.clear_faults()

    assert client.get(TASKS_PATH).status_code == 200


def test_reset_removes_faults(client: httpx.Client, server: APIServer) -> None:
    server.inject_fault(status=500, times=None)

    server.reset()

    assert client.get(TASKS_PATH).status_code == 200


def test_fault_applies_before_authentication(server: APIServer) -> None:
    server.inject_fault(status=503)

    response = httpx.get(f"{server.url}{TASKS_PATH}")

    assert response.status_code == 503


@pytest.mark.parametrize(
    "arguments",
    [{"status": 99}, {"status": 600}, {"times": 0}, {"latency": -1}],
)
def test_impossible_fault_is_refused(
    server: APIServer, arguments: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        server.inject_fault(**arguments)


def test_fault_is_exported() -> None:
    with APIServer() as server:
        assert isinstance(server.inject_fault(status=500), Fault)


# Through the SDK.


@pytest.fixture
def sdk(server: APIServer) -> Iterator[APIServer]:
    """The SDK configured against ``server`` with short timeouts and retries."""
    taskbadger.init(
        token=server.project_key, host=server.url, timeout=SHORT_TIMEOUT, retry_budget=5
    )
    yield server
    _settings.reset_settings()


def test_sdk_retries_an_update_after_503(sdk: APIServer) -> None:
    task = taskbadger.Task.create("job")
    fault = sdk.inject_fault(status=503, method="PATCH")

    task.success()

    assert fault.used == 1
    assert sdk.task(task.id)["status"] == "success"


def test_sdk_does_not_retry_a_create_after_502(sdk: APIServer) -> None:
    sdk.inject_fault(status=502, method="POST")

    with pytest.raises(taskbadger.ServerError):
        taskbadger.Task.create("job")

    assert (sdk.tasks, sdk.request_count) == ([], 1)


def test_sdk_retries_a_create_after_429(sdk: APIServer) -> None:
    fault = sdk.inject_fault(status=429, retry_after=0, method="POST")

    taskbadger.Task.create("job")

    assert fault.used == 1
    assert [r.status for r in sdk.requests] == [429, 201]
    assert [t["name"] for t in sdk.tasks] == ["job"]


def test_sdk_reports_persistent_rate_limit(server: APIServer) -> None:
    taskbadger.init(token=server.project_key, host=server.url, retry_budget=0)
    server.inject_fault(status=429, retry_after=60, times=None)

    try:
        with pytest.raises(taskbadger.RateLimitedError) as caught:
            taskbadger.Task.create("job")
    finally:
        _settings.reset_settings()

    assert caught.value.retry_after == 60


def test_sdk_retries_an_update_after_a_dropped_connection(sdk: APIServer) -> None:
    task = taskbadger.Task.create("job")
    fault = sdk.inject_fault(drop=True, method="PATCH")

    task.success()

    assert fault.used == 1
    assert sdk.task(task.id)["status"] == "success"


def test_sdk_does_not_repeat_a_dropped_create(sdk: APIServer) -> None:
    sdk.inject_fault(drop=True, method="POST")

    with pytest.raises(taskbadger.TaskbadgerConnectionError):
        taskbadger.Task.create("job")

    assert sdk.request_count == 1


def test_sdk_times_out_on_a_slow_answer(server: APIServer) -> None:
    taskbadger.init(
        token=server.project_key, host=server.url, timeout=SHORT_TIMEOUT, retry_budget=0
    )
    server.inject_fault(latency=LONG_LATENCY, method="GET")

    try:
        with pytest.raises(taskbadger.TaskbadgerTimeoutError):
            taskbadger.Task.get("anything")
    finally:
        _settings.reset_settings()
