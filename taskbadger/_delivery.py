"""Background delivery of task updates (filled in below)."""

from __future__ import annotations

from typing import Any

from taskbadger._settings import Settings


def enqueue(settings: Settings, task_id: str, fields: dict[str, Any]) -> None:
    """Queues an update of a task."""
    raise NotImplementedError
