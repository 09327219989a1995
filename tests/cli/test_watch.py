"""`taskbadger watch`: follows a task until it ends; the exit status says how."""

from __future__ import annotations

import subprocess

from cli_runner import TASKBADGER

import taskbadger
from taskbadger.testing import APIServer


def start_watching(task_id: str) -> subprocess.Popen[str]:
    """Starts watch and returns once it has reported the task's first state."""
    process = subprocess.Popen(
        [TASKBADGER, "watch", task_id, "--interval", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first_line = process.stderr.readline()
    assert first_line == "taskbadger: import: processing 5/100 (5%)\n"
    return process


def test_watch_exits_0_when_the_task_succeeds(taskbadger_server: APIServer) -> None:
    task = taskbadger.create_task("import", status="processing", value=5)
    process = start_watching(task.id)

    taskbadger.update_task(task.id, value=60)
    taskbadger.update_task(task.id, status="success", value=100)
    stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == 0
    assert stdout.startswith("import\n")
    assert "  status      success\n" in stdout
    assert stderr.endswith("taskbadger: import: success 100/100 (100%)\n")


def test_watch_exits_1_when_the_task_fails(taskbadger_server: APIServer) -> None:
    task = taskbadger.create_task("import", status="processing", value=5)
    process = start_watching(task.id)

    taskbadger.update_task(task.id, status="error")
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 1
    assert stderr.endswith(
        f"taskbadger: error: Task {task.id} ended with status error.\n"
    )


def test_watching_a_finished_task_returns_at_once(
    taskbadger_server: APIServer,
) -> None:
    task = taskbadger.create_task("done", status="success")

    result = subprocess.run(
        [TASKBADGER, "watch", task.id, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0
    assert taskbadger_server.request_count == 2  # the create, and one fetch
