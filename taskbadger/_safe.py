"""Functions that never raise: for code where tracking must not get in the way."""

from __future__ import annotations

import logging
from typing import Any

from taskbadger._exceptions import TaskbadgerException
from taskbadger._settings import is_configured
from taskbadger._tasks import Task, create_task, update_task

logger = logging.getLogger("taskbadger")


def create_task_safe(name: str, **fields: Any) -> Task | None:
    """Like :func:`create_task`, but logs failures and returns None instead.

    Also returns None, silently apart from a warning, when the SDK is not
    configured.
    """
    if not is_configured():
        logger.warning("Task Badger is not configured; task %r not created", name)
        return None
    try:
        return create_task(name, **fields)
    except (TaskbadgerException, ValueError) as exc:
        logger.warning("Could not create task %r: %s", name, exc)
        return None


def update_task_safe(task_id: str, **fields: Any) -> Task | None:
    """Like :func:`update_task`, but logs failures and returns None instead."""
    if not is_configured():
        logger.warning("Task Badger is not configured; task %s not updated", task_id)
        return None
    try:
        return update_task(task_id, **fields)
    except (TaskbadgerException, ValueError) as exc:
        logger.warning("Could not update task %s: %s", task_id, exc)
        return None
