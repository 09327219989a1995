"""The task endpoints over real HTTP: create, get, update, cancel and their rules."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from server_helpers import TASKS_PATH, errors, task_path

from taskbadger.testing import APIServer

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def test_create_answers_201_with_the_task(client: httpx.Client) -> None:
    response = client.post(TASKS_PATH, json={"name": "nightly-backup"})

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    assert response.json()["name"] == "nightly-backup"


def test_create_fills_defaults(create: Any, server: APIServer) -> None:
    task = create(name="nightly-backup")

    assert re.fullmatch(r"[A-Za-z0-9]{26}", task["id"])
    assert {k: task[k] for k in DEFAULTS} == DEFAULTS
    assert task["created"] == task["updated"]
    assert TIMESTAMP.fullmatch(task["created"])
    assert task["url"] == f"{server.url}/a/acme/tasks/{task['id']}/"
    assert task["public_url"] == f"{server.url}/public/tasks/{task['id']}/"


DEFAULTS: dict[str, Any] = {
    "organization": "acme",
    "project": "backups",
    "queue": "",
    "external_id": "",
    "status": "pending",
    "value": None,
    "value_max": 100,
    "value_percent": None,
    "data": {},
    "start_time": None,
    "end_time": None,
    "time_to_start": None,
    "max_runtime": None,
    "stale_timeout": None,
    "tags": {},
    "parent": None,
}


def test_create_stores_every_writable_field(create: Any) -> None:
    fields = {
        "name": "import",
        "status": "processing",
        "value": 5,
        "value_max": 20,
        "data": {"rows": [1, 2]},
        "max_runtime": 60,
        "stale_timeout": 30,
        "tags": {"env": "prod"},
        "queue": "default",
        "external_id": "celery-1",
    }

    task = create(**fields)

    assert {k: task[k] for k in fields} == fields


def test_get_returns_the_stored_task(client: httpx.Client, create: Any) -> None:
    task = create()

    response = client.get(task_path(task["id"]))

    assert response.status_code == 200
    assert response.json() == task


def test_get_unknown_task_is_404(client: httpx.Client) -> None:
    response = client.get(task_path("unknown"))

    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


def test_patch_changes_only_given_fields(client: httpx.Client, create: Any) -> None:
    task = create(value=1, data={"a": 1})

    response = client.patch(task_path(task["id"]), json={"value": 2})

    assert response.status_code == 200
    assert (response.json()["value"], response.json()["data"]) == (2, {"a": 1})


def test_patch_moves_updated_forward(client: httpx.Client, create: Any) -> None:
    task = create()

    updated = client.patch(task_path(task["id"]), json={"value": 2}).json()

    assert updated["updated"] > task["updated"]
    assert updated["created"] == task["created"]


def test_put_requires_name(client: httpx.Client, create: Any) -> None:
    task = create()

    response = client.put(task_path(task["id"]), json={"status": "success"})

    assert response.status_code == 400
    assert errors(response) == [("required", "name")]


def test_put_updates_the_task(client: httpx.Client, create: Any) -> None:
    task = create()

    response = client.put(
        task_path(task["id"]), json={"name": "renamed", "status": "success"}
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["status"]) == (
        "renamed",
        "success",
    )


def test_delete_cancels_the_task(
    client: httpx.Client, create: Any, server: APIServer
) -> None:
    task = create()

    response = client.delete(task_path(task["id"]))

    assert (response.status_code, response.content) == (204, b"")
    assert server.task(task["id"])["status"] == "cancelled"


def test_read_only_and_unknown_fields_are_ignored(create: Any) -> None:
    task = create(id="chosen", value_percent=99, organization="other", colour="red")

    assert (task["id"], task["value_percent"], task["organization"]) != (
        "chosen",
        99,
        "other",
    )
    assert "colour" not in task


def test_actions_are_stored_but_not_returned(create: Any, server: APIServer) -> None:
    action = {"trigger": "success", "integration": "email", "config": {"to": "a@b"}}

    task = create(actions=[action])

    assert "actions" not in task
    assert server.task(task["id"])["actions"] == [action]


def test_monitor_header_is_stored_but_not_returned(
    client: httpx.Client, server: APIServer
) -> None:
    response = client.post(
        TASKS_PATH, json={"name": "job"}, headers={"X-TASKBADGER-MONITOR": "m-1"}
    )

    assert "monitor_id" not in response.json()
    assert server.task(response.json()["id"])["monitor_id"] == "m-1"


# Computed fields.


@pytest.mark.parametrize(
    ("value", "value_max", "percent"),
    [(None, 100, None), (0, 100, 0), (33, 200, 16), (250, 100, 100), (5, 0, 100)],
)
def test_value_percent_is_computed(
    create: Any, value: int | None, value_max: int, percent: int | None
) -> None:
    task = create(value=value, value_max=value_max)

    assert task["value_percent"] == percent


def test_value_percent_follows_updates(client: httpx.Client, create: Any) -> None:
    task = create(value=10)

    response = client.patch(task_path(task["id"]), json={"value_max": 20})

    assert response.json()["value_percent"] == 50


# Start and end times.


def test_pending_task_has_no_start_or_end(create: Any) -> None:
    task = create()

    assert (task["start_time"], task["end_time"]) == (None, None)


@pytest.mark.parametrize("status", ["pre_processing", "processing", "post_processing"])
def test_running_status_sets_start_time(
    client: httpx.Client, create: Any, status: str
) -> None:
    task = create()

    updated = client.patch(task_path(task["id"]), json={"status": status}).json()

    assert updated["start_time"] == updated["updated"]
    assert updated["end_time"] is None


def test_start_time_is_kept_when_running_again(
    client: httpx.Client, create: Any
) -> None:
    task = create(status="processing")

    updated = client.patch(
        task_path(task["id"]), json={"status": "post_processing"}
    ).json()

    assert updated["start_time"] == task["start_time"]


@pytest.mark.parametrize("status", ["success", "error", "cancelled", "stale"])
def test_terminal_status_sets_end_time(
    client: httpx.Client, create: Any, status: str
) -> None:
    task = create(status="processing")

    updated = client.patch(task_path(task["id"]), json={"status": status}).json()

    assert updated["end_time"] == updated["updated"]
    assert updated["start_time"] == task["start_time"]


def test_finishing_without_starting_sets_both_times(create: Any) -> None:
    task = create(status="success")

    assert task["start_time"] == task["end_time"] == task["created"]


def test_given_start_time_wins(create: Any) -> None:
    task = create(status="processing", start_time="2026-01-02T03:04:05+01:00")

    assert task["start_time"] == "2026-01-02T02:04:05.000000Z"


def test_early_years_keep_four_digits(create: Any) -> None:
    task = create(end_time="0286-06-01T14:32:24+11:42")

    assert task["end_time"] == "0286-06-01T02:50:24.000000Z"


def test_time_to_start_is_the_wait_before_starting(
    client: httpx.Client, create: Any
) -> None:
    task = create()
    created = datetime.fromisoformat(task["created"])
    start = (created + timedelta(days=1, seconds=90.5)).isoformat()

    updated = client.patch(
        task_path(task["id"]), json={"status": "processing", "start_time": start}
    ).json()

    assert updated["time_to_start"] == "1 00:01:30.500000"


def test_cancel_sets_end_time(
    client: httpx.Client, create: Any, server: APIServer
) -> None:
    task = create()

    client.delete(task_path(task["id"]))

    stored = server.task(task["id"])
    assert stored["end_time"] == stored["updated"]


# Parent tasks.


def test_child_names_its_parent(create: Any) -> None:
    parent = create(name="parent")

    child = create(name="child", parent=parent["id"])

    assert child["parent"] == parent["id"]


def test_unknown_parent_is_rejected(client: httpx.Client) -> None:
    response = client.post(TASKS_PATH, json={"name": "child", "parent": "nope"})

    assert response.status_code == 400
    assert errors(response) == [("does_not_exist", "parent")]


def test_grandchild_is_rejected(client: httpx.Client, create: Any) -> None:
    child = create(parent=create()["id"])

    response = client.post(TASKS_PATH, json={"name": "g", "parent": child["id"]})

    assert response.status_code == 400
    assert errors(response) == [("invalid", "parent")]


def test_task_with_children_cannot_get_a_parent(
    client: httpx.Client, create: Any
) -> None:
    parent, other = create(), create()
    create(parent=parent["id"])

    response = client.patch(task_path(parent["id"]), json={"parent": other["id"]})

    assert errors(response) == [("invalid", "parent")]


def test_parent_cannot_change(client: httpx.Client, create: Any) -> None:
    child = create(parent=create()["id"])

    response = client.patch(task_path(child["id"]), json={"parent": create()["id"]})

    assert response.status_code == 400
    assert errors(response) == [("invalid", "parent")]


def test_same_parent_can_be_sent_again(client: httpx.Client, create: Any) -> None:
    child = create(parent=create()["id"])

    response = client.patch(task_path(child["id"]), json={"parent": child["parent"]})

    assert response.status_code == 200


def test_parent_can_be_set_later(client: httpx.Client, create: Any) -> None:
    parent, child = create(), create()

    response = client.patch(task_path(child["id"]), json={"parent": parent["id"]})

    assert response.json()["parent"] == parent["id"]
