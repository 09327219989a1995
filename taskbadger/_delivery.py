"""Background delivery: task creations and updates sent from worker threads.

With ``taskbadger.init(..., background=True)`` a task's updates are queued
instead of sent, and so is the creation of a task whose creator can wait for
its id (the Celery integration, when a worker creates the task it runs).

What waits for one task coalesces:

- Updates merge into one: the latest value of each field wins, and ``data``
  and ``tags`` merge key by key.
- A status change after another is kept as a step of its own, sent after the
  one before: once a task exists, the API sees each of its statuses, in order,
  as actions and monitors expect.
- Updates of a task whose creation has not been sent yet merge into the
  creation, status included: nobody has seen the task, so it is created as it
  is by then, and a short task costs one request.
- Updates whose ``data`` or ``tags`` extend values this process has not seen
  (a task created elsewhere) are merged into what the API has when they are
  sent, instead of replacing it.

One thread sends what is waiting in rounds, with a few helper threads so that
many tasks' requests overlap instead of queueing behind each other's latency;
the steps of one task are always sent one after another. Between rounds it
pauses briefly so a hot loop of updates turns into a handful of requests.

The queue holds at most :data:`MAX_PENDING_TASKS` tasks; further tasks are
dropped with a warning rather than ever blocking the caller. :func:`flush`
waits for the queue to empty, and runs at interpreter exit within
:data:`EXIT_FLUSH_TIMEOUT`. A forked child starts with an empty queue and starts
its own threads when it first queues something.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from taskbadger import _http
from taskbadger._exceptions import TaskbadgerException
from taskbadger._settings import Settings

__all__ = ["BackgroundDelivery", "PendingCreation", "enqueue", "flush"]

logger = logging.getLogger(__name__)

# Enough for every task of a busy worker process, small enough that a stuck API
# cannot make the queue grow without limit.
MAX_PENDING_TASKS = 10_000

# Status changes kept apart for one task at most; beyond that, later ones merge
# into the last, so a task flipping statuses in a loop stays bounded too.
MAX_STEPS_PER_TASK = 16

# Pause between rounds of sending, so that updates made meanwhile coalesce; a
# progress bar on the dashboard does not need more than a few updates a second.
SEND_INTERVAL = 0.5

# Requests in flight at once per process. Each waits mostly on the network, so
# a few threads keep up with hundreds of short tasks a second at a 20 ms round
# trip, without opening more connections than a shared API should see.
MAX_CONCURRENT_REQUESTS = 8

# How long flush() waits by default, and how long exit may be delayed: long
# enough for a request and a retry, short enough to never hold up shutdown.
DEFAULT_FLUSH_TIMEOUT = 10.0
EXIT_FLUSH_TIMEOUT = 5.0

# Fields whose values are objects merged key by key when updates coalesce.
_MERGED_FIELDS = frozenset({"data", "tags"})


class PendingCreation:
    """A task whose creation is queued: its id is known once it is sent."""

    __slots__ = ("_done", "_pid", "_queue", "error", "payload")

    def __init__(self, queue: BackgroundDelivery) -> None:
        self._queue = queue
        self._done = threading.Event()
        # Only this process's threads send the creation and set the event.
        self._pid = os.getpid()
        self.payload: dict[str, Any] | None = None
        self.error: Exception | None = None

    @property
    def task_id(self) -> str | None:
        """The created task's id, or None while it is not created."""
        return str(self.payload["id"]) if self.payload is not None else None

    def done(self) -> bool:
        """Whether the creation was sent, successfully or not."""
        return self._done.is_set()

    def wait(self, timeout: float | None) -> str:
        """Hurries the queue along and waits for the task's id.

        Raises:
            TaskbadgerException: The task could not be created, was not
                created within ``timeout`` seconds, or was still being created
                by the parent of this forked process.
        """
        if not self._done.is_set() and os.getpid() != self._pid:
            raise TaskbadgerException(
                "The task was still being created by the parent process when this "
                "process forked; its id is known only there. Create the task after "
                "forking, or ask for its id before."
            )
        if not self._done.is_set():
            self._queue.hurry(lambda: self._done.wait(timeout))
        if self.payload is not None:
            return str(self.payload["id"])
        if self.error is not None:
            raise TaskbadgerException(
                f"The task could not be created: {self.error}"
            ) from self.error
        raise TaskbadgerException(
            f"The task was not created within {timeout} seconds; is the API slow?"
        )

    def _finish(
        self, payload: dict[str, Any] | None, error: Exception | None = None
    ) -> None:
        self.payload, self.error = payload, error
        self._done.set()


# A queued task is known by its id, or by its creation while it has none.
_Key = str | PendingCreation


class _Step:
    """One request's worth of a task's queued changes."""

    __slots__ = ("create_headers", "extend", "fields")

    def __init__(
        self,
        fields: dict[str, Any],
        extend: frozenset[str] = frozenset(),
        create_headers: dict[str, str] | None = None,
    ) -> None:
        self.fields = fields
        # Fields to merge into the API's values instead of replacing them.
        self.extend = set() if create_headers is not None else set(extend)
        # Set on a creation: the headers of its POST.
        self.create_headers = create_headers

    @property
    def creates(self) -> bool:
        return self.create_headers is not None

    def merge(self, fields: dict[str, Any], extend: frozenset[str]) -> None:
        for key, value in fields.items():
            current = self.fields.get(key)
            # A patch extends the API's value only while nothing whole replaced it.
            extends = key in extend and (key in self.extend or key not in self.fields)
            if key in _MERGED_FIELDS and isinstance(current, dict):
                value = {**current, **value} if isinstance(value, dict) else value
            self.fields[key] = value
            if extends and not self.creates:
                self.extend.add(key)
            else:
                self.extend.discard(key)


class _Update:
    """The queued changes of one task, and the settings to send them with."""

    __slots__ = ("settings", "steps")

    def __init__(
        self,
        settings: Settings,
        fields: dict[str, Any],
        extend: frozenset[str] = frozenset(),
        create_headers: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.steps = [_Step(dict(fields), extend, create_headers)]

    @property
    def fields(self) -> dict[str, Any]:
        """The fields of the last step: what the task will look like."""
        return self.steps[-1].fields

    def merge(
        self,
        settings: Settings,
        fields: dict[str, Any],
        extend: frozenset[str] = frozenset(),
    ) -> None:
        self.settings = settings
        last = self.steps[-1]
        status = fields.get("status")
        changes_status = status is not None and last.fields.get("status") not in (
            None,
            status,
        )
        if changes_status and not last.creates and len(self.steps) < MAX_STEPS_PER_TASK:
            self.steps.append(_Step(dict(fields), extend))
        else:
            last.merge(fields, extend)


class BackgroundDelivery:
    """A queue of task creations and updates, and the threads that send them.

    Args:
        max_pending: How many tasks may wait at once.
        interval: Seconds to pause between rounds of sending.
        max_concurrent: How many requests may be in flight at once.
    """

    def __init__(
        self,
        max_pending: int = MAX_PENDING_TASKS,
        interval: float = SEND_INTERVAL,
        max_concurrent: int = MAX_CONCURRENT_REQUESTS,
    ) -> None:
        self.max_pending = max_pending
        self.interval = interval
        self.max_concurrent = max(1, max_concurrent)
        self._reset()

    def _reset(self) -> None:
        """Starts afresh: no queue, no threads, a lock nobody holds."""
        lock = threading.Lock()
        self._condition = threading.Condition(lock)
        # Helpers wait on a condition of their own, so that the rest of the
        # traffic on the lock does not wake them all for nothing.
        self._round_filled = threading.Condition(lock)
        self._pending: dict[_Key, _Update] = {}
        self._round: collections.deque[tuple[_Key, _Update]] = collections.deque()
        self._sending = 0
        self._hurrying = 0
        self._dropped = 0
        # Whether the sending thread sleeps until something is queued: the only
        # time queueing has to wake it, since waking a thread costs the caller.
        self._awaiting_work = False
        self._thread: threading.Thread | None = None
        self._helpers = 0

    def after_fork_in_child(self) -> None:
        """Forgets the parent's queue and threads: the parent sends its own."""
        self._reset()

    def enqueue(
        self,
        settings: Settings,
        task: str | PendingCreation,
        fields: dict[str, Any],
        extend: frozenset[str] = frozenset(),
    ) -> bool:
        """Queues an update of a task, merging it with what already waits.

        Args:
            settings: The settings to send it with.
            task: The task's id, or its pending creation.
            fields: The fields to change, as the API takes them.
            extend: Names of ``data`` and ``tags`` when their values extend what
                the API has rather than replace it.

        Returns:
            False when the queue was full and the update was dropped.
        """
        with self._condition:
            key: _Key = task
            # Once created, a task is queued by its id, unless changes queued
            # before that still wait: they go first, so these join them.
            created_id = task.task_id if isinstance(task, PendingCreation) else None
            if created_id is not None and task not in self._pending:
                key = created_id
            waiting = self._pending.get(key)
            if waiting is not None:
                waiting.merge(settings, fields, extend)
                accepted = True
            else:
                accepted = self._add(key, _Update(settings, fields, extend))
        return self._accepted(accepted, f"an update of task {_describe(key)}")

    def enqueue_create(
        self, settings: Settings, body: dict[str, Any], headers: dict[str, str]
    ) -> PendingCreation | None:
        """Queues the creation of a task.

        Returns:
            The pending creation, or None when the queue was full.
        """
        creation = PendingCreation(self)
        update = _Update(settings, body, create_headers=headers)
        with self._condition:
            accepted = self._add(creation, update)
        name = body.get("name")
        if not self._accepted(accepted, f"the creation of task {name!r}"):
            return None
        return creation

    def _add(self, key: _Key, update: _Update) -> bool:
        """Adds a task to the queue; the caller holds the lock."""
        if len(self._pending) >= self.max_pending:
            self._dropped += 1
            return False
        self._pending[key] = update
        if self._awaiting_work:
            self._awaiting_work = False
            self._condition.notify_all()
        return True

    def _accepted(self, accepted: bool, what: str) -> bool:
        if not accepted:
            # Logged outside the lock; the count keeps repeated drops readable.
            logger.warning(
                "The update queue is full (%d tasks); dropped %s (%d dropped so far)",
                self.max_pending,
                what,
                self._dropped,
            )
            return False
        self._ensure_worker()
        return True

    def flush(self, timeout: float | None = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Waits until everything queued has been sent (or has failed).

        Args:
            timeout: Seconds to wait at most; None waits as long as it takes.

        Returns:
            True when the queue emptied, False when the timeout came first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._condition:
            if self._idle():
                return True
            self._hurrying += 1
            self._condition.notify_all()
            try:
                while not self._idle():
                    remaining = _remaining(deadline)
                    if remaining is not None and remaining <= 0:
                        return False
                    self._condition.wait(remaining)
                return True
            finally:
                self._hurrying -= 1

    def hurry(self, wait: Callable[[], object]) -> None:
        """Sends without pausing between rounds while ``wait()`` runs."""
        with self._condition:
            self._hurrying += 1
            self._condition.notify_all()
        try:
            wait()
        finally:
            with self._condition:
                self._hurrying -= 1

    def pending(self) -> int:
        """How many tasks have changes waiting or being sent."""
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
                    lambda: self._hurrying > 0, timeout=self.interval
                )
                while not self._pending:
                    self._awaiting_work = True
                    self._condition.wait()
                self._awaiting_work = False

    def _send_round(self) -> None:
        """Sends every task waiting now, and returns when all are sent.

        A round ends before the next begins, so a task's changes queued during
        a round are sent after those already on their way.
        """
        with self._condition:
            batch, self._pending = self._pending, {}
            self._sending = len(batch)
            self._round.extend(batch.items())
            self._round_filled.notify(max(0, len(batch) - 1))
        self._start_helpers(len(batch) - 1)
        self._send_from_round()
        with self._condition:
            self._condition.wait_for(lambda: self._sending == 0)

    def _start_helpers(self, wanted: int) -> None:
        while self._helpers < min(wanted, self.max_concurrent - 1):
            thread = threading.Thread(
                target=self._help, name="taskbadger-delivery-helper", daemon=True
            )
            try:
                thread.start()
            except RuntimeError:
                # Interpreter shutdown: the round's own thread sends everything.
                return
            self._helpers += 1

    def _help(self) -> None:
        while True:
            with self._round_filled:
                self._round_filled.wait_for(lambda: bool(self._round))
            self._send_from_round()

    def _send_from_round(self) -> None:
        while True:
            with self._condition:
                if not self._round:
                    return
                key, update = self._round.popleft()
            try:
                _send(key, update)
            except Exception as exc:
                # The thread must outlive any surprise, or nothing is sent again.
                logger.exception("Could not deliver task %s", _describe(key))
                if isinstance(key, PendingCreation) and not key.done():
                    key._finish(None, exc)
            finally:
                with self._condition:
                    self._sending -= 1
                    # Everyone waiting on it waits for the round to end.
                    if self._sending == 0:
                        self._condition.notify_all()


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _describe(key: _Key) -> str:
    if isinstance(key, str):
        return key
    return key.task_id or "not yet created"


def _send(key: _Key, update: _Update) -> None:
    """Sends one task's steps in order; failures are logged, never raised."""
    settings = update.settings
    task_id = key if isinstance(key, str) else key.task_id
    for step in update.steps:
        if step.creates:
            assert isinstance(key, PendingCreation)
            task_id = _send_create(key, step, settings)
        elif task_id is None:
            error = key.error if isinstance(key, PendingCreation) else None
            logger.warning(
                "Could not deliver an update of a task that was not created: %s",
                error,
            )
            return
        else:
            _send_update(task_id, step, settings)
        if task_id is None:
            return


def _send_create(
    creation: PendingCreation, step: _Step, settings: Settings
) -> str | None:
    try:
        payload = _http.request(
            "POST",
            settings.tasks_path,
            json=step.fields,
            headers=step.create_headers or None,
            settings=settings,
        )
    except Exception as exc:
        # The caller has moved on; failures can only be reported, never raised.
        logger.warning("Could not create task %r: %s", step.fields.get("name"), exc)
        creation._finish(None, exc)
        return None
    if not isinstance(payload, dict) or "id" not in payload:
        error = TaskbadgerException(
            f"The API answered the creation of task {step.fields.get('name')!r} "
            f"without a task id: {payload!r}"
        )
        logger.warning("%s", error)
        creation._finish(None, error)
        return None
    creation._finish(dict(payload))
    return creation.task_id


def _send_update(task_id: str, step: _Step, settings: Settings) -> None:
    path = f"{settings.tasks_path}{quote(task_id, safe='')}/"
    try:
        fields = step.fields
        if step.extend:
            current = _http.request("GET", path, settings=settings)
            fields = _extended(fields, step.extend, current)
        _http.request("PATCH", path, json=fields, settings=settings)
    except Exception as exc:
        logger.warning("Could not deliver an update of task %s: %s", task_id, exc)


def _extended(
    fields: dict[str, Any], extend: set[str], current: dict[str, Any]
) -> dict[str, Any]:
    """The fields, with the values marked to extend merged into the API's."""
    merged = dict(fields)
    for key in extend & fields.keys():
        base = current.get(key)
        if isinstance(base, dict) and isinstance(fields[key], dict):
            merged[key] = {**base, **fields[key]}
    return merged


_delivery = BackgroundDelivery()
os.register_at_fork(after_in_child=_delivery.after_fork_in_child)


def enqueue(
    settings: Settings,
    task: str | PendingCreation,
    fields: dict[str, Any],
    extend: frozenset[str] = frozenset(),
) -> bool:
    """Queues an update of a task for the background threads."""
    return _delivery.enqueue(settings, task, fields, extend)


def enqueue_create(
    settings: Settings, body: dict[str, Any], headers: dict[str, str]
) -> PendingCreation | None:
    """Queues the creation of a task for the background threads."""
    return _delivery.enqueue_create(settings, body, headers)


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
