"""Background delivery: task updates sent from one thread, coalesced per task.

With ``taskbadger.init(..., background=True)`` a task's updates are queued
instead of sent. Updates to a task that is still waiting are merged into one:
the latest value of each field wins, and ``data`` and ``tags`` merge key by
key. One daemon thread sends what is waiting, then pauses briefly so a hot loop
of updates turns into a handful of requests. Creating a task stays synchronous,
because the caller needs its id.

The queue holds at most :data:`MAX_PENDING_TASKS` tasks; updates of further
tasks are dropped with a warning rather than ever blocking the caller.
:func:`flush` waits for the queue to empty, and runs at interpreter exit within
:data:`EXIT_FLUSH_TIMEOUT`. A forked child starts with an empty queue and starts
its own thread when it first queues an update.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import Any
from urllib.parse import quote

from taskbadger import _http
from taskbadger._settings import Settings

__all__ = ["BackgroundDelivery", "enqueue", "flush"]

logger = logging.getLogger(__name__)

# Enough for every task of a busy worker process, small enough that a stuck API
# cannot make the queue grow without limit.
MAX_PENDING_TASKS = 10_000

# Pause between rounds of sending, so that updates made meanwhile coalesce; a
# progress bar on the dashboard does not need more than a few updates a second.
SEND_INTERVAL = 0.5

# How long flush() waits by default, and how long exit may be delayed: long
# enough for a request and a retry, short enough to never hold up shutdown.
DEFAULT_FLUSH_TIMEOUT = 10.0
EXIT_FLUSH_TIMEOUT = 5.0

# Fields whose values are objects merged key by key when updates coalesce.
_MERGED_FIELDS = frozenset({"data", "tags"})


class _Update:
    """The coalesced update of one task, and the settings to send it with."""

    __slots__ = ("fields", "settings")

    def __init__(self, settings: Settings, fields: dict[str, Any]) -> None:
        self.settings = settings
        self.fields = fields

    def merge(self, settings: Settings, fields: dict[str, Any]) -> None:
        self.settings = settings
        for key, value in fields.items():
            current = self.fields.get(key)
            if key in _MERGED_FIELDS and isinstance(current, dict):
                value = {**current, **value} if isinstance(value, dict) else value
            self.fields[key] = value


class BackgroundDelivery:
    """A queue of task updates and the thread that sends them.

    Args:
        max_pending: How many tasks may wait at once.
        interval: Seconds to pause between rounds of sending.
    """

    def __init__(
        self, max_pending: int = MAX_PENDING_TASKS, interval: float = SEND_INTERVAL
    ) -> None:
        self.max_pending = max_pending
        self.interval = interval
        self._reset()

    def _reset(self) -> None:
        """Starts afresh: no queue, no thread, a lock nobody holds."""
        self._condition = threading.Condition(threading.Lock())
        self._pending: dict[str, _Update] = {}
        self._sending = 0
        self._flush_waiters = 0
        self._dropped = 0
        self._thread: threading.Thread | None = None

    def after_fork_in_child(self) -> None:
        """Forgets the parent's queue and thread: the parent sends its own."""
        self._reset()

    def enqueue(self, settings: Settings, task_id: str, fields: dict[str, Any]) -> bool:
        """Queues an update of a task, merging it with one already waiting.

        Returns:
            False when the queue was full and the update was dropped.
        """
        with self._condition:
            accepted = self._add(settings, task_id, fields)
            dropped = self._dropped
        if not accepted:
            # Logged outside the lock; the count keeps repeated drops readable.
            logger.warning(
                "The update queue is full (%d tasks); dropped an update of task %s "
                "(%d dropped so far)",
                self.max_pending,
                task_id,
                dropped,
            )
            return False
        self._ensure_worker()
        return True

    def _add(self, settings: Settings, task_id: str, fields: dict[str, Any]) -> bool:
        """Adds or merges an update; the caller holds the lock."""
        waiting = self._pending.get(task_id)
        if waiting is not None:
            waiting.merge(settings, fields)
        elif len(self._pending) < self.max_pending:
            self._pending[task_id] = _Update(settings, dict(fields))
        else:
            self._dropped += 1
            return False
        self._condition.notify_all()
        return True

    def flush(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Waits until every queued update has been sent (or has failed).

        Args:
            timeout: Seconds to wait at most; None waits as long as it takes.

        Returns:
            True when the queue emptied, False when the timeout came first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._condition:
            if self._idle():
                return True
            self._flush_waiters += 1
            self._condition.notify_all()
            try:
                while not self._idle():
                    remaining = _remaining(deadline)
                    if remaining is not None and remaining <= 0:
                        return False
                    self._condition.wait(remaining)
                return True
            finally:
                self._flush_waiters -= 1

    def pending(self) -> int:
        """How many tasks have updates waiting or being sent."""
        with self._condition:
            return len(self._pending) + self._sending

    def _idle(self) -> bool:
        return not self._pending and not self._sending

    def _ensure_worker(self) -> None:
        if self._thread is not None:
            return
        with self._condition:
            if self._thread is not None:
                return
            thread = threading.Thread(
                target=self._run, name="taskbadger-delivery", daemon=True
            )
            self._thread = thread
        try:
            thread.start()
        except RuntimeError:
            # No new threads during interpreter shutdown: send what waits now.
            self._send_round()

    def _run(self) -> None:
        while True:
            self._send_round()
            with self._condition:
                # The pause lets updates coalesce; flush() cuts it short.
                self._condition.wait_for(
                    lambda: self._flush_waiters > 0, timeout=self.interval
                )
                self._condition.wait_for(lambda: bool(self._pending))

    def _send_round(self) -> None:
        with self._condition:
            batch, self._pending = self._pending, {}
            self._sending = len(batch)
        for task_id, update in batch.items():
            _send(task_id, update)
            with self._condition:
                self._sending -= 1
                self._condition.notify_all()


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _send(task_id: str, update: _Update) -> None:
    settings = update.settings
    path = f"{settings.tasks_path}{quote(task_id, safe='')}/"
    try:
        _http.request("PATCH", path, json=update.fields, settings=settings)
    except Exception as exc:
        # The caller has moved on; failures can only be reported, never raised.
        logger.warning("Could not deliver an update of task %s: %s", task_id, exc)


_delivery = BackgroundDelivery()
os.register_at_fork(after_in_child=_delivery.after_fork_in_child)


def enqueue(settings: Settings, task_id: str, fields: dict[str, Any]) -> bool:
    """Queues an update of a task for the background thread."""
    return _delivery.enqueue(settings, task_id, fields)


def flush(timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
    """Waits until the updates queued in background mode have been sent.

    Args:
        timeout: Seconds to wait at most; None waits as long as it takes.

    Returns:
        True when everything queued was sent (or failed and was logged), False
        when the timeout came first.

    Example:
        >>> taskbadger.init(token="***", background=True)
        >>> for row in rows:
        ...     task.increment_value(1)
        >>> taskbadger.flush(timeout=5)
    """
    return _delivery.flush(timeout)


def _flush_at_exit() -> None:
    if _delivery.flush(EXIT_FLUSH_TIMEOUT):
        return
    logger.warning(
        "Exiting with updates of %d tasks not yet delivered to Task Badger; "
        "they are dropped",
        _delivery.pending(),
    )


atexit.register(_flush_at_exit)
