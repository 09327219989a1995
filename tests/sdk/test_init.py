"""``taskbadger.init``: where settings come from and what is refused."""

from __future__ import annotations

import base64
from typing import Any

import pytest

import taskbadger
from taskbadger import _settings
from taskbadger.testing import APIServer


def hook_adding_team(task: dict[str, Any]) -> dict[str, Any]:
    """A before_create hook, imported by its dotted path in a test."""
    task.setdefault("tags", {})["team"] = "data"
    return task


def project_key(org: str, project: str, secret: str) -> str:
    return base64.b64encode(f"{org}/{project}/{secret}".encode()).decode()


@pytest.mark.usefixtures("clean_env")
def test_project_key_gives_organization_project_and_secret() -> None:
    taskbadger.init(token=project_key("acme", "backups", "s3cret"))

    settings = _settings.get_settings()
    assert (settings.organization_slug, settings.project_slug) == ("acme", "backups")
    assert settings.token == "s3cret"


@pytest.mark.usefixtures("clean_env")
def test_legacy_key_is_sent_as_given_with_explicit_slugs() -> None:
    taskbadger.init(
        token="legacy-key", organization_slug="my-org", project_slug="my-project"
    )

    settings = _settings.get_settings()
    assert settings.token == "legacy-key"
    assert settings.tasks_path == "/api/my-org/my-project/tasks/"


@pytest.mark.usefixtures("clean_env")
def test_legacy_key_without_slugs_is_a_configuration_error() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match="organization_slug"):
        taskbadger.init(token="legacy-key")


@pytest.mark.usefixtures("clean_env")
def test_missing_token_is_a_configuration_error_naming_the_variable() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match="TASKBADGER_API_KEY"):
        taskbadger.init()


@pytest.mark.usefixtures("clean_env")
def test_environment_fills_what_is_not_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKBADGER_API_KEY", "legacy-key")
    monkeypatch.setenv("TASKBADGER_ORG", "env-org")
    monkeypatch.setenv("TASKBADGER_PROJECT", "env-project")
    monkeypatch.setenv("TASKBADGER_HOST", "http://127.0.0.1:9/")

    taskbadger.init(project_slug="given-project")

    settings = _settings.get_settings()
    assert settings.organization_slug == "env-org"
    assert settings.project_slug == "given-project"
    assert settings.host == "http://127.0.0.1:9"


@pytest.mark.usefixtures("clean_env")
def test_token_is_stripped_of_surrounding_whitespace() -> None:
    taskbadger.init(token=project_key("acme", "backups", "s3cret") + "\n")

    assert _settings.get_settings().token == "s3cret"


@pytest.mark.usefixtures("clean_env")
def test_token_with_inner_whitespace_is_refused() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match="spaces"):
        taskbadger.init(token="abc def", organization_slug="o", project_slug="p")


@pytest.mark.usefixtures("clean_env")
def test_token_with_non_ascii_characters_is_refused_without_quoting_it() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match="non-ASCII") as caught:
        taskbadger.init(
            token="sécret-TOKEN-123", organization_slug="o", project_slug="p"
        )

    assert "TOKEN-123" not in str(caught.value)


@pytest.mark.usefixtures("clean_env")
def test_a_malformed_host_fails_as_a_connection_error() -> None:
    taskbadger.init(token=project_key("a", "b", "c"), host="http://[::1")

    with pytest.raises(taskbadger.TaskbadgerConnectionError, match="not a usable URL"):
        taskbadger.Task.create("never-sent")


@pytest.mark.usefixtures("clean_env")
def test_host_that_is_not_a_url_is_refused() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match="https://"):
        taskbadger.init(token=project_key("a", "b", "c"), host="taskbadger.net")


@pytest.mark.usefixtures("clean_env")
def test_negative_timeout_is_refused() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match="timeout"):
        taskbadger.init(token=project_key("a", "b", "c"), timeout=-1)


@pytest.mark.usefixtures("clean_env")
def test_failed_init_keeps_the_sdk_unconfigured() -> None:
    with pytest.raises(taskbadger.ConfigurationError):
        taskbadger.init(token="legacy-key")

    assert not taskbadger.is_configured()


def test_using_the_sdk_unconfigured_raises_configuration_error() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match=r"taskbadger\.init"):
        taskbadger.Task.create("unconfigured")


def test_global_tags_are_merged_with_explicit_tags_winning(
    taskbadger_server: APIServer,
) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        tags={"environment": "production", "tenant": "global"},
    )

    task = taskbadger.Task.create("tagged", tags={"tenant": "acme"})

    assert task.tags == {"environment": "production", "tenant": "acme"}


def test_before_create_callable_edits_the_task(taskbadger_server: APIServer) -> None:
    def before_create(task: dict[str, Any]) -> dict[str, Any]:
        task.setdefault("data", {})["custom"] = "data"
        return task

    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        before_create=before_create,
    )

    taskbadger.Task.create("hooked", data={"own": 1})

    assert taskbadger_server.last_task("hooked")["data"] == {"own": 1, "custom": "data"}


def test_before_create_dotted_path_is_imported(taskbadger_server: APIServer) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        before_create=f"{__name__}.hook_adding_team",
    )

    taskbadger.Task.create("hooked")

    assert taskbadger_server.last_task("hooked")["tags"] == {"team": "data"}


@pytest.mark.usefixtures("clean_env")
def test_before_create_path_that_does_not_import_is_refused() -> None:
    with pytest.raises(taskbadger.ConfigurationError, match="no_such_hook"):
        taskbadger.init(
            token=project_key("a", "b", "c"), before_create="tests.no_such_hook"
        )


def test_before_create_returning_nothing_is_an_error(
    taskbadger_server: APIServer,
) -> None:
    taskbadger.init(
        token=taskbadger_server.project_key,
        host=taskbadger_server.url,
        before_create=lambda task: None,
    )

    with pytest.raises(taskbadger.ConfigurationError, match="before_create"):
        taskbadger.Task.create("hooked")
    assert taskbadger_server.tasks == []


@pytest.mark.usefixtures("clean_env")
def test_systems_are_installed_by_init() -> None:
    installed = []

    class System:
        identifier = "fake"

        def install(self) -> None:
            installed.append(self.identifier)

    taskbadger.init(token=project_key("a", "b", "c"), systems=[System()])

    assert installed == ["fake"]
