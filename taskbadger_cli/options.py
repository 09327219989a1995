"""The options that set task fields, shared by the commands that take them."""

from __future__ import annotations

from typing import Annotated

import typer

import taskbadger

NameOption = Annotated[
    str | None, typer.Option("--name", metavar="NAME", help="A new name for the task.")
]
StatusOption = Annotated[
    taskbadger.StatusEnum | None,
    typer.Option(
        "--status",
        "-s",
        metavar="STATUS",
        help="The task's status: pending, pre_processing, processing, "
        "post_processing, success, error, cancelled or stale.",
        show_default=False,
    ),
]
ValueOption = Annotated[
    int | None, typer.Option("--value", min=0, metavar="N", help="The progress value.")
]
ValueMaxOption = Annotated[
    int | None,
    typer.Option(
        "--value-max",
        min=0,
        metavar="N",
        help="The value at which the task is done (100).",
    ),
]
DataOption = Annotated[
    list[str] | None,
    typer.Option(
        "--data",
        "-d",
        metavar="KEY=VALUE",
        help="A data entry, as a string; repeat for more.",
    ),
]
DataJsonOption = Annotated[
    str | None,
    typer.Option("--data-json", metavar="JSON", help="Data as a JSON object."),
]
TagOption = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", metavar="KEY=VALUE", help="A tag; repeat for more."),
]
QueueOption = Annotated[
    str | None,
    typer.Option("--queue", metavar="NAME", help="The queue the task came from."),
]
ExternalIdOption = Annotated[
    str | None,
    typer.Option(
        "--external-id", metavar="ID", help="The task's id in the system that runs it."
    ),
]
MaxRuntimeOption = Annotated[
    int | None,
    typer.Option(
        "--max-runtime",
        min=1,
        metavar="SECONDS",
        help="Seconds the task may run before it counts as failed.",
    ),
]
StaleTimeoutOption = Annotated[
    int | None,
    typer.Option(
        "--stale-timeout",
        min=1,
        metavar="SECONDS",
        help="Seconds without an update before the task counts as stale.",
    ),
]
MonitorIdOption = Annotated[
    str | None,
    typer.Option("--monitor-id", metavar="ID", help="The monitor the task belongs to."),
]
ParentOption = Annotated[
    str | None,
    typer.Option("--parent", metavar="ID", help="The id of the parent task."),
]
