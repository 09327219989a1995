"""Writing to the terminal: results on stdout, messages on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

import taskbadger


def result(text: str) -> None:
    """Writes a result line to stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """Writes an error line to stderr."""
    sys.stderr.write(f"taskbadger: error: {message}\n")
    sys.stderr.flush()


def warning(message: str) -> None:
    """Writes a warning line to stderr."""
    sys.stderr.write(f"taskbadger: warning: {message}\n")
    sys.stderr.flush()


def info(message: str) -> None:
    """Writes an informational line to stderr."""
    sys.stderr.write(f"taskbadger: {message}\n")
    sys.stderr.flush()


def describe_api_error(exc: taskbadger.TaskbadgerException) -> str:
    """One line saying what failed and what to do about it."""
    if isinstance(exc, taskbadger.UnauthorizedError):
        return (
            f"The API key was refused ({exc.detail}). Check TASKBADGER_API_KEY "
            "or run 'taskbadger configure'."
        )
    if isinstance(exc, taskbadger.NotFoundError):
        return f"Not found: {exc.method} {exc.path} ({exc.detail}). Check the task id."
    if isinstance(exc, taskbadger.ValidationError):
        return f"The API rejected the request: {exc.detail}."
    if isinstance(exc, taskbadger.TaskbadgerConnectionError):
        return f"Could not reach the Task Badger API: {exc}. Check TASKBADGER_HOST."
    return f"{exc}."


def task_json(task: taskbadger.Task) -> str:
    """The task as indented JSON."""
    return json.dumps(task.to_dict(), indent=2, sort_keys=True)


def task_summary(task: taskbadger.Task) -> str:
    """A short readable description of a task."""
    lines = [
        f"{task.name} ({task.id})",
        f"  status:   {task.status.value}",
        f"  progress: {_progress(task)}",
    ]
    if task.tags:
        tags = ", ".join(f"{key}={val}" for key, val in sorted(task.tags.items()))
        lines.append(f"  tags:     {tags}")
    if task.data:
        lines.append(f"  data:     {json.dumps(task.data, sort_keys=True)}")
    if task.url:
        lines.append(f"  url:      {task.url}")
    return "\n".join(lines)


def _progress(task: taskbadger.Task) -> str:
    percent: Any = task.value_percent
    if task.value is None:
        return "-"
    return f"{task.value}/{task.value_max} ({percent}%)"
