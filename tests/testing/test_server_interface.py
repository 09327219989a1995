"""The APIServer handle: addresses, credentials, inspection, reset and lifecycle."""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import TASKS_PATH, TOKEN, task_path

from taskbadger.testing import APIServer, RecordedRequest


def test_url_is_loopback_with_the_bound_port(server: APIServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.port > 0


def test_url_needs_a_started_server() -> None:
    with pytest.raises(RuntimeError):
        _ = APIServer().url


def test_project_key_decodes_to_org_project_and_token() -> None:
    server = APIServer(organization="o", project="p", token="t")

    assert base64.b64decode(server.project_key) == b"o/p/t"


def test_environ_points_at_the_server(server: APIServer) -> None:
    assert server.environ() == {
        "TASKBADGER_HOST": server.url,
        "TASKBADGER_API_KEY": server.project_key,
        "TASKBADGER_ORG": "acme",
        "TASKBADGER_PROJECT": "backups",
    }


def test_tasks_are_in_creation_order(server: APIServer, create: Any) -> None:
    ids = [create(name=name)["id"] for name in ("a", "b")]

    assert [task["id"] for task in server.tasks] == ids


def test_tasks_are_copies(server: APIServer, create: Any) -> None:
    task_id = create()["id"]

    server.tasks[0]["name"] = "changed"
    server.task(task_id)["name"] = "changed"

    assert server.task(task_id)["name"] == "job"


def test_task_is_the_api_representation(
    server: APIServer, client: httpx.Client, create: Any
) -> None:
    task = create()

    assert server.task(task["id"]) == client.get(task_path(task["id"])).json()


def test_unknown_task_is_a_key_error(server: APIServer) -> None:
    with pytest.raises(KeyError):
        server.task("unknown")


def test_last_task_is_the_newest(server: APIServer, create: Any) -> None:
    create(name="a"), create(name="b")

    assert server.last_task()["name"] == "b"  # type: ignore[index]


def test_last_task_by_name(server: APIServer, create: Any) -> None:
    wanted = create(name="a")
    create(name="b")

    assert server.last_task("a") == wanted


def test_last_task_without_tasks_is_none(server: APIServer) -> None:
    assert (server.last_task(), server.last_task("a")) == (None, None)


def test_requests_are_recorded(server: APIServer, client: httpx.Client) -> None:
    client.post(TASKS_PATH, params={"x": "1"}, json={"name": "job"})

    [recorded] = server.requests
    assert isinstance(recorded, RecordedRequest)
    assert (recorded.method, recorded.path, recorded.query) == (
        "POST",
        TASKS_PATH,
        {"x": "1"},
    )
    assert (recorded.body, recorded.status) == ({"name": "job"}, 201)
    assert recorded.headers["authorization"] == f"Bearer {TOKEN}"


def test_request_without_json_body_records_none(
    server: APIServer, client: httpx.Client
) -> None:
    client.get(TASKS_PATH)

    assert server.requests[0].body is None


def test_refused_requests_are_recorded(server: APIServer) -> None:
    httpx.get(f"{server.url}{TASKS_PATH}")

    assert [r.status for r in server.requests] == [401]
    assert server.request_count == 1


def test_recorded_request_is_frozen(server: APIServer, client: httpx.Client) -> None:
    client.get(TASKS_PATH)

    with pytest.raises(AttributeError):
        server.requests[0].status = 500  # type: ignore[misc]


def test_reset_forgets_tasks_and_requests(server: APIServer, create: Any) -> None:
    create()

    server.reset()

    assert (server.tasks, server.requests, server.request_count) == ([], [], 0)


def test_keep_alive_reuses_one_connection(
    server: APIServer, client: httpx.Client
) -> None:
    ports = set()
    for _ in range(3):
        with client.stream("GET", TASKS_PATH) as response:
            ports.add(response.extensions["network_stream"].get_extra_info("sockname"))

    assert len(ports) == 1


def test_stop_closes_idle_keep_alive_connections() -> None:
    server = APIServer().start()
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        client.get(f"{server.url}{TASKS_PATH}")
        server.stop()

        with pytest.raises(httpx.TransportError):
            client.get(f"{server.url}{TASKS_PATH}")


def test_stopped_server_refuses_connections() -> None:
    with APIServer() as server:
        url = f"{server.url}{TASKS_PATH}"

    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_server_starts_once() -> None:
    server = APIServer().start()
    server.stop()

    with pytest.raises(RuntimeError):
        server.start()


def test_given_port_is_used() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with APIServer(port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}"


def test_concurrent_creates_are_all_stored(server: APIServer) -> None:
    def create_many() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            for _ in range(10):
                client.post(f"{server.url}{TASKS_PATH}", json={"name": "job"})

    threads = [threading.Thread(target=create_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({task["id"] for task in server.tasks}) == 40


def test_data_file_keeps_tasks_across_servers(tmp_path: Path) -> None:
    data_file = tmp_path / "tasks.sqlite3"
    with APIServer(data_file=data_file) as first:
        task_id = httpx.post(
            f"{first.url}{TASKS_PATH}",
            json={"name": "kept"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()["id"]

    with APIServer(data_file=data_file) as second:
        stored = second.task(task_id)

    assert stored["name"] == "kept"
    assert stored["url"] == f"{second.url}/a/acme/tasks/{task_id}/"


def test_data_file_keeps_updates(tmp_path: Path) -> None:
    data_file = tmp_path / "tasks.sqlite3"
    with APIServer(data_file=data_file) as first:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        url = f"{first.url}{TASKS_PATH}"
        task_id = httpx.post(url, json={"name": "a"}, headers=headers).json()["id"]
        httpx.patch(f"{url}{task_id}/", json={"status": "success"}, headers=headers)

    with APIServer(data_file=data_file) as second:
        assert second.task(task_id)["status"] == "success"


def test_data_file_is_per_project(tmp_path: Path) -> None:
    data_file = tmp_path / "tasks.sqlite3"
    with APIServer(data_file=data_file) as first:
        httpx.post(
            f"{first.url}{TASKS_PATH}",
            json={"name": "a"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )

    with APIServer(data_file=data_file, project="other") as second:
        assert second.tasks == []


def test_reset_empties_the_data_file(tmp_path: Path) -> None:
    data_file = tmp_path / "tasks.sqlite3"
    with APIServer(data_file=data_file) as first:
        httpx.post(
            f"{first.url}{TASKS_PATH}",
            json={"name": "a"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        first.reset()

    with APIServer(data_file=data_file) as second:
        assert second.tasks == []


def test_import_loads_no_cli_or_http_client_libraries() -> None:
    code = (
        "import sys, taskbadger; before = set(sys.modules); "
        "import taskbadger.testing, taskbadger.testing.pytest_plugin; "
        "from taskbadger.testing import APIServer; "
        "new = set(sys.modules) - before; "
        "print(sorted(m for m in new if m.split('.')[0] in "
        "{'typer', 'rich', 'click', 'httpx'}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout == "[]\n"


def test_importing_the_package_does_not_load_the_server() -> None:
    code = (
        "import sys, taskbadger.testing.pytest_plugin; "
        "print('taskbadger.testing._server' in sys.modules)"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout == "False\n"
