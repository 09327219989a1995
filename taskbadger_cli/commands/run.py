"""``taskbadger run``: run a command and track it as a task."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import Annotated

import typer

import taskbadger
from taskbadger_cli import output
from taskbadger_cli.config import Options, configure_sdk
from taskbadger_cli.errors import CLIError, UsageError

# Requests made while a job runs must never hold the job up for long.
RUN_TIMEOUT = 3.0
DEFAULT_UPDATE_FREQUENCY = 60
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126


def register(app: typer.Typer) -> None:
    """Adds the run command to the app."""
    app.command("run")(run)


def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The task's name.")],
    command: Annotated[
        list[str], typer.Argument(help="The command to run, after '--'.")
    ],
    update_frequency: Annotated[
        int,
        typer.Option(min=1, help="Seconds between heartbeats while it runs."),
    ] = DEFAULT_UPDATE_FREQUENCY,
) -> None:
    """Run a command, tracking it as a task; exits with the command's status.

    Example: taskbadger run nightly-backup -- ./backup.sh /var/www
    """
    if not command:
        raise UsageError("No command given: put it after '--'.")
    task = _start_task(ctx.obj, name)
    env = dict(os.environ)
    if task is not None:
        env["TASKBADGER_TASK_ID"] = task.id
        output.info(f"tracking as {task.url or task.id}")

    try:
        child = subprocess.Popen(command, env=env)
    except FileNotFoundError:
        _finish(task, EXIT_NOT_FOUND)
        raise CLIError(f"{command[0]}: command not found", EXIT_NOT_FOUND) from None
    except PermissionError:
        _finish(task, EXIT_NOT_EXECUTABLE)
        raise CLIError(f"{command[0]}: not executable", EXIT_NOT_EXECUTABLE) from None

    stop = threading.Event()
    if task is not None:
        threading.Thread(
            target=_heartbeat, args=(task, stop, update_frequency), daemon=True
        ).start()
    returncode = child.wait()
    stop.set()
    code = 128 - returncode if returncode < 0 else returncode
    _finish(task, code)
    raise typer.Exit(code)


def _start_task(options: Options, name: str) -> taskbadger.Task | None:
    try:
        configure_sdk(options, timeout=RUN_TIMEOUT)
        return taskbadger.Task.create(name, status=taskbadger.StatusEnum.PROCESSING)
    except (CLIError, taskbadger.TaskbadgerException) as exc:
        output.warning(f"not tracking this run: {exc}")
        return None


def _heartbeat(task: taskbadger.Task, stop: threading.Event, interval: int) -> None:
    started = time.monotonic()
    while not stop.wait(interval):
        elapsed = round(time.monotonic() - started)
        task.safe_update(data={"elapsed_seconds": elapsed})


def _finish(task: taskbadger.Task | None, code: int) -> None:
    if task is None:
        return
    status = taskbadger.StatusEnum.SUCCESS if code == 0 else taskbadger.StatusEnum.ERROR
    if not task.safe_update(status=status, data={"return_code": code}):
        output.warning(f"could not record the outcome of task {task.id}")
