"""`taskbadger update`: only the fields given are sent; data merges by default."""

from __future__ import annotations

import json
import os

import pytest
from cli_runner import RunCLI

import taskbadger
from taskbadger.testing import APIServer


@pytest.fixture
def task_id(taskbadger_server: APIServer) -> str:
    """A task with some data and progress, made through the SDK."""
    task = taskbadger.create_task(
        "migration", value=10, data={"rows": 5, "source": "db"}
    )
    return task.id


def last_patch(server: APIServer) -> object:
    patches = [r for r in server.requests if r.method == "PATCH"]
    return patches[-1].body


def test_only_the_status_is_sent_when_only_the_status_is_given(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    result = taskbadger_cli("update", task_id, "--status", "success")

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert last_patch(taskbadger_server) == {"status": "success"}


def test_the_id_defaults_to_the_environment(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    env = {**os.environ, "TASKBADGER_TASK_ID": task_id}

    result = taskbadger_cli("update", "--value", "70", env=env)

    assert result.returncode == 0, result.stderr
    assert taskbadger_server.task(task_id)["value"] == 70


def test_data_merges_into_the_existing_data(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    taskbadger_cli("update", task_id, "--data", "rows=9", "--data", "step=2")

    assert taskbadger_server.task(task_id)["data"] == {
        "rows": "9",
        "source": "db",
        "step": "2",
    }


def test_data_json_merges_too(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    taskbadger_cli("update", task_id, "--data-json", '{"rows": 9}')

    assert taskbadger_server.task(task_id)["data"] == {"rows": 9, "source": "db"}


def test_replace_data_sends_only_the_new_data(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    before = taskbadger_server.request_count

    taskbadger_cli("update", task_id, "--replace-data", "--data", "rows=1")

    assert taskbadger_server.task(task_id)["data"] == {"rows": "1"}
    assert taskbadger_server.request_count == before + 1  # no fetch first


def test_increment_adds_to_the_current_value(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    taskbadger_cli("update", task_id, "--increment", "5")

    assert last_patch(taskbadger_server) == {"value": 15}


def test_a_negative_increment_may_lower_the_value(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    taskbadger_cli("update", task_id, "--increment", "-4")

    assert last_patch(taskbadger_server) == {"value": 6}


def test_an_increment_below_zero_exits_2_without_updating(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    result = taskbadger_cli("update", task_id, "--increment", "-100")

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: --increment -100 would take the value from 10 below 0. "
        "Give a smaller decrement, or set it with --value.\n",
    )
    assert [r.method for r in taskbadger_server.requests].count("PATCH") == 0


def test_every_field_option_is_sent(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    taskbadger_cli(
        "update", task_id,
        "--name", "renamed",
        "--status", "processing",
        "--value", "3",
        "--value-max", "6",
        "--tag", "team=ops",
        "--queue", "slow",
        "--external-id", "ext-1",
        "--max-runtime", "60",
        "--stale-timeout", "30",
        "--replace-data", "--data", "k=v",
    )  # fmt: skip

    assert last_patch(taskbadger_server) == {
        "name": "renamed",
        "status": "processing",
        "value": 3,
        "value_max": 6,
        "data": {"k": "v"},
        "tags": {"team": "ops"},
        "queue": "slow",
        "external_id": "ext-1",
        "max_runtime": 60,
        "stale_timeout": 30,
    }


def test_json_format_prints_the_updated_task(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI, task_id: str
) -> None:
    result = taskbadger_cli("update", task_id, "--value", "20", "--format", "json")

    assert json.loads(result.stdout) == taskbadger_server.task(task_id)


def test_an_unknown_task_exits_1_naming_it(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("update", "nosuchtask", "--value", "1")

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "taskbadger: error: No task with id 'nosuchtask' (PATCH "
        "/api/acme/backups/tasks/nosuchtask/ returned 404: Not found). Check the id "
        "with 'taskbadger list'.\n",
    )
