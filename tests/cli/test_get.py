"""`taskbadger get`: a readable summary, or JSON and CSV for scripts."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from cli_runner import RunCLI

import taskbadger
from taskbadger.testing import APIServer


@pytest.fixture
def task(taskbadger_server: APIServer) -> dict[str, object]:
    """A running task with progress, data and tags, as the server stores it."""
    created = taskbadger.create_task(
        "report",
        status="processing",
        value=25,
        data={"rows": 3},
        tags={"team": "ops"},
    )
    return taskbadger_server.task(created.id)


def test_text_shows_a_summary_with_a_progress_bar(
    task: dict[str, str], taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("get", task["id"])

    def at(field: str) -> str:
        return task[field][:19].replace("T", " ") + " UTC"

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "report\n"
        f"  id          {task['id']}\n"
        "  status      processing\n"
        f"  progress    {'█' * 8}{'░' * 22} 25/100 (25%)\n"
        f"  created     {at('created')}\n"
        f"  started     {at('start_time')}\n"
        "  tags        team=ops\n"
        '  data        {"rows": 3}\n'
        f"  url         {task['url']}\n"
    )


def test_json_prints_the_task_as_the_api_returned_it(
    task: dict[str, str], taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("get", task["id"], "--format", "json")

    assert json.loads(result.stdout) == task


def test_csv_prints_a_header_and_one_row(
    task: dict[str, str], taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("get", task["id"], "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    assert rows[0]["id"] == task["id"]
    assert rows[0]["status"] == "processing"
    assert rows[0]["value"] == "25"
    assert rows[0]["data"] == '{"rows": 3}'
    assert rows[0]["tags"] == '{"team": "ops"}'


def test_output_to_a_pipe_has_no_escape_codes(
    task: dict[str, str], taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("get", task["id"])

    assert "\x1b[" not in result.stdout


def test_forced_colour_output_is_styled(
    task: dict[str, str], taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("get", task["id"], env={**os.environ, "FORCE_COLOR": "1"})

    assert "\x1b[" in result.stdout


def test_no_color_turns_every_style_off(
    task: dict[str, str], taskbadger_cli: RunCLI
) -> None:
    env = {**os.environ, "FORCE_COLOR": "1", "NO_COLOR": "1"}

    result = taskbadger_cli("get", task["id"], env=env)

    assert "\x1b[" not in result.stdout


def test_an_unknown_task_exits_1_naming_it(taskbadger_cli: RunCLI) -> None:
    result = taskbadger_cli("get", "nosuchtask")

    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "taskbadger: error: No task with id 'nosuchtask' (GET "
        "/api/acme/backups/tasks/nosuchtask/ returned 404: Not found). Check the id "
        "with 'taskbadger list'.\n",
    )


def test_a_refused_key_exits_1_saying_what_to_check(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    env = {**os.environ, "TASKBADGER_API_KEY": "YWNtZS9iYWNrdXBzL3dyb25n"}

    result = taskbadger_cli("get", "abc", env=env)

    assert result.returncode == 1
    assert result.stderr.startswith("taskbadger: error: The API key was refused (")
    assert result.stderr.endswith(
        "Check the key 'taskbadger info' shows, or run 'taskbadger configure'.\n"
    )
