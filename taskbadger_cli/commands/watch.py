"""``watch`` follows a task until it finishes, for scripts waiting on other jobs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

import typer

import taskbadger
from taskbadger_cli import output
from taskbadger_cli.config import configure_sdk
from taskbadger_cli.errors import CLIError
from taskbadger_cli.output import Format

# Often enough to feel live, rarely enough to stay far from rate limits.
DEFAULT_INTERVAL = 2.0
MIN_INTERVAL = 0.1


def register(app: typer.Typer) -> None:
    """Adds the watch command to the app."""
    app.command("watch")(watch)


def watch(
    ctx: typer.Context,
    task_id: Annotated[
        str, typer.Argument(metavar="TASK_ID", help="The task to follow.")
    ],
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            min=MIN_INTERVAL,
            metavar="SECONDS",
            help="Seconds between checks.",
        ),
    ] = DEFAULT_INTERVAL,
    output_format: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="How to print the finished task: text, json, csv.",
        ),
    ] = Format.TEXT,
) -> None:
    """Follow a task until it finishes; exit 0 on success, 1 otherwise.

    Progress goes to stderr while the task runs; the finished task is printed
    on stdout.

    Example: taskbadger watch 57ae8eVBrH7jbDgmYj6Ut2vR9S --interval 10 && ./deploy
    """
    configure_sdk(ctx.obj)
    from taskbadger_cli import render

    task = taskbadger.get_task(task_id)
    if render.stderr().is_terminal:
        task = _follow_live(task, interval)
    else:
        task = _follow(task, interval, _ChangePrinter())

    render.print_task(task, output_format)
    if task.status is not taskbadger.StatusEnum.SUCCESS:
        raise CLIError(f"Task {task.id} ended with status {task.status.value}.")


def _follow(
    task: taskbadger.Task,
    interval: float,
    show: Callable[[taskbadger.Task], None],
) -> taskbadger.Task:
    """Fetches the task every ``interval`` seconds until its status is terminal."""
    show(task)
    while not task.status.is_terminal:
        time.sleep(interval)
        task = taskbadger.get_task(task.id)
        show(task)
    return task


class _ChangePrinter:
    """Prints a line on stderr each time the task's status or value changes."""

    def __init__(self) -> None:
        self._last: tuple[str, int | None] | None = None

    def __call__(self, task: taskbadger.Task) -> None:
        state = (task.status.value, task.value)
        if state == self._last:
            return
        self._last = state
        progress = (
            f" {task.value}/{task.value_max} ({task.value_percent}%)"
            if task.value is not None
            else ""
        )
        output.info(f"{task.name}: {task.status.value}{progress}")


def _follow_live(task: taskbadger.Task, interval: float) -> taskbadger.Task:
    from rich.live import Live
    from rich.text import Text

    from taskbadger_cli import render

    def frame(current: taskbadger.Task) -> Text:
        return Text.assemble(
            (current.name, "bold"),
            "  ",
            render.status_text(current.status),
            "  ",
            render.progress_text(current, render.BAR_WIDTH),
        )

    with Live(frame(task), console=render.stderr(), transient=True) as live:
        return _follow(task, interval, lambda current: live.update(frame(current)))
