"""Plain lines for the terminal: results on stdout, messages on stderr.

These write straight to the streams, without Rich, so that commands printing
one line start fast; rich output lives in :mod:`taskbadger_cli.render`.
"""

from __future__ import annotations

import enum
import sys
from urllib.parse import unquote

import taskbadger


class Format(enum.StrEnum):
    """How commands print tasks: readable text, JSON or CSV."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"


def result(text: str) -> None:
    """Writes a result line to stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """Writes an error line to stderr."""
    _message(f"error: {message}")


def warning(message: str) -> None:
    """Writes a warning line to stderr."""
    _message(f"warning: {message}")


def info(message: str) -> None:
    """Writes an informational line to stderr."""
    _message(message)


def _message(text: str) -> None:
    # One line per message, whatever the text holds, so scripts can grep stderr.
    one_line = " ".join(text.splitlines())
    sys.stderr.write(f"taskbadger: {one_line}\n")
    sys.stderr.flush()


def describe_api_error(exc: taskbadger.TaskbadgerException) -> str:
    """One line saying what failed, with the server's reason, and what to do."""
    if not isinstance(exc, taskbadger.APIError):
        if isinstance(exc, taskbadger.TaskbadgerConnectionError):
            return (
                f"Could not reach the Task Badger API: {_sentence(str(exc))}. "
                "Check your network and TASKBADGER_HOST."
            )
        return f"{_sentence(str(exc))}."

    reason = _sentence(exc.detail)
    request = f"{exc.method} {exc.path} returned {exc.status_code}"
    if isinstance(exc, taskbadger.UnauthorizedError):
        return (
            f"The API key was refused ({request}: {reason}). Check the key "
            "'taskbadger info' shows, or run 'taskbadger configure'."
        )
    if isinstance(exc, taskbadger.NotFoundError):
        task_id = _task_id_in(exc.path)
        if task_id:
            return (
                f"No task with id {task_id!r} ({request}: {reason}). Check the id "
                "with 'taskbadger list'."
            )
        if "cursor" in reason.lower():
            return (
                f"The cursor is not valid ({request}: {reason}). Use the cursor "
                "a previous 'taskbadger list' printed, or leave it out."
            )
        return (
            f"Not found ({request}: {reason}). Check the organization and "
            "project with 'taskbadger info'."
        )
    if isinstance(exc, taskbadger.ValidationError):
        return f"The API rejected the request: {reason}."
    if isinstance(exc, taskbadger.RateLimitedError):
        wait = f"{exc.retry_after:g} seconds" if exc.retry_after else "a while"
        return f"The API is rate limiting requests. Try again in {wait}."
    return f"The API failed ({request}: {reason}). Try again later."


def _sentence(text: str) -> str:
    return text.strip().rstrip(".")


def _task_id_in(path: str) -> str | None:
    """The task id at the end of a task's path, ``.../tasks/<id>/``."""
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "tasks":
        return unquote(parts[-1])
    return None
