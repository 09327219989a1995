"""Bad input ends with status 2 and one line, before any request is sent."""

from __future__ import annotations

import pytest
from cli_runner import RunCLI

from taskbadger.testing import APIServer

BAD_INPUT = {
    "unknown status": (
        ["create", "x", "--status", "done"],
        "Invalid value for '--status' / '-s': 'done' is not one of 'pending', "
        "'pre_processing', 'processing', 'post_processing', 'success', 'error', "
        "'cancelled', 'stale'. See 'taskbadger create --help'.",
    ),
    "data without equals": (
        ["create", "x", "--data", "rows"],
        "--data 'rows' is not key=value. Write it as, for example, "
        "--data environment=production.",
    ),
    "tag without key": (
        ["update", "abc", "--tag", "=prod"],
        "--tag '=prod' is not key=value. Write it as, for example, "
        "--tag environment=production.",
    ),
    "invalid json": (
        ["create", "x", "--data-json", "{rows: 1}"],
        "--data-json is not valid JSON: Expecting property name enclosed in double "
        "quotes at line 1 column 2. Quote it for the shell, e.g. "
        "--data-json '{\"rows\": 10}'.",
    ),
    "json that is not an object": (
        ["update", "abc", "--data-json", "[1, 2]"],
        "--data-json must be a JSON object, e.g. --data-json '{\"rows\": 10}'.",
    ),
    "negative value": (
        ["create", "x", "--value", "-1"],
        "Invalid value for '--value': -1 is not in the range x>=0. "
        "See 'taskbadger create --help'.",
    ),
    "negative value max": (
        ["update", "abc", "--value-max", "-5"],
        "Invalid value for '--value-max': -5 is not in the range x>=0. "
        "See 'taskbadger update --help'.",
    ),
    "zero max runtime": (
        ["create", "x", "--max-runtime", "0"],
        "Invalid value for '--max-runtime': 0 is not in the range x>=1. "
        "See 'taskbadger create --help'.",
    ),
    "name too long": (
        ["create", "x" * 256],
        "The task name must be 1 to 255 characters; this one has 256. Give a "
        "shorter NAME.",
    ),
    "tag value too short": (
        ["create", "x", "--tag", "env=x"],
        "--tag env: the value must be 2 to 255 characters, not 'x'.",
    ),
    "empty name": (
        ["create", ""],
        "The task name is empty. Give a NAME of 1 to 255 characters.",
    ),
    "new name too long": (
        ["update", "abc", "--name", "y" * 300],
        "The task name must be 1 to 255 characters; this one has 300. Give a "
        "shorter NAME.",
    ),
    "no task id": (
        ["update", "--status", "success"],
        "No task id given: pass TASK_ID or set TASKBADGER_TASK_ID, e.g. "
        "export TASKBADGER_TASK_ID=$(taskbadger create my-job -q).",
    ),
    "nothing to update": (
        ["update", "abc"],
        "Nothing to update: give a field to change, such as --status or --value. "
        "See 'taskbadger update --help'.",
    ),
    "value and increment": (
        ["update", "abc", "--value", "1", "--increment", "2"],
        "Give --value or --increment, not both.",
    ),
    "replace data without data": (
        ["update", "abc", "--replace-data", "--status", "success"],
        "--replace-data needs the new data: give --data or --data-json too.",
    ),
    "zero limit": (
        ["list", "--limit", "0"],
        "Invalid value for '--limit' / '-n': 0 is not in the range 1<=x<=1000. "
        "See 'taskbadger list --help'.",
    ),
    "unknown format": (
        ["get", "abc", "--format", "xml"],
        "Invalid value for '--format' / '-f': 'xml' is not one of 'text', 'json', "
        "'csv'. See 'taskbadger get --help'.",
    ),
    "too short an interval": (
        ["watch", "abc", "--interval", "0"],
        "Invalid value for '--interval': 0.0 is not in the range x>=0.1. "
        "See 'taskbadger watch --help'.",
    ),
}


@pytest.mark.parametrize(
    ("args", "message"), BAD_INPUT.values(), ids=list(BAD_INPUT.keys())
)
def test_bad_input_exits_2_before_any_request(
    args: list[str],
    message: str,
    taskbadger_server: APIServer,
    taskbadger_cli: RunCLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TASKBADGER_TASK_ID", raising=False)

    result = taskbadger_cli(*args)

    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"taskbadger: error: {message}\n",
    )
    assert taskbadger_server.request_count == 0


def test_no_api_key_exits_2_saying_how_to_configure(
    taskbadger_server: APIServer,
    taskbadger_cli: RunCLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TASKBADGER_API_KEY")

    result = taskbadger_cli("create", "x")

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: No API key is configured. Run 'taskbadger configure' "
        "or set TASKBADGER_API_KEY.\n",
    )
    assert taskbadger_server.request_count == 0


def test_a_legacy_key_without_slugs_exits_2(
    taskbadger_server: APIServer,
    taskbadger_cli: RunCLI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKBADGER_API_KEY", "legacy-key")
    monkeypatch.delenv("TASKBADGER_ORG")

    result = taskbadger_cli("list")

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: The API key is a legacy key, so the organization and "
        "project are needed: pass --org and --project, set TASKBADGER_ORG and "
        "TASKBADGER_PROJECT, or run 'taskbadger configure'.\n",
    )
    assert taskbadger_server.request_count == 0


def test_a_server_error_exits_1_saying_to_try_again(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    fault = taskbadger_server.inject_fault(status=500, times=10)

    result = taskbadger_cli("get", "abc")

    assert fault.used >= 1
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("taskbadger: error: The API failed (GET ")
    assert result.stderr.endswith("Try again later.\n")
