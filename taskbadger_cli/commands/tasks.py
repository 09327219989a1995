"""Commands that create, change, show, list and cancel tasks."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import taskbadger
from taskbadger_cli import output, parsing
from taskbadger_cli.config import configure_sdk
from taskbadger_cli.errors import UsageError
from taskbadger_cli.options import (
    DataJsonOption,
    DataOption,
    ExternalIdOption,
    MaxRuntimeOption,
    MonitorIdOption,
    NameOption,
    ParentOption,
    QueueOption,
    StaleTimeoutOption,
    StatusOption,
    TagOption,
    ValueMaxOption,
    ValueOption,
)
from taskbadger_cli.output import Format

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000

FormatOption = Annotated[
    Format,
    typer.Option(
        "--format", "-f", metavar="FORMAT", help="How to print it: text, json, csv."
    ),
]


def register(app: typer.Typer) -> None:
    """Adds the task commands to the app."""
    app.command("create")(create)
    app.command("update")(update)
    app.command("get")(get)
    app.command("list")(list_)
    app.command("cancel")(cancel)


def create(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(metavar="NAME", help="The task's name, 1 to 255 characters."),
    ],
    status: StatusOption = taskbadger.StatusEnum.PENDING,
    value: ValueOption = None,
    value_max: ValueMaxOption = None,
    data: DataOption = None,
    data_json: DataJsonOption = None,
    tag: TagOption = None,
    monitor_id: MonitorIdOption = None,
    queue: QueueOption = None,
    external_id: ExternalIdOption = None,
    parent: ParentOption = None,
    max_runtime: MaxRuntimeOption = None,
    stale_timeout: StaleTimeoutOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the new task's id.")
    ] = False,
    output_format: FormatOption = Format.TEXT,
) -> None:
    """Create a task and print it.

    Example: export TASKBADGER_TASK_ID=$(taskbadger create nightly-backup -q)
    """
    parsing.task_name(name)
    task_data = parsing.task_data(data, data_json)
    tags = parsing.tags(tag)
    configure_sdk(ctx.obj)

    task = taskbadger.create_task(
        name,
        status=status or taskbadger.StatusEnum.PENDING,
        value=value,
        value_max=value_max,
        data=task_data,
        max_runtime=max_runtime,
        stale_timeout=stale_timeout,
        monitor_id=monitor_id,
        tags=tags,
        queue=queue,
        external_id=external_id,
        parent=parent,
    )
    if quiet:
        output.result(task.id)
    else:
        _print(task, output_format)


def update(
    ctx: typer.Context,
    task_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[TASK_ID]",
            help="The task to update; defaults to $TASKBADGER_TASK_ID.",
            show_default=False,
        ),
    ] = None,
    name: NameOption = None,
    status: StatusOption = None,
    value: ValueOption = None,
    value_max: ValueMaxOption = None,
    increment: Annotated[
        int | None,
        typer.Option(
            "--increment", "-i", metavar="N", help="Add N to the progress value."
        ),
    ] = None,
    data: DataOption = None,
    data_json: DataJsonOption = None,
    replace_data: Annotated[
        bool,
        typer.Option(
            "--replace-data",
            help="Replace the task's data instead of merging into it.",
        ),
    ] = False,
    tag: TagOption = None,
    queue: QueueOption = None,
    external_id: ExternalIdOption = None,
    max_runtime: MaxRuntimeOption = None,
    stale_timeout: StaleTimeoutOption = None,
    output_format: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Print the updated task: text, json or csv.",
        ),
    ] = None,
) -> None:
    """Update a task, sending only the fields given.

    --data and --data-json merge into the task's data unless --replace-data is
    given. Nothing is printed unless --format is.

    Example: taskbadger update --status processing --value 40 --data rows=1200
    """
    chosen_id = parsing.task_id(task_id)
    if name is not None:
        parsing.task_name(name)
    new_data = parsing.task_data(data, data_json)
    tags = parsing.tags(tag)
    _check_update(value, increment, new_data, replace_data)
    fields: dict[str, Any] = {
        "name": name,
        "status": status,
        "value": value,
        "value_max": value_max,
        "data": new_data,
        "max_runtime": max_runtime,
        "stale_timeout": stale_timeout,
        "tags": tags,
        "queue": queue,
        "external_id": external_id,
    }
    fields = {key: val for key, val in fields.items() if val is not None}
    if not fields and increment is None:
        raise UsageError(
            "Nothing to update: give a field to change, such as --status or "
            "--value. See 'taskbadger update --help'."
        )
    configure_sdk(ctx.obj)

    needs_current = increment is not None or (new_data and not replace_data)
    if needs_current:
        current = taskbadger.get_task(chosen_id)
        if increment is not None:
            fields["value"] = _incremented(current, increment)
        if new_data and not replace_data:
            existing = current.data if isinstance(current.data, dict) else {}
            fields["data"] = {**existing, **new_data}
    task = taskbadger.update_task(chosen_id, **fields)
    if output_format is not None:
        _print(task, output_format)


def _incremented(task: taskbadger.Task, increment: int) -> int:
    """The task's value plus the increment, which must not go below zero."""
    value = (task.value or 0) + increment
    if value < 0:
        raise UsageError(
            f"--increment {increment} would take the value from {task.value or 0} "
            "below 0. Give a smaller decrement, or set it with --value."
        )
    return value


def _check_update(
    value: int | None,
    increment: int | None,
    new_data: dict[str, Any] | None,
    replace_data: bool,
) -> None:
    if value is not None and increment is not None:
        raise UsageError("Give --value or --increment, not both.")
    if replace_data and new_data is None:
        raise UsageError(
            "--replace-data needs the new data: give --data or --data-json too."
        )


def get(
    ctx: typer.Context,
    task_id: Annotated[
        str, typer.Argument(metavar="TASK_ID", help="The task to show.")
    ],
    output_format: FormatOption = Format.TEXT,
) -> None:
    """Show a task: its status, progress, data and tags.

    Example: taskbadger get 57ae8eVBrH7jbDgmYj6Ut2vR9S --format json
    """
    configure_sdk(ctx.obj)
    _print(taskbadger.get_task(task_id), output_format)


def list_(
    ctx: typer.Context,
    limit: Annotated[
        int,
        typer.Option(
            "--limit",
            "-n",
            min=1,
            metavar="N",
            max=MAX_PAGE_SIZE,
            help="How many tasks a page holds.",
        ),
    ] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        typer.Option(
            "--cursor",
            metavar="CURSOR",
            help="Start at this page, from a previous list.",
        ),
    ] = None,
    all_pages: Annotated[
        bool, typer.Option("--all", "-a", help="Walk every page, not just one.")
    ] = False,
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent", metavar="ID", help="Only the child tasks of this task."
        ),
    ] = None,
    output_format: Annotated[
        Format,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="How to print: text, json, csv."
        ),
    ] = Format.TEXT,
) -> None:
    """List tasks, newest first, one page at a time.

    When more tasks remain, the command to see the next page goes to stderr.

    Example: taskbadger list --limit 50 --format csv > tasks.csv
    """
    configure_sdk(ctx.obj)
    page = taskbadger.list_tasks(page_size=limit, cursor=cursor, parent=parent)
    tasks = list(page)
    next_page = page.next_page() if all_pages else None
    while next_page is not None:
        tasks.extend(next_page)
        next_page = next_page.next_page()

    _print_list(tasks, output_format)
    if not all_pages and page.next_cursor:
        output.info(
            f"more tasks: taskbadger list --limit {limit} --cursor {page.next_cursor}"
        )


def _print_list(tasks: list[taskbadger.Task], output_format: Format) -> None:
    from taskbadger_cli import render

    if output_format is Format.JSON:
        render.print_json_list(tasks)
    elif output_format is Format.CSV:
        render.write_csv(tasks)
    elif tasks:
        render.print_table(tasks)
    else:
        output.info("no tasks")


def cancel(
    ctx: typer.Context,
    task_id: Annotated[
        str, typer.Argument(metavar="TASK_ID", help="The task to cancel.")
    ],
) -> None:
    """Cancel a task.

    Example: taskbadger cancel 57ae8eVBrH7jbDgmYj6Ut2vR9S
    """
    configure_sdk(ctx.obj)
    taskbadger.cancel_task(task_id)
    output.info(f"cancelled task {task_id}")


def _print(task: taskbadger.Task, output_format: Format) -> None:
    from taskbadger_cli import render

    render.print_task(task, output_format)
