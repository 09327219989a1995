"""`taskbadger cancel`."""

from __future__ import annotations

from cli_runner import RunCLI

import taskbadger
from taskbadger.testing import APIServer


def test_cancel_cancels_the_task(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    task = taskbadger.create_task("doomed", status="processing")

    result = taskbadger_cli("cancel", task.id)

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        f"taskbadger: cancelled task {task.id}\n",
    )
    assert taskbadger_server.task(task.id)["status"] == "cancelled"


def test_cancelling_an_unknown_task_exits_1(
    taskbadger_server: APIServer, taskbadger_cli: RunCLI
) -> None:
    result = taskbadger_cli("cancel", "nosuchtask")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("taskbadger: error: No task with id 'nosuchtask'")
