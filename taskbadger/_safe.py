"""Functions that never raise: for code where tracking must not get in the way."""

from __future__ import annotations

import logging
from typing import Any

from taskbadger._settings import is_configured
from taskbadger._tasks import Task, create_task, update_task

logger = logging.getLogger(__name__)


def create_task_safe(name: str, **fields: Any) -> Task | None:
    """Like :func:`taskbadger.create_task`, but never raises.

    Failures, including a ``before_create`` hook that raises, are logged as
    warnings to the ``taskbadger`` logger.

    Returns:
        The created task, or None when the SDK is not configured or the task
        could not be created.

    Example:
        >>> task = create_task_safe("import-orders", data={"file": "orders.csv"})
        >>> if task is not None:
        ...     task.success()
    """
    if not is_configured():
        logger.warning("Task Badger is not configured; task %r not created", name)
        return None
    try:
        return create_task(name, **fields)
    except Exception as exc:
        # Any failure, even a bug in a hook, must stay out of the caller's way.
        logger.warning("Could not create task %r: %s", name, exc)
        return None


def update_task_safe(task_id: str, **fields: Any) -> Task | None:
    """Like :func:`taskbadger.update_task`, but never raises.

    Returns:
        The updated task, or None when the SDK is not configured or the update
        failed (the failure is logged as a warning).
    """
    if not is_configured():
        logger.warning("Task Badger is not configured; task %s not updated", task_id)
        return None
    try:
        return update_task(task_id, **fields)
    except Exception as exc:
        logger.warning("Could not update task %s: %s", task_id, exc)
        return None
