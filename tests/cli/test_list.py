"""`taskbadger list`: a table or JSON/CSV, one page or every page."""

from __future__ import annotations

import csv
import io
import json

import pytest
from cli_runner import RunCLI

import taskbadger
from taskbadger.testing import APIServer


@pytest.fixture
def ids(taskbadger_server: APIServer) -> list[str]:
    """Three tasks, oldest first: two top-level, one child of the first."""
    first = taskbadger.create_task("first", value=10)
    second = taskbadger.create_task("second", status="success")
    child = taskbadger.create_task("child", parent=first.id)
    return [first.id, second.id, child.id]


def test_text_is_a_table_newest_first(ids: list[str], taskbadger_cli: RunCLI) -> None:
    result = taskbadger_cli("list")

    lines = [line.split() for line in result.stdout.splitlines()]
    assert (result.returncode, result.stderr) == (0, "")
    assert lines[0] == ["ID", "NAME", "STATUS", "PROGRESS", "CREATED"]
    assert [(line[0], line[1], line[2]) for line in lines[1:]] == [
        (ids[2], "child", "pending"),
        (ids[1], "second", "success"),
        (ids[0], "first", "pending"),
    ]
    assert lines[3][3:5] == ["█░░░░░░░░░", "10/100"]


def test_limit_shows_one_page_and_says_how_to_get_the_next(
    ids: list[str], taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("list", "--limit", "2", "--format", "json")

    assert [task["id"] for task in json.loads(result.stdout)] == [ids[2], ids[1]]
    assert result.stderr.startswith(
        "taskbadger: more tasks: taskbadger list --limit 2 --cursor "
    )


def test_cursor_continues_where_the_last_page_ended(
    ids: list[str], taskbadger_cli: RunCLI
) -> None:
    hint = taskbadger_cli("list", "--limit", "2").stderr
    cursor = hint.split("--cursor ")[1].strip()

    result = taskbadger_cli("list", "--limit", "2", "--cursor", cursor, "-f", "json")

    assert [task["id"] for task in json.loads(result.stdout)] == [ids[0]]
    assert result.stderr == ""


def test_all_walks_every_page(
    ids: list[str], taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    before = taskbadger_server.request_count

    result = taskbadger_cli("list", "--all", "--limit", "1", "--format", "json")

    assert [task["id"] for task in json.loads(result.stdout)] == ids[::-1]
    assert taskbadger_server.request_count - before == 3
    assert result.stderr == ""


def test_parent_lists_only_its_children(ids: list[str], taskbadger_cli: RunCLI) -> None:
    result = taskbadger_cli("list", "--parent", ids[0], "--format", "json")

    assert [task["id"] for task in json.loads(result.stdout)] == [ids[2]]


def test_csv_has_a_header_and_a_row_per_task(
    ids: list[str], taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("list", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["id"], row["name"]) for row in rows] == [
        (ids[2], "child"),
        (ids[1], "second"),
        (ids[0], "first"),
    ]


def test_no_tasks_prints_nothing_on_stdout(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("list")

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        "taskbadger: no tasks\n",
    )


def test_no_tasks_in_json_is_an_empty_array(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("list", "--format", "json")

    assert result.stdout == "[]\n"


def test_an_invalid_cursor_exits_1_saying_so(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("list", "--cursor", "garbage")

    assert result.returncode == 1
    assert result.stderr.startswith("taskbadger: error: The cursor is not valid (")
    assert result.stderr.endswith(
        "Use the cursor a previous 'taskbadger list' printed, or leave it out.\n"
    )
