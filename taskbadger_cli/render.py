"""Showing tasks: readable summaries and tables through Rich, JSON and CSV.

The only module of the CLI that imports Rich. Commands import it when they
print more than a line, so ``--version``, ``--help`` and ``update`` skip it.
User text reaches Rich only as :class:`rich.text.Text`, never as markup, so a
task named ``[red]x`` prints as it is.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

import taskbadger
from taskbadger_cli.output import Format

BAR_WIDTH = 30
LIST_BAR_WIDTH = 10

# Without a terminal nothing should wrap: lines are for scripts and files.
UNWRAPPED_WIDTH = 10_000

CSV_COLUMNS = (
    "id",
    "name",
    "status",
    "value",
    "value_max",
    "value_percent",
    "created",
    "updated",
    "start_time",
    "end_time",
    "max_runtime",
    "stale_timeout",
    "queue",
    "external_id",
    "parent",
    "tags",
    "data",
    "url",
)

STATUS_STYLES = {
    taskbadger.StatusEnum.PENDING: "dim",
    taskbadger.StatusEnum.PRE_PROCESSING: "cyan",
    taskbadger.StatusEnum.PROCESSING: "blue",
    taskbadger.StatusEnum.POST_PROCESSING: "cyan",
    taskbadger.StatusEnum.SUCCESS: "green",
    taskbadger.StatusEnum.ERROR: "red",
    taskbadger.StatusEnum.CANCELLED: "yellow",
    taskbadger.StatusEnum.STALE: "magenta",
}


def _console(stderr: bool) -> Console:
    # NO_COLOR asks for plain text: no bold or dim either, which Rich keeps.
    plain = bool(os.environ.get("NO_COLOR"))
    console = Console(
        stderr=stderr,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
    )
    if not console.is_terminal:
        console.width = UNWRAPPED_WIDTH
    return console


@cache
def stdout() -> Console:
    """The console for data."""
    return _console(stderr=False)


@cache
def stderr() -> Console:
    """The console for messages and live progress."""
    return _console(stderr=True)


def print_task(task: taskbadger.Task, output_format: Format = Format.TEXT) -> None:
    """Prints one task to stdout in the chosen format."""
    if output_format is Format.JSON:
        _write(json.dumps(task.to_dict(), indent=2, sort_keys=True) + "\n")
    elif output_format is Format.CSV:
        write_csv([task])
    else:
        for line in summary_lines(task):
            stdout().print(line, soft_wrap=True)


def summary_lines(task: taskbadger.Task) -> list[Text]:
    """A readable description of a task, a line per field that has a value."""
    fields: list[tuple[str, Text | str | None]] = [
        ("id", task.id),
        ("status", status_text(task.status)),
        ("progress", progress_text(task, BAR_WIDTH)),
        ("created", _time(task.created)),
        ("started", _time(task.start_time)),
        ("ended", _time(task.end_time)),
        ("max runtime", _seconds(task.max_runtime)),
        ("stale after", _seconds(task.stale_timeout)),
        ("queue", task.queue or None),
        ("external id", task.external_id or None),
        ("parent", task.parent),
        ("tags", _pairs(task.tags) if task.tags else None),
        ("data", json.dumps(task.data, sort_keys=True) if task.data else None),
        ("url", task.url),
    ]
    lines = [Text(task.name, style="bold")]
    for label, value in fields:
        if value is not None:
            lines.append(Text.assemble((f"  {label:<12}", "dim"), value))
    return lines


def status_text(status: taskbadger.StatusEnum) -> Text:
    """The status, coloured by how the task is doing."""
    return Text(status.value, style=STATUS_STYLES.get(status, ""))


def progress_text(task: taskbadger.Task, width: int) -> Text:
    """A bar of ``width`` cells and the value, or ``-`` without a value."""
    if task.value is None:
        return Text("-")
    percent = task.value_percent or 0
    filled = round(min(max(percent, 0), 100) * width / 100)
    return Text.assemble(
        ("█" * filled, "green"),
        ("░" * (width - filled), "dim"),
        f" {task.value}/{task.value_max} ({percent}%)",
    )


def print_table(tasks: Iterable[taskbadger.Task]) -> None:
    """Prints tasks as a table, newest first."""
    table = Table(box=None, show_edge=False, pad_edge=False, header_style="bold")
    for column in ("ID", "NAME", "STATUS", "PROGRESS", "CREATED"):
        table.add_column(column, no_wrap=True)
    for task in tasks:
        table.add_row(
            Text(task.id),
            Text(task.name),
            status_text(task.status),
            progress_text(task, LIST_BAR_WIDTH),
            _time(task.created) or "",
        )
    stdout().print(table)


def print_json_list(tasks: Iterable[taskbadger.Task]) -> None:
    """Prints tasks as one JSON array."""
    _write(
        json.dumps([task.to_dict() for task in tasks], indent=2, sort_keys=True) + "\n"
    )


def write_csv(tasks: Iterable[taskbadger.Task], header: bool = True) -> None:
    """Prints tasks as CSV rows, with a header row first unless told not to."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for task in tasks:
        payload = task.to_dict()
        writer.writerow(_csv_cell(payload.get(column)) for column in CSV_COLUMNS)
    sys.stdout.flush()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seconds(seconds: int | None) -> str | None:
    return None if seconds is None else f"{seconds}s"


def _pairs(mapping: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(mapping.items()))
