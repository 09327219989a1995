"""Every example of the SDK's documentation, run as written against the local API."""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any

import pytest

import taskbadger
from taskbadger.testing import APIServer


@pytest.fixture
def configured(taskbadger_server: APIServer) -> APIServer:
    """The "Configure" example, with the local server's slugs and key."""
    taskbadger.init(
        organization_slug=taskbadger_server.organization,
        project_slug=taskbadger_server.project,
        token="local-secret-token",
        tags={"environment": "production"},
    )
    return taskbadger_server


def test_configure(configured: APIServer) -> None:
    task = taskbadger.Task.create("configured")

    assert task.tags == {"environment": "production"}


def test_create_with_data_actions_and_tags(configured: APIServer) -> None:
    from taskbadger import Action, EmailIntegration, Task

    with pytest.warns(DeprecationWarning):
        # create a new task with custom data and an action definition
        task = Task.create(
            "task name",
            data={"custom": "data"},
            actions=[
                Action(
                    trigger="*/10%,success,error",
                    integration=EmailIntegration(to="me@example.com"),
                )
            ],
            tags={"tenant": "acme"},
        )

    stored = configured.task(task.id)
    assert stored["data"] == {"custom": "data"}
    assert stored["tags"] == {"environment": "production", "tenant": "acme"}
    assert configured.requests[-1].body["actions"][0]["integration"] == "email"


def test_get_by_id(configured: APIServer) -> None:
    from taskbadger import Task

    task_id = Task.create("existing").id

    task = Task.get(task_id)

    assert task.name == "existing"


def test_add_tag(configured: APIServer) -> None:
    task = taskbadger.Task.create("tagged")

    task.add_tag({"tenant": "acme"})

    assert configured.task(task.id)["tags"]["tenant"] == "acme"


def test_connection_management(configured: APIServer) -> None:
    from taskbadger import Session, Task

    with Session() as session:
        task = Task.create("my task")
        task.update(status="success")

    assert session is not None
    assert configured.last_task("my task")["status"] == "success"


def test_scope(configured: APIServer) -> None:
    with taskbadger.current_scope() as scope:
        scope["hostname"] = socket.gethostname()
        scope.tag({"tenant": "acme"})
        task = taskbadger.Task.create("scoped")

    stored = configured.task(task.id)
    assert stored["data"] == {"hostname": socket.gethostname()}
    assert stored["tags"]["tenant"] == "acme"


def test_django_scope_middleware(configured: APIServer) -> None:
    def taskbadger_scope_middleware(get_response: Any) -> Any:
        def middleware(request: Any) -> Any:
            with taskbadger.current_scope() as scope:
                scope["user"] = request.user.username
                scope.tag({"tenant": request.tenant.slug})
                return get_response(request)

        return middleware

    def view(request: Any) -> taskbadger.Task:
        return taskbadger.Task.create("from a view")

    request = SimpleNamespace(
        user=SimpleNamespace(username="alice"), tenant=SimpleNamespace(slug="acme")
    )
    task = taskbadger_scope_middleware(view)(request)

    stored = configured.task(task.id)
    assert stored["data"] == {"user": "alice"}
    assert stored["tags"]["tenant"] == "acme"


def before_create(task_data: dict[str, Any]) -> dict[str, Any]:
    data = task_data.setdefault("data", {})
    data["custom"] = "data"

    tags = task_data.setdefault("tags", {})
    tags["tenant"] = "acme"

    return task_data


def test_before_create_callback(taskbadger_server: APIServer) -> None:
    taskbadger.init(
        organization_slug=taskbadger_server.organization,
        project_slug=taskbadger_server.project,
        token="local-secret-token",
        before_create=before_create,
    )

    task = taskbadger.Task.create("hooked")

    stored = taskbadger_server.task(task.id)
    assert (stored["data"], stored["tags"]) == ({"custom": "data"}, {"tenant": "acme"})


def test_low_level_functions(configured: APIServer) -> None:
    task = taskbadger.create_task("low level")
    taskbadger.update_task(task.id, status="success")

    assert taskbadger.get_task(task.id).status == "success"


def test_safe_functions_work_unconfigured() -> None:
    assert taskbadger.create_task_safe("no config") is None
    assert taskbadger.update_task_safe("some-id", status="success") is None
