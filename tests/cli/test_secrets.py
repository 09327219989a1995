"""The API key never appears in any output, whatever the command and outcome."""

from __future__ import annotations

import pytest
from cli_runner import RunCLI

import taskbadger
from taskbadger.testing import APIServer

SECRET = "local-secret-token"  # the secret part of the server's project key

COMMANDS = {
    "info": ["info"],
    "create": ["create", "job", "--format", "json"],
    "update": ["update", "{id}", "--value", "5", "--format", "json"],
    "get": ["get", "{id}", "--format", "json"],
    "list": ["list", "--format", "csv"],
    "watch": ["watch", "{id}"],
    "cancel": ["cancel", "{id}"],
    "unknown task": ["get", "nosuchtask"],
    "bad input": ["create", "job", "--data", "oops"],
    "usage error": ["update", "{id}", "--bogus"],
    "help": ["--help"],
}


@pytest.mark.parametrize("args", COMMANDS.values(), ids=list(COMMANDS))
def test_the_key_is_absent_from_all_output(
    args: list[str], taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    task = taskbadger.create_task("watched", status="success")

    result = taskbadger_cli(*(arg.format(id=task.id) for arg in args))

    everything = result.stdout + result.stderr
    assert taskbadger_server.project_key not in everything
    assert SECRET not in everything


def test_a_refused_key_is_not_repeated_in_the_error(
    taskbadger_server: APIServer,
    taskbadger_cli: RunCLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKBADGER_API_KEY", "refused-legacy-key-4321")

    result = taskbadger_cli("list")

    assert result.returncode == 1
    assert "refused-legacy-key" not in result.stdout + result.stderr


def test_configure_never_prints_the_key(
    clean_env: None, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli(
        "configure", "--token-stdin", input="c29tZS9wcm9qZWN0L3Rva2Vu"
    )

    assert result.returncode == 0
    assert "c29tZS9wcm9qZWN0L3Rva2Vu" not in result.stdout + result.stderr
