"""Request checks: credentials, paths, methods, content types and field rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from server_helpers import TASKS_PATH, errors, task_path

from taskbadger.testing import APIServer


def test_missing_token_is_401(server: APIServer) -> None:
    response = httpx.get(f"{server.url}{TASKS_PATH}")

    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "not_authenticated",
                "detail": "Authentication credentials were not provided.",
                "attr": None,
            }
        ],
    }


def test_wrong_token_is_401(server: APIServer) -> None:
    response = httpx.get(
        f"{server.url}{TASKS_PATH}", headers={"Authorization": "Bearer wrong"}
    )

    assert response.status_code == 401
    assert errors(response) == [("authentication_failed", None)]


def test_full_project_key_is_not_a_token(server: APIServer) -> None:
    headers = {"Authorization": f"Bearer {server.project_key}"}

    response = httpx.get(f"{server.url}{TASKS_PATH}", headers=headers)

    assert response.status_code == 401


def test_other_token_is_accepted_when_configured() -> None:
    with APIServer(token="s3cret") as server:
        headers = {"Authorization": "Bearer s3cret"}
        response = httpx.get(f"{server.url}{TASKS_PATH}", headers=headers)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/other/backups/tasks/",
        "/api/acme/other/tasks/",
        "/api/other/backups/tasks/abc/",
    ],
)
def test_other_organization_or_project_is_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/", "/api/acme/backups/tasks", "/api/acme/x/"])
def test_unknown_path_is_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert errors(response) == [("not_found", None)]


def test_wrong_method_on_list_is_405(client: httpx.Client) -> None:
    response = client.delete(TASKS_PATH)

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert errors(response) == [("method_not_allowed", None)]


def test_wrong_method_on_task_is_405(client: httpx.Client, create: Any) -> None:
    response = client.post(task_path(create()["id"]), json={})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT, PATCH, DELETE"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_body_must_be_json(client: httpx.Client, create: Any, method: str) -> None:
    path = TASKS_PATH if method == "POST" else task_path(create()["id"])

    response = client.request(
        method, path, content=b"name=x", headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 415
    assert errors(response) == [("unsupported_media_type", None)]


def test_malformed_json_is_400(client: httpx.Client) -> None:
    response = client.post(
        TASKS_PATH, content=b'{"name": ', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json()["type"] == "client_error"
    assert errors(response) == [("parse_error", None)]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client: httpx.Client, constant: str) -> None:
    body = f'{{"name": "x", "data": {{"ratio": {constant}}}}}'.encode()

    response = client.post(
        TASKS_PATH, content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert errors(response) == [("parse_error", None)]


def test_body_must_be_an_object(client: httpx.Client) -> None:
    response = client.post(TASKS_PATH, json=["name"])

    assert response.status_code == 400
    assert errors(response) == [("invalid", "non_field_errors")]


def test_empty_patch_without_content_type_is_a_no_op(
    client: httpx.Client, create: Any
) -> None:
    task = create()

    response = client.patch(task_path(task["id"]))

    assert (response.status_code, response.json()["name"]) == (200, task["name"])


def test_validation_reports_each_bad_field(client: httpx.Client) -> None:
    response = client.post(TASKS_PATH, json={"status": "done", "value": -1})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors(response) == [
        ("required", "name"),
        ("invalid_choice", "status"),
        ("min_value", "value"),
    ]


def test_validation_error_detail_is_readable(client: httpx.Client) -> None:
    response = client.post(TASKS_PATH, json={"name": "x" * 256})

    assert response.json()["errors"] == [
        {
            "code": "max_length",
            "detail": "Ensure this field has no more than 255 characters.",
            "attr": "name",
        }
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": ""}, ("blank", "name")),
        ({"name": None}, ("null", "name")),
        ({"name": 5}, ("invalid", "name")),
        ({"status": None}, ("null", "status")),
        ({"value": True}, ("invalid", "value")),
        ({"value": 1.5}, ("invalid", "value")),
        ({"value": "5"}, ("invalid", "value")),
        ({"value": 2**63}, ("max_value", "value")),
        ({"value_max": None}, ("null", "value_max")),
        ({"value_max": -1}, ("min_value", "value_max")),
        ({"max_runtime": 0}, ("min_value", "max_runtime")),
        ({"stale_timeout": 2**31}, ("max_value", "stale_timeout")),
        ({"start_time": "yesterday"}, ("invalid", "start_time")),
        ({"end_time": "2026-13-01T00:00:00Z"}, ("invalid", "end_time")),
        ({"end_time": "0001-01-01T00:00:00+01:00"}, ("invalid", "end_time")),
        ({"tags": ["a"]}, ("not_a_dict", "tags")),
        ({"tags": {"env": "p"}}, ("min_length", "tags.env")),
        ({"tags": {"env": "x" * 256}}, ("max_length", "tags.env")),
        ({"tags": {"env": 12}}, ("invalid", "tags.env")),
        ({"queue": "q" * 256}, ("max_length", "queue")),
        ({"external_id": None}, ("null", "external_id")),
        ({"actions": {}}, ("not_a_list", "actions")),
        ({"actions": [{"trigger": "success"}]}, ("required", "actions.0.integration")),
        (
            {"actions": [{"trigger": "x", "integration": "i" * 51}]},
            ("max_length", "actions.0.integration"),
        ),
    ],
)
def test_invalid_field_is_400_naming_it(
    client: httpx.Client, fields: dict[str, Any], expected: tuple[str, str]
) -> None:
    response = client.post(TASKS_PATH, json={"name": "job", **fields})

    assert response.status_code == 400
    assert errors(response) == [expected]


@pytest.mark.parametrize(
    "fields",
    [
        {"value": None},
        {"value": 0},
        {"value_max": 0},
        {"max_runtime": None},
        {"max_runtime": 2**31 - 1},
        {"data": None},
        {"data": [1, "two"]},
        {"tags": {"env": "pr"}},
        {"queue": ""},
        {"name": "n" * 255},
    ],
)
def test_valid_edge_values_are_accepted(
    client: httpx.Client, fields: dict[str, Any]
) -> None:
    response = client.post(TASKS_PATH, json={"name": "job", **fields})

    assert response.status_code == 201
    assert {k: response.json()[k] for k in fields} == fields


def test_invalid_update_changes_nothing(
    client: httpx.Client, create: Any, server: APIServer
) -> None:
    task = create(value=1)

    client.patch(task_path(task["id"]), json={"value": 2, "status": "bad"})

    assert server.task(task["id"])["value"] == 1
