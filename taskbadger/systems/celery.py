"""The Celery system integration: track the tasks a Celery app runs.

Example:
    >>> import taskbadger
    >>> from taskbadger.systems.celery import CelerySystemIntegration
    >>> taskbadger.init(
    ...     token="***",
    ...     systems=[CelerySystemIntegration(excludes=[r"^myapp\\.noisy\\."])],
    ... )
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["CelerySystemIntegration"]

# Celery's own tasks (chord unlocks, backend cleanup) are plumbing, not work.
INTERNAL_TASK_PREFIX = "celery."


class CelerySystemIntegration:
    """Tracks Celery tasks as Task Badger tasks.

    Pass an instance to ``taskbadger.init(systems=[...])`` in every process that
    publishes or runs tasks (usually the module that creates the Celery app).
    Tasks that use :class:`taskbadger.celery.Task` as their base are tracked
    whatever these rules say; the other options become their defaults.

    Args:
        auto_track_tasks: Track every task, not only those with the
            ``taskbadger.celery.Task`` base or a ``taskbadger_track`` header.
        includes: Regular expressions; when given, only tasks whose name
            matches one of them are tracked.
        excludes: Regular expressions; tasks whose name matches one of them are
            not tracked, even when they match ``includes``.
        record_task_args: Store each task's arguments in its data.
        heartbeat_interval: Seconds between heartbeats while a task runs, so it
            does not go stale; None sends none.
        stale_timeout: Seconds without an update before a running task counts
            as stale; by default three heartbeat intervals when heartbeats are on.
        create_on_publish: Create each task ``pending`` as it is published,
            which waits for the API, so that ``result.taskbadger_task_id`` is
            known and queued tasks show. With False, the worker creates the task
            when it starts it: publishing sends nothing, and with
            ``taskbadger.init(background=True)`` in the worker a short task
            costs one request, sent off the task's path.
    """

    identifier = "celery"

    def __init__(
        self,
        auto_track_tasks: bool = True,
        includes: Iterable[str] | None = None,
        excludes: Iterable[str] | None = None,
        record_task_args: bool = False,
        heartbeat_interval: float | None = None,
        stale_timeout: int | None = None,
        create_on_publish: bool = True,
    ) -> None:
        if heartbeat_interval is not None and heartbeat_interval <= 0:
            raise ValueError("heartbeat_interval must be a positive number of seconds")
        if stale_timeout is not None and stale_timeout < 1:
            raise ValueError("stale_timeout must be at least 1 second")
        self.auto_track_tasks = auto_track_tasks
        self.includes = [re.compile(pattern) for pattern in includes or ()]
        self.excludes = [re.compile(pattern) for pattern in excludes or ()]
        self.record_task_args = record_task_args
        self.heartbeat_interval = heartbeat_interval
        self.stale_timeout = stale_timeout
        self.create_on_publish = create_on_publish

    def __repr__(self) -> str:
        return (
            f"CelerySystemIntegration(auto_track_tasks={self.auto_track_tasks!r}, "
            f"includes={[p.pattern for p in self.includes]!r}, "
            f"excludes={[p.pattern for p in self.excludes]!r})"
        )

    def install(self) -> None:
        """Connects the Celery signal handlers; safe to call more than once."""
        from taskbadger import celery

        celery.connect_signals()

    def tracks(self, task_name: str) -> bool:
        """Whether a task of this name is tracked by these rules."""
        if not self.auto_track_tasks or task_name.startswith(INTERNAL_TASK_PREFIX):
            return False
        if any(pattern.search(task_name) for pattern in self.excludes):
            return False
        if not self.includes:
            return True
        return any(pattern.search(task_name) for pattern in self.includes)

    def default_options(self) -> dict[str, Any]:
        """The task options this integration sets, for tasks to override."""
        options: dict[str, Any] = {
            "record_task_args": self.record_task_args,
            "create_on_publish": self.create_on_publish,
        }
        if self.heartbeat_interval is not None:
            options["heartbeat_interval"] = self.heartbeat_interval
        if self.stale_timeout is not None:
            options["stale_timeout"] = self.stale_timeout
        return options
