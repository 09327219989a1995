"""The package's public names, its imports and its logging."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

import taskbadger
from taskbadger import Task
from taskbadger.testing import APIServer


def test_all_is_sorted_and_unique() -> None:
    assert taskbadger.__all__ == sorted(set(taskbadger.__all__))


def test_all_names_exist_and_nothing_public_is_missing() -> None:
    public = {
        name
        for name, value in vars(taskbadger).items()
        if not name.startswith("_")
        and not isinstance(value, type(taskbadger))
        and name != "logging"
    }

    assert public == set(taskbadger.__all__)


def test_documented_names_are_exported() -> None:
    documented = {
        "init",
        "Task",
        "Action",
        "EmailIntegration",
        "WebhookIntegration",
        "Session",
        "current_scope",
        "create_task",
        "update_task",
        "get_task",
        "list_tasks",
        "iter_tasks",
        "create_task_safe",
        "update_task_safe",
        "track",
        "StatusEnum",
        "DefaultMergeStrategy",
        "flush",
    }

    assert documented <= set(taskbadger.__all__)


def test_importing_the_sdk_does_not_import_the_cli_libraries() -> None:
    script = "import sys, taskbadger, json; print(json.dumps(sorted(sys.modules)))"

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    loaded = set(json.loads(result.stdout))
    assert not {"typer", "rich", "click"} & loaded
    assert not any(name.startswith("taskbadger_cli") for name in loaded)


def test_the_taskbadger_logger_has_only_a_null_handler() -> None:
    handlers = logging.getLogger("taskbadger").handlers

    assert [type(handler) for handler in handlers] == [logging.NullHandler]


def test_one_debug_line_per_request(
    taskbadger_server: APIServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="taskbadger"):
        task = Task.create("logged")
        task.success()

    lines = [r for r in caplog.records if r.name == "taskbadger._http"]
    assert [r.levelno for r in lines] == [logging.DEBUG, logging.DEBUG]
    assert lines[0].getMessage() == "POST /api/acme/backups/tasks/ -> 201"


def test_package_ships_py_typed() -> None:
    from importlib.resources import files

    assert files("taskbadger").joinpath("py.typed").is_file()
