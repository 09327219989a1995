"""Commands that create, change and show tasks."""

from __future__ import annotations

import os
from typing import Annotated

import typer

import taskbadger
from taskbadger_cli import output
from taskbadger_cli.config import Options, configure_sdk
from taskbadger_cli.errors import UsageError

MAX_NAME_LENGTH = 255

StatusOption = Annotated[
    taskbadger.StatusEnum | None,
    typer.Option("--status", "-s", help="The task's status.", show_default=False),
]
ValueOption = Annotated[
    int | None, typer.Option("--value", min=0, help="The progress value.")
]
ValueMaxOption = Annotated[
    int | None,
    typer.Option("--value-max", min=0, help="The value at which the task is done."),
]


def register(app: typer.Typer) -> None:
    """Adds the task commands to the app."""
    app.command("create")(create)
    app.command("update")(update)
    app.command("get")(get)


def _check_name(name: str) -> str:
    if not name or len(name) > MAX_NAME_LENGTH:
        raise UsageError(f"The task name must be 1 to {MAX_NAME_LENGTH} characters.")
    return name


def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The task's name.")],
    status: StatusOption = None,
    value: ValueOption = None,
    value_max: ValueMaxOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the new task's id.")
    ] = False,
) -> None:
    """Create a task and print it.

    Example: export TASKBADGER_TASK_ID=$(taskbadger create nightly-backup -q)
    """
    _check_name(name)
    options: Options = ctx.obj
    configure_sdk(options)
    task = taskbadger.create_task(
        name,
        status=status or taskbadger.StatusEnum.PENDING,
        value=value,
        value_max=value_max,
    )
    output.result(task.id if quiet else output.task_summary(task))


def update(
    ctx: typer.Context,
    task_id: Annotated[
        str | None,
        typer.Argument(
            help="The task to update; defaults to $TASKBADGER_TASK_ID.",
            show_default=False,
        ),
    ] = None,
    status: StatusOption = None,
    value: ValueOption = None,
    value_max: ValueMaxOption = None,
) -> None:
    """Update a task, sending only the fields given.

    Example: taskbadger update --status success
    """
    task_id = task_id or os.environ.get("TASKBADGER_TASK_ID")
    if not task_id:
        raise UsageError("No task id given: pass TASK_ID or set TASKBADGER_TASK_ID.")
    options: Options = ctx.obj
    configure_sdk(options)
    taskbadger.update_task(task_id, status=status, value=value, value_max=value_max)


def get(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="The task to show.")],
) -> None:
    """Show a task.

    Example: taskbadger get 57ae8eVBrH7jbDgmYj6Ut2vR9S
    """
    options: Options = ctx.obj
    configure_sdk(options)
    output.result(output.task_summary(taskbadger.get_task(task_id)))
